// Package kubeconfigtest gives client-go's fake clientset the parts of the
// API server that issue and check credentials, which the fake lacks: the
// TokenRequest API (serviceaccounts/token), SelfSubjectReview
// (authentication.k8s.io/v1) answered from the credentials a client was
// built with, and the token controller that fills legacy ServiceAccount
// token Secrets. With it, code that makes kubeconfigs, kubeconfig's
// ForServiceAccount included, is tested end to end without a cluster.
//
// Tokens are JWT-shaped with the claims the API server puts in them (sub,
// aud, exp, iat, nbf, kubernetes.io) but carry a random signature instead
// of a real one: they are only valid for the Authenticator that issued them.
//
// An Authenticator is safe for concurrent use.
package kubeconfigtest
