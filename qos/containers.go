package qos

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// The container path is the hot one (BenchmarkCompute: 0 allocations, at
// most 100 ns for three containers), and its cost is map lookups: each
// ResourceList lookup hashes the key, and a Guaranteed pod needs four per
// container. Ranging over the small maps instead is slower still (every
// range draws a random start, about 50 ns per map on the reference
// machine), so the code below looks up only what the answer needs, checks
// lengths before looking, and decides in one pass over the containers.

// shape is what one container's cpu and memory, after defaulting, say
// about the pod's class.
type shape uint8

// The shapes of a container with positive cpu and memory limits come first,
// ordered so that the larger of its cpu's and its memory's shape is the
// container's.
const (
	// shapeEqual: positive cpu and memory limits, requests equal to them.
	shapeEqual shape = iota
	// shapeBelow: positive cpu and memory limits, each request equal to its
	// limit or below it (a request of zero or less does not count), one of
	// them below. Summed over the pod, the requests fall short of the
	// limits unless some other container's request is above its limit.
	shapeBelow
	// shapeAbove: positive cpu and memory limits and a request above its
	// limit. The API server rejects such a pod, but ComputePodQOS compares
	// the pod's sums, where one container's excess can make up for
	// another's shortfall; only the sums decide.
	shapeAbove
	// shapeLoose: something positive, but not both a positive cpu and a
	// positive memory limit, so the pod cannot be Guaranteed.
	shapeLoose
	// shapeEmpty: no positive cpu or memory request or limit.
	shapeEmpty
)

// computeContainers classifies a pod without pod-level resources from its
// containers, init containers and sidecars. Valid pods are decided by the
// shapes of their containers alone; only a pod with a request above its
// limit needs the sums that ComputePodQOS compares.
func computeContainers(spec *corev1.PodSpec) corev1.PodQOSClass {
	var seen shapes
	if !seen.addAll(spec.Containers) || !seen.addAll(spec.InitContainers) {
		// Something positive without both limits.
		return corev1.PodQOSBurstable
	}
	switch {
	case seen == shapes{empty: true}, seen == shapes{}:
		return corev1.PodQOSBestEffort
	case seen.empty:
		// A container without limits beside one with them.
		return corev1.PodQOSBurstable
	case seen.above:
		return classFromSums(spec)
	case seen.below:
		return corev1.PodQOSBurstable
	}
	return corev1.PodQOSGuaranteed
}

// shapes records which shapes the containers seen so far have.
type shapes struct {
	equal, below, above, empty bool
}

// addAll adds the shapes of containers and reports false, stopping early,
// at a loose container, which alone makes the pod Burstable.
func (s *shapes) addAll(containers []corev1.Container) bool {
	for i := range containers {
		switch shapeOf(&containers[i].Resources) {
		case shapeEqual:
			s.equal = true
		case shapeBelow:
			s.below = true
		case shapeAbove:
			s.above = true
		case shapeEmpty:
			s.empty = true
		default:
			return false
		}
	}
	return true
}

// shapeOf classifies one container, reading a missing request as its limit
// as API defaulting does. Rounding to milli never changes a sign, so signs
// are read from the quantities as written.
func shapeOf(res *corev1.ResourceRequirements) shape {
	if limits := res.Limits; len(limits) > 0 {
		limCPU := limits[corev1.ResourceCPU]
		limMem := limits[corev1.ResourceMemory]
		cpuLimited, memLimited := limCPU.Sign() > 0, limMem.Sign() > 0
		if cpuLimited && memLimited {
			requests := res.Requests
			if len(requests) == 0 {
				// Both requests are defaulted from the limits.
				return shapeEqual
			}
			reqCPU := requests[corev1.ResourceCPU]
			reqMem := requests[corev1.ResourceMemory]
			// Requests equal to their limits as written, the common case,
			// settle it.
			if reqCPU.Cmp(limCPU) == 0 && reqMem.Cmp(limMem) == 0 {
				return shapeEqual
			}
			return max(requestFit(requests, corev1.ResourceCPU, &reqCPU, &limCPU), requestFit(requests, corev1.ResourceMemory, &reqMem, &limMem))
		}
		if cpuLimited || memLimited {
			return shapeLoose
		}
	}
	// No positive cpu or memory limit, so no request defaulted from one is
	// positive either: only the requests as written can be.
	if requests := res.Requests; len(requests) > 0 {
		reqCPU := requests[corev1.ResourceCPU]
		reqMem := requests[corev1.ResourceMemory]
		if reqCPU.Sign() > 0 || reqMem.Sign() > 0 {
			return shapeLoose
		}
	}
	return shapeEmpty
}

// requestFit compares a container's request for name, req as read from
// requests (zero when missing), with its positive limit as the API server
// stores them, and returns shapeEqual, shapeBelow or shapeAbove. req and
// limit are the caller's copies and are rounded in place.
func requestFit(requests corev1.ResourceList, name corev1.ResourceName, req, limit *resource.Quantity) shape {
	// The caller read req without the presence flag, which only a zero
	// needs: a missing request is defaulted from the limit, while an
	// explicit zero is kept and does not count.
	if req.IsZero() {
		if _, set := requests[name]; !set {
			return shapeEqual
		}
		return shapeBelow
	}
	// The API server compares them rounded up to a multiple of 1m, which
	// can make them equal but never swaps them. RoundUp is free for
	// quantities without digits below 1m, and it replaces a decimal rather
	// than changing it, so rounding the copies leaves the pod alone.
	req.RoundUp(resource.Milli)
	limit.RoundUp(resource.Milli)
	return fitOf(req.Cmp(*limit))
}

