package scheduling

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

func TestNodeAffinity(t *testing.T) {
	zoneA := []*corev1.Node{makeNode("n", std(), nodeLabels("zone", "a", "size", "10"))}
	denied := rejected(UnschedulableAndUnresolvable, PluginNodeAffinity, upNodeAffinity)
	term := func(exprs ...corev1.NodeSelectorRequirement) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchExpressions: exprs}
	}
	fieldTerm := func(exprs ...corev1.NodeSelectorRequirement) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchFields: exprs}
	}
	tests := []filterCase{
		{name: "nodeSelector matches", nodes: zoneA, pod: makePod("p", nodeSelector("zone", "a")), want: ok},
		{name: "nodeSelector does not match", nodes: zoneA, pod: makePod("p", nodeSelector("zone", "b")), want: denied},
		{name: "nodeSelector AND affinity: affinity fails", nodes: zoneA,
			pod: makePod("p", nodeSelector("zone", "a"), requiredNodeAffinity(term(expr("size", corev1.NodeSelectorOpIn, "20")))), want: denied},
		{name: "nodeSelector AND affinity: nodeSelector fails", nodes: zoneA,
			pod: makePod("p", nodeSelector("zone", "b"), requiredNodeAffinity(term(expr("size", corev1.NodeSelectorOpIn, "10")))), want: denied},
		{name: "In", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("zone", corev1.NodeSelectorOpIn, "b", "a")))), want: ok},
		{name: "NotIn on an absent label matches", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("rack", corev1.NodeSelectorOpNotIn, "r1")))), want: ok},
		{name: "NotIn on the value", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("zone", corev1.NodeSelectorOpNotIn, "a")))), want: denied},
		{name: "DoesNotExist on an absent label matches", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("rack", corev1.NodeSelectorOpDoesNotExist)))), want: ok},
		{name: "Exists", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("rack", corev1.NodeSelectorOpExists)))), want: denied},
		{name: "Gt", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("size", corev1.NodeSelectorOpGt, "9")))), want: ok},
		{name: "Gt is strict", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("size", corev1.NodeSelectorOpGt, "10")))), want: denied},
		{name: "Lt", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("size", corev1.NodeSelectorOpLt, "11")))), want: ok},
		{name: "Gt with a non-integer label value", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("zone", corev1.NodeSelectorOpGt, "1")))), want: denied},
		{name: "Gt with a non-integer value is an invalid term", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("size", corev1.NodeSelectorOpGt, "x")))), want: denied},
		{name: "Gt on an absent label", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("rack", corev1.NodeSelectorOpLt, "5")))), want: denied},
		{name: "expressions in a term are ANDed", nodes: zoneA,
			pod: makePod("p", requiredNodeAffinity(term(expr("zone", corev1.NodeSelectorOpIn, "a"), expr("size", corev1.NodeSelectorOpIn, "20")))), want: denied},
		{name: "terms are ORed", nodes: zoneA,
			pod: makePod("p", requiredNodeAffinity(term(expr("zone", corev1.NodeSelectorOpIn, "b")), term(expr("size", corev1.NodeSelectorOpIn, "10")))), want: ok},
		{name: "an empty term list matches nothing", nodes: zoneA, pod: makePod("p", requiredNodeAffinity()), want: denied},
		{name: "an all-empty term matches nothing", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(corev1.NodeSelectorTerm{})), want: denied},
		{name: "an invalid term beside a valid one: the valid one decides", nodes: zoneA,
			pod: makePod("p", requiredNodeAffinity(term(expr("zone", "Bogus", "a")), term(expr("zone", corev1.NodeSelectorOpIn, "a")))), want: ok},
		{name: "only an invalid term", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("zone", "Bogus", "a")))), want: denied},
		{name: "In without values is invalid", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(term(expr("zone", corev1.NodeSelectorOpIn)))), want: denied},
		{name: "matchFields name In", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(fieldTerm(expr("metadata.name", corev1.NodeSelectorOpIn, "n")))), want: ok},
		{name: "matchFields name NotIn", nodes: zoneA, pod: makePod("p", requiredNodeAffinity(fieldTerm(expr("metadata.name", corev1.NodeSelectorOpNotIn, "n")))), want: denied},
		{name: "matchFields with expressions, both must hold", nodes: zoneA,
			pod: makePod("p", requiredNodeAffinity(corev1.NodeSelectorTerm{
				MatchExpressions: []corev1.NodeSelectorRequirement{expr("zone", corev1.NodeSelectorOpIn, "b")},
				MatchFields:      []corev1.NodeSelectorRequirement{expr("metadata.name", corev1.NodeSelectorOpIn, "n")},
			})), want: denied},
		{name: "matchFields on another field never equals", nodes: zoneA,
			pod: makePod("p", requiredNodeAffinity(fieldTerm(expr("metadata.uid", corev1.NodeSelectorOpIn, "n")))), want: denied},
		{name: "matchFields with two values is invalid, but narrows", nodes: []*corev1.Node{makeNode("n", std()), makeNode("m", std())},
			pod: makePod("p", requiredNodeAffinity(fieldTerm(expr("metadata.name", corev1.NodeSelectorOpIn, "n", "m")))), want: denied},
		{name: "nodes left out by matchFields narrowing", nodes: []*corev1.Node{makeNode("n", std()), makeNode("m", std())},
			pod:  makePod("p", requiredNodeAffinity(fieldTerm(expr("metadata.name", corev1.NodeSelectorOpIn, "m")))),
			want: rejected(UnschedulableAndUnresolvable, PluginNodeAffinity, upNarrowed)},
		{name: "narrowing with another term without names does not narrow", nodes: []*corev1.Node{makeNode("n", std(), nodeLabels("zone", "a")), makeNode("m", std())},
			pod: makePod("p", requiredNodeAffinity(fieldTerm(expr("metadata.name", corev1.NodeSelectorOpIn, "m")), term(expr("zone", corev1.NodeSelectorOpIn, "a")))), want: ok},
		{name: "conflicting name requirements in one term", nodes: []*corev1.Node{makeNode("n", std())},
			pod:  makePod("p", requiredNodeAffinity(fieldTerm(expr("metadata.name", corev1.NodeSelectorOpIn, "n"), expr("metadata.name", corev1.NodeSelectorOpIn, "m")))),
			want: rejected(UnschedulableAndUnresolvable, PluginNodeAffinity, upConflict)},
		{name: "narrowing to a node that does not exist", nodes: []*corev1.Node{makeNode("n", std())},
			pod:  makePod("p", requiredNodeAffinity(fieldTerm(expr("metadata.name", corev1.NodeSelectorOpIn, "ghost")))),
			want: rejected(UnschedulableAndUnresolvable, PluginNodeAffinity, upNarrowed)},
	}
	runFilterCases(t, tests)
}

