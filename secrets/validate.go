package secrets

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// MaxSecretSize is the most data a Secret may hold: the sum of the lengths of
// its values, 1 MiB (MaxSecretSize in k8s.io/kubernetes pkg/apis/core/types.go).
const MaxSecretSize = 1 << 20

// CheckKey returns *KeyError when key cannot be a Secret data key: the API
// server accepts [-._a-zA-Z0-9]+ of at most 253 characters, except ".", ".."
// and names starting with ".." (IsConfigMapKey in k8s.io/apimachinery).
func CheckKey(key string) error {
	if reasons := validation.IsConfigMapKey(key); len(reasons) > 0 {
		return &KeyError{Key: key, Reasons: reasons}
	}
	return nil
}

// Validate checks secret as kube-apiserver 1.36 does on create (ValidateSecret
// in pkg/apis/core/validation/validation.go): the metadata (name a DNS
// subdomain, namespace a DNS label when set, labels and annotations), every
// key, the total size, and what each standard type requires:
//
//   - kubernetes.io/service-account-token: the annotation
//     kubernetes.io/service-account.name;
//   - kubernetes.io/dockercfg: .dockercfg holding a JSON object;
//   - kubernetes.io/dockerconfigjson: .dockerconfigjson holding a JSON object;
//   - kubernetes.io/basic-auth: username or password present;
//   - kubernetes.io/ssh-auth: a non-empty ssh-privatekey;
//   - kubernetes.io/tls: tls.crt and tls.key present (the server does not
//     parse them; the TLS builder does).
//
// stringData is merged over data first, as the server does. The namespace may
// be empty: the client call supplies it. Problems come back joined in an
// *InvalidSecretError; values never appear in it.
func Validate(secret *corev1.Secret) error {
	if secret == nil {
		return &InputError{Field: "secret", Reason: "is nil"}
	}
	var problems []error
	metaPath := field.NewPath("metadata")
	objectMeta := secret.ObjectMeta
	if objectMeta.Name == "" && objectMeta.GenerateName != "" {
		// The server generates the name before it validates: the prefix, cut
		// to 58 characters, and 5 random ones (names.SimpleNameGenerator).
		objectMeta.Name = objectMeta.GenerateName[:min(len(objectMeta.GenerateName), 58)] + "xxxxx"
	}
	for _, fe := range apivalidation.ValidateObjectMeta(&objectMeta, secret.Namespace != "", apivalidation.NameIsDNSSubdomain, metaPath) {
		problems = append(problems, &FieldError{Field: fe.Field, Reason: fe.ErrorBody()})
	}
	data := mergedData(secret)
	problems = append(problems, checkData(data)...)
	problems = append(problems, checkType(secret.Type, data, secret.Annotations)...)
	if len(problems) == 0 {
		return nil
	}
	return &InvalidSecretError{Name: displayName(secret), Err: errors.Join(problems...)}
}

// checkData checks every key and the total size, in key order.
func checkData(data map[string][]byte) []error {
	var problems []error
	total := 0
	for _, key := range sortedKeys(data) {
		if err := CheckKey(key); err != nil {
			problems = append(problems, err)
		}
		total += len(data[key])
	}
	if total > MaxSecretSize {
		problems = append(problems, &SizeError{Size: total, Limit: MaxSecretSize})
	}
	return problems
}

func checkType(secretType corev1.SecretType, data map[string][]byte, annotations map[string]string) []error {
	required := func(path string) error { return &FieldError{Field: path, Reason: "Required value"} }
	switch secretType {
	case corev1.SecretTypeServiceAccountToken:
		if annotations[corev1.ServiceAccountNameKey] == "" {
			return []error{required("metadata.annotations[" + corev1.ServiceAccountNameKey + "]")}
		}
	case corev1.SecretTypeDockercfg:
		return checkJSONObject(data, corev1.DockerConfigKey)
	case corev1.SecretTypeDockerConfigJson:
		return checkJSONObject(data, corev1.DockerConfigJsonKey)
	case corev1.SecretTypeBasicAuth:
		_, user := data[corev1.BasicAuthUsernameKey]
		_, password := data[corev1.BasicAuthPasswordKey]
		if !user && !password {
			return []error{required("data[username]"), required("data[password]")}
		}
	case corev1.SecretTypeSSHAuth:
		if len(data[corev1.SSHAuthPrivateKey]) == 0 {
			return []error{required("data[" + corev1.SSHAuthPrivateKey + "]")}
		}
	case corev1.SecretTypeTLS:
		var problems []error
		for _, key := range []string{corev1.TLSCertKey, corev1.TLSPrivateKeyKey} {
			if _, ok := data[key]; !ok {
				problems = append(problems, required("data["+key+"]"))
			}
		}
		return problems
	}
	return nil
}

// checkJSONObject requires data[key] to decode into a JSON object, as the
// server does. The reason names the byte offset of a syntax error but never
// quotes the content.
func checkJSONObject(data map[string][]byte, key string) []error {
	path := "data[" + key + "]"
	raw, ok := data[key]
	if !ok {
		return []error{&FieldError{Field: path, Reason: "Required value"}}
	}
	if err := json.Unmarshal(raw, &map[string]any{}); err != nil {
		reason := "is not a JSON object"
		var syntax *json.SyntaxError
		if errors.As(err, &syntax) {
			reason = fmt.Sprintf("is not valid JSON (syntax error at byte %d)", syntax.Offset)
		}
		return []error{&FieldError{Field: path, Reason: reason}}
	}
	return nil
}

// mergedData is data with stringData written over it, which is what the API
// server stores.
func mergedData(secret *corev1.Secret) map[string][]byte {
	if len(secret.StringData) == 0 {
		return secret.Data
	}
	data := make(map[string][]byte, len(secret.Data)+len(secret.StringData))
	for k, v := range secret.Data {
		data[k] = v
	}
	for k, v := range secret.StringData {
		data[k] = []byte(v)
	}
	return data
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func displayName(secret *corev1.Secret) string {
	name := secret.Name
	if name == "" && secret.GenerateName != "" {
		name = secret.GenerateName + "*"
	}
	if secret.Namespace != "" {
		return secret.Namespace + "/" + name
	}
	return name
}
