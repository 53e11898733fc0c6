package bins

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"sigs.k8s.io/yaml"
)

// kubernetesPackages are built from the tools module, each into bin/ under
// the last element of its path.
var kubernetesPackages = []string{
	"./etcd",
	"k8s.io/kubernetes/cmd/kube-apiserver",
	"k8s.io/kubernetes/cmd/kube-controller-manager",
	"k8s.io/kubernetes/cmd/kube-scheduler",
}

const kwokModule = "sigs.k8s.io/kwok"

// stageDirs are the kwok stage kustomizations the cluster runs with: nodes
// become Ready at once and keep heartbeating, pods go through the general
// lifecycle (init containers, Running, Ready, completion, deletion).
var stageDirs = []string{
	"kustomize/stage/node/fast",
	"kustomize/stage/node/heartbeat",
	"kustomize/stage/pod/general",
}

// build fills a temporary sibling of dir and renames it into place.
func build(ctx context.Context, opts Options, dir string, want stamp) error {
	start := time.Now()
	tmp, err := os.MkdirTemp(opts.CacheDir, ".build-"+Key()+"-")
	if err != nil {
		return fmt.Errorf("create build directory: %w", err)
	}
	defer os.RemoveAll(tmp)
	bin := filepath.Join(tmp, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		return err
	}

	fmt.Fprintf(opts.Log, "e2e-bins: building etcd, kube-apiserver, kube-controller-manager, kube-scheduler %s from %s (cold: about 9 minutes of CPU on 2 cores)\n",
		KubernetesVersion, opts.ToolsDir)
	step := time.Now()
	k8sFlags := "-s -w" +
		" -X k8s.io/component-base/version.gitVersion=" + KubernetesVersion +
		" -X k8s.io/component-base/version.gitMajor=" + major(KubernetesVersion) +
		" -X k8s.io/component-base/version.gitMinor=" + minor(KubernetesVersion) +
		" -X k8s.io/component-base/version.gitTreeState=clean"
	args := append([]string{"build", "-trimpath", "-ldflags", k8sFlags, "-o", bin + string(filepath.Separator)}, kubernetesPackages...)
	if err := goCmd(ctx, opts, opts.ToolsDir, nil, args...); err != nil {
		return fmt.Errorf("build the Kubernetes %s control plane: %w", KubernetesVersion, err)
	}
	fmt.Fprintf(opts.Log, "e2e-bins: control plane built in %s\n", since(step))

	fmt.Fprintf(opts.Log, "e2e-bins: building kwok %s (go install %s/cmd/kwok@%s)\n", KwokVersion, kwokModule, KwokVersion)
	step = time.Now()
	kwokFlags := "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=" + strings.TrimPrefix(KwokVersion, "v")
	if err := goCmd(ctx, opts, tmp, []string{"GOBIN=" + bin},
		"install", "-trimpath", "-ldflags", kwokFlags, kwokModule+"/cmd/kwok@"+KwokVersion); err != nil {
		return fmt.Errorf("build kwok %s: %w", KwokVersion, err)
	}
	fmt.Fprintf(opts.Log, "e2e-bins: kwok built in %s\n", since(step))

	stages, err := copyStages(ctx, opts, tmp)
	if err != nil {
		return err
	}
	if err := checkVersions(ctx, layout(tmp, stages)); err != nil {
		return err
	}

	want.Stages = stages
	want.Go = runtime.Version()
	want.BuiltAt = time.Now().UTC().Format(time.RFC3339)
	want.BuildSeconds = time.Since(start).Round(time.Second).Seconds()
	if err := writeStamp(tmp, want); err != nil {
		return fmt.Errorf("write stamp: %w", err)
	}
	if err := publish(tmp, dir); err != nil {
		return err
	}
	fmt.Fprintf(opts.Log, "e2e-bins: cached in %s (built in %s)\n", dir, since(start))
	return nil
}

// publish renames tmp to dir, first moving aside an outdated dir.
func publish(tmp, dir string) error {
	if _, err := os.Stat(dir); err == nil {
		old := tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("move aside outdated %s: %w", dir, err)
		}
		defer os.RemoveAll(old)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("publish %s: %w", dir, err)
	}
	return nil
}

