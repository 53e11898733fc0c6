package scheduling

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// amounts is a pod's requests in the scheduler's integer units
// (framework.Resource): milli-cpu rounded up, bytes rounded up, and the scalar
// resources (extended, hugepages, *kubernetes.io/, attachable volumes).
type amounts struct {
	milliCPU  int64
	memory    int64
	ephemeral int64
	scalars   []scalarAmount
}

// scalarAmount is one scalar resource of a pod. index points into the
// Simulator's scalar table; it is -1 for a name no node advertises and no
// bound pod requests, which every node therefore has none of.
type scalarAmount struct {
	name  corev1.ResourceName
	index int32
	value int64
}

// boundAmounts converts a bound pod's requests the way NodeInfo.update adds
// them (framework.Resource.Add): cpu, memory and ephemeral storage, plus the
// scalar names, each rounded up.
func boundAmounts(list corev1.ResourceList) amounts {
	var a amounts
	for name, q := range list {
		switch name {
		case corev1.ResourceCPU:
			a.milliCPU += q.MilliValue()
		case corev1.ResourceMemory:
			a.memory += q.Value()
		case corev1.ResourceEphemeralStorage:
			a.ephemeral += q.Value()
		default:
			if isScalarResourceName(name) {
				a.scalars = append(a.scalars, scalarAmount{name: name, index: -1, value: q.Value()})
			}
		}
	}
	return a
}

// incomingAmounts converts the requests of the pod being scheduled the way
// the NodeResourcesFit PreFilter does (framework.Resource.SetMaxResource on an
// empty Resource): like boundAmounts, but a negative quantity counts as zero.
func incomingAmounts(list corev1.ResourceList) amounts {
	a := boundAmounts(list)
	a.milliCPU = max(a.milliCPU, 0)
	a.memory = max(a.memory, 0)
	a.ephemeral = max(a.ephemeral, 0)
	for i := range a.scalars {
		a.scalars[i].value = max(a.scalars[i].value, 0)
	}
	return a
}

// isEmpty reports whether nothing beyond the pod count is requested; the
// NodeResourcesFit filter then only checks the number of pods.
func (a *amounts) isEmpty() bool {
	return a.milliCPU == 0 && a.memory == 0 && a.ephemeral == 0 && len(a.scalars) == 0
}

// simpleRequests reports whether the pod's requests are a plain sum over its
// containers plus overhead: no init containers, no pod-level resources and no
// in-place resize status. For such pods boundPodAmounts adds the quantities
// itself instead of building the maps component-helpers builds; a test checks
// both ways agree on random pods.
func simpleRequests(pod *corev1.Pod) bool {
	if len(pod.Spec.InitContainers) != 0 || pod.Spec.Resources != nil {
		return false
	}
	if pod.Spec.NodeName == "" {
		return true
	}
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Resources != nil {
			return false
		}
	}
	for i := range pod.Status.InitContainerStatuses {
		if pod.Status.InitContainerStatuses[i].Resources != nil {
			return false
		}
	}
	return true
}

// boundPodAmounts returns what a bound pod adds to its node's Requested and
// NonZeroRequested.
func boundPodAmounts(pod *corev1.Pod) (a amounts, nonZeroCPU, nonZeroMem int64) {
	if !simpleRequests(pod) {
		list := PodRequests(pod)
		nonZeroCPU, nonZeroMem = nonZeroRequests(pod, list)
		return boundAmounts(list), nonZeroCPU, nonZeroMem
	}
	var cpu, mem, eph, nzCPU, nzMem resource.Quantity
	var others []namedQuantity
	for i := range pod.Spec.Containers {
		hasCPU, hasMem := false, false
		for name, q := range pod.Spec.Containers[i].Resources.Requests {
			switch name {
			case corev1.ResourceCPU:
				cpu.Add(q)
				nzCPU.Add(q)
				hasCPU = true
			case corev1.ResourceMemory:
				mem.Add(q)
				nzMem.Add(q)
				hasMem = true
			case corev1.ResourceEphemeralStorage:
				eph.Add(q)
			default:
				others = addNamed(others, name, q)
			}
		}
		if !hasCPU {
			nzCPU.Add(defaultCPU)
		}
		if !hasMem {
			nzMem.Add(defaultMem)
		}
	}
	for name, q := range pod.Spec.Overhead {
		switch name {
		case corev1.ResourceCPU:
			cpu.Add(q)
			nzCPU.Add(q)
		case corev1.ResourceMemory:
			mem.Add(q)
			nzMem.Add(q)
		case corev1.ResourceEphemeralStorage:
			eph.Add(q)
		default:
			others = addNamed(others, name, q)
		}
	}
	a.milliCPU = cpu.MilliValue()
	a.memory = mem.Value()
	a.ephemeral = eph.Value()
	for _, o := range others {
		if isScalarResourceName(o.name) {
			a.scalars = append(a.scalars, scalarAmount{name: o.name, index: -1, value: o.q.Value()})
		}
	}
	return a, nzCPU.MilliValue(), nzMem.Value()
}

// The defaults as quantities, for adding.
var (
	defaultCPU = *resource.NewMilliQuantity(defaultMilliCPURequest, resource.DecimalSI)
	defaultMem = *resource.NewQuantity(defaultMemoryRequest, resource.DecimalSI)
)

type namedQuantity struct {
	name corev1.ResourceName
	q    resource.Quantity
}

func addNamed(list []namedQuantity, name corev1.ResourceName, q resource.Quantity) []namedQuantity {
	for i := range list {
		if list[i].name == name {
			list[i].q.Add(q)
			return list
		}
	}
	return append(list, namedQuantity{name: name, q: q.DeepCopy()})
}
