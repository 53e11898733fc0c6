package certs

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// opensslPath finds the openssl command or skips the test saying so: the
// interop tests need the real tool and mean nothing without it.
func opensslPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("openssl")
	if err != nil {
		t.Skipf("openssl not found on PATH, interop test not run: %v", err)
	}
	return path
}

// openssl runs the command and returns its combined output and error.
func openssl(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(opensslPath(t), args...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// purposes maps a profile to the openssl -purpose values it must pass.
var purposes = map[Profile][]string{
	ProfileServer: {"sslserver"},
	ProfileClient: {"sslclient"},
	ProfilePeer:   {"sslserver", "sslclient"},
}

// wrongPurposes are the purposes a profile must fail, which shows that
// openssl really checks the usage.
var wrongPurposes = map[Profile][]string{
	ProfileServer: {"sslclient"},
	ProfileClient: {"sslserver"},
}

func TestOpenSSLVerifiesKubeadmTree(t *testing.T) {
	opensslPath(t)
	t.Parallel()
	for _, kt := range []KeyType{KeyECDSAP256, KeyECDSAP384, KeyRSA2048, KeyEd25519} {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			// The real clock: openssl verify checks validity against now.
			p, err := NewPKI(PKIOptions{NodeName: "cp-1", KeyType: kt, ControlPlaneEndpoint: "k8s.example.com"})
			require.NoError(t, err)
			dir := t.TempDir()
			require.NoError(t, p.WriteDir(dir))
			profile := map[string]Profile{
				NameAPIServer: ProfileServer, NameAPIServerKubeletClient: ProfileClient, NameFrontProxyClient: ProfileClient,
				NameEtcdServer: ProfilePeer, NameEtcdPeer: ProfilePeer, NameEtcdHealthcheckClient: ProfileClient, NameAPIServerEtcdClient: ProfileClient,
			}
			caFile := map[string]string{}
			for _, e := range p.Entries() {
				crt := filepath.Join(dir, e.BaseName+".crt")
				key := filepath.Join(dir, e.BaseName+".key")
				if e.IsCA {
					caFile[e.Name] = crt
					out, err := openssl(t, "verify", "-x509_strict", "-CAfile", crt, crt)
					assert.NoError(t, err, "%s: %s", e.Name, out)
				} else {
					for _, purpose := range purposes[profile[e.Name]] {
						out, err := openssl(t, "verify", "-x509_strict", "-purpose", purpose, "-CAfile", caFile[e.CAName], crt)
						assert.NoError(t, err, "%s %s: %s", e.Name, purpose, out)
						assert.Contains(t, out, crt+": OK")
					}
					for _, purpose := range wrongPurposes[profile[e.Name]] {
						out, err := openssl(t, "verify", "-x509_strict", "-purpose", purpose, "-CAfile", caFile[e.CAName], crt)
						assert.Error(t, err, "%s must fail %s: %s", e.Name, purpose, out)
					}
				}
				keyPub, err := openssl(t, "pkey", "-in", key, "-pubout")
				require.NoError(t, err, keyPub)
				certPub, err := openssl(t, "x509", "-in", crt, "-pubkey", "-noout")
				require.NoError(t, err, certPub)
				assert.Equal(t, keyPub, certPub, "%s: key and certificate hold the same public key", e.Name)
			}
			saPub, err := openssl(t, "pkey", "-in", filepath.Join(dir, "sa.key"), "-pubout")
			require.NoError(t, err, saPub)
			pub, err := os.ReadFile(filepath.Join(dir, "sa.pub"))
			require.NoError(t, err)
			assert.Equal(t, string(pub), saPub)

			// A leaf of one tree does not verify under another CA.
			out, err := openssl(t, "verify", "-CAfile", caFile[NameEtcdCA], filepath.Join(dir, "apiserver.crt"))
			assert.Error(t, err, out)
		})
	}
}

func TestOpenSSLReadsExtensions(t *testing.T) {
	opensslPath(t)
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "cp-1"})
	require.NoError(t, err)
	dir := t.TempDir()
	crt := writeFile(t, dir, "apiserver.crt", p.APIServer.CertPEM())
	out, err := openssl(t, "x509", "-in", crt, "-noout", "-ext", "subjectAltName,keyUsage,extendedKeyUsage,basicConstraints")
	require.NoError(t, err, out)
	for _, want := range []string{
		"X509v3 Key Usage: critical", "Digital Signature",
		"TLS Web Server Authentication",
		"X509v3 Basic Constraints: critical", "CA:FALSE",
		"DNS:kubernetes.default.svc.cluster.local", "IP Address:10.96.0.1", "IP Address:127.0.0.1",
	} {
		assert.Contains(t, out, want)
	}
	assert.NotContains(t, out, "Key Encipherment", "no keyEncipherment on an ECDSA key")

	ca := writeFile(t, dir, "ca.crt", p.CA.CertPEM())
	out, err = openssl(t, "x509", "-in", ca, "-noout", "-ext", "keyUsage,basicConstraints")
	require.NoError(t, err, out)
	assert.Contains(t, out, "Certificate Sign, CRL Sign")
	assert.Contains(t, out, "CA:TRUE")
}

func TestOpenSSLVerifiesIntermediateChain(t *testing.T) {
	opensslPath(t)
	t.Parallel()
	root, err := NewCA(CAOptions{CommonName: "root"})
	require.NoError(t, err)
	inter, err := root.NewIntermediate(CAOptions{CommonName: "inter", Validity: 365 * 24 * time.Hour})
	require.NoError(t, err)
	leaf, err := inter.Issue(CertOptions{CommonName: "svc", Profile: ProfileServer, DNSNames: []string{"svc.example.com"}, Validity: 24 * time.Hour})
	require.NoError(t, err)
	dir := t.TempDir()
	rootFile := writeFile(t, dir, "root.crt", root.CertPEM())
	chainFile := writeFile(t, dir, "chain.crt", EncodeCertificates(leaf.Chain...))
	leafFile := writeFile(t, dir, "leaf.crt", leaf.CertPEM())
	out, err := openssl(t, "verify", "-x509_strict", "-purpose", "sslserver", "-CAfile", rootFile, "-untrusted", chainFile, leafFile)
	assert.NoError(t, err, out)
	// Without the intermediate the chain does not build.
	out, err = openssl(t, "verify", "-CAfile", rootFile, leafFile)
	assert.Error(t, err, out)
	// The full chain PEM as a server presents it starts with the leaf.
	assert.True(t, bytes.HasPrefix(leaf.ChainPEM(), leaf.CertPEM()))
	assert.True(t, strings.Count(string(leaf.ChainPEM()), "BEGIN CERTIFICATE") == 2)
}
