//go:build unix

package kubeconfig

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
)

// ownedByStranger reports whether info, an entry of dir, belongs to another
// user who does not own dir either, while dir is sticky and world-writable
// (/tmp). There anyone may plant a file or a link: following such a link
// would let them choose which file is replaced (the rule of Linux's
// protected_symlinks, which a Readlink-then-rename walk would bypass), and
// keeping such a file's owner would hand them the credentials.
func ownedByStranger(dir string, info fs.FileInfo) bool {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok || int(st.Uid) == os.Geteuid() {
		return false
	}
	d, err := os.Stat(dir)
	if err != nil {
		return true
	}
	if d.Mode()&fs.ModeSticky == 0 || d.Mode().Perm()&0o002 == 0 {
		return false
	}
	dst, ok := d.Sys().(*syscall.Stat_t)
	return !ok || st.Uid != dst.Uid
}

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
