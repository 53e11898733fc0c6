package certs

import (
	"bytes"
	"encoding/pem"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPrivateKeyRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		kt        KeyType
		format    KeyFormat
		wantBlock string
	}{
		{name: "ECDSA PKCS8", kt: KeyECDSAP256, format: PKCS8, wantBlock: BlockPrivateKey},
		{name: "ECDSA SEC1", kt: KeyECDSAP384, format: SEC1, wantBlock: BlockECPrivateKey},
		{name: "ECDSA traditional", kt: KeyECDSAP256, format: Traditional, wantBlock: BlockECPrivateKey},
		{name: "RSA PKCS8", kt: KeyRSA2048, format: PKCS8, wantBlock: BlockPrivateKey},
		{name: "RSA PKCS1", kt: KeyRSA2048, format: PKCS1, wantBlock: BlockRSAPrivateKey},
		{name: "RSA traditional", kt: KeyRSA2048, format: Traditional, wantBlock: BlockRSAPrivateKey},
		{name: "Ed25519 PKCS8", kt: KeyEd25519, format: PKCS8, wantBlock: BlockPrivateKey},
		{name: "Ed25519 traditional is PKCS8", kt: KeyEd25519, format: Traditional, wantBlock: BlockPrivateKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			key, err := GenerateKey(tc.kt)
			require.NoError(t, err)
			data, err := EncodePrivateKeyAs(key, tc.format)
			require.NoError(t, err)
			block, _ := pem.Decode(data)
			require.NotNil(t, block)
			assert.Equal(t, tc.wantBlock, block.Type)
			back, err := ParsePrivateKeyPEM(data, DecodeOptions{})
			require.NoError(t, err)
			assert.NoError(t, CheckKeyPair(key.Public(), back))
		})
	}
}

func TestEncodePrivateKeyWrongFormat(t *testing.T) {
	t.Parallel()
	ec, err := GenerateKey(KeyECDSAP256)
	require.NoError(t, err)
	ed, err := GenerateKey(KeyEd25519)
	require.NoError(t, err)
	_, err = EncodePrivateKeyAs(ec, PKCS1)
	assert.ErrorIs(t, err, ErrUnsupportedKey)
	_, err = EncodePrivateKeyAs(ed, SEC1)
	assert.ErrorIs(t, err, ErrUnsupportedKey)
}

func TestParsePrivateKeyPEMErrors(t *testing.T) {
	t.Parallel()
	key, err := GenerateKey(KeyECDSAP256)
	require.NoError(t, err)
	good, err := EncodePrivateKey(key)
	require.NoError(t, err)
	ca := testCA(t, KeyECDSAP256)

	legacyEncrypted := pem.EncodeToMemory(&pem.Block{Type: BlockRSAPrivateKey,
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-256-CBC,00112233445566778899AABBCCDDEEFF"},
		Bytes:   []byte("ciphertext")})
	pkcs8Encrypted := pem.EncodeToMemory(&pem.Block{Type: BlockEncryptedPrivateKey, Bytes: []byte("ciphertext")})
	ecParamsOnly := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}})

	tests := []struct {
		name string
		data []byte
		opts DecodeOptions
		want error
	}{
		{name: "empty", data: nil, want: ErrNoPEM},
		{name: "not PEM", data: []byte("hello"), want: ErrNoPEM},
		{name: "truncated", data: good[:len(good)/2], want: ErrTruncatedPEM},
		{name: "missing END line", data: bytes.TrimSuffix(bytes.TrimSpace(good), []byte("-----END PRIVATE KEY-----")), want: ErrTruncatedPEM},
		{name: "bad base64", data: []byte("-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n"), want: ErrTruncatedPEM},
		{name: "too large", data: good, opts: DecodeOptions{MaxBytes: 64}, want: ErrTooLarge},
		{name: "too many blocks", data: bytes.Repeat(good, 3), opts: DecodeOptions{MaxBlocks: 2}, want: ErrTooLarge},
		{name: "certificate instead of key", data: ca.CertPEM(), want: ErrWrongPEMType},
		{name: "legacy encrypted", data: legacyEncrypted, want: ErrEncryptedKey},
		{name: "PKCS8 encrypted", data: pkcs8Encrypted, want: ErrEncryptedKey},
		{name: "EC parameters only", data: ecParamsOnly, want: ErrWrongPEMType},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParsePrivateKeyPEM(tc.data, tc.opts)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestParsePrivateKeySkipsECParameters(t *testing.T) {
	t.Parallel()
	key, err := GenerateKey(KeyECDSAP256)
	require.NoError(t, err)
	sec1, err := EncodePrivateKeyAs(key, SEC1)
	require.NoError(t, err)
	// openssl ecparam -genkey writes the curve parameters before the key.
	params := pem.EncodeToMemory(&pem.Block{Type: "EC PARAMETERS", Bytes: []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}})
	back, err := ParsePrivateKeyPEM(append(params, sec1...), DecodeOptions{})
	require.NoError(t, err)
	assert.NoError(t, CheckKeyPair(key.Public(), back))
}

