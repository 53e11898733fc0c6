package cluster

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// stop ends the whole process group: a child the component started dies
// with it.
func TestStopEndsTheProcessGroup(t *testing.T) {
	dir := t.TempDir()
	pidFile := filepath.Join(dir, "child.pid")
	p, err := startProcess("sh", dir, "/bin/sh", "-c", "sleep 300 & echo $! > "+pidFile+"; wait")
	require.NoError(t, err)
	var child int
	require.Eventually(t, func() bool {
		b, err := os.ReadFile(pidFile)
		if err != nil || len(b) == 0 {
			return false
		}
		child, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err == nil
	}, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, p.running())

	require.NoError(t, p.stop(5*time.Second))
	assert.Error(t, p.running(), "the process has exited")
	require.Eventually(t, func() bool {
		return errors.Is(syscall.Kill(child, 0), syscall.ESRCH)
	}, 10*time.Second, 10*time.Millisecond, "the child in the same group is gone")
}

// A process that ignores SIGTERM is killed after the grace period.
func TestStopKillsAfterGrace(t *testing.T) {
	dir := t.TempDir()
	ready := filepath.Join(dir, "trapped")
	p, err := startProcess("stubborn", dir, "/bin/sh", "-c", "trap '' TERM; touch "+ready+"; while :; do sleep 1; done")
	require.NoError(t, err)
	require.Eventually(t, func() bool { _, err := os.Stat(ready); return err == nil }, 10*time.Second, 10*time.Millisecond)
	require.NoError(t, p.stop(200*time.Millisecond))
	<-p.exited
	var exit *exec.ExitError
	require.ErrorAs(t, p.err, &exit)
	assert.Equal(t, syscall.SIGKILL, exit.Sys().(syscall.WaitStatus).Signal(), "killed, not terminated")
}

func TestLastLines(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	require.NoError(t, os.WriteFile(path, []byte("a\nb\nc\nd\n"), 0o600))
	cases := []struct {
		n    int
		want []string
	}{
		{2, []string{"c", "d"}},
		{10, []string{"a", "b", "c", "d"}},
	}
	for _, tc := range cases {
		got, err := lastLines(path, tc.n)
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

func TestFreePortsAreDistinct(t *testing.T) {
	ports, err := freePorts(5)
	require.NoError(t, err)
	seen := map[int]bool{}
	for _, p := range ports {
		assert.False(t, seen[p], "port %d twice", p)
		assert.Positive(t, p)
		seen[p] = true
	}
}
