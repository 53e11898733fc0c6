package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xhkdf "golang.org/x/crypto/hkdf"
)

var testMaster = []byte("0123456789abcdef0123456789abcdef")

// TestObjectDeriverFollowsItsSpecification rebuilds a value from the
// derivation written in ObjectDeriver's documentation with another HKDF
// implementation (golang.org/x/crypto/hkdf) and a plain modulo-free draw.
func TestObjectDeriverFollowsItsSpecification(t *testing.T) {
	t.Parallel()
	d, err := NewObjectDeriver(testMaster)
	require.NoError(t, err)
	defer d.Close()
	ref := ValueRef{Namespace: "shop", Name: "db", Key: "password"}
	got, err := d.Value(ref, 7, AlphaNumeric, 40)
	require.NoError(t, err)

	str := func(b []byte, s string) []byte {
		return append(binary.BigEndian.AppendUint32(b, uint32(len(s))), s...)
	}
	const salt = "kubeprim.io/secrets/object/v1"
	info := []byte(salt)
	info = str(info, "shop")
	info = str(info, "db")
	info = str(info, "password")
	info = binary.BigEndian.AppendUint32(info, 7)
	info = str(info, AlphaNumeric.String())
	info = binary.BigEndian.AppendUint32(info, 40)
	okm := make([]byte, 32)
	_, err = io.ReadFull(xhkdf.New(sha256.New, testMaster, []byte(salt), info), okm)
	require.NoError(t, err)
	block, err := aes.NewCipher(okm)
	require.NoError(t, err)
	stream := make([]byte, 4096)
	cipher.NewCTR(block, make([]byte, aes.BlockSize)).XORKeyStream(stream, stream)
	symbols := AlphaNumeric.String()
	limit := 256 - 256%len(symbols)
	var want []byte
	for _, b := range stream {
		if int(b) < limit {
			want = append(want, symbols[int(b)%len(symbols)])
		}
		if len(want) == 40 {
			break
		}
	}
	assert.Equal(t, string(want), got)
}

func TestObjectDeriverStableAndIndependent(t *testing.T) {
	t.Parallel()
	d, err := NewObjectDeriver(testMaster)
	require.NoError(t, err)
	defer d.Close()
	base := ValueRef{Namespace: "shop", Name: "db", Key: "password"}
	value := func(ref ValueRef, counter uint32, alphabet Alphabet, length int) string {
		v, err := d.Value(ref, counter, alphabet, length)
		require.NoError(t, err)
		return v
	}
	first := value(base, 1, AlphaNumeric, 32)
	assert.Equal(t, first, value(base, 1, AlphaNumeric, 32), "same inputs, same value")

	other, err := NewObjectDeriver(testMaster)
	require.NoError(t, err)
	again, err := other.Value(base, 1, AlphaNumeric, 32)
	require.NoError(t, err)
	assert.Equal(t, first, again, "a new deriver of the same master secret agrees")

	variants := map[string]string{
		"namespace":      value(ValueRef{Namespace: "shop2", Name: "db", Key: "password"}, 1, AlphaNumeric, 32),
		"name":           value(ValueRef{Namespace: "shop", Name: "db2", Key: "password"}, 1, AlphaNumeric, 32),
		"key":            value(ValueRef{Namespace: "shop", Name: "db", Key: "password2"}, 1, AlphaNumeric, 32),
		"counter":        value(base, 2, AlphaNumeric, 32),
		"alphabet":       value(base, 1, Base64URL, 32),
		"shifted fields": value(ValueRef{Namespace: "sho", Name: "pdb", Key: "password"}, 1, AlphaNumeric, 32),
	}
	for what, v := range variants {
		assert.NotEqual(t, first, v, "changing the %s changes the value", what)
	}
	longer := value(base, 1, AlphaNumeric, 64)
	assert.NotEqual(t, first, longer[:32], "a longer value does not extend a shorter one")

	otherMaster, err := NewObjectDeriver([]byte("another master secret, 32 bytes!"))
	require.NoError(t, err)
	fromOther, err := otherMaster.Value(base, 1, AlphaNumeric, 32)
	require.NoError(t, err)
	assert.NotEqual(t, first, fromOther)
}

func TestObjectDeriverBadInput(t *testing.T) {
	t.Parallel()
	var lengthErr *LengthError
	_, err := NewObjectDeriver([]byte("short"))
	assert.ErrorAs(t, err, &lengthErr)

	d, err := NewObjectDeriver(testMaster)
	require.NoError(t, err)
	_, err = d.Value(ValueRef{Name: "x"}, 1, AlphaNumeric, 10)
	var inputErr *InputError
	assert.ErrorAs(t, err, &inputErr, "no key")
	_, err = d.Value(ValueRef{Key: "x"}, 1, AlphaNumeric, 0)
	assert.ErrorAs(t, err, &lengthErr)
	_, err = d.Value(ValueRef{Key: "x"}, 1, Alphabet{}, 10)
	var alphabetErr *AlphabetError
	assert.ErrorAs(t, err, &alphabetErr)

	require.NoError(t, d.Close())
	_, err = d.Value(ValueRef{Key: "x"}, 1, AlphaNumeric, 10)
	assert.ErrorIs(t, err, ErrClosed)
}

// TestObjectDeriverUniform runs the chi-square test on derived values: one
// long value over an alphabet where modulo would be biased.
func TestObjectDeriverUniform(t *testing.T) {
	t.Parallel()
	d, err := NewObjectDeriver(testMaster)
	require.NoError(t, err)
	alphabet := alphabetOfSize(t, 200)
	v, err := d.Value(ValueRef{Key: "k"}, 1, alphabet, 1000*alphabet.Size())
	require.NoError(t, err)
	p := chiSquarePValue(symbolCounts(t, alphabet, v))
	assert.Greater(t, p, 1e-4)
}
