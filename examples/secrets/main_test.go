package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeprim/kubeprim/secrets"
)

func runSecrets(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// rows maps the first column of a table to the last one, or for a table of
// two columns to the rest of the line.
func rows(t *testing.T, table string) map[string]string {
	t.Helper()
	got := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(table), "\n")[1:] {
		fields := strings.Fields(line)
		require.GreaterOrEqual(t, len(fields), 2, "row %q", line)
		got[fields[0]] = fields[len(fields)-1]
		if strings.HasPrefix(table, "KEY") {
			got[fields[0]] = strings.Join(fields[1:], " ")
		}
	}
	return got
}

// TestDeriveSample checks the bundled run against the published Master
// Password v3 vectors, which are also what Helm's derivePassword returns.
func TestDeriveSample(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runSecrets(t, "derive")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, []string{"SITE", "COUNTER", "TYPE", "PASSWORD"}, strings.Fields(strings.SplitN(stdout, "\n", 2)[0]))
	got := rows(t, stdout)
	assert.Len(t, got, 3)
	assert.Equal(t, "Jejr5[RepuSosp", got["masterpasswordapp.com"])
	assert.Equal(t, "PozoLalv0_Yelo", got["twitter.com"])
}

func TestDeriveWithUser(t *testing.T) {
	t.Parallel()
	masterFile := filepath.Join(t.TempDir(), "master")
	require.NoError(t, os.WriteFile(masterFile, []byte("password\n"), 0o600))
	// sprig's own test cases: derivePassword 2 "long" "password" "user" "example.com".
	code, stdout, stderr := runSecrets(t, "derive", "--user", "user", "--master-password-file", masterFile,
		"--site", "example.com", "--counter", "2")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, map[string]string{"example.com": "Fovi2@JifpTupx"}, rows(t, stdout))
}

func TestGenerate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		lines int
		match string
	}{
		{"default", nil, 1, `^[A-Za-z0-9]{32}$`},
		{"hex by bits", []string{"--alphabet", "hex", "--bits", "128", "--count", "3"}, 3, `^[0-9a-f]{32}$`},
		{"custom symbols", []string{"--symbols", "ab", "--length", "10"}, 1, `^[ab]{10}$`},
		{"printable", []string{"--alphabet", "printable", "--length", "40"}, 1, `^[!-~]{40}$`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runSecrets(t, append([]string{"generate"}, tc.args...)...)
			require.Equal(t, 0, code, stderr)
			lines := strings.Split(strings.TrimSpace(stdout), "\n")
			require.Len(t, lines, tc.lines)
			for _, line := range lines {
				assert.Regexp(t, regexp.MustCompile(tc.match), line)
			}
			assert.Contains(t, stderr, "bits of entropy")
		})
	}
}

func TestEnsureSample(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runSecrets(t, "ensure")
	require.Equal(t, 0, code, stderr)
	runs := strings.Split(stdout, "(someone adds the key \"note\" to each Secret by hand)")
	require.Len(t, runs, 2, stdout)

	first := strings.SplitN(strings.TrimSpace(runs[0]), "\n", 2)
	assert.Equal(t, "run 1: Created shop/shop-db", first[0])
	assert.Equal(t, map[string]string{"api-key": "added", "password": "added", "username": "added"}, rows(t, first[1]))

	second := strings.SplitN(strings.TrimSpace(runs[1]), "\n", 2)
	assert.Equal(t, "run 2: Unchanged shop/shop-db", second[0])
	assert.Equal(t, map[string]string{"api-key": "kept", "password": "kept", "username": "kept", "note": "kept (not in the manifest)"}, rows(t, second[1]))
}

