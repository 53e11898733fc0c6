package certs

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestNewCADefaults(t *testing.T) {
	t.Parallel()
	ca, err := NewCA(CAOptions{CommonName: "kubernetes", Now: fixedNow})
	require.NoError(t, err)
	c := ca.Cert
	assert.Equal(t, "kubernetes", c.Subject.CommonName)
	assert.True(t, c.IsCA)
	assert.True(t, c.BasicConstraintsValid)
	assert.Equal(t, x509.KeyUsageCertSign|x509.KeyUsageCRLSign|x509.KeyUsageDigitalSignature, c.KeyUsage)
	assert.Equal(t, t0.Add(-5*time.Minute), c.NotBefore, "backdated 5 minutes")
	assert.Equal(t, t0.Add(3650*24*time.Hour), c.NotAfter, "kubeadm's CACertificateValidityPeriod")
	assert.Len(t, c.SubjectKeyId, 20)
	assert.Equal(t, -1, c.MaxPathLen, "a root is unconstrained like kubeadm's")
	assert.Positive(t, c.SerialNumber.Sign())
	assert.Equal(t, x509.ECDSAWithSHA256, c.SignatureAlgorithm)
	assert.NoError(t, c.CheckSignatureFrom(c))
	assert.Empty(t, ca.Chain)
}

func TestNewCASerialsAreRandom(t *testing.T) {
	t.Parallel()
	a := testCA(t, KeyECDSAP256)
	b := testCA(t, KeyECDSAP256)
	assert.NotEqual(t, a.Cert.SerialNumber, b.Cert.SerialNumber)
	assert.Greater(t, a.Cert.SerialNumber.BitLen()+b.Cert.SerialNumber.BitLen(), 200, "two 127-bit serials")
}

func TestNewCAOptions(t *testing.T) {
	t.Parallel()
	key, err := GenerateKey(KeyEd25519)
	require.NoError(t, err)
	ca, err := NewCA(CAOptions{CommonName: "x", Organization: []string{"o"}, Key: key, Validity: 48 * time.Hour, MaxPathLen: PathLen(1), PermittedDNSDomains: []string{"example.com"}, Now: fixedNow})
	require.NoError(t, err)
	assert.NoError(t, CheckKeyPair(ca.Cert.PublicKey, key))
	assert.Equal(t, t0.Add(48*time.Hour), ca.Cert.NotAfter)
	assert.Equal(t, 1, ca.Cert.MaxPathLen)
	assert.Equal(t, []string{"o"}, ca.Cert.Subject.Organization)
	assert.Equal(t, []string{"example.com"}, ca.Cert.PermittedDNSDomains)
	assert.True(t, ca.Cert.PermittedDNSDomainsCritical)
}

func TestNewCARefusesBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		opts CAOptions
		want error
	}{
		{name: "no common name", opts: CAOptions{}, want: ErrInvalidName},
		{name: "unknown key type", opts: CAOptions{CommonName: "x", KeyType: "RSA-1024"}, want: ErrUnsupportedKey},
		{name: "ends before it starts", opts: CAOptions{CommonName: "x", Now: fixedNow, NotAfter: t0.Add(-time.Hour)}, want: ErrValidity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewCA(tc.opts)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestIntermediate(t *testing.T) {
	t.Parallel()
	root, err := NewCA(CAOptions{CommonName: "root", Now: fixedNow, MaxPathLen: PathLen(1)})
	require.NoError(t, err)
	inter, err := root.NewIntermediate(CAOptions{CommonName: "inter", Now: fixedNow, Validity: 5 * 365 * 24 * time.Hour})
	require.NoError(t, err)
	assert.True(t, inter.Cert.MaxPathLenZero, "an intermediate defaults to path length 0")
	assert.Equal(t, root.Cert.SubjectKeyId, inter.Cert.AuthorityKeyId)
	assert.Empty(t, inter.Chain, "issued by a root: no intermediates above it")
	assert.True(t, inter.Root().Equal(root.Cert))

	leaf, err := inter.Issue(CertOptions{CommonName: "svc", Profile: ProfileServer, DNSNames: []string{"svc.example"}, Now: fixedNow})
	require.NoError(t, err)
	require.Len(t, leaf.Chain, 1, "the leaf carries the intermediate")
	assert.True(t, leaf.Chain[0].Equal(inter.Cert))
	assert.NoError(t, verifyAt(leaf.Cert, []*x509.Certificate{root.Cert}, leaf.Chain, t0, x509.ExtKeyUsageServerAuth))

	_, err = inter.NewIntermediate(CAOptions{CommonName: "too deep", Now: fixedNow, Validity: time.Hour})
	assert.ErrorIs(t, err, ErrPolicy, "path length 0 allows no CA below")

	_, err = root.NewIntermediate(CAOptions{CommonName: "outlives", Now: fixedNow, Validity: 20 * 365 * 24 * time.Hour})
	assert.ErrorIs(t, err, ErrValidity)
}

func TestIntermediatePathLenClampedBelowParent(t *testing.T) {
	t.Parallel()
	root, err := NewCA(CAOptions{CommonName: "root", Now: fixedNow, MaxPathLen: PathLen(2)})
	require.NoError(t, err)
	inter, err := root.NewIntermediate(CAOptions{CommonName: "inter", Now: fixedNow, Validity: time.Hour, MaxPathLen: PathLen(5)})
	require.NoError(t, err)
	assert.Equal(t, 1, inter.Cert.MaxPathLen)
}

func TestLoadCARefusesNonCA(t *testing.T) {
	t.Parallel()
	ca := testCA(t, KeyECDSAP256)
	leaf, err := ca.Issue(CertOptions{CommonName: "leaf", Profile: ProfileClient, Now: fixedNow})
	require.NoError(t, err)
	_, err = LoadCA(leaf.Cert, leaf.Key)
	assert.ErrorIs(t, err, ErrNotCA)

	other, err := GenerateKey(KeyECDSAP256)
	require.NoError(t, err)
	_, err = LoadCA(ca.Cert, other)
	assert.ErrorIs(t, err, ErrKeyMismatch)

	keyPEM, err := ca.KeyPEM()
	require.NoError(t, err)
	back, err := ParseCAPEM(ca.CertPEM(), keyPEM, DecodeOptions{})
	require.NoError(t, err)
	assert.True(t, back.Cert.Equal(ca.Cert))

	// A leaf dressed up as a CA cannot sign.
	fake := &CA{KeyPair: *leaf}
	_, err = fake.Issue(CertOptions{CommonName: "x", Profile: ProfileClient, Now: fixedNow})
	assert.ErrorIs(t, err, ErrNotCA)
}
