package certs

import (
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
)

// KeyPair is a certificate with its private key and, when it was issued by an
// intermediate CA, the chain of intermediates up to (not including) the root.
// A KeyPair is not modified by this package after it is returned and is safe
// for concurrent reads.
type KeyPair struct {
	// Cert is the certificate.
	Cert *x509.Certificate
	// Key is the private key of Cert.
	Key crypto.Signer
	// Chain holds the intermediate CA certificates above Cert, nearest first;
	// empty when Cert was issued by a root CA or is self-signed.
	Chain []*x509.Certificate
}

// NewKeyPair pairs cert with key after checking that key is cert's private
// key; a mismatch gives an error matching ErrKeyMismatch.
func NewKeyPair(cert *x509.Certificate, key crypto.Signer, chain ...*x509.Certificate) (*KeyPair, error) {
	if cert == nil {
		return nil, fmt.Errorf("new key pair: nil certificate")
	}
	if err := CheckKeyPair(cert.PublicKey, key); err != nil {
		return nil, fmt.Errorf("certificate %q: %w", cert.Subject.CommonName, err)
	}
	return &KeyPair{Cert: cert, Key: key, Chain: chain}, nil
}

// ParseKeyPairPEM parses a certificate PEM (the first certificate is the
// leaf, any further ones its chain) and a private key PEM, and checks that
// they belong together.
func ParseKeyPairPEM(certPEM, keyPEM []byte, opts DecodeOptions) (*KeyPair, error) {
	certs, err := ParseCertificatesPEM(certPEM, opts)
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKeyPEM(keyPEM, opts)
	if err != nil {
		return nil, err
	}
	return NewKeyPair(certs[0], key, certs[1:]...)
}

// CertPEM returns the certificate alone as PEM.
func (kp *KeyPair) CertPEM() []byte { return EncodeCertificates(kp.Cert) }

// ChainPEM returns the certificate followed by its intermediates as PEM, what
// a TLS server should present.
func (kp *KeyPair) ChainPEM() []byte {
	return EncodeCertificates(append([]*x509.Certificate{kp.Cert}, kp.Chain...)...)
}

// KeyPEM returns the private key as an unencrypted PKCS#8 PEM block. Treat
// the result as a secret.
func (kp *KeyPair) KeyPEM() ([]byte, error) { return EncodePrivateKey(kp.Key) }

// TLSCertificate returns the pair as a tls.Certificate, chain included, for a
// tls.Config.
func (kp *KeyPair) TLSCertificate() tls.Certificate {
	c := tls.Certificate{PrivateKey: kp.Key, Leaf: kp.Cert, Certificate: [][]byte{kp.Cert.Raw}}
	for _, ic := range kp.Chain {
		c.Certificate = append(c.Certificate, ic.Raw)
	}
	return c
}
