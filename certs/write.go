package certs

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
)

// File modes of the PKI directory, as kubeadm writes them.
const (
	certFileMode fs.FileMode = 0o644
	keyFileMode  fs.FileMode = 0o600
	dirMode      fs.FileMode = 0o755
)

// WriteOptions configures (*PKI).Write. The zero value never overwrites and
// writes keys as PKCS#8.
type WriteOptions struct {
	// Overwrite replaces existing files. Without it, Write refuses to touch a
	// directory where any file of the tree exists and names them all.
	Overwrite bool
	// KeyFormat is the encoding of private keys; the zero value is PKCS8.
	// Traditional writes what kubeadm writes (PKCS#1 for RSA, SEC1 for ECDSA).
	KeyFormat KeyFormat
}

// pkiFile is one file of the tree.
type pkiFile struct {
	rel  string
	data []byte
	mode fs.FileMode
}

// WriteDir writes p into dir in kubeadm's layout (ca.crt, ca.key,
// apiserver.crt, ..., etcd/ca.crt, ..., sa.key, sa.pub): certificates 0644,
// keys 0600, directories 0755. Every file is written atomically (temporary
// file, fsync, rename). WriteDir never overwrites: if any file of the tree
// exists it writes nothing and returns errors matching ErrExists; when a
// write fails part way, the files it created are removed again. Use Write
// with WriteOptions.Overwrite to replace files.
func (p *PKI) WriteDir(dir string) error {
	return p.Write(dir, WriteOptions{})
}

// Write is WriteDir with options.
func (p *PKI) Write(dir string, opts WriteOptions) error {
	files, err := p.files(opts.KeyFormat)
	if err != nil {
		return fmt.Errorf("write PKI: %w", err)
	}
	if !opts.Overwrite {
		var existing []string
		for _, f := range files {
			path := filepath.Join(dir, f.rel)
			if _, err := os.Lstat(path); err == nil {
				existing = append(existing, path)
			}
		}
		if len(existing) > 0 {
			return fmt.Errorf("write PKI to %s: %w", dir, &ExistsError{Path: existing[0], Paths: existing})
		}
	}
	var dirs, written []string
	// Without Overwrite, a failure part way removes the files this call
	// created, so the directory is as it was and a retry is not refused
	// with ErrExists. (With Overwrite the old files are gone already.)
	fail := func(err error) error {
		if !opts.Overwrite {
			for _, path := range written {
				_ = os.Remove(path)
			}
		}
		return fmt.Errorf("write PKI: %w", err)
	}
	for _, f := range files {
		path := filepath.Join(dir, f.rel)
		d := filepath.Dir(path)
		if !slices.Contains(dirs, d) {
			if err := os.MkdirAll(d, dirMode); err != nil {
				return fail(err)
			}
			dirs = append(dirs, d)
		}
		if err := writeFileAtomic(path, f.data, f.mode, opts.Overwrite); err != nil {
			return fail(err)
		}
		written = append(written, path)
	}
	for _, d := range dirs {
		if err := syncDir(d); err != nil {
			return fmt.Errorf("write PKI: %w", err)
		}
	}
	return nil
}

// files renders the tree as the list of files kubeadm writes.
func (p *PKI) files(format KeyFormat) ([]pkiFile, error) {
	var files []pkiFile
	for _, e := range p.Entries() {
		certPEM := e.Pair.ChainPEM()
		if e.IsCA {
			certPEM = e.Pair.CertPEM()
		}
		keyPEM, err := EncodePrivateKeyAs(e.Pair.Key, format)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e.Name, err)
		}
		files = append(files,
			pkiFile{rel: e.BaseName + ".crt", data: certPEM, mode: certFileMode},
			pkiFile{rel: e.BaseName + ".key", data: keyPEM, mode: keyFileMode})
	}
	if p.ServiceAccountKey != nil {
		keyPEM, err := EncodePrivateKeyAs(p.ServiceAccountKey, format)
		if err != nil {
			return nil, fmt.Errorf("sa: %w", err)
		}
		pubPEM, err := EncodePublicKey(p.ServiceAccountKey.Public())
		if err != nil {
			return nil, fmt.Errorf("sa: %w", err)
		}
		files = append(files,
			pkiFile{rel: "sa.key", data: keyPEM, mode: keyFileMode},
			pkiFile{rel: "sa.pub", data: pubPEM, mode: certFileMode})
	}
	return files, nil
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory, fsynced and then renamed (overwrite) or hard-linked (no
// overwrite, so that a file created meanwhile is never replaced). A reader
// sees the old file or the new one, never a partial one.
func writeFileAtomic(path string, data []byte, mode fs.FileMode, overwrite bool) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmpName)
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return err
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
	if overwrite {
		return os.Rename(tmpName, path)
	}
	if err = os.Link(tmpName, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return &ExistsError{Path: path, Paths: []string{path}}
		}
		return err
	}
	return os.Remove(tmpName)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
