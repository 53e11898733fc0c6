package scheduling

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// benchCluster builds nodes with zone, instance-type and hostname labels
// (one in ten tainted for GPUs) and podsPerNode bound pods each, in apps of
// 100 replicas; one in five apps has required anti-affinity by hostname, and
// every node runs a node-exporter with host port 9100.
func benchCluster(nodes, podsPerNode int) ([]*corev1.Node, []*corev1.Pod) {
	alloc := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("32"), corev1.ResourceMemory: resource.MustParse("128Gi"),
		corev1.ResourcePods: resource.MustParse("110"), corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}
	var ns []*corev1.Node
	for i := range nodes {
		n := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("node-%05d", i), Labels: map[string]string{
				corev1.LabelHostname:           fmt.Sprintf("node-%05d", i),
				corev1.LabelTopologyZone:       fmt.Sprintf("zone-%d", i%3),
				corev1.LabelInstanceTypeStable: fmt.Sprintf("type-%d", i%5),
			}},
			Status: corev1.NodeStatus{Allocatable: alloc},
		}
		if i%10 == 0 {
			n.Spec.Taints = []corev1.Taint{{Key: "nvidia.com/gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}}
		}
		ns = append(ns, n)
	}
	var pods []*corev1.Pod
	requests := corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("512Mi"),
	}}
	for i := range nodes * podsPerNode {
		node := i % nodes
		app := fmt.Sprintf("app-%04d", i/100)
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%06d", i), Namespace: fmt.Sprintf("ns-%d", (i/100)%20),
				Labels: map[string]string{"app": app, "pod-template-hash": "abc123"}},
			Spec: corev1.PodSpec{NodeName: ns[node].Name, Containers: []corev1.Container{{Name: "c", Resources: requests}}},
		}
		if (i/100)%5 == 0 {
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{
				{TopologyKey: corev1.LabelHostname, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}},
			}}}
		}
		if i%podsPerNode == 0 {
			p.Spec.Containers = []corev1.Container{{Name: "exporter", Resources: requests, Ports: []corev1.ContainerPort{{ContainerPort: 9100, HostPort: 9100}}}}
		}
		pods = append(pods, p)
	}
	return ns, pods
}

// basicPod asks for resources, tolerates the GPU taint, has node affinity
// and a host port: every filter of the basic benchmark does work on it.
func basicPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "incoming", Namespace: "ns-1", Labels: map[string]string{"app": "incoming"}},
		Spec: corev1.PodSpec{
			Containers: []corev1.Container{{Name: "c",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")}},
				Ports:     []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080}},
			}},
			Tolerations: []corev1.Toleration{{Key: "nvidia.com/gpu", Operator: corev1.TolerationOpExists}},
			Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{
				NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
					{Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{"zone-0", "zone-1"}},
					{Key: corev1.LabelInstanceTypeStable, Operator: corev1.NodeSelectorOpNotIn, Values: []string{"type-4"}},
				}}},
			}}},
		},
	}
}

// BenchmarkFeasibleBasic: Feasible over 5,000 nodes (20 pods each) with
// resources, taints, node affinity and ports. Target: ≤ 1 ms per pod and
// no allocation per node (allocs/op must not depend on the node count).
func BenchmarkFeasibleBasic(b *testing.B) {
	for _, nodes := range []int{500, 5000} {
		b.Run(fmt.Sprintf("nodes=%d", nodes), func(b *testing.B) {
			ns, pods := benchCluster(nodes, 20)
			s, err := NewSimulator(ns, pods)
			if err != nil {
				b.Fatal(err)
			}
			pod := basicPod()
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
	ns, pods := benchCluster(5000, 20)
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
	ns, pods := benchCluster(5000, 20)
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
	ns, pods := benchCluster(5000, 20)
	s, err := NewSimulator(ns, pods)
	if err != nil {
		b.Fatal(err)
	}
	s.podIndex()
	pod := basicPod()
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
