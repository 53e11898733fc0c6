package secrets

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// MaxAlphabetSize bounds the number of symbols of an Alphabet.
const MaxAlphabetSize = 1 << 16

// Alphabet is a set of distinct symbols (Unicode code points) that random and
// derived values are drawn from, each with the same probability. The zero
// Alphabet is empty and generates nothing; make one with NewAlphabet or use a
// preset.
type Alphabet struct {
	symbols []rune
	ascii   bool
}

// The preset alphabets.
var (
	// AlphaNumeric is A–Z, a–z and 0–9: 62 symbols, 5.95 bits each.
	AlphaNumeric = mustAlphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
	// PrintableASCII is every printable ASCII character but the space
	// (0x21–0x7E): 94 symbols, 6.55 bits each. Sprig's randAscii includes the
	// space, which shells and config files trim; this does not.
	PrintableASCII = mustAlphabet(printableASCII())
	// Hex is 0–9 and a–f: 16 symbols, 4 bits each.
	Hex = mustAlphabet("0123456789abcdef")
	// Base64URL is the URL- and file-safe base64 alphabet of RFC 4648 §5:
	// A–Z, a–z, 0–9, '-' and '_', 64 symbols, 6 bits each.
	Base64URL = mustAlphabet("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
	// LowerAlphaNumeric is 0–9 and a–z: 36 symbols, the alphabet of
	// bootstrap tokens and of DNS-safe names.
	LowerAlphaNumeric = mustAlphabet("0123456789abcdefghijklmnopqrstuvwxyz")
)

func printableASCII() string {
	b := make([]byte, 0, 0x7e-0x21+1)
	for c := byte(0x21); c <= 0x7e; c++ {
		b = append(b, c)
	}
	return string(b)
}

func mustAlphabet(symbols string) Alphabet {
	a, err := NewAlphabet(symbols)
	if err != nil {
		panic(err) // only for the presets above, which are constants
	}
	return a
}

// NewAlphabet returns the alphabet of the code points of symbols, in order.
// It returns *AlphabetError when symbols is not valid UTF-8, repeats a symbol
// (a repeated symbol would be drawn twice as often), has fewer than 2 symbols
// or more than MaxAlphabetSize.
func NewAlphabet(symbols string) (Alphabet, error) {
	if !utf8.ValidString(symbols) {
		return Alphabet{}, &AlphabetError{Reason: "symbols are not valid UTF-8"}
	}
	runes := []rune(symbols)
	if len(runes) < 2 {
		return Alphabet{}, &AlphabetError{Reason: fmt.Sprintf("has %d symbols; at least 2 are needed to carry any entropy", len(runes))}
	}
	if len(runes) > MaxAlphabetSize {
		return Alphabet{}, &AlphabetError{Reason: fmt.Sprintf("has %d symbols, more than %d", len(runes), MaxAlphabetSize)}
	}
	seen := make(map[rune]struct{}, len(runes))
	ascii := true
	for _, r := range runes {
		if _, dup := seen[r]; dup {
			return Alphabet{}, &AlphabetError{Reason: fmt.Sprintf("symbol %q appears more than once, which would make it more likely than the others", r)}
		}
		seen[r] = struct{}{}
		if r >= utf8.RuneSelf {
			ascii = false
		}
	}
	return Alphabet{symbols: runes, ascii: ascii}, nil
}

// Size is the number of symbols.
func (a Alphabet) Size() int { return len(a.symbols) }

// String returns the symbols in order.
func (a Alphabet) String() string { return string(a.symbols) }

// BitsPerSymbol is log2(Size()): the entropy one uniformly drawn symbol
// carries.
func (a Alphabet) BitsPerSymbol() float64 {
	if len(a.symbols) == 0 {
		return 0
	}
	return math.Log2(float64(len(a.symbols)))
}

// EntropyBits is the entropy of a value of length symbols drawn uniformly and
// independently from a: length × log2(Size()).
func (a Alphabet) EntropyBits(length int) float64 {
	if length <= 0 {
		return 0
	}
	return float64(length) * a.BitsPerSymbol()
}

// LengthFor is the shortest length whose entropy is at least bits.
func (a Alphabet) LengthFor(bits float64) int {
	if bits <= 0 || len(a.symbols) < 2 {
		return 0
	}
	// The small tolerance keeps 128 bits of Hex at 32 symbols despite
	// floating-point rounding.
	return int(math.Ceil(bits/a.BitsPerSymbol() - 1e-9))
}

func (a Alphabet) validate() error {
	if len(a.symbols) < 2 {
		return &AlphabetError{Reason: "is empty; use NewAlphabet or a preset such as AlphaNumeric"}
	}
	return nil
}
