package kubeconfig

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// FileMode is the permission Write gives every kubeconfig it writes: readable
// and writable by its owner only, because the file holds credentials.
const FileMode fs.FileMode = 0o600

// Write stores cfg at path as YAML (the format kubectl reads), atomically and
// privately.
//
// The data goes to a temporary file in the same directory, which is fsynced
// and then renamed over path; the directory is fsynced after the rename. A
// reader, or a crash, therefore sees either the old file or the new one, never
// a mixture. The file has mode 0600 whether or not it existed before, also
// when the old file was group- or world-readable (client-go's WriteToFile
// keeps an existing file's mode). When path is a symbolic link, the file it
// points to is replaced and the link kept, except for a link of another user
// in a sticky world-writable directory such as /tmp, which is refused. When
// the old file belonged to another user (root writing a user's kubeconfig),
// ownership is kept where the operating system allows it, except again for a
// file of another user in such a shared directory. Missing parent
// directories are created with mode 0700.
//
// Write never leaves a temporary file behind: on any error it is removed and
// path is untouched.
func Write(path string, cfg *clientcmdapi.Config) error {
	if path == "" {
		return errors.New("write kubeconfig: empty path")
	}
	data, err := Marshal(cfg)
	if err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	if err := writeFileAtomic(path, data); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", path, err)
	}
	return nil
}

// writeFileAtomic replaces path by data through a temporary file in the same
// directory, so the rename is atomic on POSIX file systems.
func writeFileAtomic(path string, data []byte) (err error) {
	target, err := resolveTarget(path)
	if err != nil {
		return err
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	old, statErr := os.Stat(target)
	if statErr == nil && !old.Mode().IsRegular() {
		return fmt.Errorf("%s is not a regular file", target)
	}

	// CreateTemp creates the file with mode 0600 (before umask), so the
	// credentials are never readable by others, not even for a moment.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	// Chmod as well: a umask cannot widen 0600, but an ACL default could.
	if err = tmp.Chmod(FileMode); err != nil {
		return err
	}
	if statErr == nil && !ownedByStranger(dir, old) {
		if err = keepOwner(tmp, old); err != nil {
			return err
		}
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	return syncDir(dir)
}

// resolveTarget follows a symbolic link at path, so that a kubeconfig kept
// elsewhere and linked into ~/.kube stays a link after Write. A dangling link
// resolves to where it points.
func resolveTarget(path string) (string, error) {
	target := path
	for range 40 { // the usual limit of nested links (SYMLOOP_MAX)
		info, err := os.Lstat(target)
		if errors.Is(err, fs.ErrNotExist) {
			return target, nil
		}
		if err != nil {
			return "", err
		}
		if info.Mode()&fs.ModeSymlink == 0 {
			return target, nil
		}
		if ownedByStranger(filepath.Dir(target), info) {
			return "", fmt.Errorf("%s is a symbolic link of another user in a shared directory; not following it", target)
		}
		link, err := os.Readlink(target)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(link) {
			link = filepath.Join(filepath.Dir(target), link)
		}
		target = link
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}
