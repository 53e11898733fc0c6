package scheduling

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const zoneKey = "topology.kubernetes.io/zone"

func zoned(name, zone string, opts ...nodeOpt) *corev1.Node {
	return makeNode(name, std(), append([]nodeOpt{nodeLabels(zoneKey, zone)}, opts...)...)
}

func webPods(placement map[string]int, opts ...podOpt) []*corev1.Pod {
	var out []*corev1.Pod
	for node, n := range placement {
		for i := range n {
			name := "web-" + node + "-" + string(rune('a'+i))
			out = append(out, makePod(name, append([]podOpt{on(node), podLabels("app", "web")}, opts...)...))
		}
	}
	return out
}

func zoneSpread(maxSkew int32, sel *metav1.LabelSelector, mutate ...func(*corev1.TopologySpreadConstraint)) corev1.TopologySpreadConstraint {
	c := corev1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel}
	for _, m := range mutate {
		m(&c)
	}
	return c
}

func TestPodTopologySpread(t *testing.T) {
	// Zones a (2 web pods), b (1) and c (none).
	abc := []*corev1.Node{zoned("a1", "a"), zoned("a2", "a"), zoned("b1", "b"), zoned("c1", "c")}
	skewed := webPods(map[string]int{"a1": 2, "b1": 1})
	web := func(cs ...corev1.TopologySpreadConstraint) *corev1.Pod {
		return makePod("new", podLabels("app", "web"), spread(cs...))
	}
	tooSkewed := rejected(Unschedulable, PluginPodTopologySpread, upSpread)
	missing := rejected(UnschedulableAndUnresolvable, PluginPodTopologySpread, upSpreadMissing)
	honor, ignore := corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore
	untolerated := corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule}

	tests := []filterCase{
		{name: "the empty zone is the minimum: the crowded zone fails", nodes: abc, pods: skewed, pod: web(zoneSpread(1, selector("app", "web"))), node: "a1", want: tooSkewed},
		{name: "zone b is one above the minimum, plus the pod: too much", nodes: abc, pods: skewed, pod: web(zoneSpread(1, selector("app", "web"))), node: "b1", want: tooSkewed},
		{name: "the empty zone takes the pod", nodes: abc, pods: skewed, pod: web(zoneSpread(1, selector("app", "web"))), node: "c1", want: ok},
		{name: "maxSkew 2 lets zone b take it", nodes: abc, pods: skewed, pod: web(zoneSpread(2, selector("app", "web"))), node: "b1", want: ok},
		{name: "a node without the key is unresolvable", nodes: append(abc, makeNode("x", std())), pods: skewed,
			pod: web(zoneSpread(1, selector("app", "web"))), node: "x", want: missing},
		{name: "fewer domains than minDomains: the minimum counts as 0",
			nodes: []*corev1.Node{zoned("a1", "a"), zoned("b1", "b")}, pods: skewed,
			pod: web(zoneSpread(1, selector("app", "web"), func(c *corev1.TopologySpreadConstraint) { c.MinDomains = ptrTo[int32](3) })), node: "b1", want: tooSkewed},
		{name: "enough domains: the real minimum",
			nodes: []*corev1.Node{zoned("a1", "a"), zoned("b1", "b")}, pods: skewed,
			pod: web(zoneSpread(1, selector("app", "web"), func(c *corev1.TopologySpreadConstraint) { c.MinDomains = ptrTo[int32](2) })), node: "b1", want: ok},
		{name: "nodeAffinityPolicy Honor leaves zone c out of the minimum", nodes: abc, pods: skewed,
			pod: makePod("new", podLabels("app", "web"), spread(zoneSpread(1, selector("app", "web"))),
				requiredNodeAffinity(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{expr(zoneKey, corev1.NodeSelectorOpIn, "a", "b")}})),
			node: "b1", want: ok},
		{name: "nodeAffinityPolicy Ignore keeps zone c in", nodes: abc, pods: skewed,
			pod: makePod("new", podLabels("app", "web"), spread(zoneSpread(1, selector("app", "web"), func(c *corev1.TopologySpreadConstraint) { c.NodeAffinityPolicy = &ignore })),
				requiredNodeAffinity(corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{expr(zoneKey, corev1.NodeSelectorOpIn, "a", "b")}})),
			node: "b1", want: tooSkewed},
		{name: "nodeTaintsPolicy Ignore (default) counts a tainted empty zone",
			nodes: []*corev1.Node{zoned("a1", "a"), zoned("b1", "b"), zoned("c1", "c", taints(untolerated))}, pods: skewed,
			pod: web(zoneSpread(1, selector("app", "web"))), node: "b1", want: tooSkewed},
		{name: "nodeTaintsPolicy Honor leaves it out",
			nodes: []*corev1.Node{zoned("a1", "a"), zoned("b1", "b"), zoned("c1", "c", taints(untolerated))}, pods: skewed,
			pod: web(zoneSpread(1, selector("app", "web"), func(c *corev1.TopologySpreadConstraint) { c.NodeTaintsPolicy = &honor })), node: "b1", want: ok},
		{name: "pods of other namespaces and terminating pods do not count", nodes: abc,
			pods: append(webPods(map[string]int{"a1": 1, "b1": 1}), append(webPods(map[string]int{"c1": 1}, ns("other")), webPods(map[string]int{"c1": 1}, terminating())...)...),
			pod:  web(zoneSpread(1, selector("app", "web"))), node: "b1", want: tooSkewed},
		{name: "an empty selector counts nothing, so it never filters", nodes: abc, pods: webPods(map[string]int{"a1": 5}),
			pod: web(zoneSpread(1, &metav1.LabelSelector{})), node: "a1", want: ok},
		{name: "a nil selector matches nothing, not even the pod", nodes: abc, pods: webPods(map[string]int{"a1": 5}),
			pod: web(zoneSpread(0, nil)), node: "a1", want: ok},
		{name: "matchLabelKeys make an empty selector count", nodes: abc, pods: webPods(map[string]int{"a1": 5}),
			pod: web(zoneSpread(1, &metav1.LabelSelector{}, func(c *corev1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"app"} })), node: "a1", want: tooSkewed},
		{name: "matchLabelKeys with a key the pod lacks merge nothing", nodes: abc, pods: webPods(map[string]int{"a1": 5}),
			pod: web(zoneSpread(1, &metav1.LabelSelector{}, func(c *corev1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"pod-template-hash"} })), node: "a1", want: ok},
		{name: "a pod outside its own selector does not add itself", nodes: abc, pods: skewed,
			pod: makePod("new", podLabels("app", "api"), spread(zoneSpread(1, selector("app", "web")))), node: "b1", want: ok},
		{name: "ScheduleAnyway never filters", nodes: abc, pods: webPods(map[string]int{"a1": 5}),
			pod: web(zoneSpread(1, selector("app", "web"), func(c *corev1.TopologySpreadConstraint) { c.WhenUnsatisfiable = corev1.ScheduleAnyway })), node: "a1", want: ok},
		{name: "no constraints: the system defaults are ScheduleAnyway", nodes: abc, pods: webPods(map[string]int{"a1": 50}),
			pod: makePod("new", podLabels("app", "web")), node: "a1", want: ok},
		{name: "set-based selectors find their pods", nodes: abc, pods: skewed,
			pod: web(zoneSpread(1, &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "web", "api"}},
			}})), node: "b1", want: tooSkewed},
		{name: "a selector with only NotIn looks at the whole namespace", nodes: abc, pods: skewed,
			pod: web(zoneSpread(1, &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"api"}},
			}})), node: "b1", want: tooSkewed},
	}
	runFilterCases(t, tests)
}

