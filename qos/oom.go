package qos

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// OOM score adjustments the kubelet gives containers
// (k8s.io/kubernetes pkg/kubelet/qos/policy.go). The kernel kills the process
// with the highest score first; the score is about ten times the percentage
// of memory a process uses, plus its adjustment.
const (
	// OOMScoreAdjGuaranteed is the adjustment of every container of a
	// Guaranteed or node-critical pod: the last to be killed.
	OOMScoreAdjGuaranteed = -997
	// OOMScoreAdjBestEffort is the adjustment of every container of a
	// BestEffort pod: the first to be killed.
	OOMScoreAdjBestEffort = 1000
	// OOMScoreAdjBurstableMin is the lowest adjustment of a Burstable
	// container, above any Guaranteed one.
	OOMScoreAdjBurstableMin = 1000 + OOMScoreAdjGuaranteed
	// OOMScoreAdjBurstableMax is the highest adjustment of a Burstable
	// container, below any BestEffort one.
	OOMScoreAdjBurstableMax = OOMScoreAdjBestEffort - 1
)

// OOMScoreAdjust returns the oom_score_adj the kubelet (1.36) writes for
// container of pod on a node whose machine memory capacity is memoryCapacity
// bytes (the node's status.capacity.memory, not its allocatable):
//
//   - system-node-critical pods that are critical (priority at least
//     SystemCriticalPriority, static or mirror): OOMScoreAdjGuaranteed;
//     system-cluster-critical is not enough;
//   - Guaranteed pods (by Class, so status.qosClass wins):
//     OOMScoreAdjGuaranteed;
//   - BestEffort pods: OOMScoreAdjBestEffort;
//   - Burstable: 1000 − 1000 × memory request ÷ memoryCapacity, in integer
//     arithmetic, where the request is the container's own plus, when
//     pod-level requests are set, an equal share of the pod-level memory
//     request left over by all containers; a sidecar (restartable init
//     container) gets no more than the value of the regular container with
//     the smallest request, so it outlives the containers it serves. The
//     result is clamped to [OOMScoreAdjBurstableMin, OOMScoreAdjBurstableMax].
//
// Like Compute, OOMScoreAdjust reads the pod and container as the API server
// defaults them (a limit without a request counts as a request). While an
// in-place resize is pending the kubelet works from what it has allocated,
// so a memory request in status.containerStatuses[].allocatedResources (or,
// with pod-level requests, status.allocatedResources) replaces the spec's;
// the container is matched by name, as the kubelet matches sidecars by name
// among the pod's init containers.
//
// Bad input never panics: a nil pod counts as a pod without containers
// (BestEffort, so OOMScoreAdjBestEffort); a nil container as a container
// without resources. memoryCapacity ≤ 0, which the kubelet never sees, gives
// Burstable containers OOMScoreAdjBurstableMax, as if their request were
// negligible; the other classes do not depend on it.
func OOMScoreAdjust(pod *corev1.Pod, container *corev1.Container, memoryCapacity int64) int {
	if pod == nil {
		return OOMScoreAdjBestEffort
	}
	if isNodeCritical(pod) {
		return OOMScoreAdjGuaranteed
	}
	switch Class(pod) {
	case corev1.PodQOSGuaranteed:
		return OOMScoreAdjGuaranteed
	case corev1.PodQOSBestEffort:
		return OOMScoreAdjBestEffort
	}
	if memoryCapacity <= 0 {
		return OOMScoreAdjBurstableMax
	}
	if container == nil {
		container = &corev1.Container{}
	}

	view := kubeletView(pod)
	request, ok := allocatedMemory(pod, container.Name)
	if !ok {
		request = memoryRequestBytes(container)
	}
	share := podLevelMemoryShare(view)
	adjust := 1000 - 1000*(request+share)/memoryCapacity

	if isSidecarOf(view, container) && len(view.Spec.Containers) > 0 {
		smallest := smallestRegularMemoryRequest(view) + share
		adjust = min(adjust, 1000-1000*smallest/memoryCapacity)
	}

	switch {
	case adjust < OOMScoreAdjBurstableMin:
		return OOMScoreAdjBurstableMin
	case adjust >= OOMScoreAdjBestEffort:
		// The kubelet only meets 1000 here; more needs a negative request,
		// which the API server rejects.
		return OOMScoreAdjBurstableMax
	}
	return int(adjust)
}

