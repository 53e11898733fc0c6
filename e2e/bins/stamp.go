package bins

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// stamp records what a cache directory holds. It is written last, inside the
// temporary directory, so a directory with a stamp is complete.
type stamp struct {
	Kubernetes string `json:"kubernetes"`
	Kwok       string `json:"kwok"`
	// Tools is the SHA-256 of the tools module's go.mod, go.sum and etcd
	// main: a changed dependency graph means different binaries.
	Tools string `json:"tools"`
	// Stages are the file names under stages/, in the order kwok loads them.
	Stages []string `json:"stages,omitempty"`
	// Go, BuiltAt and BuildSeconds are informational.
	Go           string  `json:"go,omitempty"`
	BuiltAt      string  `json:"builtAt,omitempty"`
	BuildSeconds float64 `json:"buildSeconds,omitempty"`
}

const stampFile = "stamp.json"

func (s stamp) matches(want stamp) bool {
	return s.Kubernetes == want.Kubernetes && s.Kwok == want.Kwok && s.Tools == want.Tools && len(s.Stages) > 0
}

func wantStamp(toolsDir string) (stamp, error) {
	h := sha256.New()
	for _, name := range []string{"go.mod", "go.sum", filepath.Join("etcd", "main.go")} {
		b, err := os.ReadFile(filepath.Join(toolsDir, name))
		if err != nil {
			return stamp{}, fmt.Errorf("read the tools module: %w", err)
		}
		fmt.Fprintf(h, "%s %d\n", name, len(b))
		h.Write(b)
	}
	return stamp{Kubernetes: KubernetesVersion, Kwok: KwokVersion, Tools: hex.EncodeToString(h.Sum(nil))}, nil
}

func readStamp(dir string) (stamp, error) {
	var s stamp
	b, err := os.ReadFile(filepath.Join(dir, stampFile))
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("stamp in %s: %w", dir, err)
	}
	return s, nil
}

func writeStamp(dir string, s stamp) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, stampFile), append(b, '\n'), 0o644)
}

// modulePath is the path on the module line of a go.mod file.
func modulePath(gomod []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(gomod))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if rest, ok := strings.CutPrefix(line, "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}
