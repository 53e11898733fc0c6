package kubeconfig_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

// net/http sends a URL's user info as basic authentication, so the password
// in https://user:pass@host is a credential like any other.
func TestServerURLPasswordIsASecret(t *testing.T) {
	const password = "s3rver-Passw0rd"
	cfg := &clientcmdapi.Config{
		CurrentContext: "c",
		Clusters:       map[string]*clientcmdapi.Cluster{"k": {Server: "https://admin:" + password + "@k.example:6443"}},
		AuthInfos:      map[string]*clientcmdapi.AuthInfo{"u": {}},
		Contexts:       map[string]*clientcmdapi.Context{"c": {Cluster: "k", AuthInfo: "u"}},
	}

	safe := kubeconfig.Safe(cfg)
	assert.NotContains(t, safe.String(), password)
	assert.Contains(t, safe.String(), "k.example:6443", "the server is still shown")
	redacted, err := kubeconfig.Marshal(kubeconfig.Redact(cfg))
	require.NoError(t, err)
	assert.NotContains(t, string(redacted), password)
	assert.Equal(t, "https://admin:"+password+"@k.example:6443", cfg.Clusters["k"].Server, "the input is not changed")

	_, err = kubeconfig.Verify(t.Context(), cfg, kubeconfig.VerifyOptions{
		NewClient: func(*rest.Config) (kubernetes.Interface, error) { return nil, errors.New("unreachable") },
	})
	var verr *kubeconfig.VerifyError
	require.ErrorAs(t, err, &verr)
	assert.NotContains(t, err.Error(), password)
	assert.NotContains(t, fmt.Sprintf("%+v", verr), password)
	assert.Contains(t, verr.Server, "k.example:6443")
}
