package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/examples/internal/cli"
	"github.com/kubeprim/kubeprim/examples/internal/kube"
	"github.com/kubeprim/kubeprim/fakecluster"
)

//go:embed cluster.yaml
var bundledCluster []byte

// bundledNode is the node drained when the bundled cluster is used and no
// node is named.
const bundledNode = "worker-1"

type options struct {
	kubeconfig string
	manifest   string
	dryRun     bool
	output     string
	timeout    time.Duration
	force      bool
	deleteData bool
	daemonSets bool
	volumes    bool
	readyDelay time.Duration
	nodes      []string
	fake       bool
}

// run is the whole program; main only wires it to the process. Exit codes:
// 0 drained (or, with --dry-run, drainable), 1 not, 2 bad usage.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	opts, code := parseFlags(args, stderr)
	if code >= 0 {
		return code
	}
	fail := func(err error) int {
		// One line, whatever the error: joined errors become "; ".
		fmt.Fprintf(stderr, "drain: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
		return 1
	}

	client, closeCluster, err := connect(opts)
	if err != nil {
		return fail(err)
	}
	defer closeCluster()

	// Progress goes to stdout with tables; with JSON, stdout carries only
	// the JSON document and progress goes to stderr.
	progressOut := stdout
	if opts.output == "json" {
		progressOut = stderr
	}
	progress := newProgress(progressOut)
	d, err := drain.New(client, drain.Options{
		Force:               opts.force,
		DeleteEmptyDirData:  opts.deleteData,
		EvictDaemonSets:     opts.daemonSets,
		WaitForVolumeDetach: opts.volumes,
		Timeout:             opts.timeout,
		OnEvent:             progress.event,
	})
	if err != nil {
		return fail(err)
	}

	// The plan first: what will happen to each pod, and what would stop
	// the drain, before anything changes.
	var plans []*drain.Plan
	for _, node := range opts.nodes {
		plan, err := d.Plan(ctx, node)
		if err != nil {
			return fail(err)
		}
		plans = append(plans, plan)
		if opts.output == "table" {
			fmt.Fprintf(stdout, "Plan for node %s:\n", node)
			if err := plan.WriteTable(stdout); err != nil {
				return fail(err)
			}
			fmt.Fprintln(stdout)
		}
	}
	if opts.dryRun {
		if opts.output == "json" {
			if err := writeJSON(stdout, oneOrMany(plans)); err != nil {
				return fail(err)
			}
		}
		for _, plan := range plans {
			if !plan.Drainable() {
				return fail(fmt.Errorf("node %s cannot be drained as things are: %d pod(s) blocked, see the plan", plan.Node, plan.Count(drain.ActionBlocked)))
			}
		}
		return 0
	}

	report, drainErr := d.Drain(ctx, opts.nodes...)
	progress.finish()
	if opts.output == "json" {
		if err := writeJSON(stdout, report); err != nil {
			return fail(err)
		}
	} else {
		fmt.Fprintln(stdout, "\nReport:")
		if err := report.WriteTable(stdout); err != nil {
			return fail(err)
		}
	}
	if drainErr != nil {
		if errors.Is(drainErr, context.Canceled) {
			return fail(errors.New("interrupted; the nodes stay cordoned and running drain again continues"))
		}
		return fail(drainErr)
	}
	return 0
}

