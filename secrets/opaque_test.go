package secrets

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

func writeFile(t *testing.T, path string, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

func TestOpaqueSources(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "db", "password"), "from file\n")
	writeFile(t, filepath.Join(dir, "certs", "ca.crt"), "CA")
	writeFile(t, filepath.Join(dir, "certs", "tls.crt"), "CRT")
	writeFile(t, filepath.Join(dir, "certs", "sub", "ignored"), "x")
	require.NoError(t, os.Symlink(filepath.Join(dir, "db", "password"), filepath.Join(dir, "certs", "link")))

	tests := []struct {
		name    string
		sources []Source
		want    map[string]string
	}{
		{"literals", []Source{FromLiteral("user", "admin"), FromBytes("blob", []byte{0, 1})}, map[string]string{"user": "admin", "blob": "\x00\x01"}},
		{"literal source keeps later '='", []Source{FromLiteralSource("dsn=host=db port=5432")}, map[string]string{"dsn": "host=db port=5432"}},
		{"literal source with empty value", []Source{FromLiteralSource("empty=")}, map[string]string{"empty": ""}},
		{"file under its base name", []Source{FromFile(filepath.Join(dir, "db", "password"))}, map[string]string{"password": "from file\n"}},
		{"file under a key", []Source{FromFile("db-password=" + filepath.Join(dir, "db", "password"))}, map[string]string{"db-password": "from file\n"}},
		{"directory: regular files only", []Source{FromFile(filepath.Join(dir, "certs"))}, map[string]string{"ca.crt": "CA", "tls.crt": "CRT"}},
		{"no sources", nil, map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			secret, err := Opaque(Meta{Name: "app", Namespace: "default"}, tc.sources...)
			require.NoError(t, err)
			assert.Equal(t, corev1.SecretTypeOpaque, secret.Type)
			assert.Equal(t, "app", secret.Name)
			assert.Equal(t, "default", secret.Namespace)
			got := map[string]string{}
			for k, v := range secret.Data {
				got[k] = string(v)
			}
			assert.Equal(t, tc.want, got)
			assert.NotNil(t, secret.Data, "kubectl starts from an empty map; the hash depends on it")
		})
	}
}

func TestOpaqueSourceErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a"), "x")
	writeFile(t, filepath.Join(dir, "env"), "A=1\n")
	big := filepath.Join(dir, "big")
	require.NoError(t, os.WriteFile(big, bytes.Repeat([]byte("x"), MaxSecretSize+1), 0o600))

	keyErr, sourceErr, inputErr, sizeErr := isA[*KeyError](), isA[*SourceError](), isA[*InputError](), isA[*SizeError]()
	tests := []struct {
		name    string
		sources []Source
		is      func(error) bool
	}{
		{"invalid key", []Source{FromLiteral("a/b", "v")}, keyErr},
		{"key starting with ..", []Source{FromLiteral("..data", "v")}, keyErr},
		{"duplicate key", []Source{FromLiteral("a", "1"), FromLiteral("a", "2")}, sourceErr},
		{"literal without '='", []Source{FromLiteralSource("sup3rs3cret")}, sourceErr},
		{"literal with leading '='", []Source{FromLiteralSource("=sup3rs3cret")}, sourceErr},
		{"missing file", []Source{FromFile(filepath.Join(dir, "nope"))}, sourceErr},
		{"two '=' in a file source", []Source{FromFile("a=b=" + dir)}, sourceErr},
		{"key for a directory", []Source{FromFile("k=" + dir)}, sourceErr},
		{"file of more than 1 MiB", []Source{FromFile(big)}, sizeErr},
		{"env file mixed with a literal", []Source{FromEnvFile(filepath.Join(dir, "env")), FromLiteral("b", "2")}, inputErr},
		{"env file is a directory", []Source{FromEnvFile(dir)}, sourceErr},
		{"data of more than 1 MiB", []Source{FromBytes("a", make([]byte, MaxSecretSize/2)), FromBytes("b", make([]byte, MaxSecretSize/2+1))}, sizeErr},
		{"zero Source", []Source{{}}, inputErr},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Opaque(Meta{Name: "app"}, tc.sources...)
			require.Error(t, err)
			assert.True(t, tc.is(err), "unexpected error %v", err)
			assert.NotContains(t, err.Error(), "sup3rs3cret", "errors never quote values")
		})
	}
}

