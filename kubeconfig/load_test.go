package kubeconfig_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

const (
	// redFile and blueFile both define the user "red-user" and the cluster
	// "shared"; client-go's loader doc uses red-user for this very rule.
	redFile = `apiVersion: v1
kind: Config
clusters:
- name: shared
  cluster:
    server: https://red:6443
    certificate-authority: ca/red.crt
users:
- name: red-user
  user:
    token: red-token
contexts:
- name: red
  context: {cluster: shared, user: red-user, namespace: red-ns}
`
	blueFile = `apiVersion: v1
kind: Config
current-context: blue
preferences: {colors: true}
clusters:
- name: shared
  cluster:
    server: https://blue:6443
- name: blue-cluster
  cluster:
    server: https://blue-only:6443
users:
- name: red-user
  user:
    username: admin
    password: blue-password
- name: blue-user
  user:
    client-certificate: certs/blue.crt
    client-key: /abs/blue.key
contexts:
- name: blue
  context: {cluster: blue-cluster, user: blue-user}
`
	greenFile = `apiVersion: v1
kind: Config
current-context: green
contexts:
- name: green
  context: {cluster: shared, user: red-user}
`
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		path := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	}
	return dir
}

// clientGoLoad is what kubectl would see for the same precedence list.
func clientGoLoad(paths ...string) (*clientcmdapi.Config, error) {
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: paths}
	return rules.Load()
}

func TestLoadFilesMergesLikeClientGo(t *testing.T) {
	dir := writeFiles(t, map[string]string{"red": redFile, "sub/blue": blueFile, "green": greenFile})
	red, blue, green := filepath.Join(dir, "red"), filepath.Join(dir, "sub/blue"), filepath.Join(dir, "green")
	missing := filepath.Join(dir, "missing")

	tests := []struct {
		name  string
		paths []string
		check func(t *testing.T, cfg *clientcmdapi.Config)
	}{
		{
			name:  "first file wins a name with its whole entry",
			paths: []string{red, blue},
			check: func(t *testing.T, cfg *clientcmdapi.Config) {
				user := cfg.AuthInfos["red-user"]
				assert.Equal(t, "red-token", user.Token)
				// blue's red-user fields are discarded, not merged.
				assert.Empty(t, user.Username)
				assert.Empty(t, user.Password)
				assert.Equal(t, "https://red:6443", cfg.Clusters["shared"].Server)
				// current-context: red sets none, so blue's.
				assert.Equal(t, "blue", cfg.CurrentContext)
				assert.True(t, cfg.Preferences.Colors)
				assert.Len(t, cfg.Contexts, 2)
			},
		},
		{
			name:  "reversed order flips the winner",
			paths: []string{blue, red},
			check: func(t *testing.T, cfg *clientcmdapi.Config) {
				assert.Equal(t, "blue-password", cfg.AuthInfos["red-user"].Password)
				assert.Empty(t, cfg.AuthInfos["red-user"].Token)
				assert.Equal(t, "https://blue:6443", cfg.Clusters["shared"].Server)
			},
		},
		{
			name:  "first current-context wins",
			paths: []string{green, blue},
			check: func(t *testing.T, cfg *clientcmdapi.Config) {
				assert.Equal(t, "green", cfg.CurrentContext)
			},
		},
		{
			name:  "missing files are skipped",
			paths: []string{missing, red, "", missing},
			check: func(t *testing.T, cfg *clientcmdapi.Config) {
				assert.Equal(t, "red-token", cfg.AuthInfos["red-user"].Token)
			},
		},
		{
			name:  "relative paths resolve against their own file",
			paths: []string{red, blue},
			check: func(t *testing.T, cfg *clientcmdapi.Config) {
				assert.Equal(t, filepath.Join(dir, "ca/red.crt"), cfg.Clusters["shared"].CertificateAuthority)
				assert.Equal(t, filepath.Join(dir, "sub/certs/blue.crt"), cfg.AuthInfos["blue-user"].ClientCertificate)
				assert.Equal(t, "/abs/blue.key", cfg.AuthInfos["blue-user"].ClientKey)
				assert.Equal(t, blue, cfg.AuthInfos["blue-user"].LocationOfOrigin)
			},
		},
		{
			name:  "all missing gives an empty config",
			paths: []string{missing},
			check: func(t *testing.T, cfg *clientcmdapi.Config) {
				assert.True(t, clientcmdapi.IsConfigEmpty(cfg))
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := kubeconfig.LoadFiles(tc.paths...)
			require.NoError(t, err)
			tc.check(t, cfg)

			want, err := clientGoLoad(tc.paths...)
			require.NoError(t, err)
			assert.Equal(t, want, cfg, "differs from client-go's loader")
		})
	}
}

