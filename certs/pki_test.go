package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testPKIOptions = PKIOptions{
	NodeName:             "cp-1",
	AdvertiseAddress:     net.ParseIP("192.168.0.10"),
	ControlPlaneEndpoint: "k8s.example.com:6443",
	APIServerCertSANs:    []string{"10.0.0.5", "api.example.com", "*.lb.example.com"},
	EtcdServerCertSANs:   []string{"etcd.example.com"},
	EtcdPeerCertSANs:     []string{"10.0.0.6"},
	Now:                  fixedNow,
}

func ips(s ...string) []string { return s }

func ipStrings(in []net.IP) []string {
	out := make([]string, 0, len(in))
	for _, ip := range in {
		out = append(out, ip.String())
	}
	return out
}

// TestNewPKIMatchesKubeadm checks every certificate against kubeadm 1.36's
// certlist.go and pkiutil's SAN rules (reference §1.2).
func TestNewPKIMatchesKubeadm(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(testPKIOptions)
	require.NoError(t, err)

	server := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	client := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	both := []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	tests := []struct {
		name   string
		pair   *KeyPair
		ca     *CA
		cn     string
		eku    []x509.ExtKeyUsage
		dns    []string
		ipSANs []string
	}{
		{name: "apiserver", pair: p.APIServer, ca: p.CA, cn: "kube-apiserver", eku: server,
			// DNS deduplicated and sorted; IPs: service VIP, advertise address, endpoint, extra.
			dns:    []string{"*.lb.example.com", "api.example.com", "cp-1", "k8s.example.com", "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local"},
			ipSANs: ips("10.96.0.1", "192.168.0.10", "10.0.0.5")},
		{name: "apiserver-kubelet-client", pair: p.APIServerKubeletClient, ca: p.CA, cn: "kube-apiserver-kubelet-client", eku: client},
		{name: "front-proxy-client", pair: p.FrontProxyClient, ca: p.FrontProxyCA, cn: "front-proxy-client", eku: client},
		{name: "etcd-server", pair: p.EtcdServer, ca: p.EtcdCA, cn: "cp-1", eku: both,
			dns: []string{"cp-1", "etcd.example.com", "localhost"}, ipSANs: ips("192.168.0.10", "127.0.0.1", "::1")},
		{name: "etcd-peer", pair: p.EtcdPeer, ca: p.EtcdCA, cn: "cp-1", eku: both,
			dns: []string{"cp-1", "localhost"}, ipSANs: ips("192.168.0.10", "127.0.0.1", "::1", "10.0.0.6")},
		{name: "etcd-healthcheck-client", pair: p.EtcdHealthcheckClient, ca: p.EtcdCA, cn: "kube-etcd-healthcheck-client", eku: client},
		{name: "apiserver-etcd-client", pair: p.APIServerEtcdClient, ca: p.EtcdCA, cn: "kube-apiserver-etcd-client", eku: client},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.NotNil(t, tc.pair)
			c := tc.pair.Cert
			assert.Equal(t, tc.cn, c.Subject.CommonName)
			assert.Empty(t, c.Subject.Organization, "kubeadm 1.36 sets no O on PKI leaves")
			assert.Equal(t, tc.eku, c.ExtKeyUsage)
			assert.Equal(t, tc.dns, c.DNSNames)
			if tc.ipSANs == nil {
				assert.Empty(t, c.IPAddresses)
			} else {
				assert.Equal(t, tc.ipSANs, ipStrings(c.IPAddresses))
			}
			assert.False(t, c.IsCA)
			assert.Equal(t, t0.Add(-5*time.Minute), c.NotBefore)
			assert.Equal(t, t0.Add(365*24*time.Hour), c.NotAfter)
			assert.NoError(t, CheckKeyPair(c.PublicKey, tc.pair.Key))
			for _, u := range tc.eku {
				assert.NoError(t, verifyAt(c, []*x509.Certificate{tc.ca.Cert}, nil, t0, u))
			}
		})
	}
	for name, want := range map[string]struct {
		ca *CA
		cn string
	}{"ca": {p.CA, "kubernetes"}, "front-proxy-ca": {p.FrontProxyCA, "front-proxy-ca"}, "etcd-ca": {p.EtcdCA, "etcd-ca"}} {
		t.Run(name, func(t *testing.T) {
			require.NotNil(t, want.ca)
			assert.Equal(t, want.cn, want.ca.Cert.Subject.CommonName)
			assert.True(t, want.ca.Cert.IsCA)
			assert.Equal(t, t0.Add(3650*24*time.Hour), want.ca.Cert.NotAfter)
		})
	}
	assert.IsType(t, &ecdsa.PrivateKey{}, p.ServiceAccountKey)
	assert.Len(t, p.Entries(), 10)
	// Three CAs, three distinct keys.
	assert.False(t, p.CA.Cert.Equal(p.EtcdCA.Cert))
	assert.NotEqual(t, p.CA.Cert.SubjectKeyId, p.FrontProxyCA.Cert.SubjectKeyId)
}