// TestParseEnvFileMatchesKubectl uses the result of kubectl v0.36.3's
// AddFromEnvFile (k8s.io/kubectl/pkg/cmd/util) on the same file, recorded
// outside this module: byte-order mark, comments, blank and indented lines,
// '=' in values, trailing spaces kept, a CRLF line, and lines without '='
// read from the environment.
func TestParseEnvFileMatchesKubectl(t *testing.T) {
	t.Parallel()
	content := "\xEF\xBB\xBFFIRST=1\n# comment\n   \n  INDENTED=two words  \nEQUALS=a=b=c\nEMPTY=\nFROM_ENV\nUNSET_VAR\nCRLF=x\r\nlast.key-1=ok"
	env := map[string]string{"FROM_ENV": "env value"}
	var got [][2]string
	err := ParseEnvFile([]byte(content), func(k string) string { return env[k] }, func(_ int, k, v string) error {
		got = append(got, [2]string{k, v})
		return nil
	})
	require.NoError(t, err)
	want := [][2]string{{"FIRST", "1"}, {"INDENTED", "two words  "}, {"EQUALS", "a=b=c"}, {"EMPTY", ""}, {"FROM_ENV", "env value"}, {"UNSET_VAR", ""}, {"CRLF", "x"}, {"last.key-1", "ok"}}
	assert.Equal(t, want, got)
}

func TestParseEnvFileErrors(t *testing.T) {
	t.Parallel()
	// kubectl refuses each of these too.
	// The last three are values typed without a key: a line with no '='
	// is read as a variable name, and quoting it would print the value.
	for _, content := range []string{"1BAD=sup3rs3cret", "A B=sup3rs3cret", "=sup3rs3cret", "..A=sup3rs3cret", "OK=1\n\xffsup3rs3cret=2",
		"sup3rs3cret!", "OK=1\n  sup3rs3cret with spaces", "#comment\n9sup3rs3cret"} {
		t.Run(content, func(t *testing.T) {
			err := ParseEnvFile([]byte(content), func(string) string { return "" }, func(int, string, string) error { return nil })
			var sourceErr *SourceError
			require.ErrorAs(t, err, &sourceErr)
			assert.NotContains(t, err.Error(), "sup3rs3cret")
		})
	}
}

// TestFromEnvFile reads a real file; t.Setenv rules out t.Parallel.
func TestFromEnvFile(t *testing.T) {
	t.Setenv("KUBEPRIM_TEST_FROM_ENV", "from the environment")
	path := filepath.Join(t.TempDir(), ".env")
	writeFile(t, path, "DB_USER=app\nKUBEPRIM_TEST_FROM_ENV\n")
	secret, err := Opaque(Meta{Name: "env"}, FromEnvFile(path))
	require.NoError(t, err)
	assert.Equal(t, map[string][]byte{"DB_USER": []byte("app"), "KUBEPRIM_TEST_FROM_ENV": []byte("from the environment")}, secret.Data)

	writeFile(t, path, "DB_USER=app\nDB_USER=again\n")
	_, err = Opaque(Meta{Name: "env"}, FromEnvFile(path))
	var sourceErr *SourceError
	assert.ErrorAs(t, err, &sourceErr, "a key repeated in an env file is refused, as kubectl does")
}

func FuzzParseEnvFile(f *testing.F) {
	f.Add([]byte("A=1\n# c\n  B=x=y\nC\r\n"))
	f.Add([]byte("\xEF\xBB\xBFA=1"))
	f.Add([]byte("1BAD=x"))
	f.Add([]byte("\xff"))
	f.Fuzz(func(t *testing.T, content []byte) {
		_ = ParseEnvFile(content, func(string) string { return "" }, func(line int, key, value string) error {
			if line < 1 {
				t.Fatalf("line %d", line)
			}
			if key == "" {
				t.Fatalf("empty key accepted")
			}
			return nil
		})
	})
}

func FuzzFromLiteralSource(f *testing.F) {
	f.Add("a=b")
	f.Add("=b")
	f.Add("a")
	f.Add("a==")
	f.Fuzz(func(t *testing.T, spec string) {
		secret, err := Opaque(Meta{Name: "x"}, FromLiteralSource(spec))
		if err != nil {
			return
		}
		if len(secret.Data) != 1 {
			t.Fatalf("%d keys from one literal", len(secret.Data))
		}
		for k, v := range secret.Data {
			if k+"="+string(v) != spec {
				t.Fatalf("key %q and value do not recompose the source", k)
			}
		}
	})
}