// copyStages copies the YAML files the stage kustomizations list from the
// kwok module into tmp/stages and returns their names.
func copyStages(ctx context.Context, opts Options, tmp string) ([]string, error) {
	var out bytes.Buffer
	cmd := exec.CommandContext(ctx, opts.Go, "mod", "download", "-json", kwokModule+"@"+KwokVersion)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off")
	cmd.Stdout = &out
	cmd.Stderr = opts.Log
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("download the kwok %s module for its stages: %w", KwokVersion, err)
	}
	var mod struct{ Dir, Error string }
	if err := json.Unmarshal(out.Bytes(), &mod); err != nil {
		return nil, fmt.Errorf("go mod download output: %w", err)
	}
	if mod.Dir == "" {
		return nil, fmt.Errorf("download the kwok %s module: %s", KwokVersion, mod.Error)
	}

	stages := filepath.Join(tmp, "stages")
	if err := os.Mkdir(stages, 0o755); err != nil {
		return nil, err
	}
	var names []string
	seen := map[string]bool{}
	for _, d := range stageDirs {
		src := filepath.Join(mod.Dir, filepath.FromSlash(d))
		b, err := os.ReadFile(filepath.Join(src, "kustomization.yaml"))
		if err != nil {
			return nil, fmt.Errorf("kwok stages: %w", err)
		}
		var k struct{ Resources []string }
		if err := yaml.Unmarshal(b, &k); err != nil {
			return nil, fmt.Errorf("kwok stages %s: %w", d, err)
		}
		if len(k.Resources) == 0 {
			return nil, fmt.Errorf("kwok stages %s list no resources", d)
		}
		for _, r := range k.Resources {
			name := filepath.Base(r)
			if seen[name] {
				return nil, fmt.Errorf("kwok stages: %s appears twice", name)
			}
			seen[name] = true
			y, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(r)))
			if err != nil {
				return nil, fmt.Errorf("kwok stages: %w", err)
			}
			if err := os.WriteFile(filepath.Join(stages, name), y, 0o644); err != nil {
				return nil, err
			}
			names = append(names, name)
		}
	}
	fmt.Fprintf(opts.Log, "e2e-bins: kwok stages %s\n", strings.Join(names, ", "))
	return names, nil
}

// checkVersions runs each Kubernetes binary with --version so a build
// without the version stamp (or of the wrong release) never gets cached.
func checkVersions(ctx context.Context, p Paths) error {
	for _, b := range []string{p.APIServer, p.ControllerManager, p.Scheduler} {
		out, err := exec.CommandContext(ctx, b, "--version").CombinedOutput()
		if err != nil {
			return fmt.Errorf("%s --version: %w: %s", filepath.Base(b), err, bytes.TrimSpace(out))
		}
		if got := strings.TrimSpace(string(out)); got != "Kubernetes "+KubernetesVersion {
			return fmt.Errorf("%s --version says %q, want %q", filepath.Base(b), got, "Kubernetes "+KubernetesVersion)
		}
	}
	out, err := exec.CommandContext(ctx, p.Etcd, "--version").CombinedOutput()
	if err != nil {
		return fmt.Errorf("etcd --version: %w: %s", err, bytes.TrimSpace(out))
	}
	return nil
}

// goCmd runs the go command in dir with cgo off (static binaries that run
// anywhere on this OS) and no workspace, streaming its output to the log and
// keeping the tail for the error.
func goCmd(ctx context.Context, opts Options, dir string, env []string, args ...string) error {
	tail := &tailBuffer{max: 4096}
	cmd := exec.CommandContext(ctx, opts.Go, args...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off"), env...)
	cmd.Stdout = io.MultiWriter(opts.Log, tail)
	cmd.Stderr = io.MultiWriter(opts.Log, tail)
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %w\n%s", args[0], err, tail.String())
	}
	return nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	b   []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.b) }

func major(v string) string {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	return parts[0]
}

func minor(v string) string {
	parts := strings.SplitN(strings.TrimPrefix(v, "v"), ".", 3)
	if len(parts) < 2 {
		return ""
	}
	return parts[1]
}
