package kubeconfig_test

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/certs"
	"github.com/kubeprim/kubeprim/kubeconfig"
	"github.com/kubeprim/kubeprim/kubeconfig/kubeconfigtest"
)

func newPKI(t *testing.T) *certs.PKI {
	t.Helper()
	pki, err := certs.NewPKI(certs.PKIOptions{NodeName: "cp-1"})
	require.NoError(t, err)
	return pki
}

func TestForKubeadm(t *testing.T) {
	pki := newPKI(t)
	files, err := kubeconfig.ForKubeadm(pki, kubeconfig.KubeadmOptions{
		ControlPlaneEndpoint: "lb.example:6443",
		LocalAPIEndpoint:     "https://10.0.0.5:6443",
	})
	require.NoError(t, err)

	// kubeadm 1.36, cmd/kubeadm/app/phases/kubeconfig getKubeConfigSpecsBase.
	want := map[string]struct {
		user, server string
		groups       []string
	}{
		kubeconfig.AdminConf:             {"kubernetes-admin", "https://lb.example:6443", []string{"kubeadm:cluster-admins"}},
		kubeconfig.SuperAdminConf:        {"kubernetes-super-admin", "https://lb.example:6443", []string{"system:masters"}},
		kubeconfig.KubeletConf:           {"system:node:cp-1", "https://lb.example:6443", []string{"system:nodes"}},
		kubeconfig.ControllerManagerConf: {"system:kube-controller-manager", "https://10.0.0.5:6443", nil},
		kubeconfig.SchedulerConf:         {"system:kube-scheduler", "https://10.0.0.5:6443", nil},
	}
	require.Len(t, files, len(want))
	roots := x509.NewCertPool()
	roots.AddCert(pki.CA.Cert)
	auth := &kubeconfigtest.Authenticator{CA: pki.CA.CertPEM()}
	for name, w := range want {
		t.Run(name, func(t *testing.T) {
			cfg := files[name]
			require.NotNil(t, cfg)
			require.NoError(t, kubeconfig.Validate(cfg))
			assert.Equal(t, w.user+"@kubernetes", cfg.CurrentContext)
			assert.Equal(t, w.server, cfg.Clusters["kubernetes"].Server)
			assert.Equal(t, pki.CA.CertPEM(), cfg.Clusters["kubernetes"].CertificateAuthorityData)

			exp, err := kubeconfig.Expiry(cfg)
			require.NoError(t, err)
			require.Len(t, exp, 1)
			assert.Equal(t, w.user, exp[0].Subject)

			block := cfg.AuthInfos[w.user].ClientCertificateData
			cert, err := certs.ParseCertificatesPEM(block, certs.DecodeOptions{})
			require.NoError(t, err)
			assert.Equal(t, w.groups, nilIfEmpty(cert[0].Subject.Organization))
			_, err = cert[0].Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			assert.NoError(t, err, "not a client certificate of the cluster CA")

			user, err := kubeconfig.Verify(t.Context(), cfg, kubeconfig.VerifyOptions{Username: w.user, NewClient: auth.NewClient})
			require.NoError(t, err)
			assert.Equal(t, append(append([]string{}, w.groups...), "system:authenticated"), user.Groups)
		})
	}
}

func nilIfEmpty(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func TestForKubeadmOptions(t *testing.T) {
	pki := newPKI(t)

	files, err := kubeconfig.ForKubeadm(pki, kubeconfig.KubeadmOptions{ControlPlaneEndpoint: "https://127.0.0.1:6443", ClusterName: "e2e", NodeName: "worker"})
	require.NoError(t, err)
	assert.Equal(t, "https://127.0.0.1:6443", files[kubeconfig.SchedulerConf].Clusters["e2e"].Server)
	assert.Contains(t, files[kubeconfig.KubeletConf].AuthInfos, "system:node:worker")

	pki.Options.NodeName = ""
	files, err = kubeconfig.ForKubeadm(pki, kubeconfig.KubeadmOptions{ControlPlaneEndpoint: "127.0.0.1:6443"})
	require.NoError(t, err)
	assert.NotContains(t, files, kubeconfig.KubeletConf, "kubelet.conf without a node")
	assert.Len(t, files, 4)

	for _, bad := range []kubeconfig.KubeadmOptions{{}, {ControlPlaneEndpoint: "ftp://x"}, {ControlPlaneEndpoint: "https://x:6443", LocalAPIEndpoint: "https://"}} {
		_, err := kubeconfig.ForKubeadm(pki, bad)
		var fieldErr *kubeconfig.FieldError
		assert.ErrorAs(t, err, &fieldErr, "options %+v", bad)
	}
	_, err = kubeconfig.ForKubeadm(nil, kubeconfig.KubeadmOptions{ControlPlaneEndpoint: "x:1"})
	assert.Error(t, err)
}

func TestForKeyPairWithIntermediate(t *testing.T) {
	root, err := certs.NewCA(certs.CAOptions{CommonName: "root"})
	require.NoError(t, err)
	inter, err := root.NewIntermediate(certs.CAOptions{CommonName: "clients"})
	require.NoError(t, err)
	kp, err := inter.Issue(certs.CertOptions{CommonName: "alice", Organization: []string{"devs"}, Profile: certs.ProfileClient})
	require.NoError(t, err)

	cfg, err := kubeconfig.ForKeyPair(kubeconfig.Cluster{Server: testServer, CertificateAuthorityData: root.CertPEM()}, "alice", kp)
	require.NoError(t, err)
	require.NoError(t, kubeconfig.Validate(cfg))
	chain, err := certs.ParseCertificatesPEM(cfg.AuthInfos["alice"].ClientCertificateData, certs.DecodeOptions{})
	require.NoError(t, err)
	require.Len(t, chain, 2, "intermediate missing: the API server could not build the chain")
	assert.Equal(t, "clients", chain[1].Subject.CommonName)

	_, err = kubeconfig.ForKeyPair(kubeconfig.Cluster{Server: testServer}, "alice", nil)
	assert.Error(t, err)
}

func TestWriteFiles(t *testing.T) {
	pki := newPKI(t)
	files, err := kubeconfig.ForKubeadm(pki, kubeconfig.KubeadmOptions{ControlPlaneEndpoint: "127.0.0.1:6443"})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "kubernetes")

	require.NoError(t, kubeconfig.WriteFiles(dir, files))

	for name := range files {
		path := filepath.Join(dir, name)
		info, err := os.Stat(path)
		require.NoError(t, err)
		assert.Equal(t, kubeconfig.FileMode, info.Mode().Perm())
		rc, err := clientcmd.BuildConfigFromFlags("", path)
		require.NoError(t, err)
		assert.NotEmpty(t, rc.CertData)
		assert.NotEmpty(t, rc.KeyData)
	}

	for _, bad := range []string{"../admin.conf", "sub/admin.conf", "", ".."} {
		empty := t.TempDir()
		err := kubeconfig.WriteFiles(empty, map[string]*clientcmdapi.Config{"ok.conf": files[kubeconfig.AdminConf], bad: files[kubeconfig.AdminConf]})
		assert.Error(t, err, "name %q", bad)
		assert.Empty(t, dirEntries(t, empty), "wrote before checking names")
	}
}
