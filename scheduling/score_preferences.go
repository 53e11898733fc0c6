package scheduling

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// preferNoScheduleCounts is TaintToleration's raw score per PreferNoSchedule
// taint set: how many of its taints the pod's tolerations with an empty or
// PreferNoSchedule effect do not tolerate.
func (s *Simulator) preferNoScheduleCounts(pod *corev1.Pod) []int64 {
	var tolerations []corev1.Toleration
	for _, t := range pod.Spec.Tolerations {
		if t.Effect == "" || t.Effect == corev1.TaintEffectPreferNoSchedule {
			tolerations = append(tolerations, t)
		}
	}
	counts := make([]int64, len(s.preferSets))
	for i, set := range s.preferSets {
		for k := range set {
			if !toleratesAll(tolerations, set[k:k+1]) {
				counts[i]++
			}
		}
	}
	return counts
}

// preferredTerm is one preferred node affinity term, compiled against the
// snapshot's nodes.
type preferredTerm struct {
	term   nodeSelectorTerm
	weight int64
}

// preferredNodeAffinity compiles the pod's preferred node affinity terms as
// the NodeAffinity PreScore does (component-helpers'
// NewPreferredSchedulingTerms, whose errors it returns): terms of weight 0
// and empty terms are dropped. present is false when the pod has no
// preferred terms at all (nil), which makes the plugin skip scoring.
func (s *Simulator) preferredNodeAffinity(pod *corev1.Pod) (terms []preferredTerm, present bool, err error) {
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution == nil {
		return nil, false, nil
	}
	raw := a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	if _, err := nodeaffinity.NewPreferredSchedulingTerms(raw); err != nil {
		return nil, true, err
	}
	for i := range raw {
		t := &raw[i]
		if t.Weight == 0 || (len(t.Preference.MatchExpressions) == 0 && len(t.Preference.MatchFields) == 0) {
			continue
		}
		terms = append(terms, preferredTerm{term: s.compileNodeSelectorTerm(&t.Preference), weight: int64(t.Weight)})
	}
	return terms, true, nil
}

// preferredScore is the sum of the weights of the terms node i matches.
func preferredScore(terms []preferredTerm, i int32, n *nodeInfo) int64 {
	var score int64
	for k := range terms {
		t := &terms[k].term
		if t.invalid || !testsPass(t.labels, i, n) {
			continue
		}
		if t.fields != nil && !t.fields.Matches(n.fields) {
			continue
		}
		score += terms[k].weight
	}
	return score
}
