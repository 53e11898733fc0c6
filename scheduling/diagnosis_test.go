package scheduling

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDiagnosisMessage(t *testing.T) {
	var nodes []*corev1.Node
	for i := range 12 {
		nodes = append(nodes, makeNode(fmt.Sprintf("n%02d", i), rl("cpu", "1", "memory", "1Gi", "pods", "110")))
	}
	nodes = append(nodes, makeNode("t1", std(), taints(corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule})))
	nodes = append(nodes, makeNode("t2", std(), taints(corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoExecute})))
	s, err := NewSimulator(nodes, nil)
	require.NoError(t, err)

	fits, d := s.Feasible(makePod("p", req("cpu", "2", "memory", "512Mi")))
	assert.Empty(t, fits)
	// Counts sort as strings: "12 ..." before "2 ...".
	assert.Equal(t, "0/14 nodes are available: 12 Insufficient cpu, 2 node(s) had untolerated taint(s). "+
		"no new claims to deallocate, preemption: 0/14 nodes are available: 14 Preemption is not helpful for scheduling.", d.Error())
	assert.Equal(t, map[string]int{upInsufficientCPU: 12, upTaints: 2}, d.Reasons())
	assert.Equal(t, []string{PluginNodeResourcesFit, PluginTaintToleration}, d.UnschedulablePlugins())
	assert.Len(t, d.Statuses(), 14)
	assert.Equal(t, 14, d.NumNodes())
	assert.Equal(t, 0, d.NumFeasible())

	// A node with two reasons counts once for each.
	_, d = s.Feasible(makePod("p", req("cpu", "2", "memory", "2Gi")))
	assert.Equal(t, map[string]int{upInsufficientCPU: 12, upInsufficientMem: 12, upTaints: 2}, d.Reasons())

	// With feasible nodes, the summary counts them.
	fits, d = s.Feasible(makePod("p", req("cpu", "500m")))
	assert.Len(t, fits, 12)
	assert.Equal(t, "12/14 nodes are available: 2 node(s) had untolerated taint(s).", d.Error())
	assert.Equal(t, "", d.PostFilterMessage())
	assert.Equal(t, Status{Code: Success}, d.Status("n00"))
	assert.Equal(t, Error, d.Status("ghost").Code)
}

func TestDiagnosisEdgeCases(t *testing.T) {
	empty, err := NewSimulator(nil, nil)
	require.NoError(t, err)
	fits, d := empty.Feasible(makePod("p"))
	assert.Empty(t, fits)
	assert.Equal(t, "no nodes available to schedule pods", d.Error())

	s, err := NewSimulator([]*corev1.Node{makeNode("n", std())}, nil)
	require.NoError(t, err)
	_, d = s.Feasible(nil)
	assert.Equal(t, Error, d.PreFilterStatus().Code)
	assert.Equal(t, Error, s.Filter(nil, "n").Code)
	assert.Equal(t, Error, s.Filter(makePod("p"), "ghost").Code)
}

