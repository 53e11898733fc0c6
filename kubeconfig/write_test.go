package kubeconfig_test

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

func tokenConfig(t *testing.T, token string) *clientcmdapi.Config {
	t.Helper()
	cfg, err := kubeconfig.ForToken(kubeconfig.Cluster{Server: "https://10.0.0.1:6443"}, "ci", token)
	require.NoError(t, err)
	return cfg
}

// dirEntries lists the names in dir, to show that no temporary file stays.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name string
		// prepare lays out dir before Write and returns the path to write.
		prepare func(t *testing.T, dir string) string
		// file is where the data must land (relative to dir).
		file  string
		files []string
	}{
		{
			name:    "new file",
			prepare: func(t *testing.T, dir string) string { return filepath.Join(dir, "config") },
			file:    "config",
			files:   []string{"config"},
		},
		{
			name: "existing world-readable file becomes 0600",
			prepare: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "config")
				// Longer than the new content: nothing of it may remain.
				require.NoError(t, os.WriteFile(path, make([]byte, 1<<16), 0o644))
				require.NoError(t, os.Chmod(path, 0o644))
				return path
			},
			file:  "config",
			files: []string{"config"},
		},
		{
			name: "missing parent directories are created",
			prepare: func(t *testing.T, dir string) string {
				return filepath.Join(dir, "a", "b", "config")
			},
			file:  "a/b/config",
			files: []string{"a"},
		},
		{
			name: "symbolic link is kept and its target replaced",
			prepare: func(t *testing.T, dir string) string {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "real"), []byte("old"), 0o644))
				link := filepath.Join(dir, "link")
				require.NoError(t, os.Symlink("real", link))
				return link
			},
			file:  "real",
			files: []string{"link", "real"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.prepare(t, dir)
			want := tokenConfig(t, "secret-token")

			require.NoError(t, kubeconfig.Write(path, want))

			file := filepath.Join(dir, tc.file)
			info, err := os.Stat(file)
			require.NoError(t, err)
			assert.Equal(t, kubeconfig.FileMode, info.Mode().Perm())
			got, err := clientcmd.LoadFromFile(file)
			require.NoError(t, err)
			assert.Equal(t, "secret-token", got.AuthInfos["ci"].Token)
			assert.Equal(t, "https://10.0.0.1:6443", got.Clusters["kubernetes"].Server)
			assert.Equal(t, "ci@kubernetes", got.CurrentContext)
			assert.ElementsMatch(t, tc.files, dirEntries(t, dir))
			if tc.name == "symbolic link is kept and its target replaced" {
				linkInfo, err := os.Lstat(path)
				require.NoError(t, err)
				assert.NotZero(t, linkInfo.Mode()&os.ModeSymlink, "link replaced by a file")
			}
			if tc.name == "missing parent directories are created" {
				dirInfo, err := os.Stat(filepath.Join(dir, "a", "b"))
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o700), dirInfo.Mode().Perm())
			}
		})
	}
}

func TestWriteFailureLeavesNothing(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string) string
		cfg     *clientcmdapi.Config
	}{
		{
			name:    "nil config",
			prepare: func(t *testing.T, dir string) string { return filepath.Join(dir, "config") },
		},
		{
			name: "path is a directory",
			prepare: func(t *testing.T, dir string) string {
				path := filepath.Join(dir, "config")
				require.NoError(t, os.Mkdir(path, 0o700))
				return path
			},
			cfg: clientcmdapi.NewConfig(),
		},
		{
			name:    "empty path",
			prepare: func(t *testing.T, dir string) string { return "" },
			cfg:     clientcmdapi.NewConfig(),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			path := tc.prepare(t, dir)
			before := dirEntries(t, dir)

			err := kubeconfig.Write(path, tc.cfg)

			require.Error(t, err)
			assert.Equal(t, before, dirEntries(t, dir))
		})
	}
}

func TestWriteKeepsOldFileOnError(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o600))
	if os.Geteuid() == 0 {
		// root ignores directory permissions; the nil config fails instead.
		require.Error(t, kubeconfig.Write(path, nil))
	} else {
		require.NoError(t, os.Chmod(dir, 0o500))
		t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
		require.Error(t, kubeconfig.Write(path, tokenConfig(t, "x")))
	}
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.Equal(t, "old", string(data))
	assert.Equal(t, []string{"config"}, dirEntries(t, dir))
}

// Readers racing with writers see one whole file or the other, never a torn
// one: each config is loaded and is one of the written tokens.
func TestWriteConcurrentReadersSeeWholeFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	require.NoError(t, kubeconfig.Write(path, tokenConfig(t, "token-0")))
	tokens := map[string]bool{"token-0": true}
	cfgs := make([]*clientcmdapi.Config, 8)
	for i := range cfgs {
		name := "token-" + string(rune('1'+i))
		tokens[name] = true
		cfgs[i] = tokenConfig(t, name)
	}

	var wg sync.WaitGroup
	for _, cfg := range cfgs {
		wg.Go(func() {
			for range 20 {
				assert.NoError(t, kubeconfig.Write(path, cfg))
			}
		})
	}
	for range 200 {
		got, err := clientcmd.LoadFromFile(path)
		require.NoError(t, err)
		require.Contains(t, got.AuthInfos, "ci")
		assert.True(t, tokens[got.AuthInfos["ci"].Token], "unexpected token in a torn file")
	}
	wg.Wait()
	assert.Equal(t, []string{"config"}, dirEntries(t, dir))
}
