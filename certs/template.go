package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"
)

// Validity defaults, kubeadm's constants (cmd/kubeadm/app/constants).
const (
	// DefaultCAValidity is how long a CA is valid unless told otherwise: 10 years.
	DefaultCAValidity = 10 * 365 * 24 * time.Hour
	// DefaultValidity is how long a leaf certificate is valid unless told otherwise: 1 year.
	DefaultValidity = 365 * 24 * time.Hour
	// Backdate is how far NotBefore is set before the current time, so that
	// a peer whose clock is a little behind accepts a fresh certificate.
	Backdate = 5 * time.Minute
)

// clock returns now or time.Now.
func clock(now func() time.Time) time.Time {
	if now == nil {
		return time.Now()
	}
	return now()
}

// randomSerial returns a positive 128-bit serial number from crypto/rand, the
// size smallstep uses and well inside RFC 5280's 20 octets.
func randomSerial() (*big.Int, error) {
	var b [16]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("serial number: %w", err)
		}
		b[0] &= 0x7f
		if n := new(big.Int).SetBytes(b[:]); n.Sign() > 0 {
			return n, nil
		}
	}
}

// subjectKeyID derives a key identifier from the public key: SHA-256 of its
// PKIX encoding truncated to 160 bits (RFC 7093 method 1 takes the same hash
// of the key bits). It is set on every certificate so that openssl's
// -x509_strict chain building finds issuers by identifier.
func subjectKeyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("subject key id: %w", err)
	}
	sum := sha256.Sum256(der)
	return sum[:20], nil
}

// window computes [NotBefore, NotAfter] the way kubeadm does: NotBefore is now
// minus Backdate, NotAfter now plus the validity; explicit values win. Times
// are truncated to seconds because that is what a certificate stores.
func window(now time.Time, notBefore, notAfter time.Time, validity time.Duration) (time.Time, time.Time) {
	if notBefore.IsZero() {
		notBefore = now.Add(-Backdate)
	}
	if notAfter.IsZero() {
		notAfter = now.Add(validity)
	}
	return notBefore.UTC().Truncate(time.Second), notAfter.UTC().Truncate(time.Second)
}

// keyUsageFor returns the key usages right for a key: digital signature for
// all, key encipherment only for RSA (it means nothing for ECDSA and Ed25519),
// certificate and CRL signing for CAs.
func keyUsageFor(pub crypto.PublicKey, isCA bool) x509.KeyUsage {
	usage := x509.KeyUsageDigitalSignature
	if t, _ := KeyTypeOf(pub); t.IsRSA() && !isCA {
		usage |= x509.KeyUsageKeyEncipherment
	}
	if isCA {
		usage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	}
	return usage
}

// create signs template with the issuer and parses the result back, so the
// returned certificate is exactly what was encoded.
func create(template, parent *x509.Certificate, pub crypto.PublicKey, signer crypto.Signer) (*x509.Certificate, error) {
	serial, err := randomSerial()
	if err != nil {
		return nil, err
	}
	template.SerialNumber = serial
	if len(template.SubjectKeyId) == 0 {
		if template.SubjectKeyId, err = subjectKeyID(pub); err != nil {
			return nil, err
		}
	}
	if parent == nil {
		parent = template
	}
	der, err := x509.CreateCertificate(rand.Reader, template, parent, pub, signer)
	if err != nil {
		return nil, fmt.Errorf("create certificate %q: %w", template.Subject.CommonName, err)
	}
	return x509.ParseCertificate(der)
}
