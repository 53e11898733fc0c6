package scheduling

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestInterPodAffinity(t *testing.T) {
	nodes := []*corev1.Node{zoned("a1", "a"), zoned("a2", "a"), zoned("b1", "b"), makeNode("x", std())}
	db := []*corev1.Pod{makePod("db", on("a1"), podLabels("app", "db"))}
	affinityFail := rejected(UnschedulableAndUnresolvable, PluginInterPodAffinity, upPodAffinity)
	antiFail := rejected(Unschedulable, PluginInterPodAffinity, upPodAntiAffinity)
	existingFail := rejected(Unschedulable, PluginInterPodAffinity, upExistingAnti)
	nearDB := podAffinity(affinityTermOf(zoneKey, selector("app", "db")))
	awayFromDB := podAntiAffinity(affinityTermOf(zoneKey, selector("app", "db")))

	tests := []filterCase{
		{name: "affinity: same zone as a matching pod", nodes: nodes, pods: db, pod: makePod("p", nearDB), node: "a2", want: ok},
		{name: "affinity: another zone", nodes: nodes, pods: db, pod: makePod("p", nearDB), node: "b1", want: affinityFail},
		{name: "affinity: a node without the key fails even for the first pod", nodes: nodes, pod: makePod("p", podLabels("app", "db"), nearDB), node: "x", want: affinityFail},
		{name: "first pod: no match anywhere, the pod matches its own term", nodes: nodes, pod: makePod("p", podLabels("app", "db"), nearDB), node: "b1", want: ok},
		{name: "first pod: the pod does not match its own term", nodes: nodes, pod: makePod("p", nearDB), node: "b1", want: affinityFail},
		{name: "first pod: its own namespace is not among the term's", nodes: nodes,
			pod:  makePod("p", podLabels("app", "db"), podAffinity(corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: selector("app", "db"), Namespaces: []string{"other"}})),
			node: "b1", want: affinityFail},
		{name: "matching pods only on nodes without the key count as none", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("x"), podLabels("app", "db"))},
			pod:  makePod("p", podLabels("app", "db"), nearDB), node: "b1", want: ok},
		{name: "matching pods only on nodes without the key: not the first pod if it does not match itself", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("x"), podLabels("app", "db"))},
			pod:  makePod("p", nearDB), node: "b1", want: affinityFail},
		{name: "several terms: a pod counts only if it matches all", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("a1"), podLabels("app", "db")), makePod("cache", on("b1"), podLabels("tier", "cache"))},
			pod:  makePod("p", podAffinity(affinityTermOf(zoneKey, selector("app", "db")), affinityTermOf(zoneKey, selector("tier", "cache")))),
			node: "a2", want: affinityFail},
		{name: "several terms matched by one pod", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("a1"), podLabels("app", "db", "tier", "cache"))},
			pod:  makePod("p", podAffinity(affinityTermOf(zoneKey, selector("app", "db")), affinityTermOf(corev1.LabelHostname, selector("tier", "cache")))),
			node: "a1", want: ok},
		{name: "several terms: each term's topology must hold", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("a1"), podLabels("app", "db", "tier", "cache"))},
			pod:  makePod("p", podAffinity(affinityTermOf(zoneKey, selector("app", "db")), affinityTermOf(corev1.LabelHostname, selector("tier", "cache")))),
			node: "a2", want: affinityFail},
		{name: "nil label selector matches no pod", nodes: nodes, pods: db,
			pod: makePod("p", podAffinity(affinityTermOf(zoneKey, nil))), node: "a1", want: affinityFail},
		{name: "empty label selector matches every pod of the namespace", nodes: nodes, pods: db,
			pod: makePod("p", podAffinity(affinityTermOf(zoneKey, &metav1.LabelSelector{}))), node: "a2", want: ok},
		{name: "other namespaces do not count by default", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", ns("data"), on("a1"), podLabels("app", "db"))},
			pod:  makePod("p", nearDB), node: "a2", want: affinityFail},
		{name: "namespaces list", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", ns("data"), on("a1"), podLabels("app", "db"))},
			pod:  makePod("p", podAffinity(corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: selector("app", "db"), Namespaces: []string{"data"}})),
			node: "a2", want: ok},
		{name: "empty namespaceSelector means all namespaces", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", ns("data"), on("a1"), podLabels("app", "db"))},
			pod:  makePod("p", podAffinity(corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: selector("app", "db"), NamespaceSelector: &metav1.LabelSelector{}})),
			node: "a2", want: ok},
		{name: "namespaceSelector with namespaces the snapshot does not know selects none", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", ns("data"), on("a1"), podLabels("app", "db"))},
			pod:  makePod("p", podAffinity(corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: selector("app", "db"), NamespaceSelector: selector("team", "data")})),
			node: "a2", want: affinityFail},
		{name: "anti-affinity: same zone as a matching pod", nodes: nodes, pods: db, pod: makePod("p", awayFromDB), node: "a2", want: antiFail},
		{name: "anti-affinity: another zone", nodes: nodes, pods: db, pod: makePod("p", awayFromDB), node: "b1", want: ok},
		{name: "anti-affinity: a node without the key passes", nodes: nodes, pods: db, pod: makePod("p", awayFromDB), node: "x", want: ok},
		{name: "anti-affinity against itself does not stop the first pod", nodes: nodes,
			pod: makePod("p", podLabels("app", "db"), awayFromDB), node: "a1", want: ok},
		{name: "existing pod's anti-affinity repels the new pod", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("a1"), podLabels("app", "db"), podAntiAffinity(affinityTermOf(zoneKey, selector("app", "web"))))},
			pod:  makePod("p", podLabels("app", "web")), node: "a2", want: existingFail},
		{name: "existing pod's anti-affinity only in its zone", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("a1"), podLabels("app", "db"), podAntiAffinity(affinityTermOf(zoneKey, selector("app", "web"))))},
			pod:  makePod("p", podLabels("app", "web")), node: "b1", want: ok},
		{name: "existing pod's anti-affinity looks at its own namespace by default", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("a1"), podLabels("app", "db"), podAntiAffinity(affinityTermOf(zoneKey, selector("app", "web"))))},
			pod:  makePod("p", ns("other"), podLabels("app", "web")), node: "a2", want: ok},
		{name: "existing pod's required affinity is not enforced on the new pod", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("a1"), podLabels("app", "db"), podAffinity(affinityTermOf(zoneKey, selector("app", "web"))))},
			pod:  makePod("p", podLabels("app", "api")), node: "a2", want: ok},
		{name: "existing anti-affinity with a malformed term is ignored entirely", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("a1"), podLabels("app", "db"), podAntiAffinity(
				affinityTermOf(zoneKey, selector("app", "web")),
				affinityTermOf(zoneKey, &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "x", Operator: "Bogus"}}})))},
			pod: makePod("p", podLabels("app", "web")), node: "a2", want: ok},
		{name: "terminating pods count for affinity", nodes: nodes,
			pods: []*corev1.Pod{makePod("db", on("a1"), podLabels("app", "db"), terminating())},
			pod:  makePod("p", awayFromDB), node: "a2", want: antiFail},
		{name: "matchLabelKeys merged by defaulting", nodes: nodes,
			pods: []*corev1.Pod{makePod("web-v1", on("a1"), podLabels("app", "web", "version", "v1"))},
			pod: defaulted(makePod("p", podLabels("app", "web", "version", "v2"), podAntiAffinity(corev1.PodAffinityTerm{
				TopologyKey: zoneKey, LabelSelector: selector("app", "web"), MatchLabelKeys: []string{"version"}}))),
			node: "a2", want: ok},
		{name: "matchLabelKeys not merged: the scheduler ignores them", nodes: nodes,
			pods: []*corev1.Pod{makePod("web-v1", on("a1"), podLabels("app", "web", "version", "v1"))},
			pod: makePod("p", podLabels("app", "web", "version", "v2"), podAntiAffinity(corev1.PodAffinityTerm{
				TopologyKey: zoneKey, LabelSelector: selector("app", "web"), MatchLabelKeys: []string{"version"}})),
			node: "a2", want: antiFail},
		{name: "mismatchLabelKeys merged by defaulting", nodes: nodes,
			pods: []*corev1.Pod{makePod("other-tenant", on("a1"), podLabels("tenant", "t2"))},
			pod: defaulted(makePod("p", podLabels("tenant", "t1"), podAntiAffinity(corev1.PodAffinityTerm{
				TopologyKey: zoneKey, LabelSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tenant", Operator: metav1.LabelSelectorOpExists}}},
				MismatchLabelKeys: []string{"tenant"}}))),
			node: "a2", want: antiFail},
		{name: "affinity is checked before anti-affinity", nodes: nodes, pods: db,
			pod: makePod("p", nearDB, awayFromDB), node: "b1", want: affinityFail},
	}
	runFilterCases(t, tests)
}

