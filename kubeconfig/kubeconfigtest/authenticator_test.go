package kubeconfigtest_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/kubeprim/kubeprim/kubeconfig/kubeconfigtest"
)

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func sa() *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "bot", UID: "uid-1"}}
}

func TestTokenRequestRules(t *testing.T) {
	seconds := func(n int64) *int64 { return &n }
	tests := []struct {
		name     string
		request  *int64
		max      time.Duration
		want     int64
		invalid  bool
		notFound bool
	}{
		{name: "default 3600", want: 3600},
		{name: "exactly 600", request: seconds(600), want: 600},
		{name: "599 is invalid", request: seconds(599), invalid: true},
		{name: "capped by max", request: seconds(86400), max: 2 * time.Hour, want: 7200},
		{name: "no such ServiceAccount", notFound: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			client := fake.NewClientset(sa())
			auth := &kubeconfigtest.Authenticator{MaxExpiration: tc.max, Now: func() time.Time { return now }}
			auth.Install(client)
			name := "bot"
			if tc.notFound {
				name = "nobody"
			}

			resp, err := client.CoreV1().ServiceAccounts("ns").CreateToken(t.Context(), name,
				&authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: tc.request}}, metav1.CreateOptions{})

			switch {
			case tc.invalid:
				assert.True(t, apierrors.IsInvalid(err), "got %v", err)
				return
			case tc.notFound:
				assert.True(t, apierrors.IsNotFound(err), "got %v", err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, *resp.Spec.ExpirationSeconds)
			assert.Equal(t, now.Add(time.Duration(tc.want)*time.Second), resp.Status.ExpirationTimestamp.Time.UTC())
			assert.Equal(t, []string{kubeconfigtest.Issuer}, resp.Spec.Audiences)

			user, err := auth.Authenticate(&rest.Config{BearerToken: resp.Status.Token})
			require.NoError(t, err)
			assert.Equal(t, "system:serviceaccount:ns:bot", user.Username)
			assert.Equal(t, []string{"system:serviceaccounts", "system:serviceaccounts:ns", "system:authenticated"}, user.Groups)
		})
	}
}

func TestAuthenticateRefuses(t *testing.T) {
	clock := now
	client := fake.NewClientset(sa())
	auth := &kubeconfigtest.Authenticator{Now: func() time.Time { return clock }}
	auth.Install(client)
	resp, err := client.CoreV1().ServiceAccounts("ns").CreateToken(t.Context(), "bot", &authenticationv1.TokenRequest{}, metav1.CreateOptions{})
	require.NoError(t, err)

	_, err = auth.Authenticate(&rest.Config{BearerToken: "made-up"})
	assert.True(t, apierrors.IsUnauthorized(err))
	_, err = auth.Authenticate(&rest.Config{})
	assert.True(t, apierrors.IsUnauthorized(err))

	clock = now.Add(2 * time.Hour) // long past the one-hour exp
	_, err = auth.Authenticate(&rest.Config{BearerToken: resp.Status.Token})
	assert.True(t, apierrors.IsUnauthorized(err), "expired token accepted")

	clock = now
	auth.Revoke(resp.Status.Token)
	_, err = auth.Authenticate(&rest.Config{BearerToken: resp.Status.Token})
	assert.True(t, apierrors.IsUnauthorized(err), "revoked token accepted")
}

func TestSelfSubjectReviewNeedsTheCA(t *testing.T) {
	auth := &kubeconfigtest.Authenticator{CA: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n")}
	auth.AddToken("static", authenticationv1.UserInfo{Username: "alice"})

	for _, tc := range []struct {
		name string
		rc   *rest.Config
		ok   bool
	}{
		{name: "trusts the CA", rc: &rest.Config{BearerToken: "static", TLSClientConfig: rest.TLSClientConfig{CAData: auth.CA}}, ok: true},
		{name: "insecure", rc: &rest.Config{BearerToken: "static", TLSClientConfig: rest.TLSClientConfig{Insecure: true}}, ok: true},
		{name: "other CA", rc: &rest.Config{BearerToken: "static", TLSClientConfig: rest.TLSClientConfig{CAData: []byte("other")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client, err := auth.NewClient(tc.rc)
			require.NoError(t, err)
			review, err := client.AuthenticationV1().SelfSubjectReviews().Create(t.Context(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
			if !tc.ok {
				assert.ErrorIs(t, err, kubeconfigtest.ErrUnknownAuthority)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "alice", review.Status.UserInfo.Username)
		})
	}
}

func TestTokenController(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client := fake.NewClientset(sa())
		auth := &kubeconfigtest.Authenticator{CA: []byte("ca")}
		require.NoError(t, auth.StartTokenController(t.Context(), client))
		secrets := client.CoreV1().Secrets("ns")
		mk := func(name, saName string, typ corev1.SecretType) {
			_, err := secrets.Create(t.Context(), &corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{corev1.ServiceAccountNameKey: saName}},
				Type:       typ,
			}, metav1.CreateOptions{})
			require.NoError(t, err)
		}
		mk("bot-token", "bot", corev1.SecretTypeServiceAccountToken)
		mk("orphan-token", "nobody", corev1.SecretTypeServiceAccountToken)
		mk("opaque", "bot", corev1.SecretTypeOpaque)
		synctest.Wait()

		filled, err := secrets.Get(t.Context(), "bot-token", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, []byte("ca"), filled.Data["ca.crt"])
		assert.Equal(t, []byte("ns"), filled.Data["namespace"])
		assert.Equal(t, "uid-1", filled.Annotations[corev1.ServiceAccountUIDKey])
		user, err := auth.Authenticate(&rest.Config{BearerToken: string(filled.Data["token"])})
		require.NoError(t, err)
		assert.Equal(t, "system:serviceaccount:ns:bot", user.Username)

		for _, name := range []string{"orphan-token", "opaque"} {
			s, err := secrets.Get(t.Context(), name, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Empty(t, s.Data["token"], "%s filled", name)
		}
	})
}
