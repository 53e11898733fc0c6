package certs

import (
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewCSRRoundTrip(t *testing.T) {
	t.Parallel()
	for _, kt := range []KeyType{KeyECDSAP256, KeyRSA2048, KeyEd25519} {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			csrPEM, key, err := NewCSR(CSROptions{CommonName: "jane", Organization: []string{"dev"}, DNSNames: []string{"b.example", "a.example"}, IPAddresses: []net.IP{net.ParseIP("10.1.2.3")}, KeyType: kt})
			require.NoError(t, err)
			csr, err := ParseCSRPEM(csrPEM, DecodeOptions{})
			require.NoError(t, err)
			assert.Equal(t, "jane", csr.Subject.CommonName)
			assert.Equal(t, []string{"dev"}, csr.Subject.Organization)
			assert.Equal(t, []string{"a.example", "b.example"}, csr.DNSNames)
			assert.Equal(t, "10.1.2.3", csr.IPAddresses[0].String())
			assert.NoError(t, CheckKeyPair(csr.PublicKey, key))
		})
	}
}

func TestParseCSRPEMRefusesForgedSignature(t *testing.T) {
	t.Parallel()
	csrPEM, _, err := NewCSR(CSROptions{CommonName: "jane"})
	require.NoError(t, err)
	block, _ := pem.Decode(csrPEM)
	der := append([]byte(nil), block.Bytes...)
	der[len(der)-2] ^= 0x01 // inside the signature
	_, err = ParseCSRPEM(pem.EncodeToMemory(&pem.Block{Type: BlockCertificateRequest, Bytes: der}), DecodeOptions{})
	assert.Error(t, err)

	ca := testCA(t, KeyECDSAP256)
	_, err = ParseCSRPEM(ca.CertPEM(), DecodeOptions{})
	assert.ErrorIs(t, err, ErrWrongPEMType)
}

// csrWithCA builds a request that asks for basicConstraints CA:TRUE.
func csrWithCA(t *testing.T) []byte {
	t.Helper()
	key, err := GenerateKey(KeyECDSAP256)
	require.NoError(t, err)
	value, err := asn1.Marshal(struct{ IsCA bool }{true})
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:         pkix.Name{CommonName: "evil-ca"},
		ExtraExtensions: []pkix.Extension{{Id: oidBasicConstraints, Critical: true, Value: value}},
	}, key)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: BlockCertificateRequest, Bytes: der})
}

func TestSignCSRPolicy(t *testing.T) {
	t.Parallel()
	ca := testCA(t, KeyECDSAP256)
	mk := func(opts CSROptions) []byte {
		p, _, err := NewCSR(opts)
		require.NoError(t, err)
		return p
	}
	u, _ := url.Parse("spiffe://x/y")
	server := SignPolicy{Profile: ProfileServer, AllowDNSName: AllowDNSSuffix("svc.cluster.local"), AllowIP: AllowAny[net.IP], Now: fixedNow}
	tests := []struct {
		name   string
		csr    []byte
		policy SignPolicy
		want   error
	}{
		{name: "zero policy refuses", csr: mk(CSROptions{CommonName: "x"}), policy: SignPolicy{}, want: ErrPolicy},
		{name: "client with groups", csr: mk(CSROptions{CommonName: "jane", Organization: []string{"dev"}}), policy: SignPolicy{Profile: ProfileClient, Now: fixedNow}},
		{name: "system:masters refused by default", csr: mk(CSROptions{CommonName: "root", Organization: []string{"system:masters"}}), policy: SignPolicy{Profile: ProfileClient, Now: fixedNow}, want: ErrPolicy},
		{name: "system:masters when the caller allows it", csr: mk(CSROptions{CommonName: "root", Organization: []string{"system:masters"}}), policy: SignPolicy{Profile: ProfileClient, AllowGroup: AllowAny[string], Now: fixedNow}},
		{name: "SANs refused unless allowed", csr: mk(CSROptions{CommonName: "web", DNSNames: []string{"web.example.com"}}), policy: SignPolicy{Profile: ProfileServer, Now: fixedNow}, want: ErrPolicy},
		{name: "DNS inside the allowed suffix", csr: mk(CSROptions{CommonName: "web", DNSNames: []string{"web.ns.svc.cluster.local"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.1")}}), policy: server},
		{name: "DNS outside the allowed suffix", csr: mk(CSROptions{CommonName: "web", DNSNames: []string{"evil.com"}}), policy: server, want: ErrPolicy},
		{name: "URI not allowed", csr: mk(CSROptions{CommonName: "web", URIs: []*url.URL{u}}), policy: server, want: ErrPolicy},
		{name: "asks to be a CA", csr: csrWithCA(t), policy: SignPolicy{Profile: ProfileClient, Now: fixedNow}, want: ErrPolicy},
		{name: "custom check", csr: mk(CSROptions{CommonName: "bob"}), policy: SignPolicy{Profile: ProfileClient, Check: func(c *x509.CertificateRequest) error { return errors.New("no bobs") }}, want: ErrPolicy},
		{name: "beyond the CA", csr: mk(CSROptions{CommonName: "x"}), policy: SignPolicy{Profile: ProfileClient, Validity: 20 * 365 * 24 * time.Hour, Now: fixedNow}, want: ErrValidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cert, err := ca.SignCSR(tc.csr, tc.policy)
			if tc.want != nil {
				assert.ErrorIs(t, err, tc.want)
				return
			}
			require.NoError(t, err)
			csr, err := ParseCSRPEM(tc.csr, DecodeOptions{})
			require.NoError(t, err)
			assert.False(t, cert.IsCA, "a CSR never makes a CA")
			assert.Equal(t, csr.Subject.CommonName, cert.Subject.CommonName)
			assert.Equal(t, csr.Subject.Organization, cert.Subject.Organization)
			assert.Equal(t, tc.policy.Profile.ExtKeyUsages(), cert.ExtKeyUsage)
			assert.NoError(t, CheckKeyPairPublic(cert.PublicKey, csr.PublicKey))
			assert.NoError(t, cert.CheckSignatureFrom(ca.Cert))
		})
	}
}

// CheckKeyPairPublic compares two public keys for the tests.
func CheckKeyPairPublic(a, b any) error {
	if !publicKeysEqual(a, b) {
		return ErrKeyMismatch
	}
	return nil
}

func TestOpenSSLVerifiesOurCSRs(t *testing.T) {
	opensslPath(t)
	t.Parallel()
	for _, kt := range []KeyType{KeyECDSAP256, KeyRSA2048, KeyEd25519} {
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			csrPEM, _, err := NewCSR(CSROptions{CommonName: "jane", Organization: []string{"dev", "ops"}, DNSNames: []string{"jane.example.com"}, IPAddresses: []net.IP{net.ParseIP("10.0.0.9")}, KeyType: kt})
			require.NoError(t, err)
			path := writeFile(t, t.TempDir(), "jane.csr", csrPEM)
			out, err := openssl(t, "req", "-in", path, "-noout", "-verify", "-text")
			require.NoError(t, err, out)
			assert.Contains(t, out, "verify OK")
			assert.Contains(t, out, "CN = jane")
			// Go writes several O values as one multi-valued RDN, as client-go and kubeadm do.
			assert.Contains(t, out, "O = dev + O = ops")
			assert.Contains(t, out, "DNS:jane.example.com")
			assert.Contains(t, out, "IP Address:10.0.0.9")
		})
	}
}
