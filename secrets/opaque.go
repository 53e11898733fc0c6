package secrets

import corev1 "k8s.io/api/core/v1"

// Opaque builds a Secret of type Opaque from sources, as kubectl create
// secret generic does with --from-literal, --from-file and --from-env-file,
// including --append-hash (Meta.AppendHash) and the same hash. Keys are
// checked as the API server checks them, duplicates are refused, and the
// total must fit in MaxSecretSize.
func Opaque(meta Meta, sources ...Source) (*corev1.Secret, error) {
	return Generic(meta, corev1.SecretTypeOpaque, sources...)
}

// Generic is Opaque with any type (kubectl create secret generic --type): the
// result must still satisfy what the API server requires of that type (see
// Validate). The typed builders (TLS, DockerConfigJSON, BasicAuth, …) also
// check what the values mean; prefer them.
func Generic(meta Meta, secretType corev1.SecretType, sources ...Source) (*corev1.Secret, error) {
	data, err := collect(sources)
	if err != nil {
		return nil, err
	}
	return meta.build(secretType, data, nil)
}
