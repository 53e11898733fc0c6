package kubeconfig

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Flatten returns a copy of cfg with every file it references inlined, so
// the result works on any machine: certificate-authority becomes
// certificate-authority-data, client-certificate and client-key become
// their -data fields, and tokenFile becomes token (client-go's
// FlattenConfig and kubectl config view --flatten leave tokenFile as a path).
// cfg is not changed.
//
// Relative paths are read against the directory of the file the entry came
// from (LocationOfOrigin), else the working directory, as client-go does. A
// token file's content is trimmed of surrounding white space, as client-go
// trims it when reading, and must not be empty. An entry that gives both a
// path and inline data is refused (client-go's validation refuses it too).
// Exec plugins are commands, not files, and are kept as they are.
func Flatten(cfg *clientcmdapi.Config) (*clientcmdapi.Config, error) {
	if cfg == nil {
		return nil, errors.New("flatten: nil kubeconfig")
	}
	out := cfg.DeepCopy()
	var errs []error
	for _, name := range sortedKeys(out.Clusters) {
		c := out.Clusters[name]
		if c == nil {
			continue
		}
		if err := inlineFile(&c.CertificateAuthority, &c.CertificateAuthorityData, c.LocationOfOrigin); err != nil {
			errs = append(errs, fmt.Errorf("cluster %q certificate-authority: %w", name, err))
		}
	}
	for _, name := range sortedKeys(out.AuthInfos) {
		a := out.AuthInfos[name]
		if a == nil {
			continue
		}
		if err := inlineFile(&a.ClientCertificate, &a.ClientCertificateData, a.LocationOfOrigin); err != nil {
			errs = append(errs, fmt.Errorf("user %q client-certificate: %w", name, err))
		}
		if err := inlineFile(&a.ClientKey, &a.ClientKeyData, a.LocationOfOrigin); err != nil {
			errs = append(errs, fmt.Errorf("user %q client-key: %w", name, err))
		}
		if err := inlineTokenFile(a); err != nil {
			errs = append(errs, fmt.Errorf("user %q tokenFile: %w", name, err))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("flatten: %w", errors.Join(errs...))
	}
	return out, nil
}

func inlineFile(path *string, data *[]byte, origin string) error {
	if *path == "" {
		return nil
	}
	if len(*data) > 0 {
		return errors.New("both a file and inline data are given; remove one")
	}
	content, err := readReferenced(*path, origin)
	if err != nil {
		return err
	}
	*data = content
	*path = ""
	return nil
}

// inlineTokenFile replaces tokenFile by its token. client-go prefers the
// file over an inline token when both are set, so the file wins here too.
func inlineTokenFile(a *clientcmdapi.AuthInfo) error {
	if a.TokenFile == "" {
		return nil
	}
	content, err := readReferenced(a.TokenFile, a.LocationOfOrigin)
	if err != nil {
		return err
	}
	token := strings.TrimSpace(string(content))
	if token == "" {
		return &FileError{Path: a.TokenFile, Err: errors.New("empty token file")}
	}
	a.Token = token
	a.TokenFile = ""
	return nil
}

// readReferenced reads a file a kubeconfig entry points at. Errors are
// *FileError with the resolved path and never the content.
func readReferenced(path, origin string) ([]byte, error) {
	resolved := resolvePath(path, origin)
	data, err := readLimited(resolved)
	if err != nil {
		return nil, &FileError{Path: resolved, Err: err}
	}
	return data, nil
}

// resolvePath makes path absolute against the directory of origin, the
// kubeconfig file it was written in; with no origin, against the working
// directory.
func resolvePath(path, origin string) string {
	if path == "" || filepath.IsAbs(path) {
		return path
	}
	if origin == "" {
		if abs, err := filepath.Abs(path); err == nil {
			return abs
		}
		return path
	}
	base := filepath.Dir(origin)
	if abs, err := filepath.Abs(base); err == nil {
		base = abs
	}
	return filepath.Join(base, path)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
