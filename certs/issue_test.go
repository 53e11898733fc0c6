package certs

import (
	"crypto/x509"
	"net"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestIssueKeyUsageFollowsKeyType(t *testing.T) {
	t.Parallel()
	ca := testCA(t, KeyECDSAP256)
	tests := []struct {
		kt   KeyType
		want x509.KeyUsage
	}{
		{kt: KeyECDSAP256, want: x509.KeyUsageDigitalSignature},
		{kt: KeyECDSAP384, want: x509.KeyUsageDigitalSignature},
		{kt: KeyEd25519, want: x509.KeyUsageDigitalSignature},
		{kt: KeyRSA2048, want: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment},
	}
	for _, tc := range tests {
		t.Run(string(tc.kt), func(t *testing.T) {
			t.Parallel()
			kp, err := ca.Issue(CertOptions{CommonName: "x", Profile: ProfileServer, KeyType: tc.kt, DNSNames: []string{"x"}, Now: fixedNow})
			require.NoError(t, err)
			assert.Equal(t, tc.want, kp.Cert.KeyUsage)
			got, err := KeyTypeOf(kp.Cert.PublicKey)
			require.NoError(t, err)
			assert.Equal(t, tc.kt, got)
		})
	}
}

func TestIssueProfiles(t *testing.T) {
	t.Parallel()
	ca := testCA(t, KeyECDSAP256)
	tests := []struct {
		profile Profile
		want    []x509.ExtKeyUsage
	}{
		{profile: ProfileServer, want: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}},
		{profile: ProfileClient, want: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}},
		{profile: ProfilePeer, want: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}},
	}
	for _, tc := range tests {
		t.Run(string(tc.profile), func(t *testing.T) {
			t.Parallel()
			kp, err := ca.Issue(CertOptions{CommonName: "x", Profile: tc.profile, Now: fixedNow})
			require.NoError(t, err)
			assert.Equal(t, tc.want, kp.Cert.ExtKeyUsage)
			assert.False(t, kp.Cert.IsCA)
			assert.True(t, kp.Cert.BasicConstraintsValid)
			for _, u := range tc.want {
				assert.NoError(t, verifyAt(kp.Cert, []*x509.Certificate{ca.Cert}, nil, t0, u))
			}
		})
	}
}

func TestIssueSubjectAndSANs(t *testing.T) {
	t.Parallel()
	ca := testCA(t, KeyECDSAP256)
	u, err := url.Parse("spiffe://cluster.local/ns/default/sa/web")
	require.NoError(t, err)
	kp, err := ca.Issue(CertOptions{
		CommonName:     "jane",
		Organization:   []string{"dev", "ops"},
		Profile:        ProfilePeer,
		DNSNames:       []string{"b.example", "a.example", "b.example", "*.c.example"},
		IPAddresses:    []net.IP{net.ParseIP("10.0.0.2"), net.ParseIP("10.0.0.1"), net.ParseIP("10.0.0.2").To4()},
		URIs:           []*url.URL{u},
		EmailAddresses: []string{"jane@example.com"},
		Now:            fixedNow,
	})
	require.NoError(t, err)
	c := kp.Cert
	assert.Equal(t, "jane", c.Subject.CommonName)
	assert.Equal(t, []string{"dev", "ops"}, c.Subject.Organization)
	assert.Equal(t, []string{"*.c.example", "a.example", "b.example"}, c.DNSNames, "deduplicated and sorted like kubeadm")
	require.Len(t, c.IPAddresses, 2, "deduplicated, order kept")
	assert.True(t, c.IPAddresses[0].Equal(net.ParseIP("10.0.0.2")))
	assert.Equal(t, u.String(), c.URIs[0].String())
	assert.Equal(t, []string{"jane@example.com"}, c.EmailAddresses)
	assert.Equal(t, ca.Cert.SubjectKeyId, c.AuthorityKeyId)
	assert.Len(t, c.SubjectKeyId, 20)
	assert.Equal(t, t0.Add(-Backdate), c.NotBefore)
	assert.Equal(t, t0.Add(365*24*time.Hour), c.NotAfter)
	assert.NoError(t, c.VerifyHostname("a.example"))
	assert.NoError(t, c.VerifyHostname("x.c.example"))
	assert.NoError(t, c.VerifyHostname("10.0.0.1"))
}

func TestIssueRefusesBadInput(t *testing.T) {
	t.Parallel()
	ca := testCA(t, KeyECDSAP256)
	tests := []struct {
		name string
		opts CertOptions
		want error
	}{
		{name: "no common name", opts: CertOptions{Profile: ProfileClient}, want: ErrInvalidName},
		{name: "no profile", opts: CertOptions{CommonName: "x"}, want: ErrInvalidName},
		{name: "bad DNS name", opts: CertOptions{CommonName: "x", Profile: ProfileServer, DNSNames: []string{"under_score"}}, want: ErrInvalidName},
		{name: "bad email", opts: CertOptions{CommonName: "x", Profile: ProfileServer, EmailAddresses: []string{"nobody"}}, want: ErrInvalidName},
		{name: "URI without scheme", opts: CertOptions{CommonName: "x", Profile: ProfileServer, URIs: []*url.URL{{Path: "x"}}}, want: ErrInvalidName},
		{name: "beyond the CA", opts: CertOptions{CommonName: "x", Profile: ProfileServer, Validity: 11 * 365 * 24 * time.Hour, Now: fixedNow}, want: ErrValidity},
		{name: "explicit NotAfter beyond the CA", opts: CertOptions{CommonName: "x", Profile: ProfileServer, NotAfter: ca.Cert.NotAfter.Add(time.Second), Now: fixedNow}, want: ErrValidity},
		{name: "CA already expired", opts: CertOptions{CommonName: "x", Profile: ProfileServer, Now: func() time.Time { return ca.Cert.NotAfter.Add(time.Hour) }}, want: ErrValidity},
		{name: "unknown key type", opts: CertOptions{CommonName: "x", Profile: ProfileServer, KeyType: "DSA"}, want: ErrUnsupportedKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ca.Issue(tc.opts)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestIssueNeverStartsBeforeItsCA(t *testing.T) {
	t.Parallel()
	ca := testCA(t, KeyECDSAP256)
	kp, err := ca.Issue(CertOptions{CommonName: "x", Profile: ProfileClient, Now: func() time.Time { return t0.Add(-time.Hour) }, Validity: 2 * time.Hour})
	require.NoError(t, err)
	assert.Equal(t, ca.Cert.NotBefore, kp.Cert.NotBefore)
}

func TestSignForeignPublicKey(t *testing.T) {
	t.Parallel()
	ca := testCA(t, KeyRSA2048)
	key, err := GenerateKey(KeyEd25519)
	require.NoError(t, err)
	cert, err := ca.Sign(key.Public(), CertOptions{CommonName: "x", Profile: ProfileClient, Now: fixedNow})
	require.NoError(t, err)
	assert.NoError(t, CheckKeyPair(cert.PublicKey, key))
	assert.Equal(t, x509.SHA256WithRSA, cert.SignatureAlgorithm)
	assert.Equal(t, x509.KeyUsageDigitalSignature, cert.KeyUsage)
}