// TestNodeAffinityMessages checks the FailedScheduling messages of the
// NodeAffinity PreFilter outcomes.
func TestNodeAffinityMessages(t *testing.T) {
	nodes := []*corev1.Node{makeNode("n", std()), makeNode("m", std()), makeNode("o", std())}
	s, err := NewSimulator(nodes, nil)
	require.NoError(t, err)

	conflict := makePod("p", requiredNodeAffinity(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
		expr("metadata.name", corev1.NodeSelectorOpIn, "n"), expr("metadata.name", corev1.NodeSelectorOpIn, "m")}}))
	_, d := s.Feasible(conflict)
	assert.Equal(t, "0/3 nodes are available: pod affinity terms conflict. not found", d.Error())

	ghost := makePod("p", requiredNodeAffinity(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
		expr("metadata.name", corev1.NodeSelectorOpIn, "ghost")}}))
	_, d = s.Feasible(ghost)
	assert.Equal(t, "0/3 nodes are available: 3 node(s) didn't satisfy plugin(s) [NodeAffinity]. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", d.Error())

	narrowed := makePod("p", nodeSelector("zone", "x"), requiredNodeAffinity(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
		expr("metadata.name", corev1.NodeSelectorOpIn, "n")}}))
	_, d = s.Feasible(narrowed)
	assert.Equal(t, "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 node(s) didn't satisfy plugin(s) [NodeAffinity]. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", d.Error())
}