// kubeletView returns a copy of pod as the kubelet's OOM policy sees it:
// defaulted by the API server, and with the memory requests the kubelet has
// allocated (status allocatedResources) in place of the spec's while an
// in-place resize is pending.
func kubeletView(pod *corev1.Pod) *corev1.Pod {
	view := withDefaults(pod)
	useAllocated := func(containers []corev1.Container) {
		for i := range containers {
			if q, ok := allocatedMemoryQuantity(pod, containers[i].Name); ok {
				if containers[i].Resources.Requests == nil {
					containers[i].Resources.Requests = corev1.ResourceList{}
				}
				q.RoundUp(resource.Milli)
				containers[i].Resources.Requests[corev1.ResourceMemory] = q
			}
		}
	}
	useAllocated(view.Spec.Containers)
	useAllocated(view.Spec.InitContainers)
	if q, ok := pod.Status.AllocatedResources[corev1.ResourceMemory]; ok && resourcehelper.IsPodLevelRequestsSet(view) {
		q.RoundUp(resource.Milli)
		view.Spec.Resources.Requests[corev1.ResourceMemory] = q
	}
	return view
}

// allocatedMemoryQuantity returns the memory the kubelet allocated to the
// named container, from the pod's container or init container statuses.
func allocatedMemoryQuantity(pod *corev1.Pod, name string) (resource.Quantity, bool) {
	for _, statuses := range [][]corev1.ContainerStatus{pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses} {
		for i := range statuses {
			if statuses[i].Name == name {
				q, ok := statuses[i].AllocatedResources[corev1.ResourceMemory]
				return q, ok
			}
		}
	}
	return resource.Quantity{}, false
}

func allocatedMemory(pod *corev1.Pod, name string) (int64, bool) {
	q, ok := allocatedMemoryQuantity(pod, name)
	q.RoundUp(resource.Milli)
	return q.Value(), ok
}

// memoryRequestBytes is a container's memory request in bytes, rounded up,
// after API defaulting; 0 when it has none.
func memoryRequestBytes(c *corev1.Container) int64 {
	q, _ := containerRequest(c, corev1.ResourceMemory)
	q.RoundUp(resource.Milli)
	return q.Value()
}

// podLevelMemoryShare returns, when pod-level requests are set, the
// pod-level memory request not claimed by the containers divided equally
// among all regular and init containers; otherwise 0, as it is when the pod
// level requests no memory.
func podLevelMemoryShare(view *corev1.Pod) int64 {
	if !resourcehelper.IsPodLevelRequestsSet(view) {
		return 0
	}
	podMemory := view.Spec.Resources.Requests[corev1.ResourceMemory]
	containers := len(view.Spec.Containers) + len(view.Spec.InitContainers)
	if podMemory.IsZero() || containers == 0 {
		return 0
	}
	aggregate := resourcehelper.AggregateContainerRequests(view, resourcehelper.PodResourcesOptions{})
	claimed := aggregate[corev1.ResourceMemory]
	return (podMemory.Value() - claimed.Value()) / int64(containers)
}

// isSidecarOf reports whether container is a sidecar of pod: it restarts
// always and an init container of pod has its name.
func isSidecarOf(pod *corev1.Pod, container *corev1.Container) bool {
	if !isSidecar(container) {
		return false
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == container.Name {
			return true
		}
	}
	return false
}

// smallestRegularMemoryRequest is the smallest memory request among the
// pod's regular containers, which must not be empty.
func smallestRegularMemoryRequest(pod *corev1.Pod) int64 {
	smallest := memoryRequestBytes(&pod.Spec.Containers[0])
	for i := 1; i < len(pod.Spec.Containers); i++ {
		smallest = min(smallest, memoryRequestBytes(&pod.Spec.Containers[i]))
	}
	return smallest
}
