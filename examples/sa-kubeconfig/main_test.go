package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

func runArgs(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(t.Context(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestRunPrintsRedactedKubeconfig(t *testing.T) {
	code, stdout, stderr := runArgs(t)

	require.Equal(t, 0, code, stderr)
	cfg, err := kubeconfig.Parse([]byte(stdout))
	require.NoError(t, err)
	assert.Equal(t, "ci-deployer@kubernetes", cfg.CurrentContext)
	assert.Equal(t, "ci", cfg.Contexts[cfg.CurrentContext].Namespace)
	assert.Equal(t, "REDACTED", cfg.AuthInfos["ci-deployer"].Token)
	// No JWT anywhere: their base64 header starts with "eyJ".
	assert.NotContains(t, stdout+stderr, "eyJ")
	assert.Contains(t, stderr, "RoleBinding ci/deployer:view")
	assert.Contains(t, stderr, "authenticate as system:serviceaccount:ci:deployer")
}

func TestRunShowToken(t *testing.T) {
	start := time.Now()
	code, stdout, stderr := runArgs(t, "--show-token", "--duration", "2h", "--name", "bot")

	require.Equal(t, 0, code, stderr)
	cfg, err := kubeconfig.Parse([]byte(stdout))
	require.NoError(t, err)
	exps, err := kubeconfig.Expiry(cfg)
	require.NoError(t, err)
	require.Len(t, exps, 1)
	assert.Equal(t, "system:serviceaccount:ci:bot", exps[0].Subject)
	assert.WithinDuration(t, start.Add(2*time.Hour), exps[0].NotAfter, time.Minute)
}

func TestRunWritesFile(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		neverExpir bool
		event      string
	}{
		{name: "token request", args: nil, event: "BindingCreated"},
		{name: "legacy token", args: []string{"--legacy"}, neverExpir: true, event: "TokenSecretFilled"},
		{name: "cluster-wide edit", args: []string{"--role", "edit", "--cluster-wide", "--namespace", "staging"}, event: "ClusterRoleBinding staging:deployer:edit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "sa.kubeconfig")
			code, stdout, stderr := runArgs(t, append(tc.args, "-o", path)...)

			require.Equal(t, 0, code, stderr)
			assert.Contains(t, stdout, "wrote "+path)
			assert.Contains(t, stderr, tc.event)
			info, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
			cfg, err := kubeconfig.LoadFile(path)
			require.NoError(t, err)
			require.NoError(t, kubeconfig.Validate(cfg))
			exps, err := kubeconfig.Expiry(cfg)
			require.NoError(t, err)
			require.Len(t, exps, 1)
			assert.Equal(t, tc.neverExpir, exps[0].NotAfter.IsZero())
		})
	}
}

func TestRunBadInput(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{name: "token too short", args: []string{"--duration", "5m"}, code: 1, want: "10m0s"},
		{name: "no such ServiceAccount", args: []string{"--create=false"}, code: 1, want: "not found"},
		{name: "no such namespace name", args: []string{"--namespace", "Not_A_Namespace"}, code: 1, want: "Namespace"},
		{name: "missing kubeconfig", args: []string{"--kubeconfig", "/nonexistent/kubeconfig"}, code: 1, want: "/nonexistent/kubeconfig"},
		{name: "extra argument", args: []string{"extra"}, code: 2, want: "extra"},
		{name: "unknown flag", args: []string{"--nope"}, code: 2, want: "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runArgs(t, tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.want)
			if tc.code == 1 {
				lines := strings.Split(strings.TrimSpace(stderr), "\n")
				assert.True(t, strings.HasPrefix(lines[len(lines)-1], "sa-kubeconfig: "), "last line %q", lines[len(lines)-1])
			}
			if tc.code == 2 {
				assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			}
		})
	}
}

func TestRunHelpNamesEveryFlag(t *testing.T) {
	code, _, stderr := runArgs(t, "-h")
	assert.Equal(t, 0, code)
	for _, flag := range []string{"kubeconfig", "namespace", "name", "create", "role", "cluster-wide", "duration", "legacy", "server", "verify", "show-token", "-o"} {
		assert.Contains(t, stderr, "-"+strings.TrimPrefix(flag, "-"))
	}
}
