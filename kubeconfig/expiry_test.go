package kubeconfig_test

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

// jwt builds an unsigned compact JWS with the given claims, shaped like the
// tokens the API server issues.
func jwt(t *testing.T, claims map[string]any) string {
	t.Helper()
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"k"}`))
	payload, err := json.Marshal(claims)
	require.NoError(t, err)
	return header + "." + base64.RawURLEncoding.EncodeToString(payload) + ".c2lnbmF0dXJl"
}

func TestExpiry(t *testing.T) {
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	certExp := time.Date(2031, 6, 7, 8, 9, 10, 0, time.UTC)
	client := newTestCert(t, "system:kube-scheduler", certExp)
	saToken := jwt(t, map[string]any{"sub": "system:serviceaccount:ci:deployer", "exp": exp.Unix(), "iat": exp.Add(-time.Hour).Unix()})
	fracToken := jwt(t, map[string]any{"sub": "x", "exp": 1.5e9 + 0.25})
	dir := writeFiles(t, map[string]string{"token": saToken + "\n", "client.crt": string(client.certPEM)})

	cfg := clientcmdapi.NewConfig()
	cfg.AuthInfos["sa"] = &clientcmdapi.AuthInfo{Token: saToken}
	cfg.AuthInfos["sa-file"] = &clientcmdapi.AuthInfo{TokenFile: "token", Token: "ignored", LocationOfOrigin: filepath.Join(dir, "config")}
	cfg.AuthInfos["frac"] = &clientcmdapi.AuthInfo{Token: fracToken}
	cfg.AuthInfos["bootstrap"] = &clientcmdapi.AuthInfo{Token: "abcdef.0123456789abcdef"}
	cfg.AuthInfos["legacy-no-exp"] = &clientcmdapi.AuthInfo{Token: jwt(t, map[string]any{"sub": "system:serviceaccount:ci:old", "iss": "kubernetes/serviceaccount"})}
	cfg.AuthInfos["scheduler"] = &clientcmdapi.AuthInfo{ClientCertificateData: client.certPEM}
	cfg.AuthInfos["scheduler-file"] = &clientcmdapi.AuthInfo{ClientCertificate: filepath.Join(dir, "client.crt")}
	cfg.AuthInfos["basic"] = &clientcmdapi.AuthInfo{Username: "u", Password: "p"}

	got, err := kubeconfig.Expiry(cfg)
	require.NoError(t, err)

	want := []kubeconfig.Expiration{
		{User: "bootstrap", Credential: kubeconfig.CredentialToken},
		{User: "frac", Credential: kubeconfig.CredentialToken, Subject: "x", NotAfter: time.Unix(1500000000, 250000000).UTC()},
		{User: "legacy-no-exp", Credential: kubeconfig.CredentialToken, Subject: "system:serviceaccount:ci:old"},
		{User: "sa", Credential: kubeconfig.CredentialToken, Subject: "system:serviceaccount:ci:deployer", NotAfter: exp},
		{User: "sa-file", Credential: kubeconfig.CredentialToken, Subject: "system:serviceaccount:ci:deployer", NotAfter: exp},
		{User: "scheduler", Credential: kubeconfig.CredentialClientCertificate, Subject: "system:kube-scheduler", NotAfter: certExp},
		{User: "scheduler-file", Credential: kubeconfig.CredentialClientCertificate, Subject: "system:kube-scheduler", NotAfter: certExp},
	}
	assert.Equal(t, want, got)
}

func TestExpiryErrors(t *testing.T) {
	cfg := clientcmdapi.NewConfig()
	cfg.AuthInfos["bad-cert"] = &clientcmdapi.AuthInfo{ClientCertificateData: []byte("not pem")}
	cfg.AuthInfos["missing-file"] = &clientcmdapi.AuthInfo{TokenFile: filepath.Join(t.TempDir(), "nope")}
	cfg.AuthInfos["ok"] = &clientcmdapi.AuthInfo{Token: "opaque-secret-token"}

	got, err := kubeconfig.Expiry(cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `"bad-cert"`)
	assert.Contains(t, err.Error(), `"missing-file"`)
	assertNoSecret(t, err.Error(), "opaque-secret-token")
	// What could be read is still reported.
	assert.Equal(t, []kubeconfig.Expiration{{User: "ok", Credential: kubeconfig.CredentialToken}}, got)
}
