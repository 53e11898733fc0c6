package certs

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRenewKeepsIdentityWithNewKey(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "cp-1", KeyType: KeyECDSAP384, Now: fixedNow})
	require.NoError(t, err)
	later := t0.Add(400 * 24 * time.Hour) // the old certificate has expired
	old := p.APIServer
	kp, err := p.CA.Renew(old.Cert, RenewOptions{Now: func() time.Time { return later }})
	require.NoError(t, err)
	assert.Equal(t, old.Cert.Subject.CommonName, kp.Cert.Subject.CommonName)
	assert.Equal(t, old.Cert.Subject.Organization, kp.Cert.Subject.Organization)
	assert.Equal(t, old.Cert.DNSNames, kp.Cert.DNSNames)
	assert.Equal(t, ipStrings(old.Cert.IPAddresses), ipStrings(kp.Cert.IPAddresses))
	assert.Equal(t, old.Cert.ExtKeyUsage, kp.Cert.ExtKeyUsage)
	assert.NotEqual(t, old.Cert.SerialNumber, kp.Cert.SerialNumber)
	assert.Error(t, CheckKeyPair(kp.Cert.PublicKey, old.Key), "a new key")
	kt, err := KeyTypeOf(kp.Key)
	require.NoError(t, err)
	assert.Equal(t, KeyECDSAP384, kt, "same key type")
	assert.Equal(t, later.Add(-Backdate), kp.Cert.NotBefore)
	assert.Equal(t, later.Add(DefaultValidity), kp.Cert.NotAfter)
	assert.NoError(t, verifyAt(kp.Cert, []*x509.Certificate{p.CA.Cert}, nil, later, x509.ExtKeyUsageServerAuth))
}

func TestRenewRefuses(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "cp-1", Now: fixedNow})
	require.NoError(t, err)
	_, err = p.CA.Renew(p.CA.Cert, RenewOptions{Now: fixedNow})
	assert.ErrorIs(t, err, ErrPolicy, "CAs are never renewed in place")
	_, err = p.EtcdCA.Renew(p.APIServer.Cert, RenewOptions{Now: fixedNow})
	assert.ErrorIs(t, err, ErrInvalidSignature, "same CA only")
	_, err = p.Renew(RenewOptions{}, "ca")
	assert.ErrorIs(t, err, ErrPolicy)
	_, err = p.Renew(RenewOptions{}, "nope")
	assert.ErrorIs(t, err, ErrInvalidName)
	_, err = p.CA.Renew(p.APIServer.Cert, RenewOptions{Now: func() time.Time { return p.CA.Cert.NotAfter.Add(-time.Hour) }})
	assert.ErrorIs(t, err, ErrValidity, "a renewal never outlives the CA")
}

func TestPKIRenewAll(t *testing.T) {
	t.Parallel()
	p, err := NewPKI(PKIOptions{NodeName: "cp-1", Now: fixedNow})
	require.NoError(t, err)
	later := t0.Add(300 * 24 * time.Hour)
	renewed, err := p.Renew(RenewOptions{Now: func() time.Time { return later }})
	require.NoError(t, err)
	old := p.Entries()
	for i, e := range renewed.Entries() {
		if e.IsCA {
			assert.Same(t, old[i].Pair.Cert, e.Pair.Cert, "%s kept", e.Name)
			continue
		}
		assert.False(t, e.Pair.Cert.Equal(old[i].Pair.Cert), "%s renewed", e.Name)
		assert.Equal(t, later.Add(DefaultValidity), e.Pair.Cert.NotAfter)
		assert.Equal(t, old[i].Pair.Cert.Subject.CommonName, e.Pair.Cert.Subject.CommonName)
	}
	assert.Same(t, p.ServiceAccountKey, renewed.ServiceAccountKey)

	only, err := p.Renew(RenewOptions{Now: fixedNow}, NameEtcdPeer)
	require.NoError(t, err)
	assert.Same(t, p.APIServer, only.APIServer)
	assert.NotSame(t, p.EtcdPeer, only.EtcdPeer)
}

