package cluster_test

import (
	"context"
	"fmt"
	"os"

	"github.com/kubeprim/kubeprim/e2e/bins"
	"github.com/kubeprim/kubeprim/e2e/cluster"
)

// A test binary's TestMain starts one control plane for all its tests. The
// example is compiled, not run: it needs the binaries and half a minute.
func Example() {
	ctx := context.Background()
	paths, err := bins.Ensure(ctx, bins.Options{Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	kube, err := cluster.Start(ctx, cluster.Options{Bins: paths, Log: os.Stderr})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer kube.Stop()

	node, err := kube.CreateNode(ctx, cluster.Node("worker-1", "4", "16Gi", 110))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println(node.Name, "is Ready; kubeconfig:", kube.KubeconfigPath())
}