// TestInterPodNamespaces covers namespaceSelectors, which need the
// namespaces the Simulator is given.
func TestInterPodNamespaces(t *testing.T) {
	nodes := []*corev1.Node{zoned("a1", "a"), zoned("b1", "b")}
	namespaces := []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: "default"}},
		{ObjectMeta: metav1.ObjectMeta{Name: "data", Labels: map[string]string{"team": "data"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "web", Labels: map[string]string{"team": "web"}}},
	}
	db := makePod("db", ns("data"), on("a1"), podLabels("app", "db"))
	newSim := func(pods ...*corev1.Pod) *Simulator {
		s, err := NewSimulator(nodes, pods)
		require.NoError(t, err)
		require.NoError(t, s.SetNamespaces(namespaces))
		return s
	}
	term := func(nsSel *metav1.LabelSelector) podOpt {
		return podAffinity(corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: selector("app", "db"), NamespaceSelector: nsSel})
	}

	s := newSim(db)
	assert.True(t, s.Filter(makePod("p", term(selector("team", "data"))), "a1").IsSuccess(), "namespaceSelector resolved to data")
	assert.False(t, s.Filter(makePod("p", term(selector("team", "web"))), "a1").IsSuccess(), "namespaceSelector resolved to web only")

	// The scheduler matches a new pod's namespaceSelector, after resolving
	// it, against no labels at all; DoesNotExist then selects everything.
	doesNotExist := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpDoesNotExist}}}
	assert.True(t, s.Filter(makePod("p", term(doesNotExist)), "a1").IsSuccess())

	// An existing pod's anti-affinity namespaceSelector is matched against
	// the labels of the new pod's namespace.
	guard := makePod("guard", ns("data"), on("a1"), podLabels("app", "guard"), podAntiAffinity(corev1.PodAffinityTerm{
		TopologyKey: zoneKey, LabelSelector: selector("app", "web"), NamespaceSelector: selector("team", "web")}))
	s = newSim(guard)
	assert.Equal(t, rejected(Unschedulable, PluginInterPodAffinity, upExistingAnti), s.Filter(makePod("p", ns("web"), podLabels("app", "web")), "a1"))
	assert.True(t, s.Filter(makePod("p", ns("default"), podLabels("app", "web")), "a1").IsSuccess())
	assert.True(t, s.Filter(makePod("p", ns("unknown"), podLabels("app", "web")), "a1").IsSuccess(), "a namespace the snapshot lacks has no labels")

	require.Error(t, s.SetNamespaces([]*corev1.Namespace{nil}))
}

