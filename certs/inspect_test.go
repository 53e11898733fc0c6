package certs

import (
	"crypto/x509"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func kinds(r CertificateReport) []ProblemKind {
	var out []ProblemKind
	for _, p := range r.Problems {
		out = append(out, p.Kind)
	}
	return out
}

func TestInspectPKIDirectoryIsClean(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "cp-1", Now: fixedNow})
	require.NoError(t, err)
	dir := t.TempDir()
	require.NoError(t, p.WriteDir(dir))
	report, err := Inspect(dir, InspectOptions{Now: fixedNow})
	require.NoError(t, err)
	assert.Len(t, report.Certificates, 10, "sa.pub is not a certificate")
	for _, c := range report.Certificates {
		assert.Equal(t, ChainVerified, c.Chain, c.Source)
		require.NotNil(t, c.KeyMatch, c.Source)
		assert.True(t, *c.KeyMatch, c.Source)
		assert.Empty(t, c.Problems, c.Source)
		assert.NotEmpty(t, c.SignedBy)
	}
	assert.NoError(t, report.Err())
	_, err = json.Marshal(report)
	assert.NoError(t, err)
}

func TestInspectFindsProblems(t *testing.T) {
	t.Parallel()
	ca := testCA(t, KeyECDSAP256)
	other := testCA(t, KeyECDSAP256)
	server, err := ca.Issue(CertOptions{CommonName: "web", Profile: ProfileServer, DNSNames: []string{"web.example.com"}, Validity: 10 * 24 * time.Hour, Now: fixedNow})
	require.NoError(t, err)
	client, err := ca.Issue(CertOptions{CommonName: "jane", Profile: ProfileClient, Now: fixedNow})
	require.NoError(t, err)
	wrongKey, err := GenerateKey(KeyECDSAP256)
	require.NoError(t, err)
	wrongKeyPEM, err := EncodePrivateKey(wrongKey)
	require.NoError(t, err)

	tests := []struct {
		name    string
		pem     []byte
		opts    InspectOptions
		want    []ProblemKind
		wantErr error
	}{
		{name: "fresh server cert with its CA", pem: append(server.CertPEM(), ca.CertPEM()...), opts: InspectOptions{Now: fixedNow, ExpiryWarning: time.Hour, Purpose: ProfileServer, Hosts: []string{"web.example.com"}}},
		{name: "expires within the warning", pem: server.CertPEM(), opts: InspectOptions{Now: fixedNow, Roots: caRoots(ca)}, want: []ProblemKind{ProblemExpiresSoon}},
		{name: "expired", pem: server.CertPEM(), opts: InspectOptions{Now: func() time.Time { return t0.Add(11 * 24 * time.Hour) }, Roots: caRoots(ca)}, want: []ProblemKind{ProblemExpired}, wantErr: ErrExpired},
		{name: "not yet valid", pem: server.CertPEM(), opts: InspectOptions{Now: func() time.Time { return t0.Add(-time.Hour) }, Roots: caRoots(ca), ExpiryWarning: time.Hour}, want: []ProblemKind{ProblemNotYetValid}, wantErr: ErrNotYetValid},
		{name: "other CA", pem: server.CertPEM(), opts: InspectOptions{Now: fixedNow, Roots: caRoots(other), ExpiryWarning: time.Hour}, want: []ProblemKind{ProblemUntrusted}, wantErr: ErrUntrusted},
		{name: "client cert as server", pem: client.CertPEM(), opts: InspectOptions{Now: fixedNow, Roots: caRoots(ca), Purpose: ProfileServer}, want: []ProblemKind{ProblemWrongPurpose}, wantErr: ErrWrongPurpose},
		{name: "host not covered", pem: server.CertPEM(), opts: InspectOptions{Now: fixedNow, Roots: caRoots(ca), ExpiryWarning: time.Hour, Hosts: []string{"web.example.com", "10.0.0.1"}}, want: []ProblemKind{ProblemHostNotCovered}, wantErr: ErrHostNotCovered},
		{name: "key mismatch", pem: append(server.CertPEM(), wrongKeyPEM...), opts: InspectOptions{Now: fixedNow, Roots: caRoots(ca), ExpiryWarning: time.Hour}, want: []ProblemKind{ProblemKeyMismatch}, wantErr: ErrKeyMismatch},
		{name: "lone leaf: chain unknown, not a problem", pem: client.CertPEM(), opts: InspectOptions{Now: fixedNow}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			report, err := InspectPEM(tc.pem, tc.opts)
			require.NoError(t, err)
			require.NotEmpty(t, report.Certificates)
			assert.Equal(t, tc.want, kinds(report.Certificates[0]))
			if tc.wantErr != nil {
				assert.ErrorIs(t, report.Err(), tc.wantErr)
			} else {
				assert.NoError(t, report.Err())
			}
		})
	}
}

