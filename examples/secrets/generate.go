package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/kubeprim/kubeprim/secrets"
)

func sortStrings(s []string) { slices.Sort(s) }

var alphabets = map[string]secrets.Alphabet{
	"alphanumeric": secrets.AlphaNumeric,
	"printable":    secrets.PrintableASCII,
	"hex":          secrets.Hex,
	"base64url":    secrets.Base64URL,
	"lower":        secrets.LowerAlphaNumeric,
}

func alphabetNames() string {
	names := make([]string, 0, len(alphabets))
	for name := range alphabets {
		names = append(names, name)
	}
	sortStrings(names)
	return strings.Join(names, ", ")
}

func runGenerate(_ context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("generate", "Prints random values drawn from crypto/rand, every symbol equally likely.\n"+
		"The values go to stdout, one per line; their entropy goes to stderr.", stderr)
	alphabetName := fs.String("alphabet", "alphanumeric", "preset alphabet: "+alphabetNames())
	symbols := fs.String("symbols", "", "a custom alphabet, overriding --alphabet (distinct symbols, at least 2)")
	length := fs.Int("length", 32, "symbols per value")
	bits := fs.Float64("bits", 0, "entropy wanted in bits; sets the length (overrides --length)")
	count := fs.Int("count", 1, "how many values")
	if err := parse(fs, args); err != nil {
		return err
	}

	alphabet, ok := alphabets[*alphabetName]
	if !ok {
		return fmt.Errorf("unknown alphabet %q; use one of %s, or --symbols", *alphabetName, alphabetNames())
	}
	if *symbols != "" {
		var err error
		if alphabet, err = secrets.NewAlphabet(*symbols); err != nil {
			return err
		}
	}
	n := *length
	if *bits != 0 {
		if *bits < 0 {
			return fmt.Errorf("--bits %g is negative", *bits)
		}
		n = alphabet.LengthFor(*bits)
	}
	if *count < 1 || *count > 1000 {
		return fmt.Errorf("--count %d is out of range: use 1 to 1000", *count)
	}
	for range *count {
		value, err := secrets.Generate(alphabet, n)
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, value)
	}
	fmt.Fprintf(stderr, "%d symbols of a %d-symbol alphabet: %.1f bits of entropy per value\n", n, alphabet.Size(), alphabet.EntropyBits(n))
	return nil
}
