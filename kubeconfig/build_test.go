package kubeconfig_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

func TestNewBuildsOneUsableContext(t *testing.T) {
	ca := newTestCert(t, "ca", time.Now().Add(time.Hour))
	client := newTestCert(t, "kubernetes-admin", time.Now().Add(time.Hour))
	cluster := kubeconfig.Cluster{Name: "prod", Server: "https://10.0.0.1:6443", CertificateAuthorityData: ca.certPEM}

	tests := []struct {
		name  string
		build func() (*clientcmdapi.Config, error)
		check func(t *testing.T, a *clientcmdapi.AuthInfo)
	}{
		{
			name:  "token",
			build: func() (*clientcmdapi.Config, error) { return kubeconfig.ForToken(cluster, "admin", "abc.def") },
			check: func(t *testing.T, a *clientcmdapi.AuthInfo) { assert.Equal(t, "abc.def", a.Token) },
		},
		{
			name: "token file",
			build: func() (*clientcmdapi.Config, error) {
				return kubeconfig.ForTokenFile(cluster, "admin", "/var/run/token")
			},
			check: func(t *testing.T, a *clientcmdapi.AuthInfo) { assert.Equal(t, "/var/run/token", a.TokenFile) },
		},
		{
			name: "client certificate inline",
			build: func() (*clientcmdapi.Config, error) {
				return kubeconfig.ForClientCertificate(cluster, "admin", client.certPEM, client.keyPEM)
			},
			check: func(t *testing.T, a *clientcmdapi.AuthInfo) {
				assert.Equal(t, client.certPEM, a.ClientCertificateData)
				assert.Equal(t, client.keyPEM, a.ClientKeyData)
			},
		},
		{
			name: "client certificate files",
			build: func() (*clientcmdapi.Config, error) {
				return kubeconfig.ForClientCertificateFiles(cluster, "admin", "admin.crt", "admin.key")
			},
			check: func(t *testing.T, a *clientcmdapi.AuthInfo) {
				assert.Equal(t, "admin.crt", a.ClientCertificate)
				assert.Equal(t, "admin.key", a.ClientKey)
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := tc.build()
			require.NoError(t, err)

			// kubeadm's naming: context "<user>@<cluster>", and it is current.
			assert.Equal(t, "admin@prod", cfg.CurrentContext)
			require.Contains(t, cfg.Contexts, "admin@prod")
			assert.Equal(t, "prod", cfg.Contexts["admin@prod"].Cluster)
			assert.Equal(t, "admin", cfg.Contexts["admin@prod"].AuthInfo)
			assert.Equal(t, ca.certPEM, cfg.Clusters["prod"].CertificateAuthorityData)
			require.Contains(t, cfg.AuthInfos, "admin")
			tc.check(t, cfg.AuthInfos["admin"])
			// client-go accepts it structurally (files are not read here).
			if tc.name == "token" || tc.name == "client certificate inline" {
				assert.NoError(t, clientcmd.Validate(*cfg))
			}
		})
	}
}

func TestNewNamespaceAndDefaultClusterName(t *testing.T) {
	cfg, err := kubeconfig.New(kubeconfig.Cluster{Server: "https://api.example:6443"}, "ci", kubeconfig.Credentials{Token: "t"}, "team-a")
	require.NoError(t, err)
	assert.Equal(t, "ci@kubernetes", cfg.CurrentContext)
	assert.Equal(t, "team-a", cfg.Contexts["ci@kubernetes"].Namespace)
	assert.Equal(t, "https://api.example:6443", cfg.Clusters["kubernetes"].Server)
}

func TestNewRejectsBadInput(t *testing.T) {
	ca := newTestCert(t, "ca", time.Now().Add(time.Hour))
	a := newTestCert(t, "a", time.Now().Add(time.Hour))
	b := newTestCert(t, "b", time.Now().Add(time.Hour))
	good := kubeconfig.Cluster{Server: "https://10.0.0.1:6443"}
	token := kubeconfig.Credentials{Token: "t"}

	tests := []struct {
		name    string
		cluster kubeconfig.Cluster
		user    string
		creds   kubeconfig.Credentials
	}{
		{name: "no server", cluster: kubeconfig.Cluster{}, user: "u", creds: token},
		{name: "server without scheme", cluster: kubeconfig.Cluster{Server: "10.0.0.1:6443"}, user: "u", creds: token},
		{name: "server with other scheme", cluster: kubeconfig.Cluster{Server: "ftp://10.0.0.1"}, user: "u", creds: token},
		{name: "CA data and file", cluster: kubeconfig.Cluster{Server: good.Server, CertificateAuthorityData: ca.certPEM, CertificateAuthority: "ca.crt"}, user: "u", creds: token},
		{name: "CA data is a key", cluster: kubeconfig.Cluster{Server: good.Server, CertificateAuthorityData: ca.keyPEM}, user: "u", creds: token},
		{name: "CA data is not PEM", cluster: kubeconfig.Cluster{Server: good.Server, CertificateAuthorityData: []byte("hello")}, user: "u", creds: token},
		{name: "CA data with trailing garbage", cluster: kubeconfig.Cluster{Server: good.Server, CertificateAuthorityData: append(append([]byte{}, ca.certPEM...), "junk"...)}, user: "u", creds: token},
		{name: "empty user", cluster: good, creds: token},
		{name: "no credentials", cluster: good, user: "u"},
		{name: "token and certificate", cluster: good, user: "u", creds: kubeconfig.Credentials{Token: "t", ClientCertificateData: a.certPEM, ClientKeyData: a.keyPEM}},
		{name: "token and token file", cluster: good, user: "u", creds: kubeconfig.Credentials{Token: "t", TokenFile: "f"}},
		{name: "token with newline", cluster: good, user: "u", creds: kubeconfig.Credentials{Token: "t\n"}},
		{name: "certificate without key", cluster: good, user: "u", creds: kubeconfig.Credentials{ClientCertificateData: a.certPEM}},
		{name: "certificate of another key", cluster: good, user: "u", creds: kubeconfig.Credentials{ClientCertificateData: a.certPEM, ClientKeyData: b.keyPEM}},
		{name: "certificate file without key file", cluster: good, user: "u", creds: kubeconfig.Credentials{ClientCertificate: "a.crt"}},
		{name: "inline and file certificate", cluster: good, user: "u", creds: kubeconfig.Credentials{ClientCertificate: "a.crt", ClientKey: "a.key", ClientCertificateData: a.certPEM, ClientKeyData: a.keyPEM}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := kubeconfig.New(tc.cluster, tc.user, tc.creds, "")
			require.Error(t, err)
			assert.Nil(t, cfg)
			var fieldErr *kubeconfig.FieldError
			assert.True(t, errors.As(err, &fieldErr), "error %v is not a *FieldError", err)
			assertNoSecret(t, err.Error(), string(a.keyPEM), string(b.keyPEM), string(ca.keyPEM), "t\n")
		})
	}
}

func TestConvenienceBuildersRejectEmpty(t *testing.T) {
	cluster := kubeconfig.Cluster{Server: "https://10.0.0.1:6443"}
	_, err := kubeconfig.ForToken(cluster, "u", "")
	assert.Error(t, err)
	_, err = kubeconfig.ForTokenFile(cluster, "u", "")
	assert.Error(t, err)
	_, err = kubeconfig.ForClientCertificate(cluster, "u", nil, []byte("k"))
	assert.Error(t, err)
	_, err = kubeconfig.ForClientCertificateFiles(cluster, "u", "c", "")
	assert.Error(t, err)
}
