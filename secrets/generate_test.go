package secrets

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"go/parser"
	"go/token"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// counterReader is a deterministic stand-in for a uniform random source:
// SHA-256(seed || BE64(block)) for block 0, 1, 2, …. It makes the statistical
// tests below reproducible, so they cannot be flaky.
type counterReader struct {
	seed  string
	block uint64
	buf   []byte
}

func (r *counterReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		if len(r.buf) == 0 {
			sum := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(r.seed), r.block))
			r.block++
			r.buf = sum[:]
		}
		c := copy(p[n:], r.buf)
		r.buf = r.buf[c:]
		n += c
	}
	return n, nil
}

// chiSquarePValue is the probability that a uniform source gives a chi-square
// statistic at least as large as the one of counts: Q(df/2, x/2), the
// regularized upper incomplete gamma function (series and continued fraction
// as in Numerical Recipes §6.2).
func chiSquarePValue(counts []int) float64 {
	total := 0
	for _, c := range counts {
		total += c
	}
	expected := float64(total) / float64(len(counts))
	x := 0.0
	for _, c := range counts {
		d := float64(c) - expected
		x += d * d / expected
	}
	return upperGammaQ(float64(len(counts)-1)/2, x/2)
}

func upperGammaQ(a, x float64) float64 {
	if x <= 0 {
		return 1
	}
	lg, _ := math.Lgamma(a)
	if x < a+1 {
		sum, term := 1/a, 1/a
		for n := 1.0; n < 10000; n++ {
			term *= x / (a + n)
			sum += term
			if term < sum*1e-15 {
				break
			}
		}
		return 1 - sum*math.Exp(-x+a*math.Log(x)-lg)
	}
	b := x + 1 - a
	c, d := 1/1e-300, 1/b
	h := d
	for i := 1.0; i < 10000; i++ {
		an := -i * (i - a)
		b += 2
		d = an*d + b
		if math.Abs(d) < 1e-300 {
			d = 1e-300
		}
		c = b + an/c
		if math.Abs(c) < 1e-300 {
			c = 1e-300
		}
		d = 1 / d
		delta := d * c
		h *= delta
		if math.Abs(delta-1) < 1e-15 {
			break
		}
	}
	return math.Exp(-x+a*math.Log(x)-lg) * h
}

// TestChiSquarePValue checks the helper against tabulated critical values.
func TestChiSquarePValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		df, x, p float64
	}{
		{1, 3.841, 0.05},
		{10, 18.307, 0.05},
		{61, 80.232, 0.05},
		{61, 100.888, 0.001},
		{99, 148.230, 0.001},
	}
	for _, tc := range tests {
		t.Run(strconv.FormatFloat(tc.x, 'f', -1, 64), func(t *testing.T) {
			assert.InDelta(t, tc.p, upperGammaQ(tc.df/2, tc.x/2), tc.p*0.01)
		})
	}
}

func symbolCounts(t *testing.T, alphabet Alphabet, value string) []int {
	t.Helper()
	index := map[rune]int{}
	for i, r := range alphabet.symbols {
		index[r] = i
	}
	counts := make([]int, alphabet.Size())
	for _, r := range value {
		i, ok := index[r]
		require.True(t, ok, "symbol %q is not in the alphabet", r)
		counts[i]++
	}
	return counts
}

func alphabetOfSize(t *testing.T, n int) Alphabet {
	t.Helper()
	var b strings.Builder
	for i := range n {
		b.WriteRune(rune(0x100 + i)) // non-ASCII on purpose: the rune path
	}
	a, err := NewAlphabet(b.String())
	require.NoError(t, err)
	return a
}

// TestGenerateUniform is a chi-square goodness-of-fit test of the symbol
// frequencies at significance 1e-4, on a deterministic uniform source, for
// alphabet sizes where plain modulo would be biased (200, 255: up to 28% more
// likely; 1000, drawn two bytes at a time) and where it would not.
func TestGenerateUniform(t *testing.T) {
	t.Parallel()
	const alpha = 1e-4
	tests := []struct {
		name     string
		alphabet Alphabet
	}{
		{"2", alphabetOfSize(t, 2)},
		{"hex", Hex},
		{"lower alphanumeric", LowerAlphaNumeric},
		{"alphanumeric", AlphaNumeric},
		{"base64url", Base64URL},
		{"printable ASCII", PrintableASCII},
		{"200", alphabetOfSize(t, 200)},
		{"255", alphabetOfSize(t, 255)},
		{"1000", alphabetOfSize(t, 1000)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			n := 1000 * tc.alphabet.Size()
			value, err := GenerateFrom(&counterReader{seed: tc.name}, tc.alphabet, n)
			require.NoError(t, err)
			require.Equal(t, n, utf8.RuneCountInString(value))
			p := chiSquarePValue(symbolCounts(t, tc.alphabet, value))
			assert.Greater(t, p, alpha, "chi-square p-value %g: symbols are not uniform", p)
		})
	}
}

