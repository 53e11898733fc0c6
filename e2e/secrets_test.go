package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubeprim/kubeprim/secrets"
)

func getSecret(t *testing.T, ns, name string) *corev1.Secret {
	t.Helper()
	s, err := kube.Client().CoreV1().Secrets(ns).Get(t.Context(), name, metav1.GetOptions{})
	require.NoError(t, err)
	return s
}

// assertKept checks that every key of before is in after with the same
// bytes.
func assertKept(t *testing.T, before, after *corev1.Secret) {
	t.Helper()
	for k, v := range before.Data {
		if assert.Contains(t, after.Data, k) {
			assert.True(t, bytes.Equal(v, after.Data[k]), "value of %s changed", k)
		}
	}
}

// Ensure, applied again and again and after hand edits, keeps every value
// on the real API server and writes only when something is missing.
func TestSecretsEnsureKeepsEveryValue(t *testing.T) {
	ns := newNamespace(t, "secrets")
	ctx := t.Context()
	desired := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: ns, Labels: map[string]string{"app": "shop"}},
		Type:       corev1.SecretTypeBasicAuth,
		Data:       map[string][]byte{corev1.BasicAuthUsernameKey: []byte("shop")},
	}
	opts := secrets.EnsureOptions{Generate: map[string]secrets.Generator{
		corev1.BasicAuthPasswordKey: secrets.RandomValue(secrets.AlphaNumeric, 32),
	}}

	report, err := secrets.Ensure(ctx, kube.Client(), desired, opts)
	require.NoError(t, err)
	assert.Equal(t, []string{corev1.BasicAuthPasswordKey, corev1.BasicAuthUsernameKey}, report.Added)
	first := getSecret(t, ns, "db")
	assert.Len(t, first.Data[corev1.BasicAuthPasswordKey], 32)
	assert.Equal(t, first.ResourceVersion, report.ResourceVersion)

	for range 3 {
		report, err = secrets.Ensure(ctx, kube.Client(), desired, opts)
		require.NoError(t, err)
		assert.False(t, report.Changed(), "nothing to do: %+v", report)
		now := getSecret(t, ns, "db")
		assert.Equal(t, first.ResourceVersion, now.ResourceVersion, "no write when nothing changes")
		assertKept(t, first, now)
	}

	// By hand: a key added, the generated password rotated, the fixed
	// username changed.
	edited := first.DeepCopy()
	edited.Data["note"] = []byte("added by ops")
	edited.Data[corev1.BasicAuthPasswordKey] = []byte("rotated-by-hand")
	edited.Data[corev1.BasicAuthUsernameKey] = []byte("shop-admin")
	edited, err = kube.Client().CoreV1().Secrets(ns).Update(ctx, edited, metav1.UpdateOptions{})
	require.NoError(t, err)

	// A new generated key is added; everything else stays as edited.
	opts.Generate["api-key"] = secrets.RandomValue(secrets.AlphaNumeric, 24)
	report, err = secrets.Ensure(ctx, kube.Client(), desired, opts)
	require.NoError(t, err)
	assert.Equal(t, []string{"api-key"}, report.Added)
	assert.Equal(t, []string{"note"}, report.Unmanaged)
	assert.Equal(t, []string{corev1.BasicAuthUsernameKey}, report.Drifted)
	now := getSecret(t, ns, "db")
	assertKept(t, edited, now)
	assert.Len(t, now.Data["api-key"], 24)

	// Only a named key is regenerated.
	report, err = secrets.Ensure(ctx, kube.Client(), desired, secrets.EnsureOptions{Generate: opts.Generate, Regenerate: []string{"api-key"}})
	require.NoError(t, err)
	assert.Equal(t, []string{"api-key"}, report.Regenerated)
	after := getSecret(t, ns, "db")
	assert.NotEqual(t, now.Data["api-key"], after.Data["api-key"])
	delete(now.Data, "api-key")
	assertKept(t, now, after)
}

