package scheduling

import (
	"slices"
	"sort"
	"strconv"
	"strings"

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
		key := termKey(pod.Namespace, &terms[i])
		id, ok := s.antiGroupIndex[key]
		if !ok {
			g := &antiGroup{nodes: map[int32]int32{}}
			t, err := newAffinityTerm(pod, &terms[i])
			if err != nil {
				g.parseErr = true
			} else {
				g.term = t
			}
			id = int32(len(s.antiGroups))
			s.antiGroups = append(s.antiGroups, g)
			s.antiGroupIndex[key] = id
		}
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

// termKey encodes everything newAffinityTerm reads of a term, so that terms
// with equal keys parse to equal affinityTerms.
func termKey(podNamespace string, t *corev1.PodAffinityTerm) string {
	var b strings.Builder
	if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
		writeField(&b, podNamespace)
	} else {
		for _, ns := range t.Namespaces {
			writeField(&b, ns)
		}
	}
	b.WriteByte('|')
	writeSelector(&b, t.LabelSelector)
	b.WriteByte('|')
	writeSelector(&b, t.NamespaceSelector)
	b.WriteByte('|')
	writeField(&b, t.TopologyKey)
	return b.String()
}

func writeSelector(b *strings.Builder, sel *metav1.LabelSelector) {
	if sel == nil {
		b.WriteByte('n')
		return
	}
	b.WriteByte('s')
	keys := make([]string, 0, len(sel.MatchLabels))
	for k := range sel.MatchLabels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		writeField(b, k)
		writeField(b, sel.MatchLabels[k])
	}
	b.WriteByte(';')
	for _, e := range sel.MatchExpressions {
		writeField(b, e.Key)
		writeField(b, string(e.Operator))
		b.WriteString(strconv.Itoa(len(e.Values)))
		for _, v := range e.Values {
			writeField(b, v)
		}
	}
}
