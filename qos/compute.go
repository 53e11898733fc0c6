package qos

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Compute returns the QoS class the API server writes into status.qosClass
// when it creates pod, ignoring any class already in the status.
//
// The rules are those of Kubernetes 1.36 (pkg/apis/core/helper/qos), applied
// to the pod as the API server sees it after defaulting, so a manifest that
// has not been through the API server gets the same class as its stored
// copy: a container limit without a request counts as a request of the same
// amount, missing pod-level requests are filled in from the containers or
// the pod-level limits, and every quantity is rounded up to a multiple of 1m.
//
//   - Only cpu and memory count, and only positive quantities.
//   - When spec.resources is set (pod-level resources, on by default since
//     1.34) it alone decides and the containers are ignored, even when it is
//     empty.
//   - Otherwise regular containers, init containers and sidecars all count;
//     ephemeral containers do not.
//   - BestEffort: no cpu or memory request or limit anywhere.
//   - Guaranteed: every container (or the pod level) has cpu and memory
//     limits, and the summed requests equal the summed limits.
//   - Burstable: everything else.
//
// Admission plugins that change resources (LimitRanger) run before the
// class is set; Compute does not know the namespace's LimitRanges.
// A nil pod is BestEffort. Compute does not allocate for pods whose
// quantities fit in 64 bits, and does not modify pod.
func Compute(pod *corev1.Pod) corev1.PodQOSClass {
	if pod == nil {
		return corev1.PodQOSBestEffort
	}
	if pod.Spec.Resources != nil {
		return computePodLevel(&pod.Spec)
	}
	return computeContainers(&pod.Spec)
}

// Class returns pod's QoS class as the kubelet and kubectl read it:
// status.qosClass when it is set, which the API server fixes at creation and
// never changes, else Compute. A nil pod is BestEffort.
func Class(pod *corev1.Pod) corev1.PodQOSClass {
	if pod == nil {
		return corev1.PodQOSBestEffort
	}
	if pod.Status.QOSClass != "" {
		return pod.Status.QOSClass
	}
	return Compute(pod)
}

// shape is what one container's cpu and memory, after defaulting, say
// about the pod's class.
type shape uint8

const (
	// shapeEmpty: no positive cpu or memory request or limit.
	shapeEmpty shape = iota
	// shapeLoose: something positive, but not both a positive cpu and a
	// positive memory limit, so the pod cannot be Guaranteed.
	shapeLoose
	// shapeUnequal: positive cpu and memory limits, and a request that
	// differs from its limit; only the pod's sums can decide.
	shapeUnequal
	// shapeEqual: positive cpu and memory limits, requests equal to them.
	shapeEqual
)

// shapeOf classifies one container, reading a missing request as its limit
// as API defaulting does.
func shapeOf(res *corev1.ResourceRequirements) shape {
	var limCPU, limMem, reqCPU, reqMem resource.Quantity
	var hasReqCPU, hasReqMem bool
	if len(res.Limits) > 0 {
		limCPU = res.Limits[corev1.ResourceCPU]
		limMem = res.Limits[corev1.ResourceMemory]
	}
	if len(res.Requests) > 0 {
		reqCPU, hasReqCPU = res.Requests[corev1.ResourceCPU]
		reqMem, hasReqMem = res.Requests[corev1.ResourceMemory]
	}
	// Rounding to milli never changes a sign, so the signs are read as
	// they are. A missing request is the limit once defaulted, so it is
	// equal; one that is missing without a limit stays zero and does not
	// count.
	cpuLimited, memLimited := limCPU.Sign() > 0, limMem.Sign() > 0
	if cpuLimited && memLimited {
		if (!hasReqCPU || equalOnceRounded(&reqCPU, &limCPU)) && (!hasReqMem || equalOnceRounded(&reqMem, &limMem)) {
			return shapeEqual
		}
		return shapeUnequal
	}
	if cpuLimited || memLimited || reqCPU.Sign() > 0 || reqMem.Sign() > 0 {
		return shapeLoose
	}
	return shapeEmpty
}