func TestRotateCA(t *testing.T) {
	t.Parallel()
	old, err := NewCA(CAOptions{CommonName: "kubernetes", Validity: 2 * 365 * 24 * time.Hour, Now: fixedNow})
	require.NoError(t, err)
	later := t0.Add(365 * 24 * time.Hour)
	rot, err := RotateCA(old, CAOptions{Now: func() time.Time { return later }})
	require.NoError(t, err)
	assert.Equal(t, "kubernetes-20270304-050607", rot.New.Cert.Subject.CommonName)
	again, err := RotateCA(rot.New, CAOptions{Now: fixedNow})
	require.NoError(t, err)
	assert.Equal(t, "kubernetes-20260304-050607", again.New.Cert.Subject.CommonName, "the previous suffix is replaced, not stacked")
	assert.Error(t, CheckKeyPair(rot.New.Cert.PublicKey, old.Key), "a new key")
	assert.Equal(t, later.Add(DefaultCAValidity), rot.New.Cert.NotAfter)
	assert.Equal(t, old.Cert.NotAfter, rot.NewSignedByOld.NotAfter, "cross certificate ends with the old CA")
	assert.Len(t, rot.Bundle(), 2)

	fromNew, err := rot.New.Issue(CertOptions{CommonName: "new-leaf", Profile: ProfileClient, Now: func() time.Time { return later }})
	require.NoError(t, err)
	fromOld, err := old.Issue(CertOptions{CommonName: "old-leaf", Profile: ProfileClient, Validity: 30 * 24 * time.Hour, Now: func() time.Time { return later }})
	require.NoError(t, err)
	at := later.Add(time.Hour)
	oldRoot := []*x509.Certificate{old.Cert}
	newRoot := []*x509.Certificate{rot.New.Cert}

	assert.NoError(t, verifyAt(fromNew.Cert, rot.Bundle(), nil, at, x509.ExtKeyUsageClientAuth), "bundle trusts new leaves")
	assert.NoError(t, verifyAt(fromOld.Cert, rot.Bundle(), nil, at, x509.ExtKeyUsageClientAuth), "bundle trusts old leaves")
	assert.Error(t, verifyAt(fromNew.Cert, oldRoot, nil, at, x509.ExtKeyUsageClientAuth), "old trust alone rejects new leaves")
	assert.NoError(t, verifyAt(fromNew.Cert, oldRoot, []*x509.Certificate{rot.NewSignedByOld}, at, x509.ExtKeyUsageClientAuth), "unless the cross certificate is sent")
	assert.NoError(t, verifyAt(fromOld.Cert, newRoot, []*x509.Certificate{rot.OldSignedByNew}, at, x509.ExtKeyUsageClientAuth))
}

func TestOpenSSLVerifiesRotation(t *testing.T) {
	opensslPath(t)
	t.Parallel()
	old, err := NewCA(CAOptions{CommonName: "kubernetes"})
	require.NoError(t, err)
	rot, err := RotateCA(old, CAOptions{})
	require.NoError(t, err)
	fromNew, err := rot.New.Issue(CertOptions{CommonName: "web", Profile: ProfileServer, DNSNames: []string{"web"}})
	require.NoError(t, err)
	fromOld, err := old.Issue(CertOptions{CommonName: "api", Profile: ProfileServer, DNSNames: []string{"api"}})
	require.NoError(t, err)
	dir := t.TempDir()
	bundle := writeFile(t, dir, "bundle.crt", rot.BundlePEM())
	oldCA := writeFile(t, dir, "old.crt", old.CertPEM())
	cross := writeFile(t, dir, "cross.crt", EncodeCertificates(rot.NewSignedByOld))
	newLeaf := writeFile(t, dir, "web.crt", fromNew.CertPEM())
	oldLeaf := writeFile(t, dir, "api.crt", fromOld.CertPEM())
	for _, args := range [][]string{
		{"-CAfile", bundle, newLeaf},
		{"-CAfile", bundle, oldLeaf},
		{"-CAfile", oldCA, "-untrusted", cross, newLeaf},
	} {
		out, err := openssl(t, append([]string{"verify", "-x509_strict", "-purpose", "sslserver"}, args...)...)
		assert.NoError(t, err, "%v: %s", args, out)
	}
	out, err := openssl(t, "verify", "-CAfile", oldCA, newLeaf)
	assert.Error(t, err, out)
}
