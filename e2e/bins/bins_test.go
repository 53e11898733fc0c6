package bins

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTools writes a tools module with the files the stamp hashes.
func fakeTools(t *testing.T, dir string) string {
	t.Helper()
	tools := filepath.Join(dir, "e2e", "tools")
	require.NoError(t, os.MkdirAll(filepath.Join(tools, "etcd"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(tools, "go.mod"), []byte("module "+toolsModule+"\n\ngo 1.26.0\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(tools, "go.sum"), []byte("x v1 h1:abc=\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(tools, "etcd", "main.go"), []byte("package main\n"), 0o644))
	return tools
}

// fakeCache fills cache/<Key> with a complete set for tools.
func fakeCache(t *testing.T, cache, tools string) string {
	t.Helper()
	want, err := wantStamp(tools)
	require.NoError(t, err)
	want.Stages = []string{"node-initialize.yaml"}
	dir := filepath.Join(cache, Key())
	p := layout(dir, want.Stages)
	for _, f := range []string{p.Etcd, p.APIServer, p.ControllerManager, p.Scheduler, p.Kwok, p.Stages[0]} {
		require.NoError(t, os.MkdirAll(filepath.Dir(f), 0o755))
		require.NoError(t, os.WriteFile(f, nil, 0o755))
	}
	require.NoError(t, writeStamp(dir, want))
	return dir
}

func TestModulePath(t *testing.T) {
	cases := []struct{ name, gomod, want string }{
		{"plain", "module example.com/a\n\ngo 1.26\n", "example.com/a"},
		{"quoted and commented before", "// tools\nmodule \"example.com/b\"\n", "example.com/b"},
		{"none", "go 1.26\n", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, modulePath([]byte(tc.gomod)))
		})
	}
}

func TestEnsureReusesACompleteCacheWithoutBuilding(t *testing.T) {
	tmp := t.TempDir()
	tools := fakeTools(t, tmp)
	cache := filepath.Join(tmp, "cache")
	dir := fakeCache(t, cache, tools)
	// A go command that cannot run proves nothing is built.
	paths, err := Ensure(context.Background(), Options{CacheDir: cache, ToolsDir: tools, Go: filepath.Join(tmp, "no-go")})
	require.NoError(t, err)
	assert.Equal(t, dir, paths.Dir)
	assert.Equal(t, filepath.Join(dir, "bin", "kube-apiserver"), paths.APIServer)
	assert.Equal(t, []string{filepath.Join(dir, "stages", "node-initialize.yaml")}, paths.Stages)
}

func TestCurrentRejectsIncompleteOrOutdatedCaches(t *testing.T) {
	cases := []struct {
		name  string
		spoil func(t *testing.T, dir, tools string)
	}{
		{"a binary missing", func(t *testing.T, dir, _ string) {
			require.NoError(t, os.Remove(filepath.Join(dir, "bin", "kwok")))
		}},
		{"no stamp", func(t *testing.T, dir, _ string) {
			require.NoError(t, os.Remove(filepath.Join(dir, stampFile)))
		}},
		{"tools go.sum changed", func(t *testing.T, _, tools string) {
			require.NoError(t, os.WriteFile(filepath.Join(tools, "go.sum"), []byte("y v2 h1:def=\n"), 0o644))
		}},
		{"stamp unreadable", func(t *testing.T, dir, _ string) {
			require.NoError(t, os.WriteFile(filepath.Join(dir, stampFile), []byte("{"), 0o644))
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tmp := t.TempDir()
			tools := fakeTools(t, tmp)
			dir := fakeCache(t, filepath.Join(tmp, "cache"), tools)
			tc.spoil(t, dir, tools)
			want, err := wantStamp(tools)
			require.NoError(t, err)
			_, ok := current(dir, want)
			assert.False(t, ok)
		})
	}
}

// A failed build says why, publishes nothing and leaves no temporary
// directory behind.
func TestEnsureReportsAFailedBuild(t *testing.T) {
	tmp := t.TempDir()
	tools := fakeTools(t, tmp)
	cache := filepath.Join(tmp, "cache")
	_, err := Ensure(context.Background(), Options{CacheDir: cache, ToolsDir: tools, Go: "false"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "build the Kubernetes "+KubernetesVersion+" control plane")
	entries, err := os.ReadDir(cache)
	require.NoError(t, err)
	for _, e := range entries {
		assert.Equal(t, ".lock", e.Name(), "only the lock file remains")
	}
}

func TestFindToolsDirWalksUp(t *testing.T) {
	tmp := t.TempDir()
	tools := fakeTools(t, tmp)
	deep := filepath.Join(tmp, "e2e", "some", "package")
	require.NoError(t, os.MkdirAll(deep, 0o755))
	t.Chdir(deep)
	got, err := findToolsDir()
	require.NoError(t, err)
	assert.Equal(t, tools, got)
}
