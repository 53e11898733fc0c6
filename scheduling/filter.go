package scheduling

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// Filter runs kube-scheduler 1.36's default filters for pod on one node, in
// the default profile's order, and returns the first rejection or Success.
// The pod's PreFilter stage runs first, over the whole snapshot, exactly as
// in the scheduler, so a rejection there (such as malformed affinity) is what
// every node reports. To check many nodes, call Feasible, which does that
// stage once.
//
// The pod's status.nominatedNodeName is honoured as the scheduler honours
// it: that node is checked with every filter even when matchFields leave it
// out, and the plugin that rejects it is named in the other left-out nodes'
// "node(s) didn't satisfy plugin(s) [...]".
//
// A node that is not in the snapshot, or a nil pod, gives an Error status.
func (s *Simulator) Filter(pod *corev1.Pod, nodeName string) Status {
	if pod == nil {
		return Status{Code: Error, Reasons: []string{"nil pod"}}
	}
	i, ok := s.nodeIndex[nodeName]
	if !ok {
		return Status{Code: Error, Reasons: []string{fmt.Sprintf("node %q is not in the snapshot", nodeName)}}
	}
	pc := s.newPodContext(pod)
	if !pc.rejected.IsSuccess() {
		return pc.rejected.clone()
	}
	return pc.status(pc.check(i, nil), i)
}

// Feasible returns the nodes that pass every filter for pod, in snapshot
// order, and a Diagnosis of the others. Unlike the scheduler, which stops
// after finding enough feasible nodes in large clusters, it checks every
// node. It allocates nothing per node checked.
func (s *Simulator) Feasible(pod *corev1.Pod) ([]string, Diagnosis) {
	if pod == nil {
		return nil, Diagnosis{numNodes: len(s.nodes), preFilter: Status{Code: Error, Reasons: []string{"nil pod"}}}
	}
	_, d, feasible := s.filterAll(pod)
	names := make([]string, len(feasible))
	for k, i := range feasible {
		names[k] = s.nodes[i].name
	}
	return names, d
}

// check runs the Filter plugins on node i and returns the first rejection.
// victims, when not nil, are pods on node i to leave out, as the preemption
// dry run removes them from a copy of the node.
func (pc *podContext) check(i int32, victims []int32) verdict {
	s := pc.s
	n := &s.nodes[i]
	pod := pc.pod
	if pc.allowed != nil && !pc.allowed[i] && i != pc.nominated {
		return reject(vNarrowed, 0, true)
	}
	if n.unschedulable && !pc.toleratesUnschedulable {
		return reject(vNodeUnschedulable, 0, true)
	}
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != n.name {
		return reject(vNodeName, 0, true)
	}
	if n.taintSet >= 0 && !pc.taintOK[n.taintSet] {
		return reject(vTaintToleration, 0, true)
	}
	if pc.affinity != nil && !pc.affinity.match(i, n) {
		return reject(vNodeAffinity, 0, true)
	}
	if len(pc.ports) > 0 {
		used := n.ports
		if victims != nil {
			used = s.portsAfterRemoving(n.ports, victims)
		}
		if !portsFit(used, pc.ports) {
			return reject(vNodePorts, 0, false)
		}
	}
	if v := pc.fit(i, victims); v != vPass {
		return v
	}
	if pc.spread != nil {
		if ok, missing := pc.spread.filter(pc, i, victims); !ok {
			if missing {
				return reject(vPodTopologySpread, 1, true)
			}
			return reject(vPodTopologySpread, 0, false)
		}
	}
	if pc.interPod != nil {
		switch pc.interPod.filter(pc, i, victims) {
		case 1:
			return reject(vInterPodAffinity, 1, true)
		case 2:
			return reject(vInterPodAffinity, 2, false)
		case 3:
			return reject(vInterPodAffinity, 3, false)
		}
	}
	if pc.features != nil {
		if ok, err := pc.features.IsSubset(n.declared); err != nil || !ok {
			return reject(vNodeDeclaredFeatures, 0, true)
		}
	}
	return vPass
}

