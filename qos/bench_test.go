package qos

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

var sinkClass corev1.PodQOSClass

// BenchmarkCompute is the DESIGN.md target: a pod of three containers,
// 0 allocations and at most 100 ns.
func BenchmarkCompute(b *testing.B) {
	pods := map[string]*corev1.Pod{
		"guaranteed": newPod("p",
			container("app", guaranteedRes("1", "1Gi")),
			container("log", guaranteedRes("100m", "128Mi")),
			container("proxy", guaranteedRes("250m", "256Mi"))),
		"burstable": newPod("p",
			container("app", res(list("cpu", "500m", "memory", "512Mi"), list("cpu", "1", "memory", "1Gi"))),
			container("log", res(list("cpu", "100m"), nil)),
			container("proxy", res(nil, nil))),
		"raw-limits-only": newPod("p",
			container("app", res(nil, list("cpu", "1", "memory", "1Gi"))),
			container("log", res(nil, list("cpu", "100m", "memory", "128Mi"))),
			container("proxy", res(nil, list("cpu", "250m", "memory", "256Mi")))),
		"pod-level-limits": newPod("p",
			podResources(res(nil, list("cpu", "2", "memory", "2Gi"))),
			sidecarContainer("proxy", res(list("cpu", "250m", "memory", "256Mi"), nil)),
			container("app", res(list("cpu", "1", "memory", "1Gi"), nil)),
			container("log", res(list("cpu", "100m"), nil))),
	}
	for _, name := range []string{"guaranteed", "burstable", "raw-limits-only", "pod-level-limits"} {
		pod := pods[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sinkClass = Compute(pod)
			}
		})
	}
}

var sinkQuantity resource.Quantity

// BenchmarkMapReadsFloor reads the twelve map entries (cpu and memory
// requests and limits of three containers) that classifying a Guaranteed
// pod cannot avoid; BenchmarkCompute/guaranteed costs little more, so
// compare the two on a busy machine.
func BenchmarkMapReadsFloor(b *testing.B) {
	pod := newPod("p",
		container("app", guaranteedRes("1", "1Gi")),
		container("log", guaranteedRes("100m", "128Mi")),
		container("proxy", guaranteedRes("250m", "256Mi")))
	b.ReportAllocs()
	for b.Loop() {
		for i := range pod.Spec.Containers {
			r := &pod.Spec.Containers[i].Resources
			sinkQuantity = r.Limits[corev1.ResourceCPU]
			sinkQuantity = r.Limits[corev1.ResourceMemory]
			sinkQuantity = r.Requests[corev1.ResourceCPU]
			sinkQuantity = r.Requests[corev1.ResourceMemory]
		}
	}
}

var sinkAdjust int

func BenchmarkOOMScoreAdjust(b *testing.B) {
	pod := newPod("p",
		sidecarContainer("proxy", res(list("memory", "256Mi"), nil)),
		container("app", res(list("cpu", "500m", "memory", "512Mi"), list("memory", "1Gi"))),
		container("log", res(list("memory", "64Mi"), nil)))
	b.ReportAllocs()
	for b.Loop() {
		sinkAdjust = OOMScoreAdjust(pod, &pod.Spec.InitContainers[0], 16<<30)
	}
}

var sinkOrder []Candidate

// BenchmarkEvictionOrder ranks a full node: 110 pods.
func BenchmarkEvictionOrder(b *testing.B) {
	pods := make([]PodUsage, 110)
	for i := range pods {
		pod := newPod(fmt.Sprintf("p%d", i),
			container("app", res(list("memory", fmt.Sprintf("%dMi", 64+i%7*64)), nil)),
			priorityValue(int32(i%3*100)))
		q := resource.MustParse(fmt.Sprintf("%dMi", 32+i*13%512))
		pods[i] = PodUsage{Pod: pod, WorkingSet: &q}
	}
	b.ReportAllocs()
	for b.Loop() {
		sinkOrder = EvictionOrder(pods)
	}
}
