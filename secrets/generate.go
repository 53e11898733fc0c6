package secrets

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
)

// MaxValueLength bounds the length of a generated or derived value: a Secret
// cannot hold more than MaxSecretSize bytes anyway.
const MaxValueLength = MaxSecretSize

// Generate returns length symbols drawn uniformly and independently from
// alphabet, using crypto/rand. There is no modulo bias: random bytes that
// would make some symbols likelier are rejected and drawn again. Its entropy
// is alphabet.EntropyBits(length).
//
// It returns *AlphabetError for the zero Alphabet and *LengthError when
// length is not between 1 and MaxValueLength.
func Generate(alphabet Alphabet, length int) (string, error) {
	return GenerateFrom(rand.Reader, alphabet, length)
}

// GenerateFrom is Generate with the random bytes read from r. It is for
// deterministic tests and for derived values (ObjectDeriver); r must be
// uniformly random for the output to be, and a read error is returned.
func GenerateFrom(r io.Reader, alphabet Alphabet, length int) (string, error) {
	if err := alphabet.validate(); err != nil {
		return "", err
	}
	if err := checkValueLength(length); err != nil {
		return "", err
	}
	indexes, err := drawIndexes(r, alphabet.Size(), length)
	if err != nil {
		return "", err
	}
	var out strings.Builder
	if alphabet.ascii {
		out.Grow(length)
		for _, i := range indexes {
			out.WriteByte(byte(alphabet.symbols[i]))
		}
	} else {
		for _, i := range indexes {
			out.WriteRune(alphabet.symbols[i])
		}
	}
	return out.String(), nil
}

// RandomBytes returns n bytes from crypto/rand, for keys and tokens that are
// stored as raw bytes. n must be between 1 and MaxValueLength.
func RandomBytes(n int) ([]byte, error) {
	if err := checkValueLength(n); err != nil {
		return nil, err
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(rand.Reader, b); err != nil {
		return nil, fmt.Errorf("read random bytes: %w", err)
	}
	return b, nil
}

func checkValueLength(length int) error {
	if length < 1 || length > MaxValueLength {
		return &LengthError{What: "value length", Length: length, Min: 1, Max: MaxValueLength}
	}
	return nil
}

// drawIndexes returns count indexes in [0, size) by rejection sampling: each
// index is read as a big-endian number of width bytes (1 for alphabets of up
// to 256 symbols, else 2), and numbers at or above the largest multiple of
// size that fits in width bytes are discarded, so every index is equally
// likely. At most half of the draws are rejected, so the expected number of
// bytes read is under 2 × count × width.
func drawIndexes(r io.Reader, size, count int) ([]int, error) {
	width, space := 1, 256
	if size > 256 {
		width, space = 2, 65536
	}
	limit := space - space%size
	indexes := make([]int, 0, count)
	// Read a little more than the expected need, so that one read is usually
	// enough.
	rejectRate := float64(space-limit) / float64(space)
	readSize := func(need int) int { return width * (int(float64(need)*(1+2*rejectRate)) + 8) }
	buf := make([]byte, readSize(count))
	// A uniform source is rejected less than half the time; one that keeps
	// being rejected is broken (all 0xff, say), and must not hang us.
	budget := 64*readSize(count) + 4096
	for len(indexes) < count {
		chunk := buf[:min(len(buf), readSize(count-len(indexes)))]
		if budget -= len(chunk); budget < 0 {
			return nil, errors.New("random source is not uniform: too many draws rejected")
		}
		if _, err := io.ReadFull(r, chunk); err != nil {
			return nil, fmt.Errorf("read random bytes: %w", err)
		}
		for i := 0; i+width <= len(chunk) && len(indexes) < count; i += width {
			v := int(chunk[i])
			if width == 2 {
				v = v<<8 | int(chunk[i+1])
			}
			if v < limit {
				indexes = append(indexes, v%size)
			}
		}
	}
	clear(buf)
	return indexes, nil
}