// fit is the NodeResourcesFit filter (fitsRequest): the pod count first, then,
// unless the pod requests nothing, each resource it requests more of than the
// node has left. A shortage is unresolvable when the request exceeds the
// node's whole allocatable. Comparisons are strict, so an exact fit passes.
func (pc *podContext) fit(i int32, victims []int32) verdict {
	s := pc.s
	n := &s.nodes[i]
	r := &pc.requests
	podCount := int64(len(n.pods))
	usedCPU, usedMem, usedEph := n.reqCPU, n.reqMemory, n.reqEph
	for _, id := range victims {
		p := &s.pods[id]
		podCount--
		usedCPU -= p.requests.milliCPU
		usedMem -= p.requests.memory
		usedEph -= p.requests.ephemeral
	}
	var mask uint64
	unresolvable := false
	if podCount+1 > n.allowedPods {
		mask |= 1 << fitPods
	}
	if !r.isEmpty() {
		if r.milliCPU > 0 && r.milliCPU > n.allocCPU-usedCPU {
			mask |= 1 << fitCPU
			unresolvable = unresolvable || r.milliCPU > n.allocCPU
		}
		if r.memory > 0 && r.memory > n.allocMemory-usedMem {
			mask |= 1 << fitMemory
			unresolvable = unresolvable || r.memory > n.allocMemory
		}
		if r.ephemeral > 0 && r.ephemeral > n.allocEph-usedEph {
			mask |= 1 << fitEphemeral
			unresolvable = unresolvable || r.ephemeral > n.allocEph
		}
		for j := range r.scalars {
			sc := &r.scalars[j]
			if sc.value == 0 {
				continue
			}
			alloc, used := s.scalarOnNode(sc.index, i, victims)
			if sc.value > alloc-used {
				mask |= 1 << min(fitScalar0+j, fitOverflow)
				unresolvable = unresolvable || sc.value > alloc
			}
		}
	}
	if mask == 0 {
		return vPass
	}
	v := reject(vNodeResourcesFit, 0, unresolvable)
	return v | verdict(mask)<<verdictFitShift
}

// scalarOnNode returns a scalar resource's allocatable and requested amounts
// on node i, without the victims' requests.
func (s *Simulator) scalarOnNode(index int32, i int32, victims []int32) (alloc, used int64) {
	if index < 0 {
		return 0, 0
	}
	w := int32(len(s.scalarNames))
	alloc, used = s.allocScalars[i*w+index], s.reqScalars[i*w+index]
	for _, id := range victims {
		for _, sc := range s.pods[id].requests.scalars {
			if sc.index == index {
				used -= sc.value
			}
		}
	}
	return alloc, used
}

// scalarShort reports whether node i lacks the pod's j-th scalar request.
func (pc *podContext) scalarShort(j int, i int32, victims []int32) bool {
	sc := &pc.requests.scalars[j]
	if sc.value == 0 {
		return false
	}
	alloc, used := pc.s.scalarOnNode(sc.index, i, victims)
	return sc.value > alloc-used
}

// portsAfterRemoving returns a node's used host ports as the preemption dry
// run sees them after it removes the victims: the scheduler's HostPortInfo
// is a set, and NodeInfo.RemovePod deletes each of a victim's ports from it
// even when a pod that stays holds the same port (kube-scheduler
// framework/types.go, HostPortInfo.Remove).
func (s *Simulator) portsAfterRemoving(used []usedPort, victims []int32) []usedPort {
	out := append([]usedPort(nil), used...)
	for _, id := range victims {
		for _, hp := range s.pods[id].ports {
			out = slices.DeleteFunc(out, func(u usedPort) bool { return u.hostPort == hp })
		}
	}
	return out
}

// portsWithout returns a node's used host ports without the victims',
// counting each pod that holds a port: the ports of the other pods alone,
// as the kubelet builds them for admission.
func (s *Simulator) portsWithout(used []usedPort, victims []int32) []usedPort {
	out := append([]usedPort(nil), used...)
	for _, id := range victims {
		for _, hp := range s.pods[id].ports {
			out = usePort(out, hp, -1)
		}
	}
	return out
}
