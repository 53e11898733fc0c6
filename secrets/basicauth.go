package secrets

import corev1 "k8s.io/api/core/v1"

// BasicAuth builds a kubernetes.io/basic-auth Secret with the keys username
// and password. An empty argument leaves its key out; the API server requires
// at least one of the two, so both empty is an error. To have the password
// generated and kept across runs, build with the username only and let
// Ensure generate "password".
func BasicAuth(meta Meta, username, password string) (*corev1.Secret, error) {
	data := map[string][]byte{}
	if username != "" {
		data[corev1.BasicAuthUsernameKey] = []byte(username)
	}
	if password != "" {
		data[corev1.BasicAuthPasswordKey] = []byte(password)
	}
	if len(data) == 0 {
		return nil, &InputError{Field: "username and password", Reason: "are both empty; a basic-auth Secret needs at least one"}
	}
	return meta.build(corev1.SecretTypeBasicAuth, data, nil)
}
