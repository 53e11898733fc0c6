package certs

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenerateKeyEveryType(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   KeyType
		want KeyType
	}{
		{name: "empty is ECDSA P-256", in: "", want: KeyECDSAP256},
		{name: "P-256", in: KeyECDSAP256, want: KeyECDSAP256},
		{name: "P-384", in: KeyECDSAP384, want: KeyECDSAP384},
		{name: "RSA-2048", in: KeyRSA2048, want: KeyRSA2048},
		{name: "RSA-3072", in: KeyRSA3072, want: KeyRSA3072},
		{name: "Ed25519", in: KeyEd25519, want: KeyEd25519},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key, err := GenerateKey(tc.in)
			require.NoError(t, err)
			got, err := KeyTypeOf(key)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
			assert.NoError(t, CheckKeyPair(key.Public(), key))
		})
	}
}

func TestGenerateKeyRefusesUnknownType(t *testing.T) {
	t.Parallel()
	for _, kt := range []KeyType{"RSA-1024", "DSA", "ECDSA-P521", "rsa-2048"} {
		t.Run(string(kt), func(t *testing.T) {
			_, err := GenerateKey(kt)
			var ke *KeyError
			require.ErrorAs(t, err, &ke)
			assert.ErrorIs(t, err, ErrUnsupportedKey)
			assert.Error(t, kt.Validate())
		})
	}
}

func TestKeyTypeOfRefusesWeakAndOddKeys(t *testing.T) {
	t.Parallel()
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	p224, err := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	require.NoError(t, err)
	p521, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	require.NoError(t, err)
	for name, key := range map[string]any{"RSA-1024": small, "P-224": p224, "P-521": p521, "string": "not a key"} {
		t.Run(name, func(t *testing.T) {
			_, err := KeyTypeOf(key)
			assert.ErrorIs(t, err, ErrUnsupportedKey)
		})
	}
}

func TestCheckKeyPairMismatch(t *testing.T) {
	t.Parallel()
	a, err := GenerateKey(KeyECDSAP256)
	require.NoError(t, err)
	b, err := GenerateKey(KeyECDSAP256)
	require.NoError(t, err)
	assert.ErrorIs(t, CheckKeyPair(a.Public(), b), ErrKeyMismatch)
	assert.ErrorIs(t, CheckKeyPair(a.Public(), nil), ErrKeyMismatch)
}