// TestNodeAffinityAgreesWithComponentHelpers checks the compiled matcher
// against component-helpers' RequiredNodeAffinity on random pods and nodes.
func TestNodeAffinityAgreesWithComponentHelpers(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range 3000 {
		pod := randomNodeAffinityPod(rng)
		node := makeNode(pick(rng, "n1", "n2"), std(), randomNodeLabels(rng)...)
		// Many nodes sharing few values get per-value tables; a lone node is
		// matched label by label. Both must agree with component-helpers.
		others := []*corev1.Node{node}
		for k := range 8 {
			others = append(others, makeNode(fmt.Sprintf("other-%d", k), std(), nodeLabels("zone", "a", "size", "10")))
		}
		want, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)
		for _, nodes := range [][]*corev1.Node{{node}, others} {
			s, err := NewSimulator(nodes, nil)
			require.NoError(t, err)
			got := true
			if a := s.newNodeAffinity(pod); a != nil {
				got = a.match(0, &s.nodes[0])
			}
			require.Equal(t, want, got, "case %d (%d nodes): pod %+v node labels %v", i, len(nodes), pod.Spec, node.Labels)
		}
	}
}

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func randomNodeLabels(rng *rand.Rand) []nodeOpt {
	var kv []string
	for _, k := range []string{"zone", "size", "gpu"} {
		if rng.IntN(3) > 0 {
			kv = append(kv, k, pick(rng, "a", "b", "1", "10", "-3", ""))
		}
	}
	return []nodeOpt{nodeLabels(kv...)}
}

func randomNodeAffinityPod(rng *rand.Rand) *corev1.Pod {
	p := makePod("p")
	if rng.IntN(3) == 0 {
		p.Spec.NodeSelector = map[string]string{pick(rng, "zone", "size"): pick(rng, "a", "b", "10")}
	}
	if rng.IntN(4) == 0 {
		return p
	}
	ops := []corev1.NodeSelectorOperator{"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Bogus"}
	randomReq := func(fields bool) corev1.NodeSelectorRequirement {
		key := pick(rng, "zone", "size", "gpu", "bad key!")
		if fields {
			key = pick(rng, "metadata.name", "metadata.uid")
		}
		var values []string
		for range rng.IntN(3) {
			values = append(values, pick(rng, "a", "b", "1", "10", "n1", "n2", "x y"))
		}
		return corev1.NodeSelectorRequirement{Key: key, Operator: pick(rng, ops...), Values: values}
	}
	var terms []corev1.NodeSelectorTerm
	for range rng.IntN(3) {
		var t corev1.NodeSelectorTerm
		for range rng.IntN(3) {
			t.MatchExpressions = append(t.MatchExpressions, randomReq(false))
		}
		for range rng.IntN(2) {
			t.MatchFields = append(t.MatchFields, randomReq(true))
		}
		terms = append(terms, t)
	}
	p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms},
	}}
	return p
}

// TestNominatedNodeAndNarrowing: the scheduler checks a pod's nominated
// node first with every filter, even outside the matchFields list, and the
// plugin rejecting it joins the list in the other nodes' message.
func TestNominatedNodeAndNarrowing(t *testing.T) {
	nodes := []*corev1.Node{
		makeNode("n", std()),
		makeNode("m", std(), taints(corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule})),
		makeNode("o", std()),
	}
	s, err := NewSimulator(nodes, nil)
	require.NoError(t, err)
	pod := makePod("p", requiredNodeAffinity(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
		expr("metadata.name", corev1.NodeSelectorOpIn, "n")}}), nodeSelector("zone", "x"),
		func(p *corev1.Pod) { p.Status.NominatedNodeName = "m" })
	assert.Equal(t, rejected(UnschedulableAndUnresolvable, PluginTaintToleration, upTaints), s.Filter(pod, "m"))
	assert.Equal(t, rejected(UnschedulableAndUnresolvable, PluginNodeAffinity, "node(s) didn't satisfy plugin(s) [NodeAffinity TaintToleration]"), s.Filter(pod, "o"))
	_, d := s.Feasible(pod)
	assert.Equal(t, "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) didn't satisfy plugin(s) [NodeAffinity TaintToleration], "+
		"1 node(s) had untolerated taint(s). no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.", d.Error())
}
