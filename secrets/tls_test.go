package secrets

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"testing"
	"time"

	"github.com/kubeprim/kubeprim/certs"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

var tlsNow = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

type testCert struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	keyPEM  []byte
}

// newTestCert issues a certificate for key, signed by parent (self-signed
// when parent is nil), valid from notBefore to notAfter.
func newTestCert(t *testing.T, cn string, key crypto.Signer, parent *testCert, isCA bool, notBefore, notAfter time.Time) *testCert {
	t.Helper()
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		IsCA:                  isCA,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:              []string{cn},
	}
	issuer, signer := template, key
	if parent != nil {
		issuer, signer = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, template, issuer, key.Public(), signer)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return &testCert{
		cert:    cert,
		key:     key,
		certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
	}
}

func newECKey(t *testing.T) crypto.Signer {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return key
}

func TestTLS(t *testing.T) {
	t.Parallel()
	year := 365 * 24 * time.Hour
	ca := newTestCert(t, "ca", newECKey(t), nil, true, tlsNow.Add(-3*year), tlsNow.Add(10*year))
	otherCA := newTestCert(t, "other-ca", newECKey(t), nil, true, tlsNow.Add(-year), tlsNow.Add(10*year))
	leaf := newTestCert(t, "web.example.com", newECKey(t), ca, false, tlsNow.Add(-time.Hour), tlsNow.Add(year))
	expired := newTestCert(t, "old.example.com", newECKey(t), ca, false, tlsNow.Add(-2*year), tlsNow.Add(-year))
	future := newTestCert(t, "new.example.com", newECKey(t), ca, false, tlsNow.Add(time.Hour), tlsNow.Add(year))
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	edLeaf := newTestCert(t, "ed.example.com", edKey, ca, false, tlsNow.Add(-time.Hour), tlsNow.Add(year))
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	rsaLeaf := newTestCert(t, "rsa.example.com", rsaKey, ca, false, tlsNow.Add(-time.Hour), tlsNow.Add(year))
	rsaPKCS1 := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rsaKey)})
	clock := func() time.Time { return tlsNow }

	certErr := isA[*CertificateError]()
	tests := []struct {
		name    string
		cert    []byte
		key     []byte
		opts    TLSOptions
		wantErr any // nil, ErrKeyMismatch or certErr
	}{
		{"leaf and key", leaf.certPEM, leaf.keyPEM, TLSOptions{Now: clock}, nil},
		{"with the CA", leaf.certPEM, leaf.keyPEM, TLSOptions{Now: clock, CA: ca.certPEM}, nil},
		{"ed25519", edLeaf.certPEM, edLeaf.keyPEM, TLSOptions{Now: clock, CA: ca.certPEM}, nil},
		{"rsa pkcs1 key", rsaLeaf.certPEM, rsaPKCS1, TLSOptions{Now: clock}, nil},
		{"key of another certificate", leaf.certPEM, expired.keyPEM, TLSOptions{Now: clock}, ErrKeyMismatch},
		{"expired", expired.certPEM, expired.keyPEM, TLSOptions{Now: clock}, certErr},
		{"expired but allowed", expired.certPEM, expired.keyPEM, TLSOptions{Now: clock, AllowExpired: true, CA: ca.certPEM}, nil},
		{"not yet valid", future.certPEM, future.keyPEM, TLSOptions{Now: clock}, certErr},
		{"wrong CA", leaf.certPEM, leaf.keyPEM, TLSOptions{Now: clock, CA: otherCA.certPEM}, certErr},
		{"CA is not PEM", leaf.certPEM, leaf.keyPEM, TLSOptions{Now: clock, CA: []byte("nope")}, certErr},
		{"certificate is not PEM", []byte("nope"), leaf.keyPEM, TLSOptions{Now: clock}, certErr},
		{"key is not PEM", leaf.certPEM, []byte("nope"), TLSOptions{Now: clock}, certErr},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			secret, err := TLS(Meta{Name: "web-tls", Namespace: "web"}, tc.cert, tc.key, tc.opts)
			switch want := tc.wantErr.(type) {
			case nil:
				require.NoError(t, err)
				assert.Equal(t, corev1.SecretTypeTLS, secret.Type)
				assert.Equal(t, tc.cert, secret.Data[corev1.TLSCertKey])
				assert.Equal(t, tc.key, secret.Data[corev1.TLSPrivateKeyKey])
				if tc.opts.CA != nil {
					assert.Equal(t, tc.opts.CA, secret.Data["ca.crt"])
				} else {
					assert.NotContains(t, secret.Data, "ca.crt")
				}
			case error:
				assert.ErrorIs(t, err, want)
			case func(error) bool:
				assert.True(t, want(err), "unexpected error %v", err)
			}
			if err != nil {
				assert.NotContains(t, err.Error(), "PRIVATE KEY", "errors never quote key material")
			}
		})
	}
}

