package scheduling

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

const (
	reasonNodeAffinity          = "node(s) didn't match Pod's node affinity/selector"
	reasonAffinityTermsConflict = "pod affinity terms conflict"
)

// nodeAffinity is a pod's nodeSelector and required node affinity, compiled
// once per pod. It decides exactly as component-helpers'
// nodeaffinity.RequiredNodeAffinity.Match (a test checks the two agree on
// random input) but reads each node's prepared field set instead of building
// one per node, so matching allocates nothing.
type nodeAffinity struct {
	// selector is the nodeSelector, nil when the pod has none.
	selector labels.Selector
	// required is set when the pod has requiredDuringScheduling node
	// affinity; its terms are ORed, and with no usable term nothing matches.
	required bool
	terms    []nodeSelectorTerm
}

// nodeSelectorTerm is one term of a LazyErrorNodeSelector. A term that does
// not parse (an unknown operator, Gt with a non-integer, matchFields with
// other than one value...) matches nothing; the other terms still count.
type nodeSelectorTerm struct {
	labels  labels.Selector
	fields  fields.Selector
	invalid bool
}

// newNodeAffinity compiles the pod's required node affinity, or returns nil
// when the pod has neither a nodeSelector nor required node affinity.
func newNodeAffinity(pod *corev1.Pod) *nodeAffinity {
	a := &nodeAffinity{}
	if len(pod.Spec.NodeSelector) > 0 {
		a.selector = labels.SelectorFromSet(pod.Spec.NodeSelector)
	}
	if ns := requiredNodeSelector(pod); ns != nil {
		a.required = true
		for i := range ns.NodeSelectorTerms {
			t := &ns.NodeSelectorTerms[i]
			if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
				continue // an empty term selects nothing and is dropped
			}
			a.terms = append(a.terms, compileNodeSelectorTerm(t))
		}
	}
	if a.selector == nil && !a.required {
		return nil
	}
	return a
}

func requiredNodeSelector(pod *corev1.Pod) *corev1.NodeSelector {
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		return a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	}
	return nil
}

func compileNodeSelectorTerm(t *corev1.NodeSelectorTerm) nodeSelectorTerm {
	var out nodeSelectorTerm
	if len(t.MatchExpressions) > 0 {
		sel := labels.NewSelector()
		for _, e := range t.MatchExpressions {
			op, ok := nodeSelectorOperators[e.Operator]
			if !ok {
				out.invalid = true
				continue
			}
			r, err := labels.NewRequirement(e.Key, op, e.Values)
			if err != nil {
				out.invalid = true
				continue
			}
			sel = sel.Add(*r)
		}
		out.labels = sel
	}
	if len(t.MatchFields) > 0 {
		var sels []fields.Selector
		for _, e := range t.MatchFields {
			if len(e.Values) != 1 {
				out.invalid = true
				continue
			}
			switch e.Operator {
			case corev1.NodeSelectorOpIn:
				sels = append(sels, fields.OneTermEqualSelector(e.Key, e.Values[0]))
			case corev1.NodeSelectorOpNotIn:
				sels = append(sels, fields.OneTermNotEqualSelector(e.Key, e.Values[0]))
			default:
				out.invalid = true
			}
		}
		out.fields = fields.AndSelectors(sels...)
	}
	return out
}

var nodeSelectorOperators = map[corev1.NodeSelectorOperator]selection.Operator{
	corev1.NodeSelectorOpIn:           selection.In,
	corev1.NodeSelectorOpNotIn:        selection.NotIn,
	corev1.NodeSelectorOpExists:       selection.Exists,
	corev1.NodeSelectorOpDoesNotExist: selection.DoesNotExist,
	corev1.NodeSelectorOpGt:           selection.GreaterThan,
	corev1.NodeSelectorOpLt:           selection.LessThan,
}

// match reports whether the node satisfies the nodeSelector and, when the pod
// has required node affinity, one of its terms.
func (a *nodeAffinity) match(n *nodeInfo) bool {
	if a.selector != nil && !a.selector.Matches(labels.Set(n.labels)) {
		return false
	}
	if !a.required {
		return true
	}
	for i := range a.terms {
		t := &a.terms[i]
		if t.invalid {
			continue
		}
		if t.labels != nil && !t.labels.Matches(labels.Set(n.labels)) {
			continue
		}
		if t.fields != nil && !t.fields.Matches(n.fields) {
			continue
		}
		return true
	}
	return false
}

// nodeNamesFromAffinity is the NodeAffinity PreFilter's shortcut: when every
// required term names nodes with matchFields metadata.name In, only the
// union over terms of the intersection within each term can match. It
// returns nil when there is no such restriction; an empty non-nil set means
// the terms conflict.
func nodeNamesFromAffinity(pod *corev1.Pod) map[string]struct{} {
	ns := requiredNodeSelector(pod)
	if ns == nil || len(ns.NodeSelectorTerms) == 0 {
		return nil
	}
	union := map[string]struct{}{}
	for _, t := range ns.NodeSelectorTerms {
		var term map[string]struct{}
		for _, r := range t.MatchFields {
			if r.Key != metav1.ObjectNameField || r.Operator != corev1.NodeSelectorOpIn {
				continue
			}
			values := make(map[string]struct{}, len(r.Values))
			for _, v := range r.Values {
				values[v] = struct{}{}
			}
			if term == nil {
				term = values
				continue
			}
			for v := range term {
				if _, ok := values[v]; !ok {
					delete(term, v)
				}
			}
		}
		if term == nil {
			return nil // a term without a name restriction allows every node
		}
		for v := range term {
			union[v] = struct{}{}
		}
	}
	return union
}