func TestEnsureJSONAndManifest(t *testing.T) {
	t.Parallel()
	manifestFile := filepath.Join(t.TempDir(), "secrets.yaml")
	require.NoError(t, os.WriteFile(manifestFile, []byte(`apiVersion: v1
kind: Secret
metadata:
  name: a
stringData:
  fixed: one
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: ignored
---
apiVersion: v1
kind: Secret
metadata:
  name: b
  namespace: other
`), 0o600))
	code, stdout, stderr := runSecrets(t, "ensure", "-f", manifestFile, "-n", "team", "--generate", "token=hex:16", "-o", "json")
	require.Equal(t, 0, code, stderr)
	var reports []secrets.EnsureReport
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var r secrets.EnsureReport
		require.NoError(t, json.Unmarshal([]byte(line), &r), line)
		reports = append(reports, r)
	}
	require.Len(t, reports, 4, "two Secrets, two runs")
	assert.Equal(t, "team/a", reports[0].Namespace+"/"+reports[0].Name)
	assert.Equal(t, []string{"fixed", "token"}, reports[0].Added)
	assert.Equal(t, "other/b", reports[1].Namespace+"/"+reports[1].Name)
	assert.Equal(t, []string{"token"}, reports[1].Added)
	assert.Equal(t, secrets.ActionUnchanged, reports[2].Action)
	assert.Equal(t, []string{"note"}, reports[3].Unmanaged)
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	noSecret := filepath.Join(dir, "cm.yaml")
	require.NoError(t, os.WriteFile(noSecret, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n"), 0o600))
	broken := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("kind: [\n"), 0o600))
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"unknown command", []string{"rotate"}, 2},
		{"unknown flag", []string{"generate", "--colour"}, 2},
		{"stray argument", []string{"derive", "extra"}, 2},
		{"unknown password type", []string{"derive", "--type", "Long"}, 1},
		{"user without master password", []string{"derive", "--user", "me"}, 1},
		{"zero length", []string{"generate", "--length", "0"}, 1},
		{"absurd length", []string{"generate", "--length", "100000000"}, 1},
		{"duplicate symbols", []string{"generate", "--symbols", "aab"}, 1},
		{"one symbol", []string{"generate", "--symbols", "a"}, 1},
		{"unknown alphabet", []string{"generate", "--alphabet", "emoji"}, 1},
		{"manifest without Secret", []string{"ensure", "-f", noSecret}, 1},
		{"broken manifest", []string{"ensure", "-f", broken}, 1},
		{"missing manifest", []string{"ensure", "-f", filepath.Join(dir, "nope")}, 1},
		{"bad generate spec", []string{"ensure", "--generate", "token"}, 1},
		{"invalid generated key", []string{"ensure", "--generate", "a/b=hex:8"}, 1},
		{"bad output", []string{"ensure", "-o", "yaml"}, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			code, stdout, stderr := runSecrets(t, tc.args...)
			assert.Equal(t, tc.code, code, "stderr: %s", stderr)
			assert.NotEmpty(t, stderr)
			if tc.code != 0 {
				assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line: %q", stderr)
				assert.Empty(t, stdout)
			}
		})
	}
}

// TestNoCommand checks the first run a newcomer makes: every command on its
// bundled sample, in order, and a zero exit.
func TestNoCommand(t *testing.T) {
	t.Parallel()
	code, stdout, stderr := runSecrets(t)
	require.Equal(t, 0, code, "stderr: %s", stderr)
	derive := strings.Index(stdout, "$ secrets derive")
	generate := strings.Index(stdout, "$ secrets generate")
	ensure := strings.Index(stdout, "$ secrets ensure")
	require.True(t, derive >= 0 && generate > derive && ensure > generate, "output: %s", stdout)
	assert.Contains(t, stdout[derive:generate], "PozoLalv0_Yelo") // Helm's derivePassword for the sample
	assert.Contains(t, stdout[ensure:], "run 2: Unchanged")
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, command := range []string{"derive", "generate", "ensure"} {
		code, _, stderr := runSecrets(t, command, "-h")
		assert.Equal(t, 0, code)
		assert.Contains(t, stderr, "usage: secrets "+command)
	}
	code, _, stderr := runSecrets(t, "-h")
	assert.Equal(t, 0, code)
	assert.Contains(t, stderr, "derive")
}