func TestNewPKIDefaults(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "node", Now: fixedNow})
	require.NoError(t, err)
	assert.Equal(t, ips("10.96.0.1", "127.0.0.1"), ipStrings(p.APIServer.Cert.IPAddresses))
	assert.Contains(t, p.APIServer.Cert.DNSNames, "kubernetes.default.svc.cluster.local")
	kt, err := KeyTypeOf(p.CA.Key)
	require.NoError(t, err)
	assert.Equal(t, KeyECDSAP256, kt)
}

func TestNewPKIDualStackAndIPEndpoint(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "node", ServiceCIDR: "fd00:10:96::/112,10.96.0.0/16", ControlPlaneEndpoint: "[fd00::1]:6443", DNSDomain: "corp.internal", Now: fixedNow})
	require.NoError(t, err)
	assert.Equal(t, ips("fd00:10:96::1", "127.0.0.1", "fd00::1"), ipStrings(p.APIServer.Cert.IPAddresses))
	assert.Contains(t, p.APIServer.Cert.DNSNames, "kubernetes.default.svc.corp.internal")
}

func TestNewPKIExternalEtcd(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "node", ExternalEtcd: true, Now: fixedNow})
	require.NoError(t, err)
	assert.Nil(t, p.EtcdCA)
	assert.Nil(t, p.APIServerEtcdClient)
	assert.Len(t, p.Entries(), 5)
}

func TestNewPKIRefusesBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts PKIOptions
		want error
	}{
		{name: "bad node name", opts: PKIOptions{NodeName: "Node_1"}, want: ErrInvalidName},
		{name: "bad service CIDR", opts: PKIOptions{NodeName: "n", ServiceCIDR: "10.96.0.0"}, want: ErrInvalidName},
		{name: "bad endpoint port", opts: PKIOptions{NodeName: "n", ControlPlaneEndpoint: "lb:99999"}, want: ErrInvalidName},
		{name: "bad endpoint host", opts: PKIOptions{NodeName: "n", ControlPlaneEndpoint: "l_b:6443"}, want: ErrInvalidName},
		{name: "bad extra SAN", opts: PKIOptions{NodeName: "n", APIServerCertSANs: []string{"not a name"}}, want: ErrInvalidName},
		{name: "bad key type", opts: PKIOptions{NodeName: "n", KeyType: "RSA-1024"}, want: ErrUnsupportedKey},
		{name: "leaf outlives a given CA", opts: PKIOptions{NodeName: "n", Validity: 2 * 365 * 24 * time.Hour, CA: mustCA(CAOptions{CommonName: "kubernetes", Validity: 365 * 24 * time.Hour})}, want: ErrValidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewPKI(tc.opts)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func mustCA(opts CAOptions) *CA {
	ca, err := NewCA(opts)
	if err != nil {
		panic(err)
	}
	return ca
}

func TestNewPKIReusesGivenCA(t *testing.T) {
	t.Parallel()
	first, err := NewPKI(PKIOptions{NodeName: "cp-1", Now: fixedNow})
	require.NoError(t, err)
	second, err := NewPKI(PKIOptions{NodeName: "cp-2", CA: first.CA, FrontProxyCA: first.FrontProxyCA, EtcdCA: first.EtcdCA, Now: fixedNow})
	require.NoError(t, err)
	assert.Same(t, first.CA, second.CA)
	assert.NoError(t, second.APIServer.Cert.CheckSignatureFrom(first.CA.Cert))
	assert.NoError(t, second.EtcdPeer.Cert.CheckSignatureFrom(first.EtcdCA.Cert))
}

func TestNewPKIEveryKeyType(t *testing.T) {
	t.Parallel()
	for _, kt := range []KeyType{KeyECDSAP384, KeyRSA2048, KeyEd25519} {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			p, err := NewPKI(PKIOptions{NodeName: "n", KeyType: kt, Now: fixedNow})
			require.NoError(t, err)
			for _, e := range p.Entries() {
				got, err := KeyTypeOf(e.Pair.Key)
				require.NoError(t, err)
				assert.Equal(t, kt, got, e.Name)
			}
			saType, err := KeyTypeOf(p.ServiceAccountKey)
			require.NoError(t, err)
			if kt == KeyEd25519 {
				assert.Equal(t, KeyECDSAP256, saType, "kube-apiserver cannot sign tokens with Ed25519")
			} else {
				assert.Equal(t, kt, saType)
			}
		})
	}
}

