package kubeconfig_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

func TestValidate(t *testing.T) {
	ca := newTestCert(t, "ca", time.Now().Add(time.Hour))
	a := newTestCert(t, "a", time.Now().Add(time.Hour))
	b := newTestCert(t, "b", time.Now().Add(time.Hour))
	good := func() *clientcmdapi.Config {
		cfg, err := kubeconfig.ForClientCertificate(kubeconfig.Cluster{Server: "https://10.0.0.1:6443", CertificateAuthorityData: ca.certPEM}, "a", a.certPEM, a.keyPEM)
		require.NoError(t, err)
		return cfg
	}
	const password = "hunter2-password"

	tests := []struct {
		name   string
		mutate func(cfg *clientcmdapi.Config)
		// clientGo says whether client-go's Validate/ConfirmUsable also
		// refuses it; the rest are our additions.
		clientGo bool
		is       error
	}{
		{name: "valid", mutate: func(*clientcmdapi.Config) {}},
		{name: "no current context", mutate: func(cfg *clientcmdapi.Config) { cfg.CurrentContext = "" }, is: kubeconfig.ErrNoCurrentContext, clientGo: true},
		{name: "current context not defined", mutate: func(cfg *clientcmdapi.Config) { cfg.CurrentContext = "x" }, is: kubeconfig.ErrNoCurrentContext, clientGo: true},
		{name: "no server", mutate: func(cfg *clientcmdapi.Config) { cfg.Clusters["kubernetes"].Server = "" }, clientGo: true},
		{name: "context names missing user", mutate: func(cfg *clientcmdapi.Config) { cfg.Contexts["a@kubernetes"].AuthInfo = "nobody" }, clientGo: true},
		{name: "namespace not a DNS label", mutate: func(cfg *clientcmdapi.Config) { cfg.Contexts["a@kubernetes"].Namespace = "Not_A_Label" }, clientGo: true},
		{name: "token and basic auth", mutate: func(cfg *clientcmdapi.Config) {
			u := cfg.AuthInfos["a"]
			u.ClientCertificateData, u.ClientKeyData = nil, nil
			u.Token, u.Username, u.Password = "tok", "admin", password
		}, clientGo: true},
		{name: "missing CA file", mutate: func(cfg *clientcmdapi.Config) {
			cfg.Clusters["kubernetes"].CertificateAuthorityData = nil
			cfg.Clusters["kubernetes"].CertificateAuthority = filepath.Join(t.TempDir(), "nope")
		}, clientGo: true},
		{name: "proxy URL with password and bad scheme", mutate: func(cfg *clientcmdapi.Config) {
			cfg.Clusters["kubernetes"].ProxyURL = "ftp://user:" + password + "@proxy:3128"
		}, clientGo: true},
		{name: "CA data is not a certificate", mutate: func(cfg *clientcmdapi.Config) { cfg.Clusters["kubernetes"].CertificateAuthorityData = []byte("junk") }},
		{name: "client certificate of another key", mutate: func(cfg *clientcmdapi.Config) { cfg.AuthInfos["a"].ClientKeyData = b.keyPEM }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := good()
			tc.mutate(cfg)

			err := kubeconfig.Validate(cfg)

			clientGoErr := errors.Join(clientcmd.Validate(*cfg), clientcmd.ConfirmUsable(*cfg, ""))
			if tc.name == "valid" {
				require.NoError(t, err)
				require.NoError(t, clientGoErr)
				return
			}
			require.Error(t, err)
			var invalid *kubeconfig.InvalidError
			require.ErrorAs(t, err, &invalid)
			assert.NotEmpty(t, invalid.Problems)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			if tc.clientGo {
				assert.Error(t, clientGoErr, "client-go accepts what we refuse")
			}
			assertNoSecret(t, err.Error(), password, string(a.keyPEM), string(b.keyPEM))
		})
	}
	assert.Error(t, kubeconfig.Validate(nil))
}
