package certs

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
)

// PEM block types written and read by this package.
const (
	BlockCertificate        = "CERTIFICATE"
	BlockCertificateRequest = "CERTIFICATE REQUEST"
	BlockPrivateKey         = "PRIVATE KEY"     // PKCS#8
	BlockRSAPrivateKey      = "RSA PRIVATE KEY" // PKCS#1
	BlockECPrivateKey       = "EC PRIVATE KEY"  // SEC1
	BlockPublicKey          = "PUBLIC KEY"      // PKIX
	BlockRSAPublicKey       = "RSA PUBLIC KEY"  // PKCS#1
	// BlockEncryptedPrivateKey is recognised only to refuse it with ErrEncryptedKey.
	BlockEncryptedPrivateKey = "ENCRYPTED PRIVATE KEY"
	blockNewCSR              = "NEW CERTIFICATE REQUEST"
	blockECParameters        = "EC PARAMETERS"
)

// Default limits of DecodeOptions.
const (
	DefaultMaxBytes  = 1 << 20
	DefaultMaxBlocks = 1000
)

// DecodeOptions bounds what the PEM parsers accept from outside. The zero
// value applies DefaultMaxBytes and DefaultMaxBlocks.
type DecodeOptions struct {
	// MaxBytes is the largest input accepted; zero means DefaultMaxBytes (1 MiB).
	MaxBytes int
	// MaxBlocks is the largest number of PEM blocks accepted; zero means DefaultMaxBlocks.
	MaxBlocks int
}

func (o DecodeOptions) maxBytes() int {
	if o.MaxBytes <= 0 {
		return DefaultMaxBytes
	}
	return o.MaxBytes
}

func (o DecodeOptions) maxBlocks() int {
	if o.MaxBlocks <= 0 {
		return DefaultMaxBlocks
	}
	return o.MaxBlocks
}

// decodeBlocks splits data into PEM blocks under the limits. It refuses input
// where a block begins but cannot be decoded, which pem.Decode alone would
// skip silently.
func decodeBlocks(what string, data []byte, opts DecodeOptions) ([]*pem.Block, error) {
	if len(data) > opts.maxBytes() {
		return nil, &SizeError{What: what, Size: len(data), Limit: opts.maxBytes()}
	}
	begins := bytes.Count(data, []byte("-----BEGIN "))
	if begins == 0 {
		return nil, fmt.Errorf("%s: %w", what, ErrNoPEM)
	}
	if begins > opts.maxBlocks() {
		return nil, &SizeError{What: what + " (PEM blocks)", Size: begins, Limit: opts.maxBlocks()}
	}
	blocks := make([]*pem.Block, 0, begins)
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		blocks = append(blocks, block)
	}
	if len(blocks) != begins {
		return nil, fmt.Errorf("%s: %d of %d PEM blocks could not be decoded: %w", what, begins-len(blocks), begins, ErrTruncatedPEM)
	}
	return blocks, nil
}

// isEncrypted reports a legacy OpenSSL encrypted block ("Proc-Type: 4,ENCRYPTED")
// or a PKCS#8 encrypted key.
func isEncrypted(b *pem.Block) bool {
	return b.Type == BlockEncryptedPrivateKey || strings.Contains(b.Headers["Proc-Type"], "ENCRYPTED")
}

// EncodeCertificates returns the PEM encoding of certs, in order.
func EncodeCertificates(certs ...*x509.Certificate) []byte {
	var buf bytes.Buffer
	for _, c := range certs {
		_ = pem.Encode(&buf, &pem.Block{Type: BlockCertificate, Bytes: c.Raw})
	}
	return buf.Bytes()
}

// ParseCertificatesPEM returns every CERTIFICATE block of data, in order.
// Blocks of other types (a key next to its certificate) are skipped, but data
// without any certificate gives a *PEMTypeError, and a certificate that does
// not parse gives an error naming its position.
func ParseCertificatesPEM(data []byte, opts DecodeOptions) ([]*x509.Certificate, error) {
	blocks, err := decodeBlocks("certificates", data, opts)
	if err != nil {
		return nil, err
	}
	var certs []*x509.Certificate
	for i, b := range blocks {
		if b.Type != BlockCertificate {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("parse certificate %d: %w", i+1, err)
		}
		certs = append(certs, c)
	}
	if len(certs) == 0 {
		return nil, &PEMTypeError{Got: blocks[0].Type, Want: []string{BlockCertificate}}
	}
	return certs, nil
}

// ParseCertificatePEM returns the first certificate of data; see ParseCertificatesPEM.
func ParseCertificatePEM(data []byte, opts DecodeOptions) (*x509.Certificate, error) {
	certs, err := ParseCertificatesPEM(data, opts)
	if err != nil {
		return nil, err
	}
	return certs[0], nil
}

// KeyFormat selects how EncodePrivateKeyAs writes a private key.
type KeyFormat int

const (
	// PKCS8 writes "PRIVATE KEY" blocks for every key type; the default.
	PKCS8 KeyFormat = iota
	// PKCS1 writes RSA keys as "RSA PRIVATE KEY", what older tools expect.
	PKCS1
	// SEC1 writes ECDSA keys as "EC PRIVATE KEY", what older tools expect.
	SEC1
	// Traditional writes PKCS1 for RSA, SEC1 for ECDSA and PKCS8 for Ed25519,
	// as kubeadm and client-go's keyutil do.
	Traditional
)

// EncodePrivateKey returns key as an unencrypted PKCS#8 "PRIVATE KEY" PEM block.
func EncodePrivateKey(key crypto.Signer) ([]byte, error) {
	return EncodePrivateKeyAs(key, PKCS8)
}

