package scheduling

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
)

// BenchmarkFeasibleBasic: Feasible over 5,000 nodes (20 pods each) with
// resources, taints, node affinity and ports. Target: ≤ 1 ms per pod and
// no allocation per node (allocs/op must not depend on the node count).
func BenchmarkFeasibleBasic(b *testing.B) {
	for _, nodes := range []int{500, 2000, 5000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			ns, pods := schedgen.BenchCluster(nodes, 20)
			s, err := NewSimulator(ns, pods)
			if err != nil {
				b.Fatal(err)
			}
			pod := schedgen.BenchPod()
			b.ReportAllocs()
			b.ResetTimer()
			defer reportCPU(b)()
			for b.Loop() {
				fits, _ := s.Feasible(pod)
				if len(fits) == 0 {
					b.Fatal("nothing fits")
				}
			}
		})
	}
}

// BenchmarkNewSimulator: the snapshot of 5,000 nodes and 100,000 pods.
func BenchmarkNewSimulator(b *testing.B) {
	ns, pods := schedgen.BenchCluster(5000, 20)
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		if _, err := NewSimulator(ns, pods); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAffinitySpreadPrecompute: with 100,000 bound pods, what inter-pod
// affinity and topology spread need computed once: the pods' label index
// (the anti-affinity groups are built with the snapshot and timed there).
// Target: ≤ 50 ms.
func BenchmarkAffinitySpreadPrecompute(b *testing.B) {
	ns, pods := schedgen.BenchCluster(5000, 20)
	s, err := NewSimulator(ns, pods)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		s.buildPodIndex()
	}
}

// BenchmarkFeasibleAffinitySpread: with 100,000 bound pods on 5,000 nodes,
// Feasible for a pod with zone and hostname spread constraints, required
// anti-affinity by hostname and required affinity by zone, after the
// one-time pre-computation. Target: ≤ 2 ms per pod.
func BenchmarkFeasibleAffinitySpread(b *testing.B) {
	ns, pods := schedgen.BenchCluster(5000, 20)
	s, err := NewSimulator(ns, pods)
	if err != nil {
		b.Fatal(err)
	}
	s.podIndex()
	pod := schedgen.BenchPod()
	pod.Namespace = "ns-0"
	pod.Labels = map[string]string{"app": "app-0100"} // app-0100 has anti-affinity and lives in ns-0
	sel := &metav1.LabelSelector{MatchLabels: map[string]string{"app": "app-0100"}}
	pod.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{
		{MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel},
		{MaxSkew: 3, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel},
	}
	pod.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{
		{TopologyKey: corev1.LabelHostname, LabelSelector: sel},
	}}
	pod.Spec.Affinity.PodAffinity = &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{
		{TopologyKey: corev1.LabelTopologyZone, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "app-0200"}}},
	}}
	b.ReportAllocs()
	b.ResetTimer()
	defer reportCPU(b)()
	for b.Loop() {
		fits, _ := s.Feasible(pod)
		if len(fits) == 0 {
			b.Fatal("nothing fits")
		}
	}
}
