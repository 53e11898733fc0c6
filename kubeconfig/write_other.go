//go:build !unix

package kubeconfig

import (
	"io/fs"
	"os"
)

// keepOwner has nothing to do where files have no POSIX owner.
func keepOwner(*os.File, fs.FileInfo) error { return nil }

// syncDir has nothing to do where directories cannot be opened for syncing;
// the rename is still atomic.
func syncDir(string) error { return nil }

// ownedByStranger has no owners to compare where files have no POSIX owner.
func ownedByStranger(string, fs.FileInfo) bool { return false }
