package kubeconfig_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
	f.Fuzz(func(t *testing.T, a, b []byte) {
		_, _ = kubeconfig.Parse(a)

		dir := t.TempDir()
		first, second := filepath.Join(dir, "a"), filepath.Join(dir, "sub", "b")
		require.NoError(t, os.WriteFile(first, a, 0o600))
		require.NoError(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
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
