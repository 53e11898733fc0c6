package scheduling

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// maxCapacityCopies bounds the copies Capacity places one by one (for pods
// whose copies interact through spreading or affinity); beyond it the
// result is marked Truncated.
const maxCapacityCopies = 100_000

// CapacityResult is how many more copies of a pod the cluster takes.
type CapacityResult struct {
	// Total is the number of copies that fit, one after another.
	Total int `json:"total"`
	// Nodes are the nodes that take at least one copy, in snapshot order,
	// with how many.
	Nodes []NodeCapacity `json:"nodes"`
	// Truncated is set when counting stopped at 100,000 copies placed one
	// by one; Total is then a lower bound.
	Truncated bool `json:"truncated,omitempty"`
}

// NodeCapacity is how many copies of a pod one node takes.
type NodeCapacity struct {
	Node   string `json:"node"`
	Copies int    `json:"copies"`
}

// Capacity answers "how many more replicas of this pod fit": the number of
// copies of pod that Place would bind, one after another, before one fits
// nowhere, and where they would go. A copy is the pod as a new replica:
// same metadata and spec, no status (so no nominated node).
//
// For a pod without pod affinity or anti-affinity and without topology
// spreading (hard, soft or the default one), a copy changes nothing but
// its own node, so each node is counted on its own, by arithmetic on its
// free resources, pod slots and host ports, without changing the snapshot.
// Other pods are placed copy by copy (the scheduler's scores then decide
// which domain the next copy goes to, which decides how many fit) and taken
// out again, so Capacity may change the snapshot while it runs: it must not
// run concurrently with any other method.
//
// The error wraps ErrNilObject for a nil pod. A pod the scheduler cannot
// evaluate (a malformed selector) fits 0 times.
func (s *Simulator) Capacity(pod *corev1.Pod) (CapacityResult, error) {
	if pod == nil {
		return CapacityResult{}, fmt.Errorf("capacity: %w", ErrNilObject)
	}
	replica := &corev1.Pod{TypeMeta: pod.TypeMeta, ObjectMeta: pod.ObjectMeta, Spec: pod.Spec}
	counts := make([]int, len(s.nodes))
	res := CapacityResult{}
	if independentCopies(s, replica) {
		// The shape cache also runs the scoring stage: a pod whose scoring
		// fails is never placed, so fits 0 times.
		if c := s.newShapeCache(replica, nil); c != nil {
			for i, v := range c.verdicts {
				if v == vPass {
					counts[i] = int(c.pc.copiesFit(int32(i)))
				}
			}
		}
	} else {
		p := s.newPlacer()
		for res.Total < maxCapacityCopies {
			node, _, err := p.place(replica)
			if err != nil {
				break
			}
			counts[node]++
			res.Total++
		}
		res.Truncated = res.Total == maxCapacityCopies
		for range res.Total {
			s.unbindLast()
		}
		res.Total = 0
	}
	for i, n := range counts {
		if n > 0 {
			res.Nodes = append(res.Nodes, NodeCapacity{Node: s.nodes[i].name, Copies: n})
			res.Total += n
		}
	}
	return res, nil
}

// independentCopies reports whether copies of pod interact only through
// the node they share: no pod affinity or anti-affinity and no hard, soft
// or default topology spreading.
func independentCopies(s *Simulator, pod *corev1.Pod) bool {
	if a := pod.Spec.Affinity; a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil) {
		return false
	}
	if len(pod.Spec.TopologySpreadConstraints) > 0 {
		return false
	}
	return s.defaultSpreadSelector(pod).Empty()
}

// copiesFit is how many copies of the pod node i takes, given that one
// fits: as many as its free pod slots and its free amount of each resource
// the pod requests allow (the NodeResourcesFit filter checks only those),
// and at most one if the pod takes host ports (a copy's ports conflict
// with the previous copy's).
func (pc *podContext) copiesFit(i int32) int64 {
	s := pc.s
	n := &s.nodes[i]
	k := n.allowedPods - int64(len(n.pods))
	r := &pc.requests
	if !r.isEmpty() {
		if r.milliCPU > 0 {
			k = min(k, copiesIn(n.allocCPU-n.reqCPU, r.milliCPU))
		}
		if r.memory > 0 {
			k = min(k, copiesIn(n.allocMemory-n.reqMemory, r.memory))
		}
		if r.ephemeral > 0 {
			k = min(k, copiesIn(n.allocEph-n.reqEph, r.ephemeral))
		}
		for j := range r.scalars {
			if sc := &r.scalars[j]; sc.value > 0 {
				alloc, used := s.scalarOnNode(sc.index, i, nil)
				k = min(k, copiesIn(alloc-used, sc.value))
			}
		}
	}
	if len(pc.ports) > 0 {
		k = min(k, 1)
	}
	return max(k, 0)
}

// copiesIn is how many requests of size each fit in free.
func copiesIn(free, each int64) int64 {
	if free < each {
		return 0
	}
	return free / each
}
