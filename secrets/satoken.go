package secrets

import corev1 "k8s.io/api/core/v1"

// ServiceAccountToken builds a legacy kubernetes.io/service-account-token
// Secret for the ServiceAccount serviceAccount: no data, and the annotation
// kubernetes.io/service-account.name that the API server requires. Create it
// after the ServiceAccount; the token controller then fills token, ca.crt
// and namespace. Such tokens never expire and are never cleaned up when made
// by hand; prefer TokenRequest (kubectl create token) where possible.
// Meta.Immutable is refused: the controller must be able to fill the data.
func ServiceAccountToken(meta Meta, serviceAccount string) (*corev1.Secret, error) {
	if serviceAccount == "" {
		return nil, &InputError{Field: "service account name", Reason: "is empty"}
	}
	if meta.Immutable {
		return nil, &InputError{Field: "immutable", Reason: "would stop the token controller from filling the Secret"}
	}
	return meta.build(corev1.SecretTypeServiceAccountToken, map[string][]byte{},
		map[string]string{corev1.ServiceAccountNameKey: serviceAccount})
}
