package secrets

import (
	"fmt"
	"strings"
	"testing"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
)

func TestInputsNeverPrintSecretValues(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-Value-9q8w7e"
	cases := []struct {
		name  string
		value any
		shown string
	}{
		{name: "registry password", value: Registry{Server: "ghcr.io", Username: "bot", Password: secret}, shown: "ghcr.io"},
		{name: "literal", value: FromLiteral("password", secret), shown: "password"},
		{name: "bytes", value: FromBytes("password", []byte(secret)), shown: "password"},
		{name: "literal spec", value: FromLiteralSource("password=" + secret), shown: "password"},
		{name: "literal spec without key", value: FromLiteralSource(secret), shown: "literal"},
		{name: "bootstrap token secret", value: BootstrapTokenOptions{ID: "abcdef", Secret: "0123456789abcdef"}, shown: "abcdef"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var logged strings.Builder
			log := funcr.New(func(_, args string) { logged.WriteString(args) }, funcr.Options{})
			log.Info("input", "value", tc.value, "list", []any{tc.value})
			out := []string{logged.String()}
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
				out = append(out, fmt.Sprintf(verb, tc.value), fmt.Sprintf(verb, []any{tc.value}))
			}
			all := strings.Join(out, "\n")
			for _, form := range []string{secret, "0123456789abcdef", fmt.Sprintf("%x", secret), fmt.Sprintf("%d", []byte(secret))[1:20],
				strings.Trim(strings.ReplaceAll(fmt.Sprint([]byte(secret)), " ", ","), "[]")[:20]} {
				assert.NotContains(t, all, form)
			}
			assert.Contains(t, fmt.Sprint(tc.value), tc.shown)
			assert.Contains(t, logged.String(), tc.shown)
		})
	}
}
