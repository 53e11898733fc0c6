package certs

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
)

// KeyType names a key algorithm and size. The names of the ECDSA and RSA types
// are kubeadm's ClusterConfiguration.encryptionAlgorithm values, so a kubeadm
// configuration maps one to one. The zero value means KeyECDSAP256.
type KeyType string

// The key types this package generates and accepts. RSA keys shorter than
// 2048 bits are refused everywhere.
const (
	KeyECDSAP256 KeyType = "ECDSA-P256"
	KeyECDSAP384 KeyType = "ECDSA-P384"
	KeyRSA2048   KeyType = "RSA-2048"
	KeyRSA3072   KeyType = "RSA-3072"
	KeyRSA4096   KeyType = "RSA-4096"
	KeyEd25519   KeyType = "Ed25519"
)

// DefaultKeyType is the key type used when a KeyType is left empty.
const DefaultKeyType = KeyECDSAP256

// KeyTypes lists every supported key type, the default first.
func KeyTypes() []KeyType {
	return []KeyType{KeyECDSAP256, KeyECDSAP384, KeyRSA2048, KeyRSA3072, KeyRSA4096, KeyEd25519}
}

// orDefault maps the empty KeyType to DefaultKeyType.
func (t KeyType) orDefault() KeyType {
	if t == "" {
		return DefaultKeyType
	}
	return t
}

// IsRSA reports whether t is one of the RSA types.
func (t KeyType) IsRSA() bool {
	switch t {
	case KeyRSA2048, KeyRSA3072, KeyRSA4096:
		return true
	}
	return false
}

// Validate reports whether t is a key type this package knows; the empty
// KeyType is valid and means DefaultKeyType.
func (t KeyType) Validate() error {
	for _, k := range KeyTypes() {
		if k == t.orDefault() {
			return nil
		}
	}
	return &KeyError{Type: string(t)}
}

// GenerateKey makes a new private key of type t from crypto/rand. The empty
// KeyType gives an ECDSA P-256 key; an unknown type gives a *KeyError.
func GenerateKey(t KeyType) (crypto.Signer, error) {
	switch t.orDefault() {
	case KeyECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case KeyECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case KeyRSA2048:
		return rsa.GenerateKey(rand.Reader, 2048)
	case KeyRSA3072:
		return rsa.GenerateKey(rand.Reader, 3072)
	case KeyRSA4096:
		return rsa.GenerateKey(rand.Reader, 4096)
	case KeyEd25519:
		_, key, err := ed25519.GenerateKey(rand.Reader)
		return key, err
	}
	return nil, &KeyError{Type: string(t)}
}

// KeyTypeOf names the type of a public or private key and checks that this
// package accepts it: ECDSA on P-256 or P-384, RSA of 2048 to 8192 bits
// (reported as the nearest standard size at or below), Ed25519.
func KeyTypeOf(key any) (KeyType, error) {
	if s, ok := key.(crypto.Signer); ok {
		key = s.Public()
	}
	switch k := key.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return KeyECDSAP256, nil
		case elliptic.P384():
			return KeyECDSAP384, nil
		}
		return "", &KeyError{Type: "ECDSA-" + k.Curve.Params().Name}
	case *rsa.PublicKey:
		bits := k.N.BitLen()
		switch {
		case bits < 2048:
			return "", &KeyError{Type: fmt.Sprintf("RSA-%d", bits), Reason: "RSA keys shorter than 2048 bits are refused"}
		case bits > maxRSABits:
			return "", &KeyError{Type: fmt.Sprintf("RSA-%d", bits), Reason: fmt.Sprintf("RSA keys longer than %d bits are refused", maxRSABits)}
		case bits >= 4096:
			return KeyRSA4096, nil
		case bits >= 3072:
			return KeyRSA3072, nil
		}
		return KeyRSA2048, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return "", &KeyError{Type: "Ed25519", Reason: "wrong public key length"}
		}
		return KeyEd25519, nil
	}
	return "", &KeyError{Type: fmt.Sprintf("%T", key)}
}

// maxRSABits bounds RSA keys read from outside: bigger keys make every
// signature check slow enough to be a denial of service.
const maxRSABits = 8192

// publicKeysEqual reports whether two public keys are the same key.
func publicKeysEqual(a, b crypto.PublicKey) bool {
	k, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && k.Equal(b)
}

// CheckKeyPair reports whether key is the private key of pub; it returns an
// error matching ErrKeyMismatch when it is not.
func CheckKeyPair(pub crypto.PublicKey, key crypto.Signer) error {
	if key == nil || !publicKeysEqual(key.Public(), pub) {
		return ErrKeyMismatch
	}
	return nil
}