func parseFlags(args []string, stderr io.Writer) (options, int) {
	var opts options
	flags := flag.NewFlagSet("drain", flag.ContinueOnError)
	flags.SetOutput(stderr)
	flags.StringVar(&opts.kubeconfig, "kubeconfig", "", "drain nodes of the cluster of this kubeconfig `path`; --kubeconfig= (empty) follows $KUBECONFIG and ~/.kube/config as kubectl does (default: the bundled in-memory cluster)")
	flags.StringVar(&opts.manifest, "f", "", "use an in-memory cluster built from this `manifest` (YAML, several documents) instead of the bundled one")
	flags.BoolVar(&opts.dryRun, "dry-run", false, "only show the plan; change nothing")
	flags.StringVar(&opts.output, "o", "table", "output `format`: table, or json (the plan with --dry-run, else the report)")
	flags.DurationVar(&opts.timeout, "timeout", 5*time.Minute, "give up on a node after this `duration`; pods still on it are reported")
	flags.BoolVar(&opts.force, "force", false, "also evict pods without a controller and pods that opted out of disruption (budgets still apply)")
	flags.BoolVar(&opts.deleteData, "delete-emptydir-data", false, "also evict pods with emptyDir volumes, whose data is lost")
	flags.BoolVar(&opts.daemonSets, "evict-daemonsets", false, "also evict DaemonSet pods, last")
	flags.BoolVar(&opts.volumes, "wait-for-volume-detach", false, "end each node's drain only once the CSI volumes of its evicted pods are detached (before deleting the node)")
	flags.DurationVar(&opts.readyDelay, "ready-delay", 2*time.Second, "in-memory cluster only: how long a replacement pod takes to become Ready")
	flags.Usage = func() {
		fmt.Fprintf(stderr, "Usage: drain [flags] [node...]\n\n"+
			"Shows what draining the nodes will do, then cordons them and evicts their pods\n"+
			"without breaking any PodDisruptionBudget, and reports what was done. With no\n"+
			"--kubeconfig it drains %s of a bundled in-memory cluster.\n\n", bundledNode)
		flags.PrintDefaults()
	}
	if code, ok := cli.Parse(flags, args); !ok {
		return opts, code
	}
	usage := func(format string, a ...any) (options, int) {
		fmt.Fprintf(stderr, "drain: "+format+"; see -h\n", a...)
		return opts, 2
	}
	kubeconfigSet := false
	flags.Visit(func(f *flag.Flag) { kubeconfigSet = kubeconfigSet || f.Name == "kubeconfig" })
	opts.fake = !kubeconfigSet
	opts.nodes = flags.Args()
	for _, node := range opts.nodes {
		// Go's flag package stops at the first node name, so a flag after
		// it would be taken for a node; refuse rather than drain without it.
		if strings.HasPrefix(node, "-") {
			return usage("flags go before the node names: %q comes after them", node)
		}
	}
	switch {
	case opts.output != "table" && opts.output != "json":
		return usage("-o must be table or json, not %q", opts.output)
	case kubeconfigSet && opts.manifest != "":
		return usage("use either --kubeconfig or -f, not both")
	case opts.timeout <= 0:
		return usage("--timeout must be positive")
	case opts.readyDelay < 0:
		return usage("--ready-delay must not be negative")
	case len(opts.nodes) == 0 && !opts.fake:
		return usage("name the node(s) to drain")
	case len(opts.nodes) == 0:
		opts.nodes = []string{bundledNode}
	}
	return opts, -1
}

// connect returns the client to drain with, and a function that releases
// what it holds.
func connect(opts options) (kubernetes.Interface, func(), error) {
	if !opts.fake {
		_, cfg, _, err := kube.Client(opts.kubeconfig)
		if err != nil {
			return nil, nil, err
		}
		// client-go's default of 5 requests per second would pace the
		// evictions; the drain itself keeps their number low.
		cfg.QPS, cfg.Burst = 50, 100
		client, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("build client: %w", err)
		}
		return client, func() {}, nil
	}
	manifest := bundledCluster
	if opts.manifest != "" {
		data, err := os.ReadFile(opts.manifest)
		if err != nil {
			return nil, nil, err
		}
		manifest = data
	}
	cluster, err := fakecluster.Load(bytes.NewReader(manifest), fakecluster.Options{ReadyDelay: opts.readyDelay})
	if err != nil {
		return nil, nil, err
	}
	return cluster, cluster.Close, nil
}

func oneOrMany(plans []*drain.Plan) any {
	if len(plans) == 1 {
		return plans[0]
	}
	return plans
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
