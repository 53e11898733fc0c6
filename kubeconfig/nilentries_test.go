package kubeconfig_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

// A config built in code may hold nil entries; client-go's Write and
// Validate dereference them. Every function must answer with an error (or
// skip the entry), never panic.
func TestNilEntries(t *testing.T) {
	valid := func() *clientcmdapi.Config {
		return &clientcmdapi.Config{
			CurrentContext: "c",
			Clusters:       map[string]*clientcmdapi.Cluster{"k": {Server: "https://k.example:6443"}},
			AuthInfos:      map[string]*clientcmdapi.AuthInfo{"u": {Token: "token-value"}},
			Contexts:       map[string]*clientcmdapi.Context{"c": {Cluster: "k", AuthInfo: "u"}},
		}
	}
	cases := []struct {
		name  string
		spoil func(*clientcmdapi.Config)
		entry string
	}{
		{name: "nil cluster", spoil: func(c *clientcmdapi.Config) { c.Clusters["other"] = nil }, entry: `cluster "other"`},
		{name: "nil user", spoil: func(c *clientcmdapi.Config) { c.AuthInfos["other"] = nil }, entry: `user "other"`},
		{name: "nil context", spoil: func(c *clientcmdapi.Config) { c.Contexts["other"] = nil }, entry: `context "other"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			tc.spoil(cfg)

			_, err := kubeconfig.Marshal(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.entry)

			err = kubeconfig.Validate(cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.entry)

			path := filepath.Join(t.TempDir(), "config")
			assert.Error(t, kubeconfig.Write(path, cfg))
			assert.NoFileExists(t, path)

			assert.NotPanics(t, func() { _ = kubeconfig.Safe(cfg).String() })
			_, err = kubeconfig.Flatten(cfg)
			assert.NoError(t, err)
		})
	}
}