func TestInterPodMalformedTerms(t *testing.T) {
	s, err := NewSimulator([]*corev1.Node{zoned("a1", "a"), zoned("b1", "b")}, nil)
	require.NoError(t, err)
	bad := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}

	pod := makePod("p", podAffinity(affinityTermOf(zoneKey, bad)))
	st := s.Filter(pod, "a1")
	assert.Equal(t, UnschedulableAndUnresolvable, st.Code)
	assert.Equal(t, PluginInterPodAffinity, st.Plugin)
	require.Len(t, st.Reasons, 1)
	assert.Equal(t, `parsing pod: requiredAffinityTerms: "Bogus" is not a valid label selector operator`, st.Reasons[0])
	_, d := s.Feasible(pod)
	assert.Equal(t, `0/2 nodes are available: parsing pod: requiredAffinityTerms: "Bogus" is not a valid label selector operator. not found`, d.Error())

	// A malformed preferred term rejects the pod too.
	pref := makePod("p", affinity(&corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
		PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: affinityTermOf(zoneKey, bad)}},
	}}))
	assert.Equal(t, Status{Code: UnschedulableAndUnresolvable, Plugin: PluginInterPodAffinity,
		Reasons: []string{`parsing pod: preferredAntiAffinityTerms: "Bogus" is not a valid label selector operator`}}, s.Filter(pref, "a1"))
}
