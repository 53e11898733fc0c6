package secrets

import (
	"bytes"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/kubeprim/kubeprim/certs"
	corev1 "k8s.io/api/core/v1"
)

// TLSOptions are the optional parts of a kubernetes.io/tls Secret. The zero
// value adds no CA and checks validity against the current time.
type TLSOptions struct {
	// CA is the PEM bundle of the issuing CA. When set it is stored under
	// ca.crt (as cert-manager does) and the certificate must chain to it,
	// through the intermediates that follow the leaf in the certificate PEM.
	CA []byte
	// Now is the clock for validity checks; nil means time.Now.
	Now func() time.Time
	// AllowExpired accepts a certificate outside its validity period (expired
	// or not yet valid). By default such a certificate is refused: kubectl
	// would store it, and the outage would come later.
	AllowExpired bool
}

// ErrKeyMismatch says the private key is not the key of the certificate.
var ErrKeyMismatch = errors.New("secrets: private key does not match the certificate's public key")

// CertificateError says why the certificate of a TLS Secret is refused. It
// never holds key material.
type CertificateError struct {
	// Reason says what is wrong.
	Reason string
	Err    error
}

// Error describes the CertificateError.
func (e *CertificateError) Error() string {
	if e.Err != nil {
		return "secrets: certificate " + e.Reason + ": " + e.Err.Error()
	}
	return "secrets: certificate " + e.Reason
}

// Unwrap returns the error the CertificateError wraps.
func (e *CertificateError) Unwrap() error { return e.Err }

// TLS builds a kubernetes.io/tls Secret from PEM: certPEM holds the leaf
// certificate first, then any intermediates; keyPEM the private key (PKCS#1,
// PKCS#8 or SEC 1). Like kubectl create secret tls it refuses a key that does
// not match the certificate (ErrKeyMismatch); beyond kubectl it refuses a
// certificate outside its validity period and, with opts.CA, one that does
// not chain to the CA (*CertificateError). The PEM is stored as given, under
// tls.crt and tls.key.
func TLS(meta Meta, certPEM, keyPEM []byte, opts TLSOptions) (*corev1.Secret, error) {
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, classifyKeyPairError(certPEM, keyPEM, err)
	}
	if err := checkChain(pair.Certificate, opts); err != nil {
		return nil, err
	}
	data := map[string][]byte{
		corev1.TLSCertKey:       bytes.Clone(certPEM),
		corev1.TLSPrivateKeyKey: bytes.Clone(keyPEM),
	}
	if len(opts.CA) > 0 {
		data[corev1.ServiceAccountRootCAKey] = bytes.Clone(opts.CA)
	}
	return meta.build(corev1.SecretTypeTLS, data, nil)
}

// TLSFromKeyPair builds a kubernetes.io/tls Secret from a key pair made or
// loaded by package certs: tls.crt holds the certificate then its chain of
// intermediates, tls.key the key as PKCS#8. The checks are those of TLS; to
// also store and check against the issuing CA, set opts.CA (for example to
// ca.CertPEM()).
func TLSFromKeyPair(meta Meta, pair *certs.KeyPair, opts TLSOptions) (*corev1.Secret, error) {
	if pair == nil {
		return nil, &InputError{Field: "key pair", Reason: "is nil"}
	}
	return TLSFromX509(meta, append([]*x509.Certificate{pair.Cert}, pair.Chain...), pair.Key, opts)
}

// TLSFromX509 builds a kubernetes.io/tls Secret from parsed values: chain is
// the leaf certificate then any intermediates, key its private key. The
// certificates are stored as PEM and the key as PKCS#8 PEM; the checks are
// those of TLS.
func TLSFromX509(meta Meta, chain []*x509.Certificate, key crypto.Signer, opts TLSOptions) (*corev1.Secret, error) {
	if len(chain) == 0 || chain[0] == nil {
		return nil, &CertificateError{Reason: "is missing"}
	}
	if key == nil {
		return nil, &InputError{Field: "private key", Reason: "is nil"}
	}
	var certPEM []byte
	for i, cert := range chain {
		if cert == nil {
			return nil, &CertificateError{Reason: fmt.Sprintf("%d of the chain is nil", i)}
		}
		certPEM = append(certPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})...)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, &InputError{Field: "private key", Reason: "cannot be encoded as PKCS#8: " + err.Error()}
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
	clear(der)
	return TLS(meta, certPEM, keyPEM, opts)
}

// classifyKeyPairError turns tls.X509KeyPair's error into ours. Its messages
// describe PEM structure, never key bytes, but a mismatch deserves a sentinel.
func classifyKeyPairError(certPEM, keyPEM []byte, err error) error {
	if block, _ := pem.Decode(certPEM); block != nil && block.Type == "CERTIFICATE" {
		if cert, parseErr := x509.ParseCertificate(block.Bytes); parseErr == nil {
			if key, keyErr := parsePrivateKeyPEM(keyPEM); keyErr == nil {
				if !publicKeysEqual(cert.PublicKey, key.Public()) {
					return ErrKeyMismatch
				}
			}
		}
	}
	return &CertificateError{Reason: "and key do not form a TLS key pair", Err: err}
}

func parsePrivateKeyPEM(keyPEM []byte) (crypto.Signer, error) {
	for rest := keyPEM; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no private key PEM block")
		}
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, errors.New("private key PEM block does not parse")
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, errors.New("private key cannot sign")
		}
		return signer, nil
	}
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	eq, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && eq.Equal(b)
}

// checkChain checks the leaf's validity period and, with a CA, the chain.
func checkChain(ders [][]byte, opts TLSOptions) error {
	certs := make([]*x509.Certificate, 0, len(ders))
	for i, der := range ders {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return &CertificateError{Reason: fmt.Sprintf("%d of the chain does not parse", i), Err: err}
		}
		certs = append(certs, cert)
	}
	leaf := certs[0]
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	at := now()
	if !opts.AllowExpired {
		if at.Before(leaf.NotBefore) {
			return &CertificateError{Reason: fmt.Sprintf("is not valid before %s", leaf.NotBefore.UTC().Format(time.RFC3339))}
		}
		if at.After(leaf.NotAfter) {
			return &CertificateError{Reason: fmt.Sprintf("expired at %s", leaf.NotAfter.UTC().Format(time.RFC3339))}
		}
	} else if at.Before(leaf.NotBefore) {
		// Check the chain at the moment of the leaf's validity closest to now.
		at = leaf.NotBefore
	} else if at.After(leaf.NotAfter) {
		at = leaf.NotAfter
	}
	if len(opts.CA) == 0 {
		return nil
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(opts.CA) {
		return &CertificateError{Reason: "authority (CA) holds no PEM certificate"}
	}
	intermediates := x509.NewCertPool()
	for _, cert := range certs[1:] {
		intermediates.AddCert(cert)
	}
	_, err := leaf.Verify(x509.VerifyOptions{
		Roots:         roots,
		Intermediates: intermediates,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		return &CertificateError{Reason: "does not chain to the CA", Err: err}
	}
	return nil
}
