package kubeconfig_test

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	clienttesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

func tokenSecret(name, sa string, data map[string][]byte, annotations map[string]string) *corev1.Secret {
	ann := map[string]string{corev1.ServiceAccountNameKey: sa}
	for k, v := range annotations {
		ann[k] = v
	}
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: name, Annotations: ann},
		Type:       corev1.SecretTypeServiceAccountToken,
		Data:       data,
	}
}

func TestLegacyTokenFilledByController(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, existingSA())
		require.NoError(t, f.auth.StartTokenController(t.Context(), f.client))

		cfg, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(kubeconfig.ServiceAccountOptions{LegacyToken: true, Verify: true}))
		require.NoError(t, err)

		// The Secret the docs' recipe makes by hand.
		secret, err := f.client.CoreV1().Secrets(testNS).Get(t.Context(), "deployer-token", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, corev1.SecretTypeServiceAccountToken, secret.Type)
		assert.Equal(t, testSA, secret.Annotations[corev1.ServiceAccountNameKey])
		assert.Equal(t, kubeconfig.ManagedByValue, secret.Labels[kubeconfig.ManagedByLabel])
		user := cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo]
		assert.Equal(t, string(secret.Data[corev1.ServiceAccountTokenKey]), user.Token)
		// A legacy token has no expiry.
		exp, err := kubeconfig.Expiry(cfg)
		require.NoError(t, err)
		require.Len(t, exp, 1)
		assert.True(t, exp[0].NotAfter.IsZero())
		assert.Equal(t, testUser, exp[0].Subject)
		assert.Equal(t, []kubeconfig.EventType{
			kubeconfig.EventServiceAccountFound,
			kubeconfig.EventTokenSecretCreated,
			kubeconfig.EventTokenSecretFilled,
			kubeconfig.EventCertificateAuthority,
			kubeconfig.EventVerified,
		}, f.eventTypes())
		for _, a := range f.client.Actions() {
			assert.NotEqual(t, "token", a.GetSubresource(), "TokenRequest used on the legacy path")
		}
	})
}

func TestLegacyTokenNeverFilled(t *testing.T) {
	tests := []struct {
		name     string
		wait     time.Duration
		deadline time.Duration
		existing []runtime.Object
		want     time.Duration
	}{
		{name: "default bound", want: kubeconfig.DefaultLegacyTokenWait},
		{name: "own bound", wait: 20 * time.Second, want: 20 * time.Second},
		{name: "caller's deadline first", wait: time.Minute, deadline: 10 * time.Second, want: 10 * time.Second},
		{
			// Filled for an earlier ServiceAccount of the same name: the
			// controller will delete it, its token is no good.
			name:     "filled for another UID",
			existing: []runtime.Object{tokenSecret("deployer-token", testSA, map[string][]byte{"token": []byte("old")}, map[string]string{corev1.ServiceAccountUIDKey: "old-uid"})},
			want:     kubeconfig.DefaultLegacyTokenWait,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, append([]runtime.Object{existingSA()}, tc.existing...)...)
				ctx := t.Context()
				if tc.deadline > 0 {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, tc.deadline)
					defer cancel()
				}
				start := time.Now()

				cfg, err := kubeconfig.ForServiceAccount(ctx, f.client, f.rest, f.opts(kubeconfig.ServiceAccountOptions{LegacyToken: true, LegacyTokenWait: tc.wait}))

				require.Error(t, err)
				assert.Nil(t, cfg)
				assert.ErrorIs(t, err, kubeconfig.ErrTokenNotIssued)
				assert.ErrorIs(t, err, context.DeadlineExceeded)
				assert.Equal(t, tc.want, time.Since(start))
				assert.NotContains(t, err.Error(), "old")
			})
		})
	}
}

func TestLegacyTokenSecretChecks(t *testing.T) {
	filled := map[string][]byte{"token": []byte("existing-token"), "ca.crt": nil}
	tests := []struct {
		name     string
		existing *corev1.Secret
		wantErr  error
		// reused: the existing token is used without waiting.
		reused bool
	}{
		{name: "Secret for another ServiceAccount", existing: tokenSecret("deployer-token", "someone-else", nil, nil), wantErr: kubeconfig.ErrConflict},
		{name: "Secret of another type", existing: &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "deployer-token", Annotations: map[string]string{corev1.ServiceAccountNameKey: testSA}}, Type: corev1.SecretTypeOpaque}, wantErr: kubeconfig.ErrConflict},
		{name: "filled Secret for this ServiceAccount", existing: tokenSecret("deployer-token", testSA, filled, map[string]string{corev1.ServiceAccountUIDKey: "sa-uid-1"}), reused: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				f := newFixture(t, existingSA(), tc.existing)
				cfg, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(kubeconfig.ServiceAccountOptions{LegacyToken: true}))
				if tc.wantErr != nil {
					require.Error(t, err)
					assert.ErrorIs(t, err, tc.wantErr)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, "existing-token", cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo].Token)
				for _, a := range f.client.Actions() {
					assert.NotEqual(t, "watch", a.GetVerb(), "waited for a filled Secret")
				}
			})
		})
	}
}

func TestLegacyTokenSecretDeletedWhileWaiting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, existingSA())
		go func() {
			time.Sleep(5 * time.Second)
			_ = f.client.CoreV1().Secrets(testNS).Delete(context.Background(), "deployer-token", metav1.DeleteOptions{})
		}()
		start := time.Now()
		_, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(kubeconfig.ServiceAccountOptions{LegacyToken: true}))
		require.Error(t, err)
		assert.NotErrorIs(t, err, kubeconfig.ErrTokenNotIssued)
		assert.Equal(t, 5*time.Second, time.Since(start), "did not notice the deletion at once")
	})
}

// A caller allowed to create and get Secrets but not to watch them still
// gets its token, by reading the Secret every second.
func TestLegacyTokenPollsWhenWatchForbidden(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		f := newFixture(t, existingSA())
		f.client.PrependWatchReactor("secrets", func(clienttesting.Action) (bool, watch.Interface, error) {
			return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "secrets"}, "", errors.New("RBAC: access denied"))
		})
		go func() {
			// The controller is slow to start.
			time.Sleep(3500 * time.Millisecond)
			_ = f.auth.StartTokenController(t.Context(), f.client)
		}()
		start := time.Now()

		cfg, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(kubeconfig.ServiceAccountOptions{LegacyToken: true}))

		require.NoError(t, err)
		assert.NotEmpty(t, cfg.AuthInfos[cfg.Contexts[cfg.CurrentContext].AuthInfo].Token)
		// Filled at 3.5 s, seen at the next one-second read.
		assert.Equal(t, 4*time.Second, time.Since(start))
	})
}

func TestLegacyTokenCAFromSecret(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		other := newTestCert(t, "other", testNow.Add(time.Hour))
		f := newFixture(t, existingSA())
		require.NoError(t, f.client.CoreV1().ConfigMaps(testNS).Delete(t.Context(), kubeconfig.RootCAConfigMap, metav1.DeleteOptions{}))
		f.rest.CAData = other.certPEM
		require.NoError(t, f.auth.StartTokenController(t.Context(), f.client))

		cfg, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(kubeconfig.ServiceAccountOptions{LegacyToken: true, Verify: true}))

		require.NoError(t, err)
		// The Secret's ca.crt (the controller's root CA) beats the caller's.
		assert.Equal(t, f.ca.certPEM, cfg.Clusters[kubeconfig.DefaultClusterName].CertificateAuthorityData)
	})
}
