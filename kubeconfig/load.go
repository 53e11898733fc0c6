package kubeconfig

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kubeprim/kubeprim/internal/yamlerr"
	"k8s.io/apimachinery/pkg/runtime"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// MaxFileBytes bounds a kubeconfig file and any file it references that
// Flatten or Expiry reads. Real kubeconfigs are a few kilobytes; anything
// larger is refused rather than read into memory.
const MaxFileBytes = 16 << 20

// Parse decodes a kubeconfig from YAML or JSON, as clientcmd.Load does:
// empty input gives an empty config. The error says what is wrong and never
// holds a credential.
func Parse(data []byte) (*clientcmdapi.Config, error) {
	cfg, err := clientcmd.Load(data)
	if err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", yamlerr.Hide(err))
	}
	ensureMaps(cfg)
	return cfg, nil
}

// LoadFile reads one kubeconfig file, which must exist. Like client-go, it
// records the file in every entry's LocationOfOrigin and makes relative file
// references (certificate-authority, client-certificate, client-key,
// tokenFile, an exec command given by path) absolute against the file's
// directory. Errors are *FileError naming the file.
func LoadFile(path string) (*clientcmdapi.Config, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	cfg, err := Parse(data)
	if err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	for _, c := range cfg.Clusters {
		c.LocationOfOrigin = path
	}
	for _, a := range cfg.AuthInfos {
		a.LocationOfOrigin = path
	}
	for _, c := range cfg.Contexts {
		c.LocationOfOrigin = path
	}
	if err := clientcmd.ResolveLocalPaths(cfg); err != nil {
		return nil, &FileError{Path: path, Err: err}
	}
	return cfg, nil
}

// LoadFiles reads the kubeconfig files in order of precedence and merges
// them by client-go's KUBECONFIG rules:
//
//   - files that do not exist are skipped (all missing gives an empty config,
//     as client-go does);
//   - for clusters, users, contexts and extensions, the first file that
//     defines a name wins, with its whole entry: fields of a later file's entry
//     of the same name are discarded, not merged;
//   - current-context is the first one set; colors is on when any file sets it;
//   - relative paths are resolved against the directory of the file they
//     appear in.
//
// Unlike client-go, a file that exists but cannot be read or parsed fails the
// load (with a *FileError for each such file, joined) instead of being
// reported beside a partial result.
func LoadFiles(paths ...string) (*clientcmdapi.Config, error) {
	var files []*clientcmdapi.Config
	var errs []error
	for _, path := range paths {
		if path == "" {
			continue
		}
		cfg, err := LoadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		files = append(files, cfg)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return merge(files), nil
}

// Load reads kubeconfig files the way kubectl does. A non-empty explicitPath
// (kubectl's --kubeconfig) is the only file read, and must exist. Otherwise
// the files listed in $KUBECONFIG (split by the OS's list separator, each
// read once) are merged by LoadFiles' rules, or, when KUBECONFIG is unset,
// ~/.kube/config is read.
//
// Unlike client-go's default loading rules, Load never migrates or writes
// files.
func Load(explicitPath string) (*clientcmdapi.Config, error) {
	if explicitPath != "" {
		return LoadFile(explicitPath)
	}
	return LoadFiles(DefaultPaths()...)
}

// DefaultPaths is the precedence list kubectl uses without --kubeconfig: the
// files of $KUBECONFIG in order without repeats, else ~/.kube/config.
func DefaultPaths() []string {
	env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar)
	if env == "" {
		return []string{clientcmd.RecommendedHomeFile}
	}
	seen := map[string]bool{}
	var paths []string
	for _, p := range filepath.SplitList(env) {
		if seen[p] {
			continue
		}
		seen[p] = true
		paths = append(paths, p)
	}
	return paths
}

// merge applies client-go's precedence: earlier files win every name and
// every scalar they set.
func merge(files []*clientcmdapi.Config) *clientcmdapi.Config {
	out := clientcmdapi.NewConfig()
	for _, f := range files {
		if out.Kind == "" {
			out.Kind = f.Kind
		}
		if out.APIVersion == "" {
			out.APIVersion = f.APIVersion
		}
		if out.CurrentContext == "" {
			out.CurrentContext = f.CurrentContext
		}
		out.Preferences.Colors = out.Preferences.Colors || f.Preferences.Colors
		addMissing(out.Clusters, f.Clusters)
		addMissing(out.AuthInfos, f.AuthInfos)
		addMissing(out.Contexts, f.Contexts)
		addMissing(out.Extensions, f.Extensions)
		if len(f.Preferences.Extensions) > 0 && out.Preferences.Extensions == nil {
			out.Preferences.Extensions = map[string]runtime.Object{}
		}
		addMissing(out.Preferences.Extensions, f.Preferences.Extensions)
	}
	return out
}

func addMissing[V any](dst, src map[string]V) {
	for k, v := range src {
		if _, ok := dst[k]; !ok {
			dst[k] = v
		}
	}
}

// ensureMaps gives a decoded config the non-nil maps client-go's loader
// promises, so callers can index them without checks.
func ensureMaps(cfg *clientcmdapi.Config) {
	if cfg.Clusters == nil {
		cfg.Clusters = map[string]*clientcmdapi.Cluster{}
	}
	if cfg.AuthInfos == nil {
		cfg.AuthInfos = map[string]*clientcmdapi.AuthInfo{}
	}
	if cfg.Contexts == nil {
		cfg.Contexts = map[string]*clientcmdapi.Context{}
	}
	if cfg.Extensions == nil {
		cfg.Extensions = map[string]runtime.Object{}
	}
}

// readLimited reads a whole file of at most MaxFileBytes.
func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("larger than %d bytes", MaxFileBytes)
	}
	return data, nil
}
