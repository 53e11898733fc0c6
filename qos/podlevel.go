package qos

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// computePodLevel classifies a pod whose spec.resources is set: only the
// pod-level requests and limits count, after the API server's pod-level
// defaulting. The pod-level limits are read first because they settle most
// pods: Guaranteed needs both a positive cpu and a positive memory limit,
// and then only the requests that could differ from them are worked out,
// cpu before memory, stopping at the first that does.
func computePodLevel(spec *corev1.PodSpec) corev1.PodQOSClass {
	var limCPU, limMem resource.Quantity
	if limits := spec.Resources.Limits; len(limits) > 0 {
		limCPU = limits[corev1.ResourceCPU]
		limMem = limits[corev1.ResourceMemory]
	}
	// Rounding to milli never changes a sign.
	cpuLimited, memLimited := limCPU.Sign() > 0, limMem.Sign() > 0
	switch {
	case cpuLimited && memLimited:
		// Pod-level limits are set, so defaulting fills in both requests;
		// an equal request is positive like its limit.
		if podRequestEqualsLimit(spec, corev1.ResourceCPU, &limCPU) && podRequestEqualsLimit(spec, corev1.ResourceMemory, &limMem) {
			return corev1.PodQOSGuaranteed
		}
		return corev1.PodQOSBurstable
	case cpuLimited || memLimited:
		return corev1.PodQOSBurstable
	}
	// Without both limits the pod is not Guaranteed; it is BestEffort
	// unless a request, once defaulted, is positive.
	limitsSet := podLimitsSetAfterDefaulting(spec)
	if req, _ := podRequestAfterDefaulting(spec, corev1.ResourceCPU, limitsSet); req.Sign() > 0 {
		return corev1.PodQOSBurstable
	}
	if req, _ := podRequestAfterDefaulting(spec, corev1.ResourceMemory, limitsSet); req.Sign() > 0 {
		return corev1.PodQOSBurstable
	}
	return corev1.PodQOSBestEffort
}

// podRequestEqualsLimit reports whether the pod-level request for name,
// once defaulted, equals limit when both are rounded up to 1m as the API
// server stores them. limit is a pod-level limit, so limits are set.
func podRequestEqualsLimit(spec *corev1.PodSpec, name corev1.ResourceName, limit *resource.Quantity) bool {
	req, _ := podRequestAfterDefaulting(spec, name, true)
	// RoundUp replaces a decimal rather than changing it, so rounding these
	// shallow copies leaves the pod alone.
	roundedLimit := *limit
	roundedLimit.RoundUp(resource.Milli)
	req.RoundUp(resource.Milli)
	return req.Cmp(roundedLimit) == 0
}

// podLimitsSetAfterDefaulting reports whether spec.resources.limits is
// non-empty once the API server has defaulted it: either it already is, or
// pod-level requests are set and a container has a hugepages limit that the
// pod level names in neither list, which the API server then copies up
// (defaultHugePagePodLimits).
func podLimitsSetAfterDefaulting(spec *corev1.PodSpec) bool {
	res := spec.Resources
	if len(res.Limits) > 0 {
		return true
	}
	if len(res.Requests) == 0 {
		return false
	}
	return hasContainerHugePagesLimitNotIn(spec.Containers, res.Requests) ||
		hasContainerHugePagesLimitNotIn(spec.InitContainers, res.Requests)
}

func hasContainerHugePagesLimitNotIn(containers []corev1.Container, podRequests corev1.ResourceList) bool {
	for i := range containers {
		for name := range containers[i].Resources.Limits {
			if !strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
				continue
			}
			if _, requested := podRequests[name]; !requested {
				return true
			}
		}
	}
	return false
}

// podRequestAfterDefaulting returns the pod-level request for name (cpu or
// memory) once the API server has defaulted it (defaultPodRequests): an
// explicit pod-level request stands; otherwise, when pod-level limits are
// set, the aggregate of the containers' requests if any container names the
// resource, else the pod-level limit. It is not rounded to milli yet.
func podRequestAfterDefaulting(spec *corev1.PodSpec, name corev1.ResourceName, limitsSet bool) (resource.Quantity, bool) {
	res := spec.Resources
	if requests := res.Requests; len(requests) > 0 {
		if q, ok := requests[name]; ok {
			return q, true
		}
	}
	if !limitsSet {
		return resource.Quantity{}, false
	}
	if q, ok := aggregateRequest(spec, name); ok {
		return q, true
	}
	q, ok := res.Limits[name]
	return q, ok
}

// aggregateRequest returns the containers' effective request for name, as
// component-helpers' AggregateContainerRequests computes it on the
// defaulted pod: the sum over regular containers and sidecars, or the
// largest need while an init container runs beside the sidecars started
// before it, whichever is larger. ok is false when no container names the
// resource.
func aggregateRequest(spec *corev1.PodSpec, name corev1.ResourceName) (total resource.Quantity, ok bool) {
	for i := range spec.Containers {
		if addContainerRequest(&total, &spec.Containers[i], name) {
			ok = true
		}
	}
	if len(spec.InitContainers) == 0 {
		return total, ok
	}
	var sidecars, initMax resource.Quantity
	var hasSidecars, hasInitMax bool
	for i := range spec.InitContainers {
		c := &spec.InitContainers[i]
		q, found := containerRequest(c, name)
		var use resource.Quantity
		hasUse := false
		if isSidecar(c) {
			if found {
				total.Add(q)
				ok = true
				sidecars.Add(q)
				hasSidecars = true
			}
			// A copy: sidecars grows in place when it holds a decimal.
			use, hasUse = sidecars.DeepCopy(), hasSidecars
		} else {
			if found {
				use.Add(q)
				hasUse = true
			}
			if hasSidecars {
				use.Add(sidecars)
				hasUse = true
			}
		}
		if hasUse && (!hasInitMax || use.Cmp(initMax) > 0) {
			initMax, hasInitMax = use, true
		}
	}
	if hasInitMax && (!ok || initMax.Cmp(total) > 0) {
		total, ok = initMax, true
	}
	return total, ok
}

// addContainerRequest adds c's request for name after SetDefaults_Pod (see
// containerRequest) to sum, and reports whether c names the resource.
func addContainerRequest(sum *resource.Quantity, c *corev1.Container, name corev1.ResourceName) bool {
	for _, list := range [2]corev1.ResourceList{c.Resources.Requests, c.Resources.Limits} {
		if len(list) == 0 {
			continue
		}
		// One lookup without the presence flag: only a zero, which adds
		// nothing, needs the second look to tell set from missing.
		if q := list[name]; !q.IsZero() {
			sum.Add(q)
			return true
		}
		if _, set := list[name]; set {
			return true
		}
	}
	return false
}
