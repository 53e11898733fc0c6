package kubeconfig_test

import (
	"os"
	"path/filepath"
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
