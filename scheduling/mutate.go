package scheduling

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// podKey identifies a pod by namespace and name.
type podKey struct{ namespace, name string }

// Assign binds pod to the node named nodeName in the snapshot, as if the
// scheduler (or anyone) had bound it: the node is charged the pod's
// requests, host ports and pod count, and the pod counts for topology
// spreading and inter-pod affinity from then on. Assign does not check that
// the pod fits; Schedule or Filter say whether it does, Place does both.
//
// The pod is not modified; the snapshot keeps a copy with spec.nodeName
// set. It returns an error wrapping ErrNilObject, ErrUnknownNode,
// ErrInvalidPod (a pod already bound to another node, or finished) or
// ErrPodExists (a pod of the same namespace and name is already in the
// snapshot; pods without a name are not checked).
//
// Assign changes the Simulator: it must not run concurrently with any other
// method, and Diagnoses computed before it describe the old snapshot.
func (s *Simulator) Assign(pod *corev1.Pod, nodeName string) error {
	if pod == nil {
		return fmt.Errorf("assign: %w", ErrNilObject)
	}
	node, ok := s.nodeIndex[nodeName]
	if !ok {
		return fmt.Errorf("assign pod %s/%s: %w: %q", pod.Namespace, pod.Name, ErrUnknownNode, nodeName)
	}
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != nodeName {
		return fmt.Errorf("assign pod %s/%s to %q: %w: it is bound to %q", pod.Namespace, pod.Name, nodeName, ErrInvalidPod, pod.Spec.NodeName)
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return fmt.Errorf("assign pod %s/%s: %w: it is %s, and the scheduler counts no finished pod", pod.Namespace, pod.Name, ErrInvalidPod, pod.Status.Phase)
	}
	if pod.Name != "" && len(s.keys()[podKey{pod.Namespace, pod.Name}]) > 0 {
		return fmt.Errorf("assign pod %s/%s: %w", pod.Namespace, pod.Name, ErrPodExists)
	}
	s.bind(pod, node)
	return nil
}

// Remove takes a bound pod out of the snapshot, as when it is deleted: its
// node gets back the pod's requests, host ports and pod count. The pod is
// found by namespace and name (and UID, when both have one), on the node
// its spec.nodeName names if set, else anywhere. Remove right after Assign
// of the same pod restores the snapshot exactly as it was.
//
// It returns an error wrapping ErrNilObject or ErrPodNotFound. Like Assign,
// it must not run concurrently with any other method.
func (s *Simulator) Remove(pod *corev1.Pod) error {
	if pod == nil {
		return fmt.Errorf("remove: %w", ErrNilObject)
	}
	id := s.findPod(pod)
	if id < 0 {
		return fmt.Errorf("remove pod %s/%s: %w", pod.Namespace, pod.Name, ErrPodNotFound)
	}
	if int(id) == len(s.pods)-1 {
		s.unbindLast()
	} else {
		s.detach(id)
	}
	return nil
}

// findPod returns the id of the bound pod matching pod, or -1.
func (s *Simulator) findPod(pod *corev1.Pod) int32 {
	match := func(id int32) bool {
		p := s.pods[id].pod
		return !s.pods[id].removed && p.Namespace == pod.Namespace && p.Name == pod.Name &&
			(pod.UID == "" || p.UID == "" || p.UID == pod.UID)
	}
	if i, ok := s.nodeIndex[pod.Spec.NodeName]; ok {
		ids := s.nodes[i].pods
		for k := len(ids) - 1; k >= 0; k-- {
			if match(ids[k]) {
				return ids[k]
			}
		}
		return -1
	}
	ids := s.keys()[podKey{pod.Namespace, pod.Name}]
	for k := len(ids) - 1; k >= 0; k-- {
		if match(ids[k]) {
			return ids[k]
		}
	}
	return -1
}

// keys returns the bound pods by namespace and name, built on first use by
// a mutating method (so it needs no lock).
func (s *Simulator) keys() map[podKey][]int32 {
	if s.podKeys == nil {
		s.podKeys = make(map[podKey][]int32, len(s.pods))
		for id := range s.pods {
			if p := &s.pods[id]; !p.removed {
				k := podKey{p.pod.Namespace, p.pod.Name}
				s.podKeys[k] = append(s.podKeys[k], int32(id))
			}
		}
	}
	return s.podKeys
}