// Writers racing on one Secret through the real API server's optimistic
// concurrency all end with the same values: one creates, the others keep
// them (retrying on conflicts), none overwrites another's password. Every
// conflict means another writer's write went through, and each writer
// writes once, so writers+1 attempts are always enough.
func TestSecretsEnsureConcurrentWriters(t *testing.T) {
	ns := newNamespace(t, "secrets-race")
	const writers = 6
	var wg sync.WaitGroup
	errs := make([]error, writers)
	for i := range writers {
		wg.Go(func() {
			desired := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "shared", Namespace: ns}, Type: corev1.SecretTypeOpaque}
			_, errs[i] = secrets.Ensure(t.Context(), kube.Client(), desired, secrets.EnsureOptions{
				MaxAttempts: writers + 1,
				Generate: map[string]secrets.Generator{
					"token":                     secrets.RandomValue(secrets.AlphaNumeric, 32),
					fmt.Sprintf("writer-%d", i): secrets.FixedValue(fmt.Appendf(nil, "%d", i)),
				},
			})
		})
	}
	wg.Wait()
	for i, err := range errs {
		assert.NoError(t, err, "writer %d", i)
	}
	final := getSecret(t, ns, "shared")
	assert.Len(t, final.Data, writers+1, "every writer's key and one token")
	for i := range writers {
		assert.Equal(t, fmt.Sprint(i), string(final.Data[fmt.Sprintf("writer-%d", i)]))
	}
	// The token is the one value every writer saw: a last Ensure keeps it.
	report, err := secrets.Ensure(t.Context(), kube.Client(), &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "shared", Namespace: ns}, Type: corev1.SecretTypeOpaque,
	}, secrets.EnsureOptions{Generate: map[string]secrets.Generator{"token": secrets.RandomValue(secrets.AlphaNumeric, 32)}})
	require.NoError(t, err)
	assert.False(t, report.Changed())
	assert.Equal(t, final.Data["token"], getSecret(t, ns, "shared").Data["token"])
}

// The API server's own refusals: an immutable Secret's data and a Secret's
// type cannot change in place. Ensure refuses first with a typed error, and
// when allowed to recreate, keeps the values.
func TestSecretsEnsureImmutableAndTypeChange(t *testing.T) {
	ns := newNamespace(t, "secrets-immutable")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	client := kube.Client()
	_, err := client.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "frozen"}, Immutable: ptr.To(true),
		Data: map[string][]byte{"a": []byte("1")},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	desired := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "frozen", Namespace: ns}, Type: corev1.SecretTypeOpaque,
		Data: map[string][]byte{"b": []byte("2")}}

	// The API server refuses the change itself...
	direct := getSecret(t, ns, "frozen")
	direct.Data["b"] = []byte("2")
	_, err = client.CoreV1().Secrets(ns).Update(ctx, direct, metav1.UpdateOptions{})
	require.True(t, apierrors.IsInvalid(err), "the API server refuses: %v", err)
	// ...and Ensure says so before trying.
	_, err = secrets.Ensure(ctx, client, desired, secrets.EnsureOptions{})
	var immutable *secrets.ImmutableError
	require.True(t, errors.As(err, &immutable), "want *ImmutableError, got %v", err)
	report, err := secrets.Ensure(ctx, client, desired, secrets.EnsureOptions{AllowRecreate: true})
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, report.Added)
	now := getSecret(t, ns, "frozen")
	assert.Equal(t, "1", string(now.Data["a"]))
	assert.Equal(t, "2", string(now.Data["b"]))

	// A type change, likewise.
	tls := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "frozen", Namespace: ns}, Type: corev1.SecretTypeBasicAuth,
		Data: map[string][]byte{corev1.BasicAuthUsernameKey: []byte("u")}}
	_, err = secrets.Ensure(ctx, client, tls, secrets.EnsureOptions{})
	var typeErr *secrets.TypeError
	require.True(t, errors.As(err, &typeErr), "want *TypeError, got %v", err)
	_, err = secrets.Ensure(ctx, client, tls, secrets.EnsureOptions{AllowTypeChange: true, AllowRecreate: true})
	require.NoError(t, err)
	now = getSecret(t, ns, "frozen")
	assert.Equal(t, corev1.SecretTypeBasicAuth, now.Type)
	assert.Equal(t, "1", string(now.Data["a"]), "values survive the recreation")
}
