package scheduling

import (
	"strconv"
	"testing"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
)

// BenchmarkPlace10000Pods5000Nodes: Place 10,000 pods (100 Deployments of
// 100 replicas) on 5,000 nodes that already run 100,000 pods, with every
// filter and the default scoring. Target: at least 5,000 pods/s. The placed
// pods are taken out again between iterations, untimed.
func BenchmarkPlace10000Pods5000Nodes(b *testing.B) {
	nodes, bound := schedgen.BenchCluster(5000, 20)
	s, err := NewSimulator(nodes, bound)
	if err != nil {
		b.Fatal(err)
	}
	pods := schedgen.BenchPods(10000, 100)
	s.podIndex()
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		res := s.Place(pods)
		if res.Placed != len(pods) {
			b.Fatalf("placed %d of %d: %v", res.Placed, len(pods), res.Placements[len(pods)-1].Message)
		}
		b.StopTimer()
		for range res.Placed {
			s.unbindLast()
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(pods))*float64(b.N)/b.Elapsed().Seconds(), "pods/s")
}

// BenchmarkSchedule5000Nodes: one Schedule (every filter and the default
// scoring over all feasible nodes, no cache) for the benchmark pod on 5,000
// nodes with 100,000 pods.
func BenchmarkSchedule5000Nodes(b *testing.B) {
	nodes, bound := schedgen.BenchCluster(5000, 20)
	s, err := NewSimulator(nodes, bound)
	if err != nil {
		b.Fatal(err)
	}
	pod := schedgen.BenchPods(1, 1)[0]
	if _, err := s.Schedule(pod); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := s.Schedule(pod); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPlaceDistinctPods5000Nodes: Place 1,000 pods that all differ
// (no two of the same shape, so nothing is cached) on 5,000 nodes: the
// worst case for Place.
func BenchmarkPlaceDistinctPods5000Nodes(b *testing.B) {
	nodes, bound := schedgen.BenchCluster(5000, 20)
	s, err := NewSimulator(nodes, bound)
	if err != nil {
		b.Fatal(err)
	}
	pods := schedgen.BenchPods(1000, 1)
	for i, p := range pods {
		p.Labels["replica"] = strconv.Itoa(i)
	}
	s.podIndex()
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		res := s.Place(pods)
		if res.Placed != len(pods) {
			b.Fatalf("placed %d of %d", res.Placed, len(pods))
		}
		b.StopTimer()
		for range res.Placed {
			s.unbindLast()
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(len(pods))*float64(b.N)/b.Elapsed().Seconds(), "pods/s")
}
