package secrets

import (
	"maps"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Meta is what every builder needs besides the values: the Secret's name and
// namespace, its labels and annotations, and two choices. The zero Meta is not
// enough: Name is required.
type Meta struct {
	// Name of the Secret; with AppendHash, the part before the hash.
	Name string
	// Namespace may be empty; the client call supplies it then.
	Namespace string
	// Labels and Annotations are copied into the Secret.
	Labels      map[string]string
	Annotations map[string]string
	// Immutable sets immutable: true. Nobody can then change the data (not
	// even Ensure, unless told to delete and recreate); the kubelet stops
	// watching the Secret.
	Immutable bool
	// AppendHash appends the content hash kubectl create secret --append-hash
	// appends (see Hash), after the data and Immutable are set.
	AppendHash bool
}

// build assembles the Secret, appends the hash when asked and validates the
// result as the API server would.
func (m Meta) build(secretType corev1.SecretType, data map[string][]byte, extraAnnotations map[string]string) (*corev1.Secret, error) {
	secret := &corev1.Secret{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
		ObjectMeta: metav1.ObjectMeta{
			Name:        m.Name,
			Namespace:   m.Namespace,
			Labels:      maps.Clone(m.Labels),
			Annotations: maps.Clone(m.Annotations),
		},
		Type: secretType,
		Data: data,
	}
	if len(extraAnnotations) > 0 {
		if secret.Annotations == nil {
			secret.Annotations = map[string]string{}
		}
		maps.Copy(secret.Annotations, extraAnnotations)
	}
	if m.Immutable {
		immutable := true
		secret.Immutable = &immutable
	}
	if m.Name == "" {
		return nil, &InvalidSecretError{Name: "", Err: &FieldError{Field: "metadata.name", Reason: "Required value"}}
	}
	if m.AppendHash {
		if err := AppendHash(secret); err != nil {
			return nil, err
		}
	}
	if err := Validate(secret); err != nil {
		return nil, err
	}
	return secret, nil
}