// computeContainers classifies a pod without pod-level resources from its
// containers, init containers and sidecars. Most pods are decided by the
// shapes of their containers alone; only a pod whose every container has
// cpu and memory limits, some with a request below (or above) its limit,
// needs the sums that ComputePodQOS compares.
func computeContainers(spec *corev1.PodSpec) corev1.PodQOSClass {
	positive, empty, unequal := false, false, false
	for _, containers := range [2][]corev1.Container{spec.Containers, spec.InitContainers} {
		for i := range containers {
			switch shapeOf(&containers[i].Resources) {
			case shapeLoose:
				return corev1.PodQOSBurstable
			case shapeEmpty:
				empty = true
			case shapeUnequal:
				positive, unequal = true, true
			case shapeEqual:
				positive = true
			}
		}
	}
	switch {
	case !positive:
		return corev1.PodQOSBestEffort
	case empty:
		return corev1.PodQOSBurstable
	case !unequal:
		return corev1.PodQOSGuaranteed
	}
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
// missing request to the limit as the API server does, and reports whether
// the container has both a positive cpu and a positive memory limit.
func (t *tally) addContainer(res *corev1.ResourceRequirements) bool {
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
	addPositive(&t.reqCPU, &t.hasReqCPU, &reqCPU)
	addPositive(&t.reqMem, &t.hasReqMem, &reqMem)
	cpuLimited := addPositive(&t.limCPU, &t.hasLimCPU, &limCPU)
	memLimited := addPositive(&t.limMem, &t.hasLimMem, &limMem)
	return cpuLimited && memLimited
}

// add adds the positive quantities among the four given.
func (t *tally) add(reqCPU, reqMem, limCPU, limMem *resource.Quantity) {
	addPositive(&t.reqCPU, &t.hasReqCPU, reqCPU)
	addPositive(&t.reqMem, &t.hasReqMem, reqMem)
	addPositive(&t.limCPU, &t.hasLimCPU, limCPU)
	addPositive(&t.limMem, &t.hasLimMem, limMem)
}

// addPositive adds q to sum when q is positive, and reports whether it was.
func addPositive(sum *resource.Quantity, seen *bool, q *resource.Quantity) bool {
	if q.Sign() <= 0 {
		return false
	}
	sum.Add(*q)
	*seen = true
	return true
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

// computePodLevel classifies a pod whose spec.resources is set: only the
// pod-level requests and limits count, after the API server's pod-level
// defaulting.
func computePodLevel(spec *corev1.PodSpec) corev1.PodQOSClass {
	res := spec.Resources
	limitsSet := podLimitsSetAfterDefaulting(spec)
	reqCPU, _ := podRequestAfterDefaulting(spec, corev1.ResourceCPU, limitsSet)
	reqMem, _ := podRequestAfterDefaulting(spec, corev1.ResourceMemory, limitsSet)
	limCPU := res.Limits[corev1.ResourceCPU]
	limMem := res.Limits[corev1.ResourceMemory]
	roundToMilli(&reqCPU, &reqMem, &limCPU, &limMem)
	var t tally
	t.add(&reqCPU, &reqMem, &limCPU, &limMem)
	// With pod-level limits, Guaranteed needs both cpu and memory among them.
	// Without any, a request has no limit to equal and class says Burstable.
	guaranteed := !limitsSet || (limCPU.Sign() > 0 && limMem.Sign() > 0)
	return t.class(guaranteed)
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
// resource, else the pod-level limit.
func podRequestAfterDefaulting(spec *corev1.PodSpec, name corev1.ResourceName, limitsSet bool) (resource.Quantity, bool) {
	res := spec.Resources
	if q, ok := res.Requests[name]; ok {
		return q, true
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

// roundToMilli rounds each quantity up to a multiple of 1m, as the API
// server does to every resource list once SetDefaults_Pod has run
// (SetDefaults_ResourceList): "1500u" of cpu is stored as "2m". It is a
// no-op for the quantities people write.
func roundToMilli(quantities ...*resource.Quantity) {
	for _, q := range quantities {
		q.RoundUp(resource.Milli)
	}
}

// equalOnceRounded reports whether a and b are equal once rounded to milli.
// Equal quantities stay equal, so only unequal ones are rounded.
func equalOnceRounded(a, b *resource.Quantity) bool {
	if a.Cmp(*b) == 0 {
		return true
	}
	roundToMilli(a, b)
	return a.Cmp(*b) == 0
}

// containerRequest returns a container's request for name after
// SetDefaults_Pod: the request when present (even if zero), else the limit;
// not yet rounded to milli, as SetDefaults_Pod sees it.
func containerRequest(c *corev1.Container, name corev1.ResourceName) (resource.Quantity, bool) {
	if q, ok := c.Resources.Requests[name]; ok {
		return q, true
	}
	q, ok := c.Resources.Limits[name]
	return q, ok
}

// isSidecar reports whether an init container is a sidecar (KEP-753): it
// restarts always and runs for the pod's whole life.
func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// aggregateRequest returns the containers' effective request for name, as
// component-helpers' AggregateContainerRequests computes it on the
// defaulted pod: the sum over regular containers and sidecars, or the
// largest need while an init container runs beside the sidecars started
// before it, whichever is larger. ok is false when no container names the
// resource.
func aggregateRequest(spec *corev1.PodSpec, name corev1.ResourceName) (total resource.Quantity, ok bool) {
	for i := range spec.Containers {
		if q, found := containerRequest(&spec.Containers[i], name); found {
			total.Add(q)
			ok = true
		}
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