func TestTLSChainAndKeyPair(t *testing.T) {
	t.Parallel()
	year := 365 * 24 * time.Hour
	clock := func() time.Time { return tlsNow }
	root := newTestCert(t, "root", newECKey(t), nil, true, tlsNow.Add(-year), tlsNow.Add(10*year))
	intermediate := newTestCert(t, "intermediate", newECKey(t), root, true, tlsNow.Add(-year), tlsNow.Add(5*year))
	leaf := newTestCert(t, "api.example.com", newECKey(t), intermediate, false, tlsNow.Add(-time.Hour), tlsNow.Add(year))

	// The leaf chains to the root only through the intermediate in tls.crt.
	_, err := TLS(Meta{Name: "api"}, leaf.certPEM, leaf.keyPEM, TLSOptions{Now: clock, CA: root.certPEM})
	var certErr *CertificateError
	assert.ErrorAs(t, err, &certErr, "without the intermediate")
	secret, err := TLSFromX509(Meta{Name: "api"}, []*x509.Certificate{leaf.cert, intermediate.cert}, leaf.key, TLSOptions{Now: clock, CA: root.certPEM})
	require.NoError(t, err)

	// What TLSFromX509 stored parses back to the same pair.
	pair, err := TLS(Meta{Name: "again"}, secret.Data[corev1.TLSCertKey], secret.Data[corev1.TLSPrivateKeyKey], TLSOptions{Now: clock, CA: root.certPEM})
	require.NoError(t, err)
	assert.Equal(t, secret.Data, pair.Data)
	block, rest := pem.Decode(secret.Data[corev1.TLSPrivateKeyKey])
	require.NotNil(t, block)
	assert.Equal(t, "PRIVATE KEY", block.Type)
	assert.Empty(t, rest)

	_, err = TLSFromX509(Meta{Name: "api"}, []*x509.Certificate{leaf.cert}, root.key, TLSOptions{Now: clock})
	assert.ErrorIs(t, err, ErrKeyMismatch)
	_, err = TLSFromX509(Meta{Name: "api"}, nil, leaf.key, TLSOptions{Now: clock})
	assert.ErrorAs(t, err, &certErr)
	_, err = TLSFromX509(Meta{Name: "api"}, []*x509.Certificate{leaf.cert}, nil, TLSOptions{Now: clock})
	var inputErr *InputError
	assert.ErrorAs(t, err, &inputErr)
}

func FuzzTLS(f *testing.F) {
	f.Add([]byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte(""), []byte(""))
	f.Fuzz(func(t *testing.T, certPEM, keyPEM []byte) {
		// Whatever comes in, TLS returns a Secret or an error, never panics.
		secret, err := TLS(Meta{Name: "fuzz"}, certPEM, keyPEM, TLSOptions{AllowExpired: true})
		if err == nil && secret == nil {
			t.Fatal("no Secret and no error")
		}
	})
}

func encodePEM(blockType string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der})
}

// TestTLSFromCertsKeyPair builds from package certs' types, as a user of both
// packages would.
func TestTLSFromCertsKeyPair(t *testing.T) {
	t.Parallel()
	ca, err := certs.NewCA(certs.CAOptions{CommonName: "web-ca"})
	require.NoError(t, err)
	pair, err := ca.Issue(certs.CertOptions{CommonName: "web.example.com", DNSNames: []string{"web.example.com"}, Profile: certs.ProfileServer})
	require.NoError(t, err)
	secret, err := TLSFromKeyPair(Meta{Name: "web-tls"}, pair, TLSOptions{CA: ca.CertPEM()})
	require.NoError(t, err)
	assert.Equal(t, pair.ChainPEM(), secret.Data[corev1.TLSCertKey])
	assert.Equal(t, ca.CertPEM(), secret.Data["ca.crt"])
	loaded, err := certs.ParseKeyPairPEM(secret.Data[corev1.TLSCertKey], secret.Data[corev1.TLSPrivateKeyKey], certs.DecodeOptions{})
	require.NoError(t, err)
	assert.True(t, loaded.Cert.Equal(pair.Cert))

	other, err := certs.NewCA(certs.CAOptions{CommonName: "other"})
	require.NoError(t, err)
	mismatched := &certs.KeyPair{Cert: pair.Cert, Key: other.Key}
	_, err = TLSFromKeyPair(Meta{Name: "web-tls"}, mismatched, TLSOptions{})
	assert.ErrorIs(t, err, ErrKeyMismatch)
	_, err = TLSFromKeyPair(Meta{Name: "web-tls"}, nil, TLSOptions{})
	var inputErr *InputError
	assert.ErrorAs(t, err, &inputErr)
}