// fitOf turns a comparison of a request with its limit into a shape.
func fitOf(cmp int) shape {
	switch {
	case cmp < 0:
		return shapeBelow
	case cmp > 0:
		return shapeAbove
	}
	return shapeEqual
}

// classFromSums classifies a pod whose every container has positive cpu
// and memory limits, as ComputePodQOS does: Guaranteed when the summed
// positive requests equal the summed limits.
func classFromSums(spec *corev1.PodSpec) corev1.PodQOSClass {
	var t tally
	for _, containers := range [2][]corev1.Container{spec.Containers, spec.InitContainers} {
		for i := range containers {
			t.addContainer(&containers[i].Resources)
		}
	}
	return t.class(true)
}

// tally sums the positive cpu and memory requests and limits of a pod.
type tally struct {
	reqCPU, reqMem, limCPU, limMem             resource.Quantity
	hasReqCPU, hasReqMem, hasLimCPU, hasLimMem bool
}

// addContainer adds one container's requests and limits, defaulting a
// missing request to the limit as the API server does.
func (t *tally) addContainer(res *corev1.ResourceRequirements) {
	var limCPU, limMem, reqCPU, reqMem resource.Quantity
	var hasLimCPU, hasLimMem, hasReqCPU, hasReqMem bool
	if len(res.Limits) > 0 {
		limCPU, hasLimCPU = res.Limits[corev1.ResourceCPU]
		limMem, hasLimMem = res.Limits[corev1.ResourceMemory]
	}
	if len(res.Requests) > 0 {
		reqCPU, hasReqCPU = res.Requests[corev1.ResourceCPU]
		reqMem, hasReqMem = res.Requests[corev1.ResourceMemory]
	}
	if !hasReqCPU && hasLimCPU {
		reqCPU = limCPU
	}
	if !hasReqMem && hasLimMem {
		reqMem = limMem
	}
	roundToMilli(&limCPU, &limMem, &reqCPU, &reqMem)
	t.add(&reqCPU, &reqMem, &limCPU, &limMem)
}

// add adds the positive quantities among the four given.
func (t *tally) add(reqCPU, reqMem, limCPU, limMem *resource.Quantity) {
	addPositive(&t.reqCPU, &t.hasReqCPU, reqCPU)
	addPositive(&t.reqMem, &t.hasReqMem, reqMem)
	addPositive(&t.limCPU, &t.hasLimCPU, limCPU)
	addPositive(&t.limMem, &t.hasLimMem, limMem)
}

// addPositive adds q to sum when q is positive.
func addPositive(sum *resource.Quantity, seen *bool, q *resource.Quantity) {
	if q.Sign() <= 0 {
		return
	}
	sum.Add(*q)
	*seen = true
}

// class decides the class from the sums. guaranteed is false when some
// container (or the pod level) lacks a positive cpu or memory limit.
func (t *tally) class(guaranteed bool) corev1.PodQOSClass {
	if !t.hasReqCPU && !t.hasReqMem && !t.hasLimCPU && !t.hasLimMem {
		return corev1.PodQOSBestEffort
	}
	if !guaranteed {
		return corev1.PodQOSBurstable
	}
	// Every request needs an equal limit, and there must be as many limits
	// as requests.
	if t.hasReqCPU && (!t.hasLimCPU || t.reqCPU.Cmp(t.limCPU) != 0) {
		return corev1.PodQOSBurstable
	}
	if t.hasReqMem && (!t.hasLimMem || t.reqMem.Cmp(t.limMem) != 0) {
		return corev1.PodQOSBurstable
	}
	if t.hasReqCPU != t.hasLimCPU || t.hasReqMem != t.hasLimMem {
		return corev1.PodQOSBurstable
	}
	return corev1.PodQOSGuaranteed
}

// roundToMilli rounds each quantity up to a multiple of 1m, as the API
// server does to every resource list once SetDefaults_Pod has run
// (SetDefaults_ResourceList): "1500u" of cpu is stored as "2m". It is a
// no-op for the quantities people write.
func roundToMilli(quantities ...*resource.Quantity) {
	for _, q := range quantities {
		q.RoundUp(resource.Milli)
	}
}

// containerRequest returns a container's request for name after
// SetDefaults_Pod: the request when present (even if zero), else the limit;
// not yet rounded to milli, as SetDefaults_Pod sees it.
func containerRequest(c *corev1.Container, name corev1.ResourceName) (resource.Quantity, bool) {
	if requests := c.Resources.Requests; len(requests) > 0 {
		if q, ok := requests[name]; ok {
			return q, true
		}
	}
	if limits := c.Resources.Limits; len(limits) > 0 {
		q, ok := limits[name]
		return q, ok
	}
	return resource.Quantity{}, false
}

// isSidecar reports whether an init container is a sidecar (KEP-753): it
// restarts always and runs for the pod's whole life.
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}