func TestPreemptionMessage(t *testing.T) {
	low, high := priority(0), priority(1000)
	oneCPU := func(opts ...nodeOpt) *corev1.Node {
		return makeNode("n", rl("cpu", "1", "memory", "1Gi", "pods", "10"), opts...)
	}
	tests := []struct {
		name  string
		nodes []*corev1.Node
		pods  []*corev1.Pod
		pod   *corev1.Pod
		want  string
	}{
		{name: "same priority: no victims",
			nodes: []*corev1.Node{oneCPU()}, pods: []*corev1.Pod{makePod("b", on("n"), req("cpu", "1"), low)},
			pod:  makePod("p", req("cpu", "1"), low),
			want: "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."},
		{name: "lower-priority pods make room: the scheduler nominates, no preemption message",
			nodes: []*corev1.Node{oneCPU()}, pods: []*corev1.Pod{makePod("b", on("n"), req("cpu", "1"), low)},
			pod:  makePod("p", req("cpu", "1"), high),
			want: "0/1 nodes are available: 1 Insufficient cpu."},
		{name: "evicting the lower-priority pods is not enough",
			nodes: []*corev1.Node{oneCPU()},
			pods:  []*corev1.Pod{makePod("b", on("n"), req("cpu", "500m"), low), makePod("c", on("n"), req("cpu", "500m"), priority(2000))},
			pod:   makePod("p", req("cpu", "1"), high),
			want:  "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: 0/1 nodes are available: 1 Insufficient cpu."},
		{name: "unresolvable nodes are not tried",
			nodes: []*corev1.Node{oneCPU()}, pods: []*corev1.Pod{makePod("b", on("n"), req("cpu", "1"), low)},
			pod:  makePod("p", req("cpu", "2"), high),
			want: "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling."},
		{name: "preemptionPolicy Never",
			nodes: []*corev1.Node{oneCPU()}, pods: []*corev1.Pod{makePod("b", on("n"), req("cpu", "1"), low)},
			pod: makePod("p", req("cpu", "1"), high, func(p *corev1.Pod) {
				never := corev1.PreemptNever
				p.Spec.PreemptionPolicy = &never
			}),
			want: "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: not eligible due to preemptionPolicy=Never."},
		{name: "a victim already terminating on the nominated node",
			nodes: []*corev1.Node{oneCPU()},
			pods: []*corev1.Pod{makePod("b", on("n"), req("cpu", "1"), low, terminating(), func(p *corev1.Pod) {
				p.Status.Conditions = []corev1.PodCondition{{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: corev1.PodReasonPreemptionByScheduler}}
			})},
			pod:  makePod("p", req("cpu", "1"), high, func(p *corev1.Pod) { p.Status.NominatedNodeName = "n" }),
			want: "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: not eligible due to a terminating pod on the nominated node."},
		{name: "a host port held by a lower-priority pod",
			nodes: []*corev1.Node{oneCPU()}, pods: []*corev1.Pod{makePod("b", on("n"), low, hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80}))},
			pod:  makePod("p", high, hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80})),
			want: "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."},
		// The scheduler's HostPortInfo is a set, not a count: removing one
		// victim frees the port even while a pod it keeps holds it too, so
		// the dry run finds a candidate.
		{name: "a host port held by a lower-priority and a higher-priority pod",
			nodes: []*corev1.Node{oneCPU()}, pods: []*corev1.Pod{
				makePod("b", on("n"), low, hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80})),
				makePod("c", on("n"), priority(5000), hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80}))},
			pod:  makePod("p", high, hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80})),
			want: "0/1 nodes are available: 1 node(s) didn't have free ports for the requested pod ports."},
		{name: "too many pods, all of higher priority",
			nodes: []*corev1.Node{makeNode("n", rl("cpu", "1", "pods", "1"))}, pods: []*corev1.Pod{makePod("b", on("n"), priority(5000))},
			pod:  makePod("p", high),
			want: "0/1 nodes are available: 1 Too many pods. no new claims to deallocate, preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod."},
		{name: "an existing pod's anti-affinity, removed with it",
			nodes: []*corev1.Node{zoned("a1", "a"), zoned("a2", "a")},
			pods:  []*corev1.Pod{makePod("b", on("a1"), low, podLabels("app", "db"), podAntiAffinity(affinityTermOf(zoneKey, selector("app", "web"))))},
			pod:   makePod("p", high, podLabels("app", "web")),
			want:  "0/2 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules."},
		{name: "an existing pod's anti-affinity, on another node",
			nodes: []*corev1.Node{zoned("a1", "a"), zoned("a2", "a")},
			pods:  []*corev1.Pod{makePod("b", on("a1"), priority(5000), podLabels("app", "db"), podAntiAffinity(affinityTermOf(zoneKey, selector("app", "web")))), makePod("c", on("a2"), low)},
			pod:   makePod("p", high, podLabels("app", "web")),
			want: "0/2 nodes are available: 2 node(s) didn't satisfy existing pods anti-affinity rules. " +
				"no new claims to deallocate, preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 node(s) didn't satisfy existing pods anti-affinity rules."},
		{name: "topology spread relieved by evicting matching pods",
			nodes: []*corev1.Node{zoned("a1", "a"), zoned("b1", "b", taints(corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule}))},
			pods:  append(webPods(map[string]int{"a1": 3}, low), webPods(map[string]int{"b1": 1}, priority(5000))...),
			pod:   makePod("p", high, podLabels("app", "web"), spread(zoneSpread(1, selector("app", "web")))),
			want:  "0/2 nodes are available: 1 node(s) didn't match pod topology spread constraints, 1 node(s) had untolerated taint(s)."},
		{name: "topology spread not relieved when the victims are elsewhere",
			nodes: []*corev1.Node{zoned("a1", "a"), zoned("a2", "a"), zoned("b1", "b", taints(corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule}))},
			pods:  append(append(webPods(map[string]int{"a1": 3}, priority(5000)), makePod("other", on("a2"), low)), webPods(map[string]int{"b1": 1}, priority(5000))...),
			pod:   makePod("p", high, podLabels("app", "web"), spread(zoneSpread(1, selector("app", "web")))),
			want: "0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 node(s) didn't match pod topology spread constraints. " +
				"no new claims to deallocate, preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling, 1 node(s) didn't match pod topology spread constraints."},
		{name: "after a PreFilter rejection the DynamicResources PostFilter finds no state and preemption never runs",
			nodes: []*corev1.Node{oneCPU()},
			pod: makePod("p", high, requiredNodeAffinity(corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
				expr("metadata.name", corev1.NodeSelectorOpIn, "a"), expr("metadata.name", corev1.NodeSelectorOpIn, "b")}})),
			want: "0/1 nodes are available: pod affinity terms conflict. not found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSimulator(tc.nodes, tc.pods)
			require.NoError(t, err)
			fits, d := s.Feasible(tc.pod)
			require.Empty(t, fits)
			assert.Equal(t, tc.want, d.Error())
		})
	}
}

