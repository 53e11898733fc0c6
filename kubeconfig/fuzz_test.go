package kubeconfig_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

// FuzzLoad checks that loading never panics and that merging two arbitrary
// files agrees with client-go's loader: both fail, or both give the same
// config.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(redFile), []byte(blueFile))
	f.Add([]byte(blueFile), []byte(greenFile))
	f.Add([]byte(greenFile), []byte(""))
	f.Add([]byte("{}"), []byte(`{"apiVersion":"v1","kind":"Config","users":[{"name":"u","user":{"tokenFile":"t"}}]}`))
	f.Add([]byte("users: x"), []byte(redFile))
	f.Add([]byte("extensions:\n- name: a\n  extension: {b: c}\npreferences:\n  extensions:\n  - name: p\n    extension: 1\n"), []byte(blueFile))
	f.Add([]byte("users:\n- name: e\n  user:\n    exec: {command: ./bin/plugin, apiVersion: client.authentication.k8s.io/v1}\n"), []byte("current-context: x\n"))
	// One directory for the whole run: calls within a fuzz worker are
	// sequential, and a temporary directory per call makes fuzzing crawl.
	dir := f.TempDir()
	first, second := filepath.Join(dir, "a"), filepath.Join(dir, "sub", "b")
	require.NoError(f, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	f.Fuzz(func(t *testing.T, a, b []byte) {
		_, _ = kubeconfig.Parse(a)

		require.NoError(t, os.WriteFile(first, a, 0o600))
		require.NoError(t, os.WriteFile(second, b, 0o600))

		got, err := kubeconfig.LoadFiles(first, second)
		want, clientGoErr := clientGoLoad(first, second)
		if clientGoErr != nil {
			require.Error(t, err, "client-go refused the files: %v", clientGoErr)
			return
		}
		require.NoError(t, err)
		assert.Equal(t, want, got)
		_, _ = kubeconfig.Marshal(got)
	})
}

// FuzzExpiry feeds Expiry tokens and certificate data from outside: it must
// not panic, and its errors must not contain the token.
func FuzzExpiry(f *testing.F) {
	f.Add("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4IiwiZXhwIjoxNzAwMDAwMDAwfQ.c2ln", []byte(nil))
	f.Add("a.eyJleHAiOiJub3QgYSBudW1iZXIifQ.b", []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	f.Add("a.eyJleHAiOjFlMzAwfQ.b", []byte("junk"))
	f.Add("abcdef.0123456789abcdef", []byte(nil))
	f.Fuzz(func(t *testing.T, token string, cert []byte) {
		cfg := clientcmdapi.NewConfig()
		cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: token, ClientCertificateData: cert}
		_, err := kubeconfig.Expiry(cfg)
		if err != nil && len(token) >= 8 {
			assert.NotContains(t, err.Error(), token)
		}
	})
}

// FuzzParseThenUse runs every function that takes a decoded kubeconfig on
// what Parse accepts: none may panic, and neither Safe's text nor
// Validate's error may hold a token or password (unless the same text is
// also a name or another public field).
func FuzzParseThenUse(f *testing.F) {
	f.Add([]byte(redFile))
	f.Add([]byte(blueFile))
	f.Add([]byte(greenFile))
	f.Add([]byte("current-context: c\ncontexts:\n- name: c\n  context: {cluster: nowhere, user: nobody}\n"))
	f.Add([]byte("clusters:\n- name: k\n  cluster: {server: 'https://k', proxy-url: 'http://u:pr0xy-pass@p:3128%'}\nusers:\n- name: u\n  user: {token: t0ken-value-1, password: passw0rd-value}\n"))
	f.Add([]byte("users:\n- name: u\n  user:\n    exec: {command: x, apiVersion: v, env: [{name: A, value: env-secret-value}]}\n    auth-provider: {name: oidc, config: {id-token: id-token-value}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cfg, err := kubeconfig.Parse(data)
		if err != nil {
			return
		}
		var secrets []string
		for _, a := range cfg.AuthInfos {
			if a != nil {
				secrets = append(secrets, a.Token, a.Password)
			}
		}
		public, err := kubeconfig.Marshal(kubeconfig.Redact(cfg))
		require.NoError(t, err)
		safe := kubeconfig.Safe(cfg).String()
		validateErr := ""
		if err := kubeconfig.Validate(cfg); err != nil {
			validateErr = err.Error()
		}
		for _, s := range secrets {
			if len(s) < 8 || strings.Contains(string(public), s) {
				continue
			}
			assert.NotContains(t, safe, s)
			assert.NotContains(t, validateErr, s)
		}
		_, _ = kubeconfig.Minify(cfg)
		_, _ = kubeconfig.Expiry(cfg)
		_, _ = kubeconfig.RESTConfig(cfg)
	})
}
