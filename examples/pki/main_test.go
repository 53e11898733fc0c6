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
)

func runPKI(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr)
	return stdout.String(), stderr.String(), code
}

func TestNoFlagsWritesATemporaryPKI(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	stdout, stderr, code := runPKI(t)
	require.Equal(t, 0, code, stderr)
	m := regexp.MustCompile(`Wrote the PKI of node "[^"]+" to (\S+): 10 certificates, chains verified, keys match.`).FindStringSubmatch(stdout)
	require.NotNil(t, m, stdout)
	_, err := os.Stat(filepath.Join(m[1], "etcd", "peer.key"))
	assert.NoError(t, err)
	assert.Contains(t, stdout, "10.96.0.1, 127.0.0.1")
	// The kubeadm check-expiration tables, leaves valid about a year, CAs about ten.
	assert.Regexp(t, `(?m)^apiserver\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+36[45]d\s+ca\s+no$`, stdout)
	assert.Regexp(t, `(?m)^etcd-ca\s+\w{3} \d\d, \d{4} \d\d:\d\d UTC\s+(9|10)y\s+no$`, stdout)
	assert.Empty(t, stderr)
}

func TestOutNeverOverwrites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	_, stderr, code := runPKI(t, "--out", dir, "--node-name", "cp-1", "--control-plane-endpoint", "k8s.example.com:6443", "--apiserver-cert-extra-sans", "10.0.0.5,api.example.com")
	require.Equal(t, 0, code, stderr)
	before, err := os.ReadFile(filepath.Join(dir, "ca.key"))
	require.NoError(t, err)

	_, stderr, code = runPKI(t, "--out", dir)
	assert.Equal(t, 1, code)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
	assert.Contains(t, stderr, "--overwrite")
	after, err := os.ReadFile(filepath.Join(dir, "ca.key"))
	require.NoError(t, err)
	assert.Equal(t, before, after)

	_, stderr, code = runPKI(t, "--out", dir, "--overwrite")
	assert.Equal(t, 0, code, stderr)
}

func TestCheckPrintsJSON(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	_, stderr, code := runPKI(t, "--out", dir, "--external-etcd", "--node-name", "cp-1")
	require.Equal(t, 0, code, stderr)
	stdout, stderr, code := runPKI(t, "--check", dir, "-o", "json")
	require.Equal(t, 0, code, stderr)
	var report struct {
		Certificates []struct {
			Name   string `json:"name"`
			CAName string `json:"caName"`
		} `json:"certificates"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &report))
	require.Len(t, report.Certificates, 3, "no etcd certificates with external etcd")
	assert.Equal(t, "front-proxy-client", report.Certificates[2].Name)
	assert.Equal(t, "front-proxy-ca", report.Certificates[2].CAName)
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "weak key", args: []string{"--key-type", "RSA-1024", "--out", "unused"}, code: 1, want: "RSA-1024"},
		{name: "bad advertise address", args: []string{"--advertise-address", "localhost"}, code: 1, want: "not an IP address"},
		{name: "bad SAN", args: []string{"--apiserver-cert-extra-sans", "not a name"}, code: 1, want: "neither an IP address nor"},
		{name: "missing check dir", args: []string{"--check", "/nonexistent"}, code: 1, want: "no such file"},
		{name: "unknown flag", args: []string{"--bogus"}, code: 2, want: "flag provided but not defined"},
		{name: "bad format", args: []string{"-o", "yaml"}, code: 1, want: "want text or json"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TMPDIR", t.TempDir())
			stdout, stderr, code := runPKI(t, tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Contains(t, stderr, tc.want)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			assert.Empty(t, stdout)
		})
	}
}

func TestHelpExplainsEveryFlag(t *testing.T) {
	_, stderr, code := runPKI(t, "-h")
	assert.Equal(t, 0, code)
	for _, f := range []string{"-out", "-check", "-node-name", "-advertise-address", "-service-cidr", "-dns-domain", "-control-plane-endpoint", "-apiserver-cert-extra-sans", "-key-type", "-validity", "-ca-validity", "-external-etcd", "-overwrite", "-o"} {
		assert.Regexp(t, `(?m)^  `+f+`( \w+)?\n\s+\S`, stderr, "%s is listed and explained", f)
	}
}
