package kubeconfig_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// testCert is a self-signed certificate and its key, PEM encoded.
type testCert struct {
	certPEM, keyPEM []byte
	notAfter        time.Time
}

func newTestCert(t testing.TB, cn string, notAfter time.Time) testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             notAfter.Add(-24 * time.Hour),
		NotAfter:              notAfter,
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	return testCert{
		certPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		keyPEM:   pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		notAfter: tmpl.NotAfter,
	}
}

// assertNoSecret fails when text holds any secret, or any line of a PEM
// secret's body.
func assertNoSecret(t testing.TB, text string, secrets ...string) {
	t.Helper()
	for _, secret := range secrets {
		for _, line := range strings.Split(secret, "\n") {
			if len(line) < 8 || strings.HasPrefix(line, "-----") {
				continue
			}
			assert.NotContains(t, text, line)
		}
		if !strings.Contains(secret, "\n") && secret != "" {
			assert.NotContains(t, text, secret)
		}
	}
}
