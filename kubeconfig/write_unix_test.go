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

// In a sticky world-writable directory (/tmp) anyone may plant a link or a
// file where a kubeconfig will be written. A link of another user must not
// choose which file is replaced, and a file of another user must not get
// the new credentials.
func TestWriteDistrustsStrangersInSharedDirectories(t *testing.T) {
	shared := filepath.Join(t.TempDir(), "tmp")
	require.NoError(t, os.Mkdir(shared, 0o777))
	require.NoError(t, os.Chmod(shared, 0o777|os.ModeSticky))
	victim := filepath.Join(t.TempDir(), "precious")
	require.NoError(t, os.WriteFile(victim, []byte("precious"), 0o600))
	link := filepath.Join(shared, "config")
	require.NoError(t, os.Symlink(victim, link))
	planted := filepath.Join(shared, "planted")
	require.NoError(t, os.WriteFile(planted, []byte("old"), 0o666))

	if os.Geteuid() != 0 {
		// Only root can give a link to another user: check that one's own
		// link in a shared directory is still followed.
		require.NoError(t, kubeconfig.Write(link, tokenConfig(t, "t")))
		data, err := os.ReadFile(victim)
		require.NoError(t, err)
		assert.NotEqual(t, "precious", string(data))
		return
	}
	const stranger = 4321
	require.NoError(t, os.Lchown(link, stranger, stranger))
	require.NoError(t, os.Chown(planted, stranger, stranger))

	assert.Error(t, kubeconfig.Write(link, tokenConfig(t, "t")))
	data, err := os.ReadFile(victim)
	require.NoError(t, err)
	assert.Equal(t, "precious", string(data), "the link's target is untouched")

	require.NoError(t, kubeconfig.Write(planted, tokenConfig(t, "t")))
	info, err := os.Stat(planted)
	require.NoError(t, err)
	st := info.Sys().(*syscall.Stat_t)
	assert.Equal(t, 0, int(st.Uid), "the credentials stay root's")
	assert.Equal(t, kubeconfig.FileMode, info.Mode().Perm())
}