func TestIssueClientForKubeconfig(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "cp-1", Now: fixedNow})
	require.NoError(t, err)
	for _, id := range KubeconfigIdentities("cp-1") {
		t.Run(id.File, func(t *testing.T) {
			kp, err := p.IssueClient(id.CommonName, id.Groups...)
			require.NoError(t, err)
			assert.Equal(t, id.CommonName, kp.Cert.Subject.CommonName)
			assert.Equal(t, id.Groups, kp.Cert.Subject.Organization)
			assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, kp.Cert.ExtKeyUsage)
			assert.NoError(t, verifyAt(kp.Cert, []*x509.Certificate{p.CA.Cert}, nil, t0, x509.ExtKeyUsageClientAuth))
		})
	}
	ids := KubeconfigIdentities("cp-1")
	assert.Equal(t, ClientIdentity{File: "admin.conf", CommonName: "kubernetes-admin", Groups: []string{"kubeadm:cluster-admins"}}, ids[0])
	assert.Equal(t, ClientIdentity{File: "super-admin.conf", CommonName: "kubernetes-super-admin", Groups: []string{"system:masters"}}, ids[1])
	assert.Equal(t, "system:node:cp-1", ids[2].CommonName)
	assert.Equal(t, "system:kube-controller-manager", ids[3].CommonName)
	assert.Equal(t, "system:kube-scheduler", ids[4].CommonName)
}

func TestWriteDirLayoutAndModes(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(testPKIOptions)
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "pki")
	require.NoError(t, p.WriteDir(dir))

	want := map[string]os.FileMode{
		"ca.crt": 0o644, "ca.key": 0o600,
		"apiserver.crt": 0o644, "apiserver.key": 0o600,
		"apiserver-kubelet-client.crt": 0o644, "apiserver-kubelet-client.key": 0o600,
		"front-proxy-ca.crt": 0o644, "front-proxy-ca.key": 0o600,
		"front-proxy-client.crt": 0o644, "front-proxy-client.key": 0o600,
		"etcd/ca.crt": 0o644, "etcd/ca.key": 0o600,
		"etcd/server.crt": 0o644, "etcd/server.key": 0o600,
		"etcd/peer.crt": 0o644, "etcd/peer.key": 0o600,
		"etcd/healthcheck-client.crt": 0o644, "etcd/healthcheck-client.key": 0o600,
		"apiserver-etcd-client.crt": 0o644, "apiserver-etcd-client.key": 0o600,
		"sa.key": 0o600, "sa.pub": 0o644,
	}
	got := map[string]os.FileMode{}
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		require.NoError(t, err)
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		require.NoError(t, err)
		rel, err := filepath.Rel(dir, path)
		require.NoError(t, err)
		got[filepath.ToSlash(rel)] = info.Mode().Perm()
		return nil
	}))
	assert.Equal(t, want, got, "exactly kubeadm's files, no temporary files left")

	loaded, err := LoadPKI(dir)
	require.NoError(t, err)
	for i, e := range loaded.Entries() {
		orig := p.Entries()[i]
		assert.Equal(t, orig.Name, e.Name)
		assert.True(t, e.Pair.Cert.Equal(orig.Pair.Cert), e.Name)
		assert.NoError(t, CheckKeyPair(orig.Pair.Cert.PublicKey, e.Pair.Key), e.Name)
	}
	assert.NoError(t, CheckKeyPair(p.ServiceAccountKey.Public(), loaded.ServiceAccountKey))
	assert.Equal(t, "cp-1", loaded.Options.NodeName)
	assert.Equal(t, KeyECDSAP256, loaded.Options.KeyType)
}

