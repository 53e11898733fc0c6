package schedgen

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// BenchCluster builds nodes with zone, instance-type and hostname labels
// (one in ten tainted for GPUs) and podsPerNode bound pods each, in apps of
// 100 replicas; one in five apps has required anti-affinity by hostname, and
// every node runs a node-exporter with host port 9100.
func BenchCluster(nodes, podsPerNode int) ([]*corev1.Node, []*corev1.Pod) {
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
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%06d", i), Namespace: fmt.Sprintf("ns-%d", (i/100)%20), UID: types.UID(fmt.Sprintf("uid-%06d", i)),
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

// BenchPod asks for resources, tolerates the GPU taint, has node affinity
// and a host port: every filter of the basic benchmark does work on it.
func BenchPod() *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "incoming", Namespace: "ns-1", UID: "uid-incoming", Labels: map[string]string{"app": "incoming"}},
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
