package scheduling

import (
	"hash/maphash"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// affinityTerm is a parsed PodAffinityTerm, as
// k8s.io/kube-scheduler/framework.AffinityTerm: the namespaces it names (the
// owning pod's own when it names none and has no namespaceSelector), its
// label selector (nil selects nothing, {} everything) and namespace selector
// (likewise).
type affinityTerm struct {
	namespaces  []string
	selector    labels.Selector
	nsSelector  labels.Selector
	topologyKey string
}

// newAffinityTerm parses a term of pod the way the scheduler does.
func newAffinityTerm(pod *corev1.Pod, t *corev1.PodAffinityTerm) (affinityTerm, error) {
	selector, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
	if err != nil {
		return affinityTerm{}, err
	}
	var namespaces []string
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		namespaces = []string{pod.Namespace}
	} else {
		namespaces = slices.Clone(t.Namespaces)
	}
	nsSelector, err := metav1.LabelSelectorAsSelector(t.NamespaceSelector)
	if err != nil {
		return affinityTerm{}, err
	}
	return affinityTerm{namespaces: namespaces, selector: selector, nsSelector: nsSelector, topologyKey: t.TopologyKey}, nil
}

// affinityTerms parses a list of terms; like GetAffinityTerms it returns no
// term at all when one of them fails.
func affinityTerms(pod *corev1.Pod, terms []corev1.PodAffinityTerm) ([]affinityTerm, error) {
	if terms == nil {
		return nil, nil
	}
	out := make([]affinityTerm, 0, len(terms))
	for i := range terms {
		t, err := newAffinityTerm(pod, &terms[i])
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// matches is AffinityTerm.Matches: the pod is in one of the term's
// namespaces, or its namespace's labels match the namespace selector, and its
// labels match the selector.
func (t *affinityTerm) matches(namespace string, podLabels map[string]string, nsLabels labels.Set) bool {
	if slices.Contains(t.namespaces, namespace) || t.nsSelector.Matches(nsLabels) {
		return t.selector.Matches(labels.Set(podLabels))
	}
	return false
}

// requiredAffinityTerms and requiredAntiAffinityTerms return the required
// terms of an affinity, nil when there are none (GetPodAffinityTerms).
func requiredAffinityTerms(a *corev1.Affinity) []corev1.PodAffinityTerm {
	if a != nil && a.PodAffinity != nil && len(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 0 {
		return a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	return nil
}

func requiredAntiAffinityTerms(a *corev1.Affinity) []corev1.PodAffinityTerm {
	if a != nil && a.PodAntiAffinity != nil && len(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution) != 0 {
		return a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	return nil
}

// antiGroup is one distinct required anti-affinity term held by bound pods,
// with the number of (pod, term) occurrences per node.
type antiGroup struct {
	// raw and namespace are the first occurrence, to tell groups apart.
	raw       *corev1.PodAffinityTerm
	namespace string

	term     affinityTerm
	parseErr bool
	nodes    map[int32]int32
}

// groupAntiAffinity records a bound pod's required anti-affinity terms in
// the groups and returns their indexes, or nil when the pod has none or one
// of them does not parse (the scheduler then drops them all).
func (s *Simulator) groupAntiAffinity(pod *corev1.Pod, node int32) []int32 {
	terms := requiredAntiAffinityTerms(pod.Spec.Affinity)
	if len(terms) == 0 {
		return nil
	}
	ids := make([]int32, 0, len(terms))
	for i := range terms {
		id := s.antiGroupOf(pod, &terms[i])
		if s.antiGroups[id].parseErr {
			return nil
		}
		ids = append(ids, id)
	}
	for _, id := range ids {
		s.antiGroups[id].nodes[node]++
	}
	return ids
}

// antiGroupOf finds or creates the group of a term, parsing it only when it
// is new: replicas of a workload share their terms.
func (s *Simulator) antiGroupOf(pod *corev1.Pod, t *corev1.PodAffinityTerm) int32 {
	h := hashTerm(s.hashSeed, pod.Namespace, t)
	for _, id := range s.antiGroupIndex[h] {
		if g := s.antiGroups[id]; sameTerm(g.namespace, g.raw, pod.Namespace, t) {
			return id
		}
	}
	g := &antiGroup{raw: t, namespace: pod.Namespace, nodes: map[int32]int32{}}
	if parsed, err := newAffinityTerm(pod, t); err != nil {
		g.parseErr = true
	} else {
		g.term = parsed
	}
	id := int32(len(s.antiGroups))
	s.antiGroups = append(s.antiGroups, g)
	s.antiGroupIndex[h] = append(s.antiGroupIndex[h], id)
	return id
}

// defaultsToOwnNamespace reports whether a term applies to its pod's own
// namespace only.
func defaultsToOwnNamespace(t *corev1.PodAffinityTerm) bool {
	return len(t.Namespaces) == 0 && t.NamespaceSelector == nil
}

// hashTerm hashes what newAffinityTerm reads of a term. Equal terms hash
// equally; sameTerm settles collisions.
func hashTerm(seed maphash.Seed, podNamespace string, t *corev1.PodAffinityTerm) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	if defaultsToOwnNamespace(t) {
		h.WriteString(podNamespace)
	}
	for _, ns := range t.Namespaces {
		h.WriteString(ns)
		h.WriteByte(0)
	}
	h.WriteByte(1)
	h.WriteString(t.TopologyKey)
	sum := h.Sum64()
	return sum ^ hashSelector(seed, t.LabelSelector)*3 ^ hashSelector(seed, t.NamespaceSelector)*5
}

func hashSelector(seed maphash.Seed, sel *metav1.LabelSelector) uint64 {
	if sel == nil {
		return 1
	}
	var h maphash.Hash
	h.SetSeed(seed)
	var sum uint64
	for k, v := range sel.MatchLabels { // order-independent: a sum
		h.Reset()
		h.WriteString(k)
		h.WriteByte(0)
		h.WriteString(v)
		sum += h.Sum64()
	}
	h.Reset()
	for _, e := range sel.MatchExpressions {
		h.WriteString(e.Key)
		h.WriteByte(0)
		h.WriteString(string(e.Operator))
		for _, v := range e.Values {
			h.WriteByte(0)
			h.WriteString(v)
		}
		h.WriteByte(1)
	}
	return sum + h.Sum64()*7 + 2
}

// sameTerm reports whether two terms, of pods in the given namespaces, parse
// to the same affinityTerm.
func sameTerm(nsA string, a *corev1.PodAffinityTerm, nsB string, b *corev1.PodAffinityTerm) bool {
	if a.TopologyKey != b.TopologyKey || defaultsToOwnNamespace(a) != defaultsToOwnNamespace(b) ||
		!slices.Equal(a.Namespaces, b.Namespaces) {
		return false
	}
	if defaultsToOwnNamespace(a) && nsA != nsB {
		return false
	}
	return sameSelector(a.LabelSelector, b.LabelSelector) && sameSelector(a.NamespaceSelector, b.NamespaceSelector)
}

func sameSelector(a, b *metav1.LabelSelector) bool {
	if a == nil || b == nil {
		return a == b
	}
	if !maps.Equal(a.MatchLabels, b.MatchLabels) || len(a.MatchExpressions) != len(b.MatchExpressions) {
		return false
	}
	for i := range a.MatchExpressions {
		x, y := &a.MatchExpressions[i], &b.MatchExpressions[i]
		if x.Key != y.Key || x.Operator != y.Operator || !slices.Equal(x.Values, y.Values) {
			return false
		}
	}
	return true
}
