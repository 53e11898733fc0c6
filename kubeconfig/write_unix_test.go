//go:build unix

package kubeconfig_test

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

// root rewriting a user's kubeconfig (kubeadm, an installer) must not take
// the file away from its user.
func TestWriteKeepsOwnerWhenPrivileged(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Log("not root: only a privileged process can hand a file to another user; checking that an own file stays own")
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	require.NoError(t, os.WriteFile(path, []byte("old"), 0o644))
	wantUID, wantGID := os.Geteuid(), os.Getegid()
	if os.Geteuid() == 0 {
		wantUID, wantGID = 4321, 4321
		require.NoError(t, os.Chown(path, wantUID, wantGID))
	}

	require.NoError(t, kubeconfig.Write(path, tokenConfig(t, "t")))

	info, err := os.Stat(path)
	require.NoError(t, err)
	st := info.Sys().(*syscall.Stat_t)
	assert.Equal(t, wantUID, int(st.Uid))
	assert.Equal(t, wantGID, int(st.Gid))
	assert.Equal(t, kubeconfig.FileMode, info.Mode().Perm())
}