func TestNodeDeclaredFeatures(t *testing.T) {
	hostUsers := false
	pod := makePod("p", func(p *corev1.Pod) {
		p.Spec.HostNetwork = true
		p.Spec.HostUsers = &hostUsers
	})
	declared := makeNode("yes", std(), func(n *corev1.Node) { n.Status.DeclaredFeatures = []string{"UserNamespacesHostNetworkSupport"} })
	tests := []filterCase{
		{name: "node without the feature", nodes: []*corev1.Node{makeNode("no", std()), declared}, pod: pod,
			want: rejected(UnschedulableAndUnresolvable, PluginNodeDeclaredFeatures, upDeclaredFeatures)},
		{name: "node declaring it", nodes: []*corev1.Node{declared}, pod: pod, want: ok},
		{name: "a pod that needs nothing", nodes: []*corev1.Node{makeNode("no", std())}, pod: makePod("p"), want: ok},
	}
	runFilterCases(t, tests)
}

func TestNewSimulatorBadInput(t *testing.T) {
	n := makeNode("n", std())
	tests := []struct {
		name  string
		nodes []*corev1.Node
		pods  []*corev1.Pod
		want  []error
	}{
		{name: "nil node", nodes: []*corev1.Node{nil}, want: []error{ErrNilObject}},
		{name: "node without a name", nodes: []*corev1.Node{makeNode("", std())}, want: []error{ErrInvalidNode}},
		{name: "duplicate node", nodes: []*corev1.Node{n, makeNode("n", std())}, want: []error{ErrDuplicateNode}},
		{name: "nil pod", nodes: []*corev1.Node{n}, pods: []*corev1.Pod{nil}, want: []error{ErrNilObject}},
		{name: "pod on an unknown node", nodes: []*corev1.Node{n}, pods: []*corev1.Pod{makePod("p", on("ghost"))}, want: []error{ErrUnknownNode}},
		{name: "all problems at once", nodes: []*corev1.Node{n, n, nil},
			pods: []*corev1.Pod{makePod("p", on("ghost")), nil},
			want: []error{ErrDuplicateNode, ErrNilObject, ErrUnknownNode}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSimulator(tc.nodes, tc.pods)
			require.Error(t, err)
			assert.Nil(t, s)
			for _, want := range tc.want {
				assert.True(t, errors.Is(err, want), "%v is not %v", err, want)
			}
		})
	}

	// A finished pod on an unknown node, and a pod without a node, are not
	// part of the snapshot and not errors.
	_, err := NewSimulator([]*corev1.Node{n}, []*corev1.Pod{makePod("done", on("ghost"), phase(corev1.PodSucceeded)), makePod("pending")})
	assert.NoError(t, err)
}

func TestSimulatorIsReadOnly(t *testing.T) {
	nodes := []*corev1.Node{zoned("a1", "a"), zoned("b1", "b")}
	pods := webPods(map[string]int{"a1": 2})
	pod := makePod("p", podLabels("app", "web"), spread(zoneSpread(1, selector("app", "web"))), nearAffinity(), req("cpu", "1"))
	before := pod.DeepCopy()
	nodesBefore := nodes[0].DeepCopy()
	s, err := NewSimulator(nodes, pods)
	require.NoError(t, err)
	s.Feasible(pod)
	s.Filter(pod, "a1")
	assert.Equal(t, before, pod)
	assert.Equal(t, nodesBefore, nodes[0])
}

func nearAffinity() podOpt {
	return podAffinity(corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: selector("app", "web"), NamespaceSelector: &metav1.LabelSelector{}})
}
