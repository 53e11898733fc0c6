package main

import (
	"bytes"
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"

	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubeprim/kubeprim/examples/internal/cli"
	"github.com/kubeprim/kubeprim/examples/internal/kube"
)

//go:embed sample.yaml
var sampleManifest []byte

// defaultMemory is the node memory capacity assumed when no node tells us
// better: a common size for a general-purpose worker.
const defaultMemory = "16Gi"

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("qos", flag.ContinueOnError)
	flags.SetOutput(stderr)
	file := flags.String("f", "", "read pods from this `manifest` (YAML or JSON, several documents allowed; - for stdin); Deployments and other workloads count by their pod template")
	kubeconfig := flags.String("kubeconfig", "", "read pods from the cluster of this kubeconfig `path` instead of a manifest")
	namespace := flags.String("n", "", "with --kubeconfig: only this `namespace` (default: all namespaces); with -f: the namespace of objects that name none (default: default)")
	memory := flags.String("memory", defaultMemory, "node memory capacity (a `quantity`) for the OOM score adjustment; on a cluster, used only for pods not yet on a node")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: qos [-f manifest | --kubeconfig path [-n namespace]] [--memory quantity]\n\n"+
			"Prints the QoS class of each pod and the oom_score_adj the kubelet gives each of its\n"+
			"containers. With no -f and no --kubeconfig it reads a bundled sample manifest.\n\n")
		flags.PrintDefaults()
	}
	if code, ok := cli.Parse(flags, args); !ok {
		return code
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "qos: unexpected argument %q; see -h\n", flags.Arg(0))
		return 2
	}
	capacity, err := parseMemory(*memory)
	if err != nil {
		fmt.Fprintf(stderr, "qos: --memory: %v\n", err)
		return 2
	}
	if *file != "" && *kubeconfig != "" {
		fmt.Fprintln(stderr, "qos: use either -f or --kubeconfig, not both")
		return 2
	}

	var rows []row
	if *kubeconfig != "" {
		client, _, _, err := kube.Client(*kubeconfig)
		if err != nil {
			fmt.Fprintf(stderr, "qos: %v\n", err)
			return 1
		}
		rows, err = clusterRows(ctx, client, *namespace, capacity, stderr)
		if err != nil {
			fmt.Fprintf(stderr, "qos: %v\n", err)
			return 1
		}
	} else {
		manifest, err := readManifest(*file)
		if err != nil {
			fmt.Fprintf(stderr, "qos: %v\n", err)
			return 1
		}
		pods, err := manifestPods(manifest, *namespace)
		if err != nil {
			fmt.Fprintf(stderr, "qos: %v\n", err)
			return 1
		}
		rows = podRows(pods, capacity)
	}
	if len(rows) == 0 {
		fmt.Fprintln(stderr, "qos: no pods found")
		return 0
	}
	if err := printTable(stdout, rows, *kubeconfig != ""); err != nil {
		fmt.Fprintf(stderr, "qos: %v\n", err)
		return 1
	}
	if *kubeconfig == "" {
		fmt.Fprintf(stdout, "\nOOM score adjustments for a node with %s of memory (--memory).\n", *memory)
	}
	return 0
}

// readManifest returns the manifest to read: the named file, stdin for "-",
// or the bundled sample.
func readManifest(path string) (io.Reader, error) {
	switch path {
	case "":
		return bytes.NewReader(sampleManifest), nil
	case "-":
		return os.Stdin, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(data), nil
}

func parseMemory(text string) (int64, error) {
	q, err := resource.ParseQuantity(text)
	if err != nil {
		return 0, fmt.Errorf("%q is not a quantity such as 16Gi", text)
	}
	if q.Sign() <= 0 {
		return 0, fmt.Errorf("%q must be more than zero", text)
	}
	return q.Value(), nil
}
