package kubeconfig_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/runtime"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

// secretConfig holds one of every kind of secret a kubeconfig can carry.
func secretConfig(t *testing.T) (*clientcmdapi.Config, []string) {
	t.Helper()
	ca := newTestCert(t, "ca", time.Now().Add(time.Hour))
	client := newTestCert(t, "client", time.Now().Add(time.Hour))
	cfg, err := kubeconfig.ForClientCertificate(kubeconfig.Cluster{Server: "https://10.0.0.1:6443", CertificateAuthorityData: ca.certPEM}, "cert", client.certPEM, client.keyPEM)
	require.NoError(t, err)
	cfg.Clusters["kubernetes"].ProxyURL = "http://proxyuser:proxy-secret-pw@proxy:3128"
	cfg.Clusters["kubernetes"].Extensions["client.authentication.k8s.io/exec"] = &runtime.Unknown{Raw: []byte(`{"apiKey":"ext-secret-key"}`), ContentType: runtime.ContentTypeJSON}
	cfg.AuthInfos["tok"] = &clientcmdapi.AuthInfo{Token: "bearer-secret-token"}
	cfg.AuthInfos["basic"] = &clientcmdapi.AuthInfo{Username: "admin", Password: "basic-secret-password"}
	cfg.AuthInfos["oidc"] = &clientcmdapi.AuthInfo{AuthProvider: &clientcmdapi.AuthProviderConfig{
		Name:   "oidc",
		Config: map[string]string{"id-token": "oidc-secret-id-token", "refresh-token": "oidc-secret-refresh"},
	}}
	cfg.AuthInfos["exec"] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
		Command:         "get-token",
		Args:            []string{"--password=exec-secret-arg"},
		Env:             []clientcmdapi.ExecEnvVar{{Name: "API_KEY", Value: "exec-secret-env"}},
		APIVersion:      "client.authentication.k8s.io/v1",
		InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
	}}
	secrets := []string{
		string(client.keyPEM), "proxy-secret-pw", "ext-secret-key", "bearer-secret-token", "basic-secret-password",
		"oidc-secret-id-token", "oidc-secret-refresh", "exec-secret-arg", "exec-secret-env",
	}
	return cfg, secrets
}

func TestRedact(t *testing.T) {
	cfg, secrets := secretConfig(t)
	before := cfg.DeepCopy()

	red := kubeconfig.Redact(cfg)

	assert.Equal(t, before, cfg, "input changed")
	data, err := kubeconfig.Marshal(red)
	require.NoError(t, err)
	text := string(data)
	assertNoSecret(t, text, secrets...)
	assert.Contains(t, text, "token: REDACTED")
	assert.Contains(t, text, "password: REDACTED")
	assert.Contains(t, text, "client-key-data: REDACTED")
	assert.Contains(t, text, "proxy-url: http://proxyuser:REDACTED@proxy:3128")
	// What is not secret stays, so the display is still useful.
	assert.Equal(t, "admin", red.AuthInfos["basic"].Username)
	assert.Equal(t, cfg.AuthInfos["cert"].ClientCertificateData, red.AuthInfos["cert"].ClientCertificateData)
	assert.Equal(t, "get-token", red.AuthInfos["exec"].Exec.Command)
	assert.Equal(t, "https://10.0.0.1:6443", red.Clusters["kubernetes"].Server)
	// The redacted YAML is still a kubeconfig.
	_, err = kubeconfig.Parse(data)
	assert.NoError(t, err)
	assert.Nil(t, kubeconfig.Redact(nil))
}

func TestSafeNeverPrintsSecrets(t *testing.T) {
	cfg, secrets := secretConfig(t)
	safe := kubeconfig.Safe(cfg)
	wrapped := struct {
		Name string
		Cfg  kubeconfig.SafeConfig
	}{"x", safe}

	var logged bytes.Buffer
	logger := funcr.New(func(prefix, args string) { logged.WriteString(args) }, funcr.Options{})
	logger.Info("built", "kubeconfig", safe)
	jsonData, err := json.Marshal(safe)
	require.NoError(t, err)

	outputs := map[string]string{
		"%v":          fmt.Sprintf("%v", safe),
		"%+v":         fmt.Sprintf("%+v", safe),
		"%#v":         fmt.Sprintf("%#v", safe),
		"%s":          fmt.Sprintf("%s", safe),
		"%q":          fmt.Sprintf("%q", safe),
		"%x":          fmt.Sprintf("%x", safe),
		"String":      safe.String(),
		"nested %+v":  fmt.Sprintf("%+v", wrapped),
		"nested %#v":  fmt.Sprintf("%#v", wrapped),
		"json":        string(jsonData),
		"logr":        logged.String(),
		"Config %+v":  fmt.Sprintf("%+v", *safe.Config().AuthInfos["tok"]),
		"nested json": mustJSON(t, wrapped),
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			assertNoSecret(t, out, secrets...)
			assert.Contains(t, out, "REDACTED")
		})
	}
	text := safe.String()
	assert.Contains(t, text, "certificate-authority-data: DATA+OMITTED")
	assert.Contains(t, text, "client-certificate-data: DATA+OMITTED")
	assert.True(t, strings.HasPrefix(text, "apiVersion: v1"))
	assert.Equal(t, "<nil>", kubeconfig.Safe(nil).String())
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return string(data)
}
