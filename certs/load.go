package certs

import (
	"crypto"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// LoadPKI reads a PKI directory in kubeadm's layout, as written by WriteDir
// or by kubeadm itself (PKCS#1, SEC1 and PKCS#8 keys are all read). Every key
// must match its certificate and every leaf must be signed by its CA. A
// directory without etcd/ca.crt is an external-etcd tree. Problems are
// collected: the error joins one error per bad file.
func LoadPKI(dir string) (*PKI, error) {
	return loadPKI(os.DirFS(dir), dir, DecodeOptions{})
}

func loadPKI(fsys fs.FS, dir string, opts DecodeOptions) (*PKI, error) {
	o := PKIOptions{}
	if _, err := fs.Stat(fsys, "etcd/ca.crt"); errors.Is(err, fs.ErrNotExist) {
		o.ExternalEtcd = true
	}
	p := &PKI{}
	cas := map[string]*CA{}
	var errs []error
	for _, s := range treeSpecs(o) {
		kp, err := readKeyPair(fsys, s.base, opts)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", s.name, err))
			continue
		}
		if s.isCA {
			ca, err := LoadCA(kp.Cert, kp.Key)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", s.name, err))
				continue
			}
			cas[s.name] = ca
			p.setCA(s.name, ca)
			continue
		}
		if ca := cas[s.caName]; ca != nil {
			if err := kp.Cert.CheckSignatureFrom(ca.Cert); err != nil {
				errs = append(errs, fmt.Errorf("%s: not signed by %s: %w", s.name, s.caName, errors.Join(ErrInvalidSignature, err)))
				continue
			}
		}
		p.setLeaf(s.name, kp)
	}
	if key, err := readServiceAccountKey(fsys, opts); err != nil {
		errs = append(errs, fmt.Errorf("sa: %w", err))
	} else {
		p.ServiceAccountKey = key
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("load PKI from %s: %w", dir, errors.Join(errs...))
	}
	o.KeyType, _ = KeyTypeOf(p.CA.Key)
	if p.EtcdServer != nil {
		o.NodeName = p.EtcdServer.Cert.Subject.CommonName
	}
	o.Validity = DefaultValidity
	o.CAValidity = DefaultCAValidity
	p.Options = o
	return p, nil
}

func readKeyPair(fsys fs.FS, base string, opts DecodeOptions) (*KeyPair, error) {
	certPEM, err := readLimited(fsys, base+".crt", opts)
	if err != nil {
		return nil, err
	}
	keyPEM, err := readLimited(fsys, base+".key", opts)
	if err != nil {
		return nil, err
	}
	kp, err := ParseKeyPairPEM(certPEM, keyPEM, opts)
	if err != nil {
		return nil, fmt.Errorf("%s.crt/.key: %w", base, err)
	}
	return kp, nil
}

func readServiceAccountKey(fsys fs.FS, opts DecodeOptions) (crypto.Signer, error) {
	keyPEM, err := readLimited(fsys, "sa.key", opts)
	if err != nil {
		return nil, err
	}
	key, err := ParsePrivateKeyPEM(keyPEM, opts)
	if err != nil {
		return nil, fmt.Errorf("sa.key: %w", err)
	}
	pubPEM, err := readLimited(fsys, "sa.pub", opts)
	if err != nil {
		return nil, err
	}
	pub, err := ParsePublicKeyPEM(pubPEM, opts)
	if err != nil {
		return nil, fmt.Errorf("sa.pub: %w", err)
	}
	if err := CheckKeyPair(pub, key); err != nil {
		return nil, fmt.Errorf("sa.pub is not the public key of sa.key: %w", err)
	}
	return key, nil
}

// readLimited reads a file but refuses one larger than the decode limit
// before reading it into memory. Only regular files are read (symbolic links
// to them are followed): a path from a kubeconfig may name a device such as
// /dev/zero or a FIFO, which report no size and never end. The read itself is
// bounded too, for a file that grows after the check.
func readLimited(fsys fs.FS, name string, opts DecodeOptions) ([]byte, error) {
	limit := opts.maxBytes()
	info, err := fs.Stat(fsys, name)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s)", name, info.Mode().Type())
	}
	if info.Size() > int64(limit) {
		return nil, &SizeError{What: name, Size: int(info.Size()), Limit: limit}
	}
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(data) > limit {
		return nil, &SizeError{What: name, Size: len(data), Limit: limit}
	}
	return data, nil
}
