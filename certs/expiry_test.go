package certs

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// writeKubeconfig writes a kubeconfig with an embedded client certificate.
func writeKubeconfig(t *testing.T, path string, ca *CA, kp *KeyPair) {
	t.Helper()
	keyPEM, err := kp.KeyPEM()
	require.NoError(t, err)
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["kubernetes"] = &clientcmdapi.Cluster{Server: "https://127.0.0.1:6443", CertificateAuthorityData: ca.CertPEM()}
	cfg.AuthInfos["user"] = &clientcmdapi.AuthInfo{ClientCertificateData: kp.CertPEM(), ClientKeyData: keyPEM}
	cfg.Contexts["user@kubernetes"] = &clientcmdapi.Context{Cluster: "kubernetes", AuthInfo: "user"}
	cfg.CurrentContext = "user@kubernetes"
	require.NoError(t, clientcmd.WriteToFile(*cfg, path))
}

func TestCheckExpirationLikeKubeadm(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "cp-1", Now: fixedNow})
	require.NoError(t, err)
	kdir := t.TempDir()
	require.NoError(t, p.WriteDir(filepath.Join(kdir, "pki")))
	admin, err := p.IssueClient("kubernetes-admin", GroupClusterAdmins)
	require.NoError(t, err)
	writeKubeconfig(t, filepath.Join(kdir, "admin.conf"), p.CA, admin)
	// The front-proxy CA key kept offline: its client is externally managed.
	require.NoError(t, os.Remove(filepath.Join(kdir, "pki", "front-proxy-ca.key")))
	require.NoError(t, os.Remove(filepath.Join(kdir, "pki", "apiserver-kubelet-client.crt")))

	now := t0.Add(30 * 24 * time.Hour)
	report, err := CheckExpiration(kdir, ExpiryOptions{Now: func() time.Time { return now }})
	require.NoError(t, err)

	var names []string
	for _, e := range report.Certificates {
		names = append(names, e.Name)
	}
	// kubeadm sorts by name and lists kubeconfig certificates among the PKI ones.
	assert.Equal(t, []string{"admin.conf", "apiserver", "apiserver-etcd-client", "apiserver-kubelet-client", "controller-manager.conf",
		"etcd-healthcheck-client", "etcd-peer", "etcd-server", "front-proxy-client", "scheduler.conf", "super-admin.conf"}, names)
	byName := map[string]ExpiryEntry{}
	for _, e := range append(report.Certificates, report.CertificateAuthorities...) {
		byName[e.Name] = e
	}
	assert.True(t, byName["apiserver-kubelet-client"].Missing)
	assert.True(t, byName["scheduler.conf"].Missing)
	assert.Equal(t, "ca", byName["admin.conf"].CAName)
	assert.Equal(t, "etcd-ca", byName["etcd-peer"].CAName)
	assert.True(t, byName["front-proxy-client"].ExternallyManaged)
	assert.True(t, byName["front-proxy-ca"].ExternallyManaged)
	assert.False(t, byName["apiserver"].ExternallyManaged)
	assert.Equal(t, t0.Add(365*24*time.Hour), byName["apiserver"].ExpirationDate)
	assert.Equal(t, int64(335*24*3600), byName["apiserver"].ResidualTimeSeconds)
	assert.Equal(t, []string{"ca", "etcd-ca", "front-proxy-ca"}, []string{report.CertificateAuthorities[0].Name, report.CertificateAuthorities[1].Name, report.CertificateAuthorities[2].Name})

	var out bytes.Buffer
	require.NoError(t, report.WriteText(&out))
	text := out.String()
	// Formats from kubeadm's certTextPrinter: headers, "Jan 02, 2006 15:04 MST",
	// kubectl's HumanDuration (days under 2 years, years from 8), yes/no, !MISSING!.
	for _, re := range []string{
		`(?m)^CERTIFICATE\s+EXPIRES\s+RESIDUAL TIME\s+CERTIFICATE AUTHORITY\s+EXTERNALLY MANAGED$`,
		`(?m)^admin\.conf\s+Mar 04, 2027 05:06 UTC\s+335d\s+ca\s+no\s*$`,
		`(?m)^front-proxy-client\s+Mar 04, 2027 05:06 UTC\s+335d\s+front-proxy-ca\s+yes\s*$`,
		`(?m)^!MISSING! apiserver-kubelet-client\s*$`,
		`(?m)^CERTIFICATE AUTHORITY\s+EXPIRES\s+RESIDUAL TIME\s+EXTERNALLY MANAGED$`,
		`(?m)^ca\s+Mar 01, 2036 05:06 UTC\s+9y\s+no\s*$`,
	} {
		assert.Regexp(t, re, text)
	}
}

func TestCheckExpirationExternalEtcdAndErrors(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "n", ExternalEtcd: true, Now: fixedNow})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, p.WriteDir(dir))
	report, err := CheckExpiration(dir, ExpiryOptions{Now: fixedNow})
	require.NoError(t, err)
	assert.Len(t, report.Certificates, 3, "apiserver, apiserver-kubelet-client, front-proxy-client")
	assert.Len(t, report.CertificateAuthorities, 2)
	data, err := json.Marshal(report)
	require.NoError(t, err)
	assert.Contains(t, string(data), `"residualTime":31536000`)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "apiserver.crt"), []byte("garbage"), 0o644))
	_, err = CheckExpiration(dir, ExpiryOptions{})
	assert.ErrorIs(t, err, ErrNoPEM)
	_, err = CheckExpiration(filepath.Join(dir, "nope"), ExpiryOptions{})
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// admin.conf holds client-key-data; a kubeconfig the YAML decoder chokes on
// must not have its values quoted in the error.
func TestCheckExpirationDoesNotQuoteKubeconfigValues(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "n", ExternalEtcd: true, Now: fixedNow})
	require.NoError(t, err)
	root := t.TempDir()
	require.NoError(t, p.WriteDir(filepath.Join(root, "pki")))
	const secret = "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t"
	for name, conf := range map[string]string{
		"admin.conf":     "users:\n- name: u\n  user:\n    client-key-data: !!int " + secret + "\n",
		"scheduler.conf": "users:\n- name: u\n  user:\n    ? [" + secret + "]\n    : x\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(root, name), []byte(conf), 0o600))
	}
	_, err = CheckExpiration(root, ExpiryOptions{Now: fixedNow})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "admin.conf")
	assert.Contains(t, err.Error(), "scheduler.conf")
	assert.NotContains(t, err.Error(), secret[:6])
}
