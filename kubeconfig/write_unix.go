//go:build unix

package kubeconfig

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// keepOwner gives the new file the owner and group of the file it replaces.
// Only a privileged process may change them; an unprivileged one can only
// replace its own files, so EPERM means there is nothing to keep.
func keepOwner(tmp *os.File, old fs.FileInfo) error {
	st, ok := old.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if int(st.Uid) == os.Geteuid() && int(st.Gid) == os.Getegid() {
		return nil
	}
	err := tmp.Chown(int(st.Uid), int(st.Gid))
	if errors.Is(err, fs.ErrPermission) {
		return nil
	}
	return err
}

// syncDir makes the rename durable: without it a crash may bring back the
// old directory entry.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
