package qos

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// PodUsage is one pod and the memory it uses, the figures the kubelet's
// eviction manager ranks pods by.
type PodUsage struct {
	// Pod is the pod. Entries with a nil Pod are ignored.
	Pod *corev1.Pod
	// WorkingSet is the pod's memory working set: the kubelet summary API's
	// pods[].memory.workingSetBytes, or the sum of its containers' memory in
	// metrics.k8s.io. Nil means the kubelet has no stats for the pod; it
	// evicts such pods first.
	WorkingSet *resource.Quantity
}

// Candidate is a pod in eviction order with the figures that placed it.
type Candidate struct {
	// Pod is the pod, as passed in.
	Pod *corev1.Pod
	// WorkingSet is the usage passed in; nil when there are no stats.
	WorkingSet *resource.Quantity
	// Request is the pod's memory request as the eviction manager counts
	// it (GetResourceRequestQuantity): the pod-level request when pod-level
	// resources are set, else the containers' effective request, plus the
	// pod overhead when that is non-zero.
	Request resource.Quantity
	// AboveRequest is WorkingSet minus Request, negative when the pod uses
	// less than it requested; zero without stats.
	AboveRequest resource.Quantity
	// ExceedsRequest reports whether WorkingSet is more than Request.
	ExceedsRequest bool
	// Priority is the pod's priority (spec.priority, else 0).
	Priority int32
	// Critical pods (static, mirror, or priority at least
	// SystemCriticalPriority) are never evicted by the kubelet; they are
	// listed after every other pod.
	Critical bool
}

// EvictionOrder returns pods in the order in which the kubelet (1.36)
// evicts them when a node is under memory pressure (rankMemoryPressure in
// pkg/kubelet/eviction/helpers.go):
//
//  1. pods without stats, then pods whose working set exceeds their memory
//     request, before the rest;
//  2. then lower priority first;
//  3. then the larger working set above the request first.
//
// QoS classes play no direct part: a BestEffort pod requests nothing, so any
// use exceeds its request. The kubelet ranks critical pods with the others
// but refuses to evict them, so EvictionOrder lists them last, marked
// Critical, in their ranked order; the pods before them are those the
// kubelet would evict, one per housekeeping interval, in that order (it
// ranks again each time, with fresh usage).
//
// Pods are read as the API server defaults them. Pods in phase Succeeded or
// Failed are left out, as the kubelet only ranks active pods, and so are
// entries with a nil Pod. Ties keep their input order (the kubelet's sort is
// not stable, so it may break them either way). The input is not modified.
func EvictionOrder(pods []PodUsage) []Candidate {
	candidates := make([]Candidate, 0, len(pods))
	for _, usage := range pods {
		pod := usage.Pod
		if pod == nil || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		c := Candidate{
			Pod:        pod,
			WorkingSet: usage.WorkingSet,
			Request:    evictionMemoryRequest(pod),
			Priority:   priority(pod),
			Critical:   isCritical(pod),
		}
		if usage.WorkingSet != nil {
			c.AboveRequest = usage.WorkingSet.DeepCopy()
			c.AboveRequest.Sub(c.Request)
			c.ExceedsRequest = usage.WorkingSet.Cmp(c.Request) > 0
		}
		candidates = append(candidates, c)
	}
	slices.SortStableFunc(candidates, compareForEviction)
	// The kubelet skips critical pods when it evicts; keep them in rank
	// order behind everything it can evict.
	slices.SortStableFunc(candidates, func(a, b Candidate) int {
		return compareBool(!a.Critical, !b.Critical)
	})
	return candidates
}

// compareForEviction orders a before b when the kubelet evicts a first.
func compareForEviction(a, b Candidate) int {
	hasA, hasB := a.WorkingSet != nil, b.WorkingSet != nil
	if hasA != hasB {
		// A pod without stats goes first.
		return compareBool(!hasA, !hasB)
	}
	if hasA {
		if c := compareBool(a.ExceedsRequest, b.ExceedsRequest); c != 0 {
			return c
		}
	}
	if a.Priority != b.Priority {
		if a.Priority < b.Priority {
			return -1
		}
		return 1
	}
	if !hasA {
		return 0
	}
	return b.AboveRequest.Cmp(a.AboveRequest)
}

// compareBool orders true before false.
func compareBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return -1
	}
	return 1
}

// evictionMemoryRequest is the pod's memory request as the eviction manager
// computes it (pkg/api/v1/resource: GetResourceRequestQuantity) on the
// defaulted pod. When pod-level resources are set the containers are
// skipped entirely, so pod-level requests without memory count as 0.
func evictionMemoryRequest(pod *corev1.Pod) resource.Quantity {
	defaulted := withDefaults(pod)
	request := resource.Quantity{Format: resource.BinarySI}
	requests := resourcehelper.PodRequests(defaulted, resourcehelper.PodResourcesOptions{
		SkipContainerLevelResources: resourcehelper.IsPodLevelResourcesSet(defaulted),
		ExcludeOverhead:             true,
	})
	if q, ok := requests[corev1.ResourceMemory]; ok {
		request.Add(q)
	}
	if overhead, ok := defaulted.Spec.Overhead[corev1.ResourceMemory]; ok && !request.IsZero() {
		request.Add(overhead)
	}
	return request
}
