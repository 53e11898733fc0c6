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
// random input), with two differences in how: each label requirement is
// evaluated once per distinct value of its key among the nodes rather than
// once per node, and matchFields read each node's prepared field set instead
// of building one, so that matching a node allocates nothing.
type nodeAffinity struct {
	// selector is the nodeSelector's requirements, nil when it has none.
	selector []labelTest
	// required is set when the pod has requiredDuringScheduling node
	// affinity; its terms are ORed, and with no usable term nothing matches.
	required bool
	terms    []nodeSelectorTerm
}

// nodeSelectorTerm is one term of a LazyErrorNodeSelector. A term that does
// not parse (an unknown operator, Gt with a non-integer, matchFields with
// other than one value...) matches nothing; the other terms still count.
type nodeSelectorTerm struct {
	labels  []labelTest
	fields  fields.Selector
	invalid bool
}

// labelTest is one label requirement, with its outcome worked out per value
// of its key when the key has few distinct values among the nodes.
type labelTest struct {
	req labels.Requirement
	// topo and pass, when set, give the outcome per value id; missing is the
	// outcome for a node without the key.
	topo    *topologyKey
	pass    []bool
	missing bool
}

// newNodeAffinity compiles the pod's required node affinity against the
// snapshot's nodes, or returns nil when the pod has neither a nodeSelector
// nor required node affinity.
func (s *Simulator) newNodeAffinity(pod *corev1.Pod) *nodeAffinity {
	a := &nodeAffinity{}
	if len(pod.Spec.NodeSelector) > 0 {
		reqs, _ := labels.SelectorFromSet(pod.Spec.NodeSelector).Requirements()
		a.selector = s.labelTests(reqs)
	}
	if ns := requiredNodeSelector(pod); ns != nil {
		a.required = true
		for i := range ns.NodeSelectorTerms {
			t := &ns.NodeSelectorTerms[i]
			if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
				continue // an empty term selects nothing and is dropped
			}
			a.terms = append(a.terms, s.compileNodeSelectorTerm(t))
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

// compileNodeSelectorTerm parses a term as component-helpers does
// (nodeSelectorRequirementsAsSelector and ...AsFieldSelector).
func (s *Simulator) compileNodeSelectorTerm(t *corev1.NodeSelectorTerm) nodeSelectorTerm {
	var out nodeSelectorTerm
	var reqs []labels.Requirement
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
		reqs = append(reqs, *r)
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
	if !out.invalid {
		out.labels = s.labelTests(reqs)
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

// labelTests prepares requirements for matching nodes. A key whose nodes
// share a few values gets a table of outcomes per value; a key with about
// one value per node (hostname) is matched against each node's labels.
func (s *Simulator) labelTests(reqs []labels.Requirement) []labelTest {
	out := make([]labelTest, 0, len(reqs))
	for _, r := range reqs {
		lt := labelTest{req: r}
		if t := s.topologyKey(r.Key()); 4*len(t.values) <= len(s.nodes) {
			lt.topo = t
			lt.pass = make([]bool, len(t.values))
			one := &singleLabel{}
			lt.missing = r.Matches(one)
			for v, value := range t.values {
				*one = singleLabel{key: r.Key(), value: value, has: true}
				lt.pass[v] = r.Matches(one)
			}
		}
		out = append(out, lt)
	}
	return out
}

// matches reports whether node i (n) satisfies the requirement.
func (lt *labelTest) matches(i int32, n *nodeInfo) bool {
	if lt.topo == nil {
		return lt.req.Matches(labels.Set(n.labels))
	}
	if v := lt.topo.valueOf[i]; v >= 0 {
		return lt.pass[v]
	}
	return lt.missing
}

func testsPass(tests []labelTest, i int32, n *nodeInfo) bool {
	for k := range tests {
		if !tests[k].matches(i, n) {
			return false
		}
	}
	return true
}

// singleLabel is a label set with at most one label, for evaluating a
// requirement on one value.
type singleLabel struct {
	key, value string
	has        bool
}

func (l *singleLabel) Has(key string) bool { return l.has && key == l.key }

func (l *singleLabel) Get(key string) string {
	v, _ := l.Lookup(key)
	return v
}

func (l *singleLabel) Lookup(key string) (string, bool) {
	if l.Has(key) {
		return l.value, true
	}
	return "", false
}

// match reports whether node i satisfies the nodeSelector and, when the pod
// has required node affinity, one of its terms.
func (a *nodeAffinity) match(i int32, n *nodeInfo) bool {
	if !testsPass(a.selector, i, n) {
		return false
	}
	if !a.required {
		return true
	}
	for k := range a.terms {
		t := &a.terms[k]
		if t.invalid || !testsPass(t.labels, i, n) {
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
