package scheduling

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Why a drain leaves a pod where it is (DrainExemption's answers).
const (
	// ExemptMirror: a static pod's mirror, which only the kubelet removes.
	ExemptMirror = "MirrorPod"
	// ExemptDaemonSet: a DaemonSet pod, which kubectl drain
	// --ignore-daemonsets leaves, and which tolerates the cordon.
	ExemptDaemonSet = "DaemonSet"
	// ExemptTerminating: a pod already being deleted; the drain waits for it
	// and any replacement already exists as a pod of its own.
	ExemptTerminating = "Terminating"
	// ExemptFinished: a Succeeded or Failed pod, which holds nothing (the
	// scheduler does not count it) and is not recreated.
	ExemptFinished = "Finished"
)

// DrainExemption says why a drain of the pod's node would not evict the pod
// for something to replace elsewhere: ExemptMirror, ExemptDaemonSet,
// ExemptTerminating or ExemptFinished; "" when the pod is evicted. It
// follows kubectl drain with --ignore-daemonsets (and package drain's
// defaults): every other pod is evicted, including pods without a
// controller and pods with emptyDir volumes, which a drain refuses without
// --force or --delete-emptydir-data, and which nothing recreates in the
// first case; Drainable still asks where such a pod would fit.
func DrainExemption(pod *corev1.Pod) string {
	if _, ok := pod.Annotations[corev1.MirrorPodAnnotationKey]; ok {
		return ExemptMirror
	}
	if pod.DeletionTimestamp != nil {
		return ExemptTerminating
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return ExemptFinished
	}
	if c := metav1.GetControllerOfNoCopy(pod); c != nil && c.Kind == "DaemonSet" && strings.HasPrefix(c.APIVersion, "apps/") {
		return ExemptDaemonSet
	}
	return ""
}

// DrainResult answers "if these nodes are drained, does everything still
// fit?".
type DrainResult struct {
	// Nodes are the drained nodes.
	Nodes []string `json:"nodes"`
	// Fits reports whether every evicted pod found a node.
	Fits bool `json:"fits"`
	// Evicted are the pods the drain evicts, in the order they were
	// placed, with where each one's replacement would go.
	Evicted []Move `json:"evicted"`
	// Staying are the pods the drain leaves on the drained nodes, and why
	// (see DrainExemption). Terminating pods are gone once the drain is
	// over, and do not count on their node for the evicted pods' placement.
	Staying []StayingPod `json:"staying,omitempty"`
}

// Unplaced returns the evicted pods that fit nowhere.
func (r DrainResult) Unplaced() []Move {
	var out []Move
	for _, m := range r.Evicted {
		if m.To == "" {
			out = append(out, m)
		}
	}
	return out
}

// Move is one evicted pod and where its replacement would be scheduled.
type Move struct {
	// Pod is the pod's namespace/name.
	Pod string `json:"pod"`
	// From is the drained node it ran on.
	From string `json:"from"`
	// To is where its replacement would go; empty when it fits nowhere.
	To string `json:"to,omitempty"`
	// Score is To's total score.
	Score int64 `json:"score,omitempty"`
	// Message and Reasons say why it fits nowhere, as in Placement.
	Message string         `json:"message,omitempty"`
	Reasons map[string]int `json:"reasons,omitempty"`
}

// StayingPod is a pod a drain leaves on its node.
type StayingPod struct {
	Pod    string `json:"pod"`
	Node   string `json:"node"`
	Reason string `json:"reason"`
}

// Drainable simulates draining the named nodes: it cordons them (spec
// unschedulable and the node.kubernetes.io/unschedulable:NoSchedule taint
// the node lifecycle controller adds), takes their pods off except those
// DrainExemption keeps (terminating pods go too, but need no new place),
// and places a replacement of each evicted pod, one after another as Place
// does, the higher priorities first (as the scheduler's queue takes them)
// and otherwise in snapshot order (the order NewSimulator was given the
// pods, then the order they were assigned). A replacement is the pod as its
// controller would recreate it: same metadata and spec, not bound, no
// status.
//
// The snapshot is restored before Drainable returns, but it changes while
// Drainable runs: it must not run concurrently with any other method. The
// error wraps ErrUnknownNode for a name that is not in the snapshot.
func (s *Simulator) Drainable(nodeNames ...string) (DrainResult, error) {
	res := DrainResult{Fits: true}
	var drained []int32
	var errs []error
	for _, name := range nodeNames {
		i, ok := s.nodeIndex[name]
		if !ok {
			errs = append(errs, fmt.Errorf("%w: %q", ErrUnknownNode, name))
			continue
		}
		if !slices.Contains(drained, i) {
			drained = append(drained, i)
			res.Nodes = append(res.Nodes, name)
		}
	}
	if len(errs) > 0 {
		return DrainResult{}, fmt.Errorf("drainable: %w", errors.Join(errs...))
	}

	// Cordon, and take the pods off.
	type saved struct {
		unschedulable bool
		taintSet      int32
		// ports, in order: taking pods off and back reorders the list.
		ports []usedPort
	}
	cordons := make([]saved, len(drained))
	type detached struct {
		id  int32
		pos int
	}
	var off []detached
	var evicted []int32
	for k, i := range drained {
		n := &s.nodes[i]
		cordons[k] = saved{n.unschedulable, n.taintSet, slices.Clone(n.ports)}
		s.cordon(i)
		for _, id := range slices.Clone(n.pods) {
			p := s.pods[id].pod
			reason := DrainExemption(p)
			if reason != "" {
				res.Staying = append(res.Staying, StayingPod{Pod: p.Namespace + "/" + p.Name, Node: n.name, Reason: reason})
				if reason != ExemptTerminating {
					continue
				}
			} else {
				evicted = append(evicted, id)
			}
			off = append(off, detached{id, s.detach(id)})
		}
	}

	// Place the replacements.
	slices.SortFunc(evicted, func(a, b int32) int {
		if pa, pb := s.pods[a].priority, s.pods[b].priority; pa != pb {
			return int(pb) - int(pa)
		}
		return int(a) - int(b) // snapshot order: as given to NewSimulator, then as assigned
	})
	p := s.newPlacer()
	placed := 0
	for _, id := range evicted {
		old := s.pods[id].pod
		m := Move{Pod: old.Namespace + "/" + old.Name, From: s.nodes[s.pods[id].node].name}
		node, score, err := p.place(replacement(old))
		if err != nil {
			res.Fits = false
			m.Message = err.Error()
			var d Diagnosis
			if errors.As(err, &d) {
				m.Reasons = d.Reasons()
			}
		} else {
			m.To, m.Score = s.nodes[node].name, score
			placed++
		}
		res.Evicted = append(res.Evicted, m)
	}

	// Undo everything, last change first.
	for range placed {
		s.unbindLast()
	}
	for k := len(off) - 1; k >= 0; k-- {
		s.reattach(off[k].id, off[k].pos)
	}
	for k, i := range drained {
		n := &s.nodes[i]
		n.unschedulable, n.taintSet, n.ports = cordons[k].unschedulable, cordons[k].taintSet, cordons[k].ports
	}
	return res, nil
}

// replacement is the pod its controller would create in place of pod.
func replacement(pod *corev1.Pod) *corev1.Pod {
	r := &corev1.Pod{TypeMeta: pod.TypeMeta, ObjectMeta: pod.ObjectMeta, Spec: pod.Spec}
	r.DeletionTimestamp, r.DeletionGracePeriodSeconds = nil, nil
	r.Spec.NodeName = ""
	return r
}

// cordon marks node i unschedulable with the taint that goes with it.
func (s *Simulator) cordon(i int32) {
	n := &s.nodes[i]
	n.unschedulable = true
	var current []corev1.Taint
	if n.taintSet >= 0 {
		current = s.taintSets[n.taintSet]
	}
	for _, t := range current {
		if t.Key == corev1.TaintNodeUnschedulable && t.Effect == corev1.TaintEffectNoSchedule {
			return
		}
	}
	taints := append(slices.Clone(current), corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	n.taintSet = internTaintSet(&s.taintSets, s.taintSetIndex, taints, doNotSchedule)
}
