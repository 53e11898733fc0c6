package cli_test

import (
	"bytes"
	"flag"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/kubeprim/kubeprim/examples/internal/cli"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantOK     bool
		wantStderr string
	}{
		{"flags", []string{"-n", "3"}, 0, true, ""},
		{"help", []string{"-h"}, 0, false, "usage of demo\n  -n int\n    \ta number\n"},
		{"unknown flag", []string{"--colour"}, 2, false, "demo: flag provided but not defined: -colour; see -h\n"},
		{"bad value", []string{"-n", "three"}, 2, false, "demo: invalid value \"three\" for flag -n: parse error; see -h\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stderr bytes.Buffer
			flags := flag.NewFlagSet("demo", flag.ContinueOnError)
			flags.SetOutput(&stderr)
			flags.Int("n", 0, "a number")
			flags.Usage = func() {
				stderr.WriteString("usage of demo\n")
				flags.PrintDefaults()
			}
			code, ok := cli.Parse(flags, tc.args)
			assert.Equal(t, tc.wantCode, code)
			assert.Equal(t, tc.wantOK, ok)
			assert.Equal(t, tc.wantStderr, stderr.String())
		})
	}
}