func (s *Simulator) addKey(id int32) {
	if s.podKeys != nil {
		p := s.pods[id].pod
		k := podKey{p.Namespace, p.Name}
		s.podKeys[k] = append(s.podKeys[k], id)
	}
}

func (s *Simulator) dropKey(id int32) {
	if s.podKeys == nil {
		return
	}
	p := s.pods[id].pod
	k := podKey{p.Namespace, p.Name}
	ids := s.podKeys[k]
	if i := slices.Index(ids, id); i >= 0 {
		ids = slices.Delete(ids, i, i+1)
	}
	if len(ids) == 0 {
		delete(s.podKeys, k)
	} else {
		s.podKeys[k] = ids
	}
}

// bind adds a copy of pod bound to node, with every index that exists
// updated, and returns its id.
func (s *Simulator) bind(pod *corev1.Pod, node int32) int32 {
	bound := *pod
	bound.Spec.NodeName = s.nodes[node].name
	id := s.addPod(&bound, node)
	if s.labelIndex != nil {
		s.labelIndex.add(id, bound.Namespace, bound.Labels)
	}
	s.addKey(id)
	return id
}

// detach takes a pod out of its node and of the groups, leaving its entry
// (marked removed) so that it can be reattached. It returns the pod's
// position in its node's list.
func (s *Simulator) detach(id int32) int {
	p := &s.pods[id]
	n := &s.nodes[p.node]
	s.chargeNode(id, -1)
	pos := slices.Index(n.pods, id)
	n.pods = slices.Delete(n.pods, pos, pos+1)
	for _, g := range p.antiGroups {
		decrement(s.antiGroups[g].nodes, p.node)
	}
	for _, g := range p.scoreGroups {
		decrement(s.scoreGroups[g].nodes, p.node)
	}
	s.dropKey(id)
	p.removed = true
	return pos
}

// reattach undoes detach.
func (s *Simulator) reattach(id int32, pos int) {
	p := &s.pods[id]
	n := &s.nodes[p.node]
	p.removed = false
	s.chargeNode(id, 1)
	n.pods = slices.Insert(n.pods, pos, id)
	for _, g := range p.antiGroups {
		s.antiGroups[g].nodes[p.node]++
	}
	for _, g := range p.scoreGroups {
		s.scoreGroups[g].nodes[p.node]++
	}
	s.addKey(id)
}

func decrement(counts map[int32]int32, node int32) {
	if counts[node]--; counts[node] <= 0 {
		delete(counts, node)
	}
}

// unbindLast removes the most recently added pod entirely, undoing bind (or
// NewSimulator's addPod): its entry, the groups it created and its place in
// the label index go too.
func (s *Simulator) unbindLast() {
	id := int32(len(s.pods) - 1)
	p := &s.pods[id]
	if !p.removed {
		s.detach(id)
	}
	if s.labelIndex != nil {
		s.labelIndex.removeLast(id, p.pod.Namespace, p.pod.Labels)
	}
	for int32(len(s.antiGroups)) > p.groupMarks[0] {
		g := s.antiGroups[len(s.antiGroups)-1]
		dropLast(s.antiGroupIndex, g.hash)
		s.antiGroups = s.antiGroups[:len(s.antiGroups)-1]
	}
	for int32(len(s.scoreGroups)) > p.groupMarks[1] {
		g := s.scoreGroups[len(s.scoreGroups)-1]
		dropLast(s.scoreGroupIndex, g.hash)
		s.scoreGroups = s.scoreGroups[:len(s.scoreGroups)-1]
	}
	s.pods[id] = podInfo{}
	s.pods = s.pods[:id]
}

// dropLast removes the last id of an index bucket, deleting the bucket when
// it empties.
func dropLast(index map[uint64][]int32, h uint64) {
	if ids := index[h][:len(index[h])-1]; len(ids) > 0 {
		index[h] = ids
	} else {
		delete(index, h)
	}
}
