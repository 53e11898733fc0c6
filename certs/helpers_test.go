package certs

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// t0 is the fixed clock of the tests.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func fixedNow() time.Time { return t0 }

// testCA is a root CA on the fixed clock.
func testCA(t testing.TB, kt KeyType) *CA {
	t.Helper()
	ca, err := NewCA(CAOptions{CommonName: "test-ca", KeyType: kt, Now: fixedNow})
	require.NoError(t, err)
	return ca
}

// verifyAt verifies cert against roots at a time for a usage.
func verifyAt(cert *x509.Certificate, roots []*x509.Certificate, inter []*x509.Certificate, at time.Time, usage x509.ExtKeyUsage) error {
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r)
	}
	ip := x509.NewCertPool()
	for _, c := range inter {
		ip.AddCert(c)
	}
	_, err := cert.Verify(x509.VerifyOptions{Roots: pool, Intermediates: ip, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{usage}})
	return err
}
