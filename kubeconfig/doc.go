// Package kubeconfig makes, reads, checks and writes kubeconfig files, and
// makes a working kubeconfig for a ServiceAccount in one verified call. It
// works on client-go's clientcmd/api types, so everything it returns goes
// straight to clientcmd, kubectl and any client-go program.
//
// # ServiceAccounts
//
// ForServiceAccount does what otherwise takes kubectl create serviceaccount,
// create rolebinding, create token and four kubectl config commands: it
// ensures the ServiceAccount (or requires it), optionally binds it a
// ClusterRole in its namespace or cluster-wide, or custom rules as a Role,
// gets a token from the TokenRequest API (one hour unless told, never below
// the API's ten-minute minimum) or, when asked, from a legacy token Secret
// that it waits for by watching, takes the CA from the namespace's
// kube-root-ca.crt ConfigMap, and with Verify proves the result with a
// SelfSubjectReview made with the new credentials. A Forbidden answer at any
// step becomes a *PermissionError naming the verb and resource the caller
// lacks. Objects it creates carry app.kubernetes.io/managed-by=kubeprim, and
// it never widens a binding it did not create. Package kubeconfigtest gives
// client-go's fake clientset the TokenRequest, SelfSubjectReview and token
// controller behaviour this needs, for tests.
//
// # Building
//
// New, ForToken, ForTokenFile, ForClientCertificate, ForClientCertificateFiles
// and ForKeyPair build a kubeconfig with one cluster, one user and one
// context named "<user>@<cluster>", the current one, as kubeadm names them.
// ForPKIUser issues a client certificate from a certs.PKI for a user, and
// ForKubeadm makes kubeadm's admin, super-admin, kubelet, controller-manager
// and scheduler kubeconfigs. Inline data is checked when the config is
// built: the CA must be PEM certificates and a client certificate must match
// its key.
//
// # Reading and reshaping
//
// Load reads files as kubectl does (--kubeconfig, else $KUBECONFIG merged by
// client-go's rules, else ~/.kube/config), LoadFiles merges a given list,
// LoadFile reads one, Parse decodes bytes; a bad file is a *FileError naming
// it. Minify keeps the current context only; Flatten inlines every file a
// config references, tokenFile included (client-go's FlattenConfig leaves
// it); Validate reports everything clientcmd.Validate does and more;
// Expiry tells when each user's token (its exp claim, read without trusting
// it) or client certificate expires. None of these change their input.
//
// # Writing
//
// Write stores a kubeconfig atomically (temporary file in the same directory,
// fsync, rename, fsync of the directory) with mode 0600, also when the file
// existed with wider permissions, which clientcmd.WriteToFile keeps. A reader
// sees the old file or the new one, never a torn one, and a failed Write
// leaves nothing behind. WriteFiles writes several into one directory.
//
// # Secrets
//
// Tokens, passwords and private keys never appear in this package's errors,
// log lines (logr from the context, V(1)) or events. Redact returns a copy
// with every secret replaced by REDACTED; Safe wraps a config so that any fmt
// verb, encoding/json and logr print only its redacted form, as kubectl
// config view shows it. clientcmdapi.AuthInfo itself has no such protection:
// never print one with %v.
//
// # What it does not do
//
// It does not run exec or auth-provider plugins, refresh tokens, or modify
// kubeconfig files in place the way kubectl config set-* does; it does not
// check token signatures (the API server does, and Verify asks it).
//
// # Concurrency
//
// Functions are synchronous and safe for concurrent use on distinct
// configs; all goroutines they start end before they return.
// ServiceAccountOptions.OnEvent is called on the caller's goroutine.
package kubeconfig
