package main

import (
	"bytes"
	"context"
	_ "embed"
	"flag"
	"fmt"
	"io"
	"os"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/examples/internal/cli"
	"github.com/kubeprim/kubeprim/examples/internal/kube"
)

var (
	//go:embed sample-pod.yaml
	samplePod []byte
	//go:embed sample-cluster.yaml
	sampleCluster []byte
)

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	flags := flag.NewFlagSet("fits", flag.ContinueOnError)
	flags.SetOutput(stderr)
	podFile := flags.String("f", "", "read the pod from this `manifest` (a Pod, or a workload whose pod template is used; - for stdin; default: a bundled sample pod)")
	clusterFile := flags.String("cluster", "", "read the cluster from this `manifest` of Nodes, Pods, Namespaces, Services and controllers (default: a bundled sample cluster)")
	kubeconfig := flags.String("kubeconfig", "", "read the cluster from the API server of this kubeconfig `path` (KUBECONFIG and ~/.kube/config apply when the path is empty and --live is set)")
	live := flags.Bool("live", false, "read the cluster from the API server of the current kubeconfig context (implied by --kubeconfig)")
	namespace := flags.String("n", "", "the `namespace` of a pod that names none (default: the context's namespace, or default)")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: fits [-f pod.yaml] [--cluster cluster.yaml | --kubeconfig path | --live] [-n namespace]\n\n"+
			"Prints, for each node, whether the pod fits and why not, the scheduler's summary,\n"+
			"the node kube-scheduler 1.36 would pick with each plugin's score, and how many more\n"+
			"copies fit. With no flags it reads a bundled sample pod and sample cluster.\n\n")
		flags.PrintDefaults()
	}
	if code, ok := cli.Parse(flags, args); !ok {
		return code
	}
	if flags.NArg() > 0 {
		fmt.Fprintf(stderr, "fits: unexpected argument %q; see -h\n", flags.Arg(0))
		return 2
	}
	fromAPI := *live || *kubeconfig != ""
	if fromAPI && *clusterFile != "" {
		fmt.Fprintln(stderr, "fits: use either --cluster or --kubeconfig, not both")
		return 2
	}
	if *podFile == "-" && *clusterFile == "-" {
		fmt.Fprintln(stderr, "fits: only one of -f and --cluster can read stdin")
		return 2
	}

	var c *cluster
	defaultNamespace := metav1.NamespaceDefault
	if fromAPI {
		client, _, contextNamespace, err := kube.Client(*kubeconfig)
		if err != nil {
			fmt.Fprintf(stderr, "fits: %v\n", err)
			return 1
		}
		defaultNamespace = contextNamespace
		if c, err = liveCluster(ctx, client, stderr); err != nil {
			fmt.Fprintf(stderr, "fits: %v\n", err)
			return 1
		}
	} else {
		r, err := open(*clusterFile, sampleCluster)
		if err != nil {
			fmt.Fprintf(stderr, "fits: %v\n", err)
			return 1
		}
		if c, err = manifestCluster(r); err != nil {
			fmt.Fprintf(stderr, "fits: %v\n", err)
			return 1
		}
	}
	if *namespace != "" {
		defaultNamespace = *namespace
	}
	r, err := open(*podFile, samplePod)
	if err != nil {
		fmt.Fprintf(stderr, "fits: %v\n", err)
		return 1
	}
	pod, err := manifestPod(r, defaultNamespace)
	if err != nil {
		fmt.Fprintf(stderr, "fits: %v\n", err)
		return 1
	}
	sim, err := c.simulator()
	if err != nil {
		fmt.Fprintf(stderr, "fits: %v\n", err)
		return 1
	}
	if err := report(stdout, sim, pod); err != nil {
		fmt.Fprintf(stderr, "fits: %v\n", err)
		return 1
	}
	return 0
}

// open returns the named file, stdin for "-", or the bundled sample.
func open(path string, sample []byte) (io.Reader, error) {
	switch path {
	case "":
		return bytes.NewReader(sample), nil
	case "-":
		return os.Stdin, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(data), nil
}
