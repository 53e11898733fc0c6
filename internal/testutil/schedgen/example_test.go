package schedgen_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
)

// The benchmark cluster has the size asked for: podsPerNode pods bound to
// each node.
func ExampleBenchCluster() {
	nodes, pods := schedgen.BenchCluster(10, 4)
	fmt.Println(len(nodes), "nodes,", len(pods), "pods")
	// Output: 10 nodes, 40 pods
}

// The same seed gives the same cluster, so a failing property test can be
// replayed from its seed.
func ExampleRandomCluster() {
	a := schedgen.RandomCluster(rand.New(rand.NewPCG(1, 2)))
	b := schedgen.RandomCluster(rand.New(rand.NewPCG(1, 2)))
	fmt.Println(len(a.Nodes) == len(b.Nodes) && len(a.Pods) == len(b.Pods))
	// Output: true
}