// EncodePrivateKeyAs returns key in the given format. Asking for PKCS1 with a
// non-RSA key or SEC1 with a non-ECDSA key is an error.
func EncodePrivateKeyAs(key crypto.Signer, format KeyFormat) ([]byte, error) {
	if _, err := KeyTypeOf(key); err != nil {
		return nil, err
	}
	if format == Traditional {
		switch key.(type) {
		case *rsa.PrivateKey:
			format = PKCS1
		case *ecdsa.PrivateKey:
			format = SEC1
		default:
			format = PKCS8
		}
	}
	var block pem.Block
	switch format {
	case PKCS8:
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			return nil, fmt.Errorf("encode private key: %w", err)
		}
		block = pem.Block{Type: BlockPrivateKey, Bytes: der}
	case PKCS1:
		k, ok := key.(*rsa.PrivateKey)
		if !ok {
			return nil, &KeyError{Type: fmt.Sprintf("%T", key), Reason: "PKCS#1 holds only RSA keys"}
		}
		block = pem.Block{Type: BlockRSAPrivateKey, Bytes: x509.MarshalPKCS1PrivateKey(k)}
	case SEC1:
		k, ok := key.(*ecdsa.PrivateKey)
		if !ok {
			return nil, &KeyError{Type: fmt.Sprintf("%T", key), Reason: "SEC1 holds only ECDSA keys"}
		}
		der, err := x509.MarshalECPrivateKey(k)
		if err != nil {
			return nil, fmt.Errorf("encode private key: %w", err)
		}
		block = pem.Block{Type: BlockECPrivateKey, Bytes: der}
	default:
		return nil, fmt.Errorf("unknown key format %d", format)
	}
	return pem.EncodeToMemory(&block), nil
}

var privateKeyBlocks = []string{BlockPrivateKey, BlockRSAPrivateKey, BlockECPrivateKey}

// ParsePrivateKeyPEM returns the private key in data: PKCS#8, PKCS#1 or SEC1,
// skipping "EC PARAMETERS" blocks as written by openssl ecparam. An encrypted
// key gives ErrEncryptedKey, a file of another type a *PEMTypeError, a key
// type or size this package refuses a *KeyError. Errors never include key
// material.
func ParsePrivateKeyPEM(data []byte, opts DecodeOptions) (crypto.Signer, error) {
	blocks, err := decodeBlocks("private key", data, opts)
	if err != nil {
		return nil, err
	}
	for _, b := range blocks {
		if b.Type == blockECParameters {
			continue
		}
		if isEncrypted(b) {
			return nil, fmt.Errorf("%w: decrypt it first (openssl pkey -in key.pem -out plain.pem)", ErrEncryptedKey)
		}
		var key any
		switch b.Type {
		case BlockPrivateKey:
			key, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case BlockRSAPrivateKey:
			key, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case BlockECPrivateKey:
			key, err = x509.ParseECPrivateKey(b.Bytes)
		default:
			return nil, &PEMTypeError{Got: b.Type, Want: privateKeyBlocks}
		}
		if err != nil {
			// The parser's message names the structure, never the key bytes.
			return nil, fmt.Errorf("parse %s block: %w", b.Type, err)
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, &KeyError{Type: fmt.Sprintf("%T", key)}
		}
		if _, err := KeyTypeOf(signer); err != nil {
			return nil, err
		}
		return signer, nil
	}
	return nil, &PEMTypeError{Got: blockECParameters, Want: privateKeyBlocks}
}

// EncodePublicKey returns pub as a PKIX "PUBLIC KEY" PEM block, the format of
// kubeadm's sa.pub.
func EncodePublicKey(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: BlockPublicKey, Bytes: der}), nil
}

// ParsePublicKeyPEM returns the first public key in data, PKIX or PKCS#1.
func ParsePublicKeyPEM(data []byte, opts DecodeOptions) (crypto.PublicKey, error) {
	blocks, err := decodeBlocks("public key", data, opts)
	if err != nil {
		return nil, err
	}
	b := blocks[0]
	var pub any
	switch b.Type {
	case BlockPublicKey:
		pub, err = x509.ParsePKIXPublicKey(b.Bytes)
	case BlockRSAPublicKey:
		pub, err = x509.ParsePKCS1PublicKey(b.Bytes)
	default:
		return nil, &PEMTypeError{Got: b.Type, Want: []string{BlockPublicKey, BlockRSAPublicKey}}
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s block: %w", b.Type, err)
	}
	if _, err := KeyTypeOf(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

// EncodeCSR returns csr as a "CERTIFICATE REQUEST" PEM block.
func EncodeCSR(csr *x509.CertificateRequest) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: BlockCertificateRequest, Bytes: csr.Raw})
}

// ParseCSRPEM returns the first certificate request in data after checking
// its self-signature, which proves the requester holds the private key. A bad
// signature gives ErrInvalidSignature.
func ParseCSRPEM(data []byte, opts DecodeOptions) (*x509.CertificateRequest, error) {
	blocks, err := decodeBlocks("certificate request", data, opts)
	if err != nil {
		return nil, err
	}
	b := blocks[0]
	if b.Type != BlockCertificateRequest && b.Type != blockNewCSR {
		return nil, &PEMTypeError{Got: b.Type, Want: []string{BlockCertificateRequest}}
	}
	return parseCSRDER(b.Bytes)
}

func parseCSRDER(der []byte) (*x509.CertificateRequest, error) {
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fmt.Errorf("parse certificate request: %w", err)
	}
	if _, err := KeyTypeOf(csr.PublicKey); err != nil {
		return nil, err
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("certificate request signature: %w", errors.Join(ErrInvalidSignature, err))
	}
	return csr, nil
}

func pemEncode(b *pem.Block) []byte { return pem.EncodeToMemory(b) }