func TestErrorsNeverContainKeyMaterial(t *testing.T) {
	t.Parallel()
	key, err := GenerateKey(KeyECDSAP256)
	require.NoError(t, err)
	good, err := EncodePrivateKey(key)
	require.NoError(t, err)
	block, _ := pem.Decode(good)
	// Corrupt the DER so the parser fails on the key bytes.
	der := append([]byte(nil), block.Bytes...)
	der[len(der)-5] ^= 0xff
	der = der[:len(der)-3]
	bad := pem.EncodeToMemory(&pem.Block{Type: BlockPrivateKey, Bytes: der})
	_, err = ParsePrivateKeyPEM(bad, DecodeOptions{})
	require.Error(t, err)
	body := strings.Join(strings.Split(string(bad), "\n")[1:3], "")
	assert.NotContains(t, err.Error(), body[:16])
}

func TestCertificatesRoundTrip(t *testing.T) {
	t.Parallel()
	root := testCA(t, KeyECDSAP256)
	inter, err := root.NewIntermediate(CAOptions{CommonName: "inter", Now: fixedNow, Validity: DefaultValidity})
	require.NoError(t, err)
	key, err := GenerateKey(KeyECDSAP256)
	require.NoError(t, err)
	keyPEM, err := EncodePrivateKey(key)
	require.NoError(t, err)

	// A certificate file with its key in it and the chain behind.
	data := append(append(inter.CertPEM(), keyPEM...), root.CertPEM()...)
	certs, err := ParseCertificatesPEM(data, DecodeOptions{})
	require.NoError(t, err)
	require.Len(t, certs, 2)
	assert.True(t, certs[0].Equal(inter.Cert))
	assert.True(t, certs[1].Equal(root.Cert))

	_, err = ParseCertificatesPEM(keyPEM, DecodeOptions{})
	var te *PEMTypeError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, BlockPrivateKey, te.Got)

	broken := pem.EncodeToMemory(&pem.Block{Type: BlockCertificate, Bytes: []byte{0x30, 0x03, 0x02, 0x01}})
	_, err = ParseCertificatesPEM(broken, DecodeOptions{})
	assert.Error(t, err)
}

func TestPublicKeyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, kt := range KeyTypes() {
		if kt == KeyRSA4096 || kt == KeyRSA3072 {
			continue // slow to generate and no different from RSA-2048 here
		}
		t.Run(string(kt), func(t *testing.T) {
			t.Parallel()
			key, err := GenerateKey(kt)
			require.NoError(t, err)
			data, err := EncodePublicKey(key.Public())
			require.NoError(t, err)
			pub, err := ParsePublicKeyPEM(data, DecodeOptions{})
			require.NoError(t, err)
			assert.NoError(t, CheckKeyPair(pub, key))
		})
	}
}
