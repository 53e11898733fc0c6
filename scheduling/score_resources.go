package scheduling

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// fitScoreRequests returns what NodeResourcesFit's LeastAllocated scorer
// counts for the pod being scheduled: 100m cpu and 200Mi memory in place of
// each container's missing request, and, because the plugin builds its
// scorer without the feature gates (noderesources.NewFit sets them on the
// plugin, not on the scorer), neither pod-level requests nor status
// resources: the container aggregate plus overhead.
func fitScoreRequests(pod *corev1.Pod) (milliCPU, memory int64) {
	reqs := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{
		SkipPodLevelResources: true,
		NonMissingContainerRequests: corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewMilliQuantity(defaultMilliCPURequest, resource.DecimalSI),
			corev1.ResourceMemory: *resource.NewQuantity(defaultMemoryRequest, resource.DecimalSI),
		},
	})
	cpu, mem := reqs[corev1.ResourceCPU], reqs[corev1.ResourceMemory]
	return cpu.MilliValue(), mem.Value()
}

// balancedScoreRequests returns what BalancedAllocation counts for the pod
// being scheduled: its requests as set (no defaults), with pod-level
// requests and status resources honoured.
func balancedScoreRequests(pod *corev1.Pod) (milliCPU, memory int64) {
	reqs := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{
		UseStatusResources: true,
		InPlacePodLevelResourcesVerticalScalingEnabled: true,
	})
	cpu, mem := reqs[corev1.ResourceCPU], reqs[corev1.ResourceMemory]
	return cpu.MilliValue(), mem.Value()
}

// leastAllocated is NodeResourcesFit's default score (LeastAllocated over
// cpu and memory, weight 1 each): per resource the node advertises,
// (allocatable - requested) * 100 / allocatable, where requested is the
// node's NonZeroRequested plus the pod's request and a node over its
// allocatable scores 0; then the weighted mean, in integers.
func (s *Simulator) leastAllocated(i int32, podCPU, podMem int64) int64 {
	n := &s.nodes[i]
	var score, weights int64
	if n.allocCPU != 0 {
		score += leastRequestedScore(n.nonZeroCPU+podCPU, n.allocCPU)
		weights++
	}
	if n.allocMemory != 0 {
		score += leastRequestedScore(n.nonZeroMemory+podMem, n.allocMemory)
		weights++
	}
	if weights == 0 {
		return 0
	}
	return score / weights
}

func leastRequestedScore(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * maxNodeScore / capacity
}

// balancedAllocation is NodeResourcesBalancedAllocation's score over cpu and
// memory, with the node's actual Requested (not NonZeroRequested): how much
// the pod improves the balance between the two fractions of allocatable in
// use, 50 + (50 + balance with the pod - balance without it) / 2.
func (s *Simulator) balancedAllocation(i int32, podCPU, podMem int64) int64 {
	n := &s.nodes[i]
	with := balancedResourceScore(n.reqCPU+podCPU, n.allocCPU, n.reqMemory+podMem, n.allocMemory)
	return maxNodeScore/2 + (maxNodeScore/2+with-n.balance)/2
}

// balancedResourceScore is the plugin's balancedResourceScore for two
// resources, with its floating-point steps in the same order so that the
// truncation agrees: each fraction of allocatable (capped at 1) among the
// resources the node advertises, then (1 - standard deviation) * 100, where
// the standard deviation of two fractions is half their difference and that
// of one (or none) is 0.
func balancedResourceScore(cpuRequested, cpuAllocatable, memRequested, memAllocatable int64) int64 {
	if cpuAllocatable == 0 || memAllocatable == 0 {
		return maxNodeScore // (1 - 0) * 100
	}
	cpu := min(float64(cpuRequested)/float64(cpuAllocatable), 1)
	mem := min(float64(memRequested)/float64(memAllocatable), 1)
	std := math.Abs((cpu - mem) / 2)
	return int64((1 - std) * float64(maxNodeScore))
}
