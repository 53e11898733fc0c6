package bins

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// The versions of the control plane the suite runs on.
const (
	// KubernetesVersion is the release of etcd's host project,
	// kube-apiserver, kube-controller-manager and kube-scheduler.
	KubernetesVersion = "v1.36.3"
	// KwokVersion is the release of kwok that simulates nodes and pods.
	KwokVersion = "v0.8.0"
)

// Key names the cache directory of this set of versions.
func Key() string {
	return "kubernetes-" + KubernetesVersion + "_kwok-" + KwokVersion
}

// Paths are the absolute paths of a complete set of binaries.
type Paths struct {
	// Dir is the cache directory that holds everything below.
	Dir               string
	Etcd              string
	APIServer         string
	ControllerManager string
	Scheduler         string
	Kwok              string
	// Stages are kwok's stage definitions for fast node start-up, node
	// heartbeats and the general pod lifecycle, to pass as --config.
	Stages []string
}

// Options configure Ensure. The zero value builds into the user cache
// directory from the tools module found above the working directory.
type Options struct {
	// CacheDir is the parent of the versioned directories; empty means
	// os.UserCacheDir()/kubeprim/e2e.
	CacheDir string
	// ToolsDir is the directory of the tools module (e2e/tools); empty means
	// search the working directory and its parents for it.
	ToolsDir string
	// Go is the go command; empty means "go" on PATH.
	Go string
	// Log receives progress lines and the go command's output; nil discards.
	Log io.Writer
}

// Ensure returns the binaries of Key, building them first when the cache does
// not hold a complete, current set. Concurrent callers on one machine build
// once.
func Ensure(ctx context.Context, opts Options) (Paths, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return Paths{}, err
	}
	want, err := wantStamp(opts.ToolsDir)
	if err != nil {
		return Paths{}, err
	}
	dir := filepath.Join(opts.CacheDir, Key())
	if paths, ok := current(dir, want); ok {
		fmt.Fprintf(opts.Log, "e2e-bins: using %s\n", dir)
		return paths, nil
	}

	if err := os.MkdirAll(opts.CacheDir, 0o755); err != nil {
		return Paths{}, fmt.Errorf("create cache directory: %w", err)
	}
	unlock, err := lock(ctx, filepath.Join(opts.CacheDir, ".lock"), opts.Log)
	if err != nil {
		return Paths{}, err
	}
	defer unlock()
	// Another process may have finished the build while we waited.
	if paths, ok := current(dir, want); ok {
		fmt.Fprintf(opts.Log, "e2e-bins: using %s\n", dir)
		return paths, nil
	}
	if err := build(ctx, opts, dir, want); err != nil {
		return Paths{}, err
	}
	paths, ok := current(dir, want)
	if !ok {
		return Paths{}, fmt.Errorf("build finished but %s is incomplete", dir)
	}
	return paths, nil
}

func (o Options) withDefaults() (Options, error) {
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Go == "" {
		o.Go = "go"
	}
	if o.CacheDir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return o, fmt.Errorf("locate the user cache directory (set XDG_CACHE_HOME or HOME): %w", err)
		}
		o.CacheDir = filepath.Join(base, "kubeprim", "e2e")
	}
	if o.ToolsDir == "" {
		dir, err := findToolsDir()
		if err != nil {
			return o, err
		}
		o.ToolsDir = dir
	}
	abs, err := filepath.Abs(o.ToolsDir)
	if err != nil {
		return o, fmt.Errorf("tools directory: %w", err)
	}
	o.ToolsDir = abs
	return o, nil
}

// current reports the paths in dir when its stamp matches want and every
// file it names exists.
func current(dir string, want stamp) (Paths, bool) {
	got, err := readStamp(dir)
	if err != nil || !got.matches(want) {
		return Paths{}, false
	}
	paths := layout(dir, got.Stages)
	for _, f := range append([]string{paths.Etcd, paths.APIServer, paths.ControllerManager, paths.Scheduler, paths.Kwok}, paths.Stages...) {
		if _, err := os.Stat(f); err != nil {
			return Paths{}, false
		}
	}
	return paths, true
}

func layout(dir string, stages []string) Paths {
	bin := filepath.Join(dir, "bin")
	p := Paths{
		Dir:               dir,
		Etcd:              filepath.Join(bin, "etcd"),
		APIServer:         filepath.Join(bin, "kube-apiserver"),
		ControllerManager: filepath.Join(bin, "kube-controller-manager"),
		Scheduler:         filepath.Join(bin, "kube-scheduler"),
		Kwok:              filepath.Join(bin, "kwok"),
	}
	for _, s := range stages {
		p.Stages = append(p.Stages, filepath.Join(dir, "stages", s))
	}
	return p
}

// findToolsDir walks up from the working directory to the tools module, so
// that both `go run ./cmd/e2e-bins` in e2e/ and a test binary in a package
// directory find it.
func findToolsDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		for _, rel := range []string{"tools", filepath.Join("e2e", "tools")} {
			cand := filepath.Join(dir, rel)
			if isToolsModule(cand) {
				return cand, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("tools module not found above the working directory: run from the kubeprim repository or set Options.ToolsDir to e2e/tools")
		}
		dir = parent
	}
}

func isToolsModule(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	return modulePath(b) == toolsModule
}

const toolsModule = "github.com/kubeprim/kubeprim/e2e/tools"

func since(start time.Time) time.Duration { return time.Since(start).Round(time.Second) }
