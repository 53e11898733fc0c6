package secrets

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestValidate follows ValidateSecret (k8s.io/kubernetes v1.36.3,
// pkg/apis/core/validation/validation.go): what each type requires, keys,
// the 1 MiB total, and the metadata.
func TestValidate(t *testing.T) {
	t.Parallel()
	meta := metav1.ObjectMeta{Name: "s", Namespace: "ns"}
	withData := func(secretType corev1.SecretType, data map[string][]byte) *corev1.Secret {
		return &corev1.Secret{ObjectMeta: meta, Type: secretType, Data: data}
	}
	tests := []struct {
		name    string
		secret  *corev1.Secret
		valid   bool
		problem string // a FieldError's field, or "key", or "size"
	}{
		{"opaque, no data", withData(corev1.SecretTypeOpaque, nil), true, ""},
		{"empty type is opaque", withData("", map[string][]byte{"a": nil}), true, ""},
		{"custom type needs nothing", withData("example.com/custom", nil), true, ""},
		{"no name", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "ns"}}, false, "metadata.name"},
		{"generateName stands for a name", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{GenerateName: "s-", Namespace: "ns"}}, true, ""},
		{"name not a DNS subdomain", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "Bad_Name"}}, false, "metadata.name"},
		{"namespace not a DNS label", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "a.b"}}, false, "metadata.namespace"},
		{"invalid label", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Labels: map[string]string{"a": "-bad-"}}}, false, "metadata.labels"},
		{"key with slash", withData("", map[string][]byte{"a/b": nil}), false, "key"},
		{"key dot", withData("", map[string][]byte{".": nil}), false, "key"},
		{"key dotdot prefix", withData("", map[string][]byte{"..a": nil}), false, "key"},
		{"empty key", withData("", map[string][]byte{"": nil}), false, "key"},
		{"key of 254 characters", withData("", map[string][]byte{strings.Repeat("k", 254): nil}), false, "key"},
		{"key of 253 characters", withData("", map[string][]byte{strings.Repeat("k", 253): nil}), true, ""},
		{"exactly 1 MiB", withData("", map[string][]byte{"a": make([]byte, MaxSecretSize)}), true, ""},
		{"over 1 MiB", withData("", map[string][]byte{"a": make([]byte, MaxSecretSize-1), "b": {1, 2}}), false, "size"},
		{"stringData counts", &corev1.Secret{ObjectMeta: meta, StringData: map[string]string{"a/b": "x"}}, false, "key"},
		{"sa token without annotation", withData(corev1.SecretTypeServiceAccountToken, nil), false, "metadata.annotations[kubernetes.io/service-account.name]"},
		{"sa token with annotation", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Annotations: map[string]string{corev1.ServiceAccountNameKey: "sa"}}, Type: corev1.SecretTypeServiceAccountToken}, true, ""},
		{"dockercfg missing", withData(corev1.SecretTypeDockercfg, nil), false, "data[.dockercfg]"},
		{"dockercfg not JSON", withData(corev1.SecretTypeDockercfg, map[string][]byte{".dockercfg": []byte("sup3rs3cret")}), false, "data[.dockercfg]"},
		{"dockerconfigjson missing", withData(corev1.SecretTypeDockerConfigJson, nil), false, "data[.dockerconfigjson]"},
		{"dockerconfigjson an array", withData(corev1.SecretTypeDockerConfigJson, map[string][]byte{".dockerconfigjson": []byte(`["sup3rs3cret"]`)}), false, "data[.dockerconfigjson]"},
		{"dockerconfigjson any object", withData(corev1.SecretTypeDockerConfigJson, map[string][]byte{".dockerconfigjson": []byte(`{}`)}), true, ""},
		{"basic-auth with neither", withData(corev1.SecretTypeBasicAuth, map[string][]byte{"other": nil}), false, "data[username]"},
		{"basic-auth with an empty password", withData(corev1.SecretTypeBasicAuth, map[string][]byte{"password": {}}), true, ""},
		{"ssh-auth empty key", withData(corev1.SecretTypeSSHAuth, map[string][]byte{"ssh-privatekey": {}}), false, "data[ssh-privatekey]"},
		{"tls missing key", withData(corev1.SecretTypeTLS, map[string][]byte{"tls.crt": []byte("x")}), false, "data[tls.key]"},
		{"tls content is not parsed by the server", withData(corev1.SecretTypeTLS, map[string][]byte{"tls.crt": nil, "tls.key": nil}), true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := Validate(tc.secret)
			if tc.valid {
				assert.NoError(t, err)
				return
			}
			var invalid *InvalidSecretError
			require.ErrorAs(t, err, &invalid)
			assert.NotContains(t, err.Error(), "sup3rs3cret", "errors never quote values")
			switch tc.problem {
			case "key":
				var keyErr *KeyError
				assert.ErrorAs(t, err, &keyErr)
			case "size":
				var sizeErr *SizeError
				assert.ErrorAs(t, err, &sizeErr)
			default:
				var fieldErr *FieldError
				require.ErrorAs(t, err, &fieldErr)
				assert.True(t, strings.HasPrefix(fieldErr.Field, tc.problem), "field %q, want %q", fieldErr.Field, tc.problem)
			}
		})
	}
	assert.Error(t, Validate(nil))
}

func TestCheckKey(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"a", "tls.crt", ".dockerconfigjson", "A_B-c.d", ".a..b"} {
		assert.NoError(t, CheckKey(key), key)
	}
	for _, key := range []string{"", ".", "..", "...ok", "a b", "a/b", "ä"} {
		var keyErr *KeyError
		if assert.ErrorAs(t, CheckKey(key), &keyErr, key) {
			assert.Equal(t, key, keyErr.Key)
			assert.NotEmpty(t, keyErr.Reasons)
		}
	}
}