// TestSpreadTwoKeys: with constraints on zone and hostname, a node lacking
// one key counts for neither, and fails on the missing one only after the
// constraints before it pass.
func TestSpreadTwoKeys(t *testing.T) {
	noHost := zoned("x1", "x")
	delete(noHost.Labels, corev1.LabelHostname)
	nodes := []*corev1.Node{zoned("a1", "a"), zoned("b1", "b"), noHost}
	pods := webPods(map[string]int{"a1": 1, "b1": 1, "x1": 0})
	host := corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: selector("app", "web")}
	pod := makePod("new", podLabels("app", "web"), spread(zoneSpread(1, selector("app", "web")), host))
	s, err := NewSimulator(nodes, pods)
	require.NoError(t, err)
	// Zone x is not a domain (its only node lacks the hostname key), so the
	// minimum is 1 and a1, b1 are fine.
	fits, d := s.Feasible(pod)
	assert.Equal(t, []string{"a1", "b1"}, fits)
	assert.Equal(t, rejected(UnschedulableAndUnresolvable, PluginPodTopologySpread, upSpreadMissing), d.Status("x1"))
}

func TestSpreadMessage(t *testing.T) {
	nodes := []*corev1.Node{zoned("a1", "a"), zoned("b1", "b"), zoned("c1", "c", taints(corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule})), makeNode("x", std())}
	s, err := NewSimulator(nodes, webPods(map[string]int{"a1": 2, "b1": 1}))
	require.NoError(t, err)
	_, d := s.Feasible(makePod("new", podLabels("app", "web"), spread(zoneSpread(1, selector("app", "web")))))
	// a1 and b1 are Unschedulable but hold only pods of the same priority.
	assert.Equal(t, "0/4 nodes are available: 1 node(s) didn't match pod topology spread constraints (missing required label), "+
		"1 node(s) had untolerated taint(s), 2 node(s) didn't match pod topology spread constraints. "+
		"no new claims to deallocate, preemption: 0/4 nodes are available: 2 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.", d.Error())
}

func TestSpreadMalformedSelector(t *testing.T) {
	s, err := NewSimulator([]*corev1.Node{zoned("a1", "a")}, nil)
	require.NoError(t, err)
	bad := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}
	pod := makePod("new", spread(zoneSpread(1, bad)))
	st := s.Filter(pod, "a1")
	assert.Equal(t, Error, st.Code)
	assert.Equal(t, PluginPodTopologySpread, st.Plugin)
	require.Len(t, st.Reasons, 1)
	assert.Contains(t, st.Reasons[0], `running PreFilter plugin "PodTopologySpread": get constraints from pod: obtaining pod's hard topology spread constraints: `)
	fits, d := s.Feasible(pod)
	assert.Empty(t, fits)
	assert.Equal(t, st.Reasons[0], d.Error())
}

func ptrTo[T any](v T) *T { return &v }
