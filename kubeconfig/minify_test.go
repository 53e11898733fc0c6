package kubeconfig_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

func TestMinify(t *testing.T) {
	merged, err := kubeconfig.Parse([]byte(redFile))
	require.NoError(t, err)
	blue, err := kubeconfig.Parse([]byte(blueFile))
	require.NoError(t, err)
	for k, v := range blue.Clusters {
		if _, ok := merged.Clusters[k]; !ok {
			merged.Clusters[k] = v
		}
	}
	merged.AuthInfos["blue-user"] = blue.AuthInfos["blue-user"]
	merged.Contexts["blue"] = blue.Contexts["blue"]
	merged.CurrentContext = "red"
	before := merged.DeepCopy()

	got, err := kubeconfig.Minify(merged)
	require.NoError(t, err)

	assert.Equal(t, []string{"red"}, keys(got.Contexts))
	assert.Equal(t, []string{"shared"}, keys(got.Clusters))
	assert.Equal(t, []string{"red-user"}, keys(got.AuthInfos))
	assert.Equal(t, before, merged, "input changed")
	// Same result as client-go's MinifyConfig (kubectl config view --minify).
	want := merged.DeepCopy()
	require.NoError(t, clientcmdapi.MinifyConfig(want))
	assert.Equal(t, want, got)
}

func TestMinifyErrors(t *testing.T) {
	base := func() *clientcmdapi.Config {
		cfg, err := kubeconfig.Parse([]byte(redFile))
		require.NoError(t, err)
		cfg.CurrentContext = "red"
		return cfg
	}
	tests := []struct {
		name   string
		mutate func(cfg *clientcmdapi.Config)
		want   error
	}{
		{name: "no current context", mutate: func(cfg *clientcmdapi.Config) { cfg.CurrentContext = "" }, want: kubeconfig.ErrNoCurrentContext},
		{name: "current context not defined", mutate: func(cfg *clientcmdapi.Config) { cfg.CurrentContext = "gone" }, want: kubeconfig.ErrNoCurrentContext},
		{name: "missing cluster", mutate: func(cfg *clientcmdapi.Config) { delete(cfg.Clusters, "shared") }, want: kubeconfig.ErrMissingEntry},
		{name: "missing user", mutate: func(cfg *clientcmdapi.Config) { delete(cfg.AuthInfos, "red-user") }, want: kubeconfig.ErrMissingEntry},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base()
			tc.mutate(cfg)
			_, err := kubeconfig.Minify(cfg)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
			// client-go refuses the same configs.
			assert.Error(t, clientcmdapi.MinifyConfig(cfg.DeepCopy()))
		})
	}
	_, err := kubeconfig.Minify(nil)
	assert.ErrorIs(t, err, kubeconfig.ErrNoCurrentContext)
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