func caRoots(ca *CA) []*x509.Certificate { return []*x509.Certificate{ca.Cert} }

func TestInspectFileFindsSiblingKeyAndReadsDirectories(t *testing.T) {
	t.Parallel()
	ca := testCA(t, KeyECDSAP256)
	kp, err := ca.Issue(CertOptions{CommonName: "web", Profile: ProfileServer, Now: fixedNow})
	require.NoError(t, err)
	other, err := ca.Issue(CertOptions{CommonName: "other", Profile: ProfileServer, Now: fixedNow})
	require.NoError(t, err)
	dir := t.TempDir()
	writeFile(t, dir, "ca.crt", ca.CertPEM())
	writeFile(t, dir, "tls/web.crt", kp.CertPEM())
	k, err := other.KeyPEM() // the wrong key next to it
	require.NoError(t, err)
	writeFile(t, dir, "tls/web.key", k)
	writeFile(t, dir, "notes.txt", []byte("not a certificate"))

	report, err := Inspect(filepath.Join(dir, "tls", "web.crt"), InspectOptions{Now: fixedNow, Roots: caRoots(ca)})
	require.NoError(t, err)
	require.Len(t, report.Certificates, 1)
	assert.Equal(t, []ProblemKind{ProblemKeyMismatch}, kinds(report.Certificates[0]))

	report, err = Inspect(dir, InspectOptions{Now: fixedNow})
	require.NoError(t, err)
	require.Len(t, report.Certificates, 2)
	for _, c := range report.Certificates {
		assert.Equal(t, ChainVerified, c.Chain, "the CA found in the directory is the root")
	}

	_, err = Inspect(filepath.Join(dir, "missing.crt"), InspectOptions{})
	assert.ErrorIs(t, err, os.ErrNotExist)
	writeFile(t, dir, "broken.crt", []byte("-----BEGIN CERTIFICATE-----\nAAAA"))
	_, err = Inspect(dir, InspectOptions{})
	assert.ErrorIs(t, err, ErrTruncatedPEM)
}

// TestOpenSSLSignsOurCSRAndInspectAgrees has openssl act as the CA for a
// request of ours, then checks the result with Inspect.
func TestOpenSSLSignsOurCSRAndInspectAgrees(t *testing.T) {
	opensslPath(t)
	t.Parallel()
	ca, err := NewCA(CAOptions{CommonName: "openssl-test-ca"})
	require.NoError(t, err)
	csrPEM, key, err := NewCSR(CSROptions{CommonName: "web", DNSNames: []string{"web.example.com"}})
	require.NoError(t, err)
	dir := t.TempDir()
	caKey, err := ca.KeyPEM()
	require.NoError(t, err)
	keyPEM, err := EncodePrivateKey(key)
	require.NoError(t, err)
	caFile := writeFile(t, dir, "ca.crt", ca.CertPEM())
	caKeyFile := writeFile(t, dir, "ca.key", caKey)
	csrFile := writeFile(t, dir, "web.csr", csrPEM)
	writeFile(t, dir, "web.key", keyPEM)
	ext := writeFile(t, dir, "ext.cnf", []byte("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\nsubjectAltName=DNS:web.example.com\n"))
	out, err := openssl(t, "x509", "-req", "-in", csrFile, "-CA", caFile, "-CAkey", caKeyFile, "-set_serial", "4242", "-days", "30", "-extfile", ext, "-out", filepath.Join(dir, "web.crt"))
	require.NoError(t, err, out)

	report, err := Inspect(filepath.Join(dir, "web.crt"), InspectOptions{Roots: caRoots(ca), Purpose: ProfileServer, Hosts: []string{"web.example.com"}, ExpiryWarning: 24 * time.Hour})
	require.NoError(t, err)
	require.Len(t, report.Certificates, 1)
	c := report.Certificates[0]
	assert.Equal(t, ChainVerified, c.Chain)
	require.NotNil(t, c.KeyMatch)
	assert.True(t, *c.KeyMatch)
	assert.Equal(t, "web", c.CommonName)
	assert.Equal(t, []string{"server auth"}, c.ExtKeyUsages)
	assert.Equal(t, "1092", c.Serial, "4242 in hex")
	assert.Empty(t, c.Problems)
	assert.NoError(t, report.Err())

	// The same certificate checked for a client purpose and another host fails.
	report, err = Inspect(filepath.Join(dir, "web.crt"), InspectOptions{Roots: caRoots(ca), Purpose: ProfileClient, Hosts: []string{"evil.example.com"}, ExpiryWarning: 24 * time.Hour})
	require.NoError(t, err)
	assert.Equal(t, []ProblemKind{ProblemWrongPurpose, ProblemHostNotCovered}, kinds(report.Certificates[0]))
}