// TestChiSquareDetectsModuloBias shows the test above has teeth: byte % 200
// on the same source fails it by far.
func TestChiSquareDetectsModuloBias(t *testing.T) {
	t.Parallel()
	const size = 200
	raw := make([]byte, 1000*size)
	_, err := io.ReadFull(&counterReader{seed: "200"}, raw)
	require.NoError(t, err)
	counts := make([]int, size)
	for _, b := range raw {
		counts[int(b)%size]++
	}
	assert.Less(t, chiSquarePValue(counts), 1e-4)
}

// TestGenerateCryptoRandUniform runs the chi-square test once on crypto/rand
// at significance 1e-9: a false alarm is a one-in-a-billion event.
func TestGenerateCryptoRandUniform(t *testing.T) {
	t.Parallel()
	value, err := Generate(AlphaNumeric, 200*AlphaNumeric.Size())
	require.NoError(t, err)
	p := chiSquarePValue(symbolCounts(t, AlphaNumeric, value))
	assert.Greater(t, p, 1e-9, "chi-square p-value %g on crypto/rand", p)
}

func TestGenerateValues(t *testing.T) {
	t.Parallel()
	for _, alphabet := range []Alphabet{AlphaNumeric, PrintableASCII, Hex, Base64URL, LowerAlphaNumeric} {
		t.Run(alphabet.String(), func(t *testing.T) {
			t.Parallel()
			a, err := Generate(alphabet, 32)
			require.NoError(t, err)
			b, err := Generate(alphabet, 32)
			require.NoError(t, err)
			assert.Len(t, a, 32)
			assert.NotEqual(t, a, b, "two 32-symbol values of at least 128 bits collided")
			symbolCounts(t, alphabet, a) // every symbol is in the alphabet
		})
	}
	assert.NotContains(t, PrintableASCII.String(), " ", "the space is left out, unlike sprig's randAscii")
	assert.Equal(t, 94, PrintableASCII.Size())
}

func TestGenerateBadInput(t *testing.T) {
	t.Parallel()
	var alphabetErr *AlphabetError
	var lengthErr *LengthError

	_, err := Generate(Alphabet{}, 10)
	assert.ErrorAs(t, err, &alphabetErr, "zero Alphabet")
	for _, length := range []int{0, -1, MaxValueLength + 1} {
		_, err := Generate(AlphaNumeric, length)
		assert.ErrorAs(t, err, &lengthErr, "length %d", length)
	}
	_, err = RandomBytes(0)
	assert.ErrorAs(t, err, &lengthErr)

	for name, symbols := range map[string]string{
		"empty":        "",
		"one symbol":   "a",
		"duplicate":    "abca",
		"invalid utf8": "ab\xff",
		"dup rune":     "äbä",
	} {
		_, err := NewAlphabet(symbols)
		assert.ErrorAs(t, err, &alphabetErr, name)
	}

	// A source that never yields an acceptable byte must not hang Generate.
	_, err = GenerateFrom(bytes.NewReader(bytes.Repeat([]byte{0xff}, 1<<20)), alphabetOfSize(t, 200), 10)
	assert.Error(t, err)
	_, err = GenerateFrom(&constantReader{0xff}, alphabetOfSize(t, 200), 10)
	assert.Error(t, err)
}

type constantReader struct{ b byte }

func (r *constantReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = r.b
	}
	return len(p), nil
}

func TestEntropy(t *testing.T) {
	t.Parallel()
	assert.InDelta(t, 32*math.Log2(62), AlphaNumeric.EntropyBits(32), 1e-9)
	assert.InDelta(t, 128.0, Hex.EntropyBits(32), 1e-9)
	assert.InDelta(t, 6.0, Base64URL.BitsPerSymbol(), 1e-12)
	assert.Equal(t, 32, Hex.LengthFor(128))
	assert.Equal(t, 22, AlphaNumeric.LengthFor(128)) // 21 symbols carry 125.0 bits
	assert.Equal(t, 0, Alphabet{}.LengthFor(128))
	assert.Zero(t, AlphaNumeric.EntropyBits(0))
}

// TestNoMathRand checks that no file of the package imports math/rand or
// math/rand/v2: every random byte comes from crypto/rand (or, for derived
// values, from HKDF).
func TestNoMathRand(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	fset := token.NewFileSet()
	for _, file := range files {
		src, err := os.ReadFile(file)
		require.NoError(t, err)
		parsed, err := parser.ParseFile(fset, file, src, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range parsed.Imports {
			path, err := strconv.Unquote(imp.Path.Value)
			require.NoError(t, err)
			assert.False(t, path == "math/rand" || strings.HasPrefix(path, "math/rand/"), "%s imports %s", file, path)
		}
	}
}
