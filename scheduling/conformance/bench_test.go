package conformance

import (
	"context"
	"testing"

	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/scheduler/framework"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
	"github.com/kubeprim/kubeprim/scheduling"
)

// The same pod on the same 2,000 nodes (20 pods each), filtered by the real
// kube-scheduler framework (PreFilter, then Filter on every node, one
// goroutine) and by the Simulator, for comparison on this machine. Both
// must find the same number of feasible nodes.
func BenchmarkFilter2000Nodes(b *testing.B) {
	nodes, pods := schedgen.BenchCluster(2000, 20)
	pod := schedgen.BenchPod()
	var realFits int

	b.Run("kube-scheduler", func(b *testing.B) {
		ctx, cancel := context.WithCancel(klog.NewContext(b.Context(), klog.Background()))
		defer cancel()
		_, profile, snapshot, err := startScheduler(ctx, schedgen.Cluster{Nodes: nodes, Pods: pods})
		if err != nil {
			b.Fatal(err)
		}
		infos, _ := snapshot.NodeInfos().List()
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			state := framework.NewCycleState()
			if _, st, _ := profile.RunPreFilterPlugins(ctx, state, pod); !st.IsSuccess() {
				b.Fatal(st)
			}
			fits := 0
			for _, info := range infos {
				if profile.RunFilterPlugins(ctx, state, pod, info).IsSuccess() {
					fits++
				}
			}
			if fits == 0 {
				b.Fatal("nothing fits")
			}
			realFits = fits
		}
	})

	b.Run("simulator", func(b *testing.B) {
		sim, err := scheduling.NewSimulator(nodes, pods)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			fits, _ := sim.Feasible(pod)
			if len(fits) == 0 || (realFits > 0 && len(fits) != realFits) {
				b.Fatalf("%d nodes fit, kube-scheduler finds %d", len(fits), realFits)
			}
		}
	})
}