func TestLoadFollowsKubectlRules(t *testing.T) {
	dir := writeFiles(t, map[string]string{"red": redFile, "blue": blueFile, ".kube/config": greenFile})
	red, blue := filepath.Join(dir, "red"), filepath.Join(dir, "blue")

	t.Run("explicit path only, no merging", func(t *testing.T) {
		t.Setenv("KUBECONFIG", blue)
		cfg, err := kubeconfig.Load(red)
		require.NoError(t, err)
		assert.Empty(t, cfg.CurrentContext)
		assert.NotContains(t, cfg.AuthInfos, "blue-user")
	})
	t.Run("explicit path must exist", func(t *testing.T) {
		_, err := kubeconfig.Load(filepath.Join(dir, "nope"))
		require.Error(t, err)
		assert.ErrorIs(t, err, fs.ErrNotExist)
		var fileErr *kubeconfig.FileError
		require.ErrorAs(t, err, &fileErr)
		assert.Equal(t, filepath.Join(dir, "nope"), fileErr.Path)
	})
	t.Run("KUBECONFIG list with repeats", func(t *testing.T) {
		t.Setenv("KUBECONFIG", strings.Join([]string{blue, red, blue}, string(filepath.ListSeparator)))
		assert.Equal(t, []string{blue, red}, kubeconfig.DefaultPaths())
		cfg, err := kubeconfig.Load("")
		require.NoError(t, err)
		assert.Equal(t, "blue-password", cfg.AuthInfos["red-user"].Password)

		want, err := clientcmd.NewDefaultClientConfigLoadingRules().Load()
		require.NoError(t, err)
		assert.Equal(t, want, cfg)
	})
	t.Run("home file without KUBECONFIG", func(t *testing.T) {
		t.Setenv("KUBECONFIG", "")
		assert.Equal(t, []string{clientcmd.RecommendedHomeFile}, kubeconfig.DefaultPaths())
	})
}

func TestLoadFileErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"bad-yaml":   "users:\n- name: a\n  user:\n    token: secret-token-value\n  bad: : :\n",
		"bad-type":   "users:\n- name: a\n  user:\n    token: secret-token-value\n    password: {x: secret-password}\n",
		"bad-base64": "users:\n- name: a\n  user:\n    token: secret-token-value\n    client-key-data: secret!key!data\n",
		"good":       redFile,
	})
	big := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(big, make([]byte, kubeconfig.MaxFileBytes+1), 0o600))

	for _, name := range []string{"bad-yaml", "bad-type", "bad-base64", "big"} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name)
			_, err := kubeconfig.LoadFiles(filepath.Join(dir, "good"), path)
			require.Error(t, err)
			var fileErr *kubeconfig.FileError
			require.ErrorAs(t, err, &fileErr)
			assert.Equal(t, path, fileErr.Path)
			assert.Contains(t, err.Error(), path)
			assertNoSecret(t, err.Error(), "secret-token-value", "secret-password", "secret!key!data")

			// client-go refuses the same file.
			_, clientGoErr := clientGoLoad(filepath.Join(dir, "good"), path)
			if name != "big" {
				assert.Error(t, clientGoErr)
			}
		})
	}
	t.Run("every bad file is reported", func(t *testing.T) {
		_, err := kubeconfig.LoadFiles(filepath.Join(dir, "bad-yaml"), filepath.Join(dir, "bad-type"))
		require.Error(t, err)
		assert.Contains(t, err.Error(), filepath.Join(dir, "bad-yaml"))
		assert.Contains(t, err.Error(), filepath.Join(dir, "bad-type"))
	})
	t.Run("unreadable is not skipped", func(t *testing.T) {
		_, err := kubeconfig.LoadFiles(dir) // a directory
		require.Error(t, err)
		assert.False(t, errors.Is(err, fs.ErrNotExist))
	})
}

func TestParse(t *testing.T) {
	cfg, err := kubeconfig.Parse(nil)
	require.NoError(t, err)
	assert.True(t, clientcmdapi.IsConfigEmpty(cfg))
	assert.NotNil(t, cfg.AuthInfos)

	cfg, err = kubeconfig.Parse([]byte(redFile))
	require.NoError(t, err)
	assert.Equal(t, "red-token", cfg.AuthInfos["red-user"].Token)
	// Parse does not know a file, so relative paths stay as written.
	assert.Equal(t, "ca/red.crt", cfg.Clusters["shared"].CertificateAuthority)

	_, err = kubeconfig.Parse([]byte("\tusers: x"))
	assert.Error(t, err)
}

// The YAML decoder quotes what it cannot decode; a token, a password or key
// data must not reach the error that way.
func TestParseErrorsDoNotQuoteValues(t *testing.T) {
	const secret = "SeCrEt42"
	cases := []struct {
		name string
		yaml string
	}{
		{name: "scalar of the wrong tag", yaml: "users:\n- name: u\n  user:\n    token: !!int " + secret + "\n"},
		{name: "tagged scalar into a list", yaml: "users: !!str " + secret + "\n"},
		{name: "sequence as a map key", yaml: "users:\n- name: u\n  user:\n    ? [" + secret + "]\n    : x\n"},
		{name: "map as a map key", yaml: "users:\n- name: u\n  user:\n    ? {password: " + secret + "}\n    : x\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := kubeconfig.Parse([]byte(tc.yaml))
			require.Error(t, err)
			assert.NotContains(t, err.Error(), secret[:5])
			assert.Contains(t, err.Error(), "parse kubeconfig")
		})
	}
}
