package fakecluster

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kubeprim/kubeprim/scheduling"
)

// placement is the scheduler's view of the cluster, kept current change by
// change instead of rebuilt for every pod placed: every node, and every pod
// bound to one that still holds resources. A node change (rare: a cordon, a
// node added) drops it, and the next placement builds it again.
type placement struct {
	// sim is nil until built, and after a node change.
	sim *scheduling.Simulator
	// assigned are the pods in sim, as they were assigned.
	assigned map[types.UID]*corev1.Pod
	// pending are pods the controllers bound whose change the history has
	// not recorded yet: later placements in the same pass must see them.
	pending map[types.UID]*corev1.Pod
}

// simLocked returns the scheduler's view, building it if needed; nil if
// the cluster's objects cannot describe one (a pod bound to a node that
// does not exist is left out, as the scheduler leaves it out).
func (c *Cluster) simLocked() *scheduling.Simulator {
	p := &c.placement
	if p.sim != nil {
		return p.sim
	}
	var nodes []*corev1.Node
	for _, obj := range c.objectsLocked(nodesResource, "") {
		nodes = append(nodes, obj.(*corev1.Node))
	}
	assigned := map[types.UID]*corev1.Pod{}
	var pods []*corev1.Pod
	add := func(pod *corev1.Pod) {
		if c.holdsNodeLocked(pod) {
			assigned[pod.UID] = pod
			pods = append(pods, pod)
		}
	}
	for _, obj := range c.objectsLocked(podsResource, "") {
		if pod := obj.(*corev1.Pod); p.pending[pod.UID] == nil {
			add(pod)
		}
	}
	for _, pod := range p.pending {
		add(pod)
	}
	sim, err := scheduling.NewSimulator(nodes, pods)
	if err != nil {
		return nil
	}
	p.sim, p.assigned = sim, assigned
	return sim
}

// holdsNodeLocked says whether the scheduler counts the pod on its node:
// bound to a node of the cluster, and not finished.
func (c *Cluster) holdsNodeLocked(pod *corev1.Pod) bool {
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	_, ok := c.getLocked(nodesResource, "", pod.Spec.NodeName)
	return ok
}

// trackLocked brings the view up to date with one recorded change.
func (c *Cluster) trackLocked(typ watch.EventType, obj runtime.Object) {
	switch o := obj.(type) {
	case *corev1.Node:
		c.placement.sim = nil
	case *corev1.Pod:
		delete(c.placement.pending, o.UID)
		c.reassignLocked(o, typ != watch.Deleted)
	}
}

// boundLocked records a pod the controllers have just bound, before the
// history does.
func (c *Cluster) boundLocked(pod *corev1.Pod) {
	if c.placement.pending == nil {
		c.placement.pending = map[types.UID]*corev1.Pod{}
	}
	c.placement.pending[pod.UID] = pod
	c.reassignLocked(pod, true)
}

// reassignLocked replaces the pod's entry in the view with its new state
// (present) or takes it out. Anything unexpected drops the view, to be
// built again from the store.
func (c *Cluster) reassignLocked(pod *corev1.Pod, present bool) {
	p := &c.placement
	if p.sim == nil {
		return
	}
	if prev, ok := p.assigned[pod.UID]; ok {
		delete(p.assigned, pod.UID)
		if p.sim.Remove(prev) != nil {
			p.sim = nil
			return
		}
	}
	if !present || !c.holdsNodeLocked(pod) {
		return
	}
	if p.sim.Assign(pod, pod.Spec.NodeName) != nil {
		p.sim = nil
		return
	}
	p.assigned[pod.UID] = pod
}