func TestWriteDirNeverOverwrites(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "n", Now: fixedNow})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "apiserver.key"), []byte("precious"), 0o600))

	err = p.WriteDir(dir)
	var ee *ExistsError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, filepath.Join(dir, "apiserver.key"), ee.Path)
	assert.Equal(t, []string{ee.Path}, ee.Paths)
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Len(t, entries, 1, "nothing written next to the existing file")
	data, err := os.ReadFile(filepath.Join(dir, "apiserver.key"))
	require.NoError(t, err)
	assert.Equal(t, "precious", string(data))

	require.NoError(t, p.Write(dir, WriteOptions{Overwrite: true, KeyFormat: Traditional}))
	loaded, err := LoadPKI(dir)
	require.NoError(t, err)
	assert.True(t, loaded.APIServer.Cert.Equal(p.APIServer.Cert))
	data, err = os.ReadFile(filepath.Join(dir, "apiserver.key"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "-----BEGIN EC PRIVATE KEY-----", "Traditional writes SEC1 like kubeadm")
}

func TestLoadPKIExternalEtcd(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "n", ExternalEtcd: true, Now: fixedNow})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, p.WriteDir(dir))
	loaded, err := LoadPKI(dir)
	require.NoError(t, err)
	assert.True(t, loaded.Options.ExternalEtcd)
	assert.Nil(t, loaded.EtcdCA)
	assert.Len(t, loaded.Entries(), 5)
}

func TestLoadPKIReportsEveryBadFile(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "n", Now: fixedNow})
	require.NoError(t, err)
	other, err := NewPKI(PKIOptions{NodeName: "n", Now: fixedNow})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, p.WriteDir(dir))

	// apiserver.key from another tree: key mismatch.
	k, err := other.APIServer.KeyPEM()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "apiserver.key"), k, 0o600))
	// front-proxy-client signed by another CA.
	k, err = other.FrontProxyClient.KeyPEM()
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "front-proxy-client.key"), k, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "front-proxy-client.crt"), other.FrontProxyClient.CertPEM(), 0o644))
	// A missing file.
	require.NoError(t, os.Remove(filepath.Join(dir, "sa.pub")))

	_, err = LoadPKI(dir)
	require.Error(t, err)
	assert.ErrorIs(t, err, ErrKeyMismatch)
	assert.ErrorIs(t, err, ErrInvalidSignature)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestGenerateKeysRunsInParallel proves the workers overlap: each key
// generation waits until as many are running as there are workers, which a
// sequential loop would never reach (synctest reports the deadlock).
func TestGenerateKeysRunsInParallel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		types := make([]KeyType, 11)
		workers := min(runtime.GOMAXPROCS(0), len(types))
		var mu sync.Mutex
		active, peak := 0, 0
		release := make(chan struct{})
		var once sync.Once
		key, err := GenerateKey(KeyECDSAP256)
		require.NoError(t, err)
		gen := func(KeyType) (crypto.Signer, error) {
			mu.Lock()
			active++
			peak = max(peak, active)
			if active == workers {
				once.Do(func() { close(release) })
			}
			mu.Unlock()
			<-release
			mu.Lock()
			active--
			mu.Unlock()
			return key, nil
		}
		keys, err := generateKeys(types, func(int) bool { return false }, gen)
		require.NoError(t, err)
		assert.Len(t, keys, len(types))
		assert.Equal(t, workers, peak)
	})
}

func TestWriteDirLeavesNothingWhenItFailsPartWay(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "n", Now: fixedNow})
	require.NoError(t, err)
	dir := t.TempDir()
	// A file where the etcd directory should be: ca.crt and the other
	// top-level files come first, then creating etcd/ fails.
	require.NoError(t, os.WriteFile(filepath.Join(dir, "etcd"), []byte("in the way"), 0o600))

	require.Error(t, p.WriteDir(dir))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.Equal(t, []string{"etcd"}, names, "no half-written tree, no temporary file")

	require.NoError(t, os.Remove(filepath.Join(dir, "etcd")))
	assert.NoError(t, p.WriteDir(dir), "a retry is not refused by files of the failed attempt")
}
