package secrets

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestHashMatchesKubectl compares with hashes computed by kubectl v0.36.3's
// own hash.SecretHash (k8s.io/kubectl/pkg/util/hash) on the same Secrets, in
// a throwaway program outside this module.
func TestHashMatchesKubectl(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	appData := map[string][]byte{"password": []byte("s3cr3t"), "user": []byte("admin")}
	tests := []struct {
		name   string
		secret *corev1.Secret
		want   string
	}{
		{"empty data", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "empty"}, Data: map[string][]byte{}}, "9299t6m7c4"},
		{"nil data", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "nil-data"}}, "t872tgbbtt"},
		{"opaque", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app"}, Type: corev1.SecretTypeOpaque, Data: appData}, "gdbg985m5g"},
		{"immutable", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app"}, Type: corev1.SecretTypeOpaque, Data: appData, Immutable: &yes}, "746gdh689m"},
		{"immutable false", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app"}, Type: corev1.SecretTypeOpaque, Data: appData, Immutable: &no}, "dd8242fb8f"},
		{"binary and HTML characters", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "bin"}, Data: map[string][]byte{"blob": {0, 1, 2, 255, '<', '>', '&'}}}, "t4428tfm64"},
		{"tls", &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "tls"}, Type: corev1.SecretTypeTLS, Data: map[string][]byte{"tls.crt": []byte("CERT"), "tls.key": []byte("KEY")}}, "9954568749"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Hash(tc.secret)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestAppendHashBuilder(t *testing.T) {
	t.Parallel()
	// kubectl create secret generic app --from-literal=password=s3cr3t
	// --from-literal=user=admin --append-hash names it app-gdbg985m5g.
	secret, err := Opaque(Meta{Name: "app", AppendHash: true}, FromLiteral("password", "s3cr3t"), FromLiteral("user", "admin"))
	require.NoError(t, err)
	assert.Equal(t, "app-gdbg985m5g", secret.Name)

	immutable, err := Opaque(Meta{Name: "app", AppendHash: true, Immutable: true}, FromLiteral("password", "s3cr3t"), FromLiteral("user", "admin"))
	require.NoError(t, err)
	assert.Equal(t, "app-746gdh689m", immutable.Name)
	require.NotNil(t, immutable.Immutable)
	assert.True(t, *immutable.Immutable)

	_, err = Hash(nil)
	var inputErr *InputError
	assert.ErrorAs(t, err, &inputErr)
}
