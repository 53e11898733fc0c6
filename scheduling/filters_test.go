package scheduling

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

// filterCase is one pod on one node among a snapshot, with the status the
// scheduler's plugins give (reason strings copied from the plugin sources of
// k8s.io/kubernetes v1.36.3).
type filterCase struct {
	name  string
	nodes []*corev1.Node
	pods  []*corev1.Pod
	pod   *corev1.Pod
	node  string // defaults to the first node
	want  Status
}

func runFilterCases(t *testing.T, tests []filterCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSimulator(tc.nodes, tc.pods)
			require.NoError(t, err)
			node := tc.node
			if node == "" {
				node = tc.nodes[0].Name
			}
			got := s.Filter(tc.pod, node)
			assert.Equal(t, tc.want, normalize(got))
			// Feasible must agree with Filter on that node.
			fits, d := s.Feasible(tc.pod)
			assert.Equal(t, tc.want.IsSuccess(), contains(fits, node))
			assert.Equal(t, tc.want, normalize(d.Status(node)))
		})
	}
}

func normalize(s Status) Status {
	if len(s.Reasons) == 0 {
		s.Reasons = nil
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

var ok = Status{Code: Success}

func rejected(code Code, plugin string, reasons ...string) Status {
	return Status{Code: code, Plugin: plugin, Reasons: reasons}
}

const (
	// Reason strings as written in the plugins' sources.
	upTooManyPods       = "Too many pods"
	upInsufficientCPU   = "Insufficient cpu"
	upInsufficientMem   = "Insufficient memory"
	upInsufficientEph   = "Insufficient ephemeral-storage"
	upTaints            = "node(s) had untolerated taint(s)"
	upUnschedulable     = "node(s) were unschedulable"
	upNodeName          = "node(s) didn't match the requested node name"
	upNodeAffinity      = "node(s) didn't match Pod's node affinity/selector"
	upPorts             = "node(s) didn't have free ports for the requested pod ports"
	upSpread            = "node(s) didn't match pod topology spread constraints"
	upSpreadMissing     = "node(s) didn't match pod topology spread constraints (missing required label)"
	upPodAffinity       = "node(s) didn't match pod affinity rules"
	upPodAntiAffinity   = "node(s) didn't match pod anti-affinity rules"
	upExistingAnti      = "node(s) didn't satisfy existing pods anti-affinity rules"
	upConflict          = "pod affinity terms conflict"
	upNarrowed          = "node(s) didn't satisfy plugin(s) [NodeAffinity]"
	upDeclaredFeatures  = "node(s) didn't match Pod's required features"
	upNoVictims         = "No preemption victims found for incoming pod"
	upPreemptionUseless = "Preemption is not helpful for scheduling"
)

func TestNodeResourcesFit(t *testing.T) {
	full := func(n int) []*corev1.Pod {
		var out []*corev1.Pod
		for i := range n {
			out = append(out, makePod("b"+string(rune('a'+i)), on("n")))
		}
		return out
	}
	tests := []filterCase{
		{name: "fits", nodes: []*corev1.Node{makeNode("n", std())}, pod: makePod("p", req("cpu", "1", "memory", "1Gi")), want: ok},
		{name: "exact fit passes", nodes: []*corev1.Node{makeNode("n", std())},
			pods: []*corev1.Pod{makePod("b", on("n"), req("cpu", "3", "memory", "7Gi"))},
			pod:  makePod("p", req("cpu", "1", "memory", "1Gi")), want: ok},
		{name: "short of cpu that the node has in total is resolvable", nodes: []*corev1.Node{makeNode("n", std())},
			pods: []*corev1.Pod{makePod("b", on("n"), req("cpu", "3"))},
			pod:  makePod("p", req("cpu", "2")), want: rejected(Unschedulable, PluginNodeResourcesFit, upInsufficientCPU)},
		{name: "more cpu than the node has is unresolvable", nodes: []*corev1.Node{makeNode("n", std())},
			pod: makePod("p", req("cpu", "5")), want: rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, upInsufficientCPU)},
		{name: "every short resource is reported, in the plugin's order", nodes: []*corev1.Node{makeNode("n", rl("cpu", "1", "memory", "1Gi", "ephemeral-storage", "1Gi", "pods", "1"))},
			pods: []*corev1.Pod{makePod("b", on("n"))},
			pod:  makePod("p", req("cpu", "2", "memory", "2Gi", "ephemeral-storage", "2Gi")),
			want: rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, upTooManyPods, upInsufficientCPU, upInsufficientMem, upInsufficientEph)},
		{name: "too many pods is never unresolvable", nodes: []*corev1.Node{makeNode("n", rl("cpu", "4", "pods", "2"))},
			pods: full(2), pod: makePod("p"), want: rejected(Unschedulable, PluginNodeResourcesFit, upTooManyPods)},
		{name: "zero-request pod on a full node: only the pod count", nodes: []*corev1.Node{makeNode("n", rl("cpu", "1", "memory", "1Gi", "pods", "10"))},
			pods: []*corev1.Pod{makePod("b", on("n"), req("cpu", "1", "memory", "1Gi"))},
			pod:  makePod("p"), want: ok},
		{name: "no allocatable at all: no pod fits", nodes: []*corev1.Node{makeNode("n", nil)},
			pod:  makePod("p", req("cpu", "100m")),
			want: rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, upTooManyPods, upInsufficientCPU)},
		{name: "allocatable without pods: too many pods", nodes: []*corev1.Node{makeNode("n", rl("cpu", "4", "memory", "8Gi"))},
			pod: makePod("p"), want: rejected(Unschedulable, PluginNodeResourcesFit, upTooManyPods)},
		{name: "over-committed node rejects any positive request", nodes: []*corev1.Node{makeNode("n", std())},
			pods: []*corev1.Pod{makePod("b", on("n"), req("cpu", "5"))},
			pod:  makePod("p", req("cpu", "1m", "memory", "1")), want: rejected(Unschedulable, PluginNodeResourcesFit, upInsufficientCPU)},
		{name: "extended resource the node lacks", nodes: []*corev1.Node{makeNode("n", std())},
			pod: makePod("p", req("example.com/gpu", "1")), want: rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, "Insufficient example.com/gpu")},
		{name: "extended resource used up", nodes: []*corev1.Node{makeNode("n", rl("cpu", "4", "pods", "10", "example.com/gpu", "2"))},
			pods: []*corev1.Pod{makePod("b", on("n"), req("example.com/gpu", "2"))},
			pod:  makePod("p", req("example.com/gpu", "1")), want: rejected(Unschedulable, PluginNodeResourcesFit, "Insufficient example.com/gpu")},
		{name: "zero-quantity extended request is skipped", nodes: []*corev1.Node{makeNode("n", std())},
			pod: makePod("p", req("example.com/gpu", "0")), want: ok},
		{name: "hugepages", nodes: []*corev1.Node{makeNode("n", rl("cpu", "4", "pods", "10", "hugepages-2Mi", "4Mi"))},
			pod: makePod("p", req("hugepages-2Mi", "6Mi")), want: rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, "Insufficient hugepages-2Mi")},
		{name: "attachable volumes are scalars", nodes: []*corev1.Node{makeNode("n", rl("pods", "10", "attachable-volumes-aws-ebs", "1"))},
			pod: makePod("p", req("attachable-volumes-aws-ebs", "2")), want: rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, "Insufficient attachable-volumes-aws-ebs")},
		{name: "an implicit DRA extended resource is checked like any other (no DeviceClass is modelled)", nodes: []*corev1.Node{makeNode("n", std())},
			pod: makePod("p", req("deviceclass.resource.kubernetes.io/gpu", "1")), want: rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, "Insufficient deviceclass.resource.kubernetes.io/gpu")},
		{name: "unknown unprefixed names are not checked", nodes: []*corev1.Node{makeNode("n", std())},
			pod: makePod("p", req("foo", "5")), want: ok},
		{name: "several extended resources in name order", nodes: []*corev1.Node{makeNode("n", std())},
			pod:  makePod("p", req("z.example.com/b", "1", "a.example.com/a", "1", "cpu", "5")),
			want: rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, upInsufficientCPU, "Insufficient a.example.com/a", "Insufficient z.example.com/b")},
		{name: "terminating and pending bound pods count", nodes: []*corev1.Node{makeNode("n", std())},
			pods: []*corev1.Pod{makePod("t", on("n"), terminating(), req("cpu", "2")), makePod("pe", on("n"), phase(corev1.PodPending), req("cpu", "1500m"))},
			pod:  makePod("p", req("cpu", "1")), want: rejected(Unschedulable, PluginNodeResourcesFit, upInsufficientCPU)},
		{name: "succeeded and failed pods do not count", nodes: []*corev1.Node{makeNode("n", std())},
			pods: []*corev1.Pod{makePod("s", on("n"), phase(corev1.PodSucceeded), req("cpu", "4")), makePod("f", on("n"), phase(corev1.PodFailed), req("cpu", "4"))},
			pod:  makePod("p", req("cpu", "4")), want: ok},
		{name: "pods without a node do not count", nodes: []*corev1.Node{makeNode("n", std())},
			pods: []*corev1.Pod{makePod("q", req("cpu", "4"))},
			pod:  makePod("p", req("cpu", "4")), want: ok},
		{name: "init container larger than the node", nodes: []*corev1.Node{makeNode("n", std())},
			pod: makePod("p", func(p *corev1.Pod) {
				p.Spec.InitContainers = []corev1.Container{ctr("i", rl("memory", "9Gi"))}
			}), want: rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, upInsufficientMem)},
		{name: "the new pod's resize status is ignored", nodes: []*corev1.Node{makeNode("n", std())},
			pod: makePod("p", req("cpu", "1"), func(p *corev1.Pod) {
				p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", Resources: &corev1.ResourceRequirements{Requests: rl("cpu", "8")}}}
			}), want: ok},
	}
	runFilterCases(t, tests)
}

func TestTaintToleration(t *testing.T) {
	noSched := corev1.Taint{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}
	noExec := corev1.Taint{Key: "k", Value: "v", Effect: corev1.TaintEffectNoExecute}
	prefer := corev1.Taint{Key: "k", Value: "v", Effect: corev1.TaintEffectPreferNoSchedule}
	node := func(ts ...corev1.Taint) []*corev1.Node { return []*corev1.Node{makeNode("n", std(), taints(ts...))} }
	denied := rejected(UnschedulableAndUnresolvable, PluginTaintToleration, upTaints)
	tests := []filterCase{
		{name: "untolerated NoSchedule", nodes: node(noSched), pod: makePod("p"), want: denied},
		{name: "untolerated NoExecute", nodes: node(noExec), pod: makePod("p"), want: denied},
		{name: "PreferNoSchedule only matters for scoring", nodes: node(prefer), pod: makePod("p"), want: ok},
		{name: "empty key with Exists tolerates everything", nodes: node(noSched, noExec),
			pod: makePod("p", tolerate(corev1.Toleration{Operator: corev1.TolerationOpExists})), want: ok},
		{name: "empty effect matches every effect", nodes: node(noSched, noExec),
			pod: makePod("p", tolerate(corev1.Toleration{Key: "k", Operator: corev1.TolerationOpEqual, Value: "v"})), want: ok},
		{name: "NoSchedule toleration leaves NoExecute of the same key", nodes: node(noSched, noExec),
			pod: makePod("p", tolerate(corev1.Toleration{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule})), want: denied},
		{name: "both effects tolerated separately", nodes: node(noSched, noExec),
			pod: makePod("p", tolerate(corev1.Toleration{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}, corev1.Toleration{Key: "k", Value: "v", Effect: corev1.TaintEffectNoExecute})), want: ok},
		{name: "empty operator means Equal: a different value does not match", nodes: node(noSched),
			pod: makePod("p", tolerate(corev1.Toleration{Key: "k", Value: "w"})), want: denied},
		{name: "Equal with the value", nodes: node(noSched),
			pod: makePod("p", tolerate(corev1.Toleration{Key: "k", Operator: corev1.TolerationOpEqual, Value: "v", Effect: corev1.TaintEffectNoSchedule})), want: ok},
		{name: "Exists ignores the value", nodes: node(noSched),
			pod: makePod("p", tolerate(corev1.Toleration{Key: "k", Operator: corev1.TolerationOpExists})), want: ok},
		{name: "Gt never matches in 1.36", nodes: node(corev1.Taint{Key: "k", Value: "5", Effect: corev1.TaintEffectNoSchedule}),
			pod: makePod("p", tolerate(corev1.Toleration{Key: "k", Operator: "Gt", Value: "1"})), want: denied},
		{name: "Lt never matches in 1.36", nodes: node(corev1.Taint{Key: "k", Value: "1", Effect: corev1.TaintEffectNoSchedule}),
			pod: makePod("p", tolerate(corev1.Toleration{Key: "k", Operator: "Lt", Value: "5"})), want: denied},
		{name: "unknown operator never matches", nodes: node(noSched),
			pod: makePod("p", tolerate(corev1.Toleration{Key: "k", Operator: "Bogus", Value: "v"})), want: denied},
		{name: "not-ready node: default tolerations cover only NoExecute",
			nodes: node(corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}, corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}),
			pod:   defaulted(makePod("p")), want: denied},
		{name: "not-ready NoExecute alone is covered by the default toleration",
			nodes: node(corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}),
			pod:   defaulted(makePod("p")), want: ok},
	}
	runFilterCases(t, tests)
}

func defaulted(p *corev1.Pod) *corev1.Pod {
	ApplyDefaults(p)
	return p
}

func TestNodeUnschedulableAndNodeName(t *testing.T) {
	unschedTaint := corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
	tests := []filterCase{
		{name: "cordoned without the taint", nodes: []*corev1.Node{makeNode("n", std(), cordoned())}, pod: makePod("p"),
			want: rejected(UnschedulableAndUnresolvable, PluginNodeUnschedulable, upUnschedulable)},
		{name: "cordoned with the taint: NodeUnschedulable reports first", nodes: []*corev1.Node{makeNode("n", std(), cordoned(), taints(unschedTaint))}, pod: makePod("p"),
			want: rejected(UnschedulableAndUnresolvable, PluginNodeUnschedulable, upUnschedulable)},
		{name: "taint without the spec bit: TaintToleration", nodes: []*corev1.Node{makeNode("n", std(), taints(unschedTaint))}, pod: makePod("p"),
			want: rejected(UnschedulableAndUnresolvable, PluginTaintToleration, upTaints)},
		{name: "tolerating the unschedulable taint passes a cordoned node", nodes: []*corev1.Node{makeNode("n", std(), cordoned(), taints(unschedTaint))},
			pod: makePod("p", tolerate(corev1.Toleration{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})), want: ok},
		{name: "a NoExecute-only toleration does not", nodes: []*corev1.Node{makeNode("n", std(), cordoned())},
			pod:  makePod("p", tolerate(corev1.Toleration{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute})),
			want: rejected(UnschedulableAndUnresolvable, PluginNodeUnschedulable, upUnschedulable)},
		{name: "nodeName of another node", nodes: []*corev1.Node{makeNode("n", std()), makeNode("m", std())}, pod: makePod("p", on("m")),
			want: rejected(UnschedulableAndUnresolvable, PluginNodeName, upNodeName)},
		{name: "nodeName of this node", nodes: []*corev1.Node{makeNode("n", std())}, pod: makePod("p", on("n")), want: ok},
		{name: "the first failing plugin in the default order is reported",
			nodes: []*corev1.Node{makeNode("n", rl("pods", "0"), cordoned(), taints(corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule}))},
			pod:   makePod("p", on("m"), nodeSelector("a", "b"), req("cpu", "1")),
			want:  rejected(UnschedulableAndUnresolvable, PluginNodeUnschedulable, upUnschedulable)},
		{name: "then NodeName before taints",
			nodes: []*corev1.Node{makeNode("n", rl("pods", "0"), taints(corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule})), makeNode("m", std())},
			pod:   makePod("p", on("m"), nodeSelector("a", "b"), req("cpu", "1")),
			want:  rejected(UnschedulableAndUnresolvable, PluginNodeName, upNodeName)},
		{name: "then taints before node affinity",
			nodes: []*corev1.Node{makeNode("n", rl("pods", "0"), taints(corev1.Taint{Key: "k", Effect: corev1.TaintEffectNoSchedule}))},
			pod:   makePod("p", nodeSelector("a", "b"), req("cpu", "1")),
			want:  rejected(UnschedulableAndUnresolvable, PluginTaintToleration, upTaints)},
		{name: "then node affinity before ports and resources",
			nodes: []*corev1.Node{makeNode("n", rl("pods", "0"))},
			pods:  []*corev1.Pod{makePod("b", on("n"), hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80}))},
			pod:   makePod("p", nodeSelector("a", "b"), req("cpu", "1"), hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80})),
			want:  rejected(UnschedulableAndUnresolvable, PluginNodeAffinity, upNodeAffinity)},
		{name: "then ports before resources",
			nodes: []*corev1.Node{makeNode("n", rl("pods", "0"))},
			pods:  []*corev1.Pod{makePod("b", on("n"), hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80}))},
			pod:   makePod("p", req("cpu", "1"), hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80})),
			want:  rejected(Unschedulable, PluginNodePorts, upPorts)},
	}
	runFilterCases(t, tests)
}

func TestNodePorts(t *testing.T) {
	port := func(proto corev1.Protocol, ip string, hostPort int32) corev1.ContainerPort {
		return corev1.ContainerPort{ContainerPort: 8080, HostPort: hostPort, HostIP: ip, Protocol: proto}
	}
	busy := func(ports ...corev1.ContainerPort) []*corev1.Pod {
		return []*corev1.Pod{makePod("b", on("n"), hostPorts(ports...))}
	}
	nodes := []*corev1.Node{makeNode("n", std())}
	conflict := rejected(Unschedulable, PluginNodePorts, upPorts)
	tests := []filterCase{
		{name: "same port, both unset ip", nodes: nodes, pods: busy(port("", "", 80)), pod: makePod("p", hostPorts(port("", "", 80))), want: conflict},
		{name: "empty ip equals 0.0.0.0", nodes: nodes, pods: busy(port("TCP", "0.0.0.0", 80)), pod: makePod("p", hostPorts(port("", "", 80))), want: conflict},
		{name: "0.0.0.0 conflicts with a specific ip", nodes: nodes, pods: busy(port("TCP", "10.0.0.1", 80)), pod: makePod("p", hostPorts(port("TCP", "0.0.0.0", 80))), want: conflict},
		{name: "a specific ip conflicts with 0.0.0.0", nodes: nodes, pods: busy(port("TCP", "", 80)), pod: makePod("p", hostPorts(port("TCP", "10.0.0.1", 80))), want: conflict},
		{name: "two different specific ips do not conflict", nodes: nodes, pods: busy(port("TCP", "10.0.0.1", 80)), pod: makePod("p", hostPorts(port("TCP", "10.0.0.2", 80))), want: ok},
		{name: "the same specific ip conflicts", nodes: nodes, pods: busy(port("TCP", "10.0.0.1", 80)), pod: makePod("p", hostPorts(port("TCP", "10.0.0.1", 80))), want: conflict},
		{name: ":: is not a wildcard", nodes: nodes, pods: busy(port("TCP", "::", 80)), pod: makePod("p", hostPorts(port("TCP", "10.0.0.1", 80))), want: ok},
		{name: ":: conflicts with 0.0.0.0", nodes: nodes, pods: busy(port("TCP", "::", 80)), pod: makePod("p", hostPorts(port("TCP", "", 80))), want: conflict},
		{name: "TCP and UDP do not conflict", nodes: nodes, pods: busy(port("TCP", "", 53)), pod: makePod("p", hostPorts(port("UDP", "", 53))), want: ok},
		{name: "UDP and SCTP do not conflict", nodes: nodes, pods: busy(port("UDP", "", 53)), pod: makePod("p", hostPorts(port("SCTP", "", 53))), want: ok},
		{name: "empty protocol is TCP", nodes: nodes, pods: busy(port("TCP", "", 53)), pod: makePod("p", hostPorts(port("", "", 53))), want: conflict},
		{name: "hostPort 0 takes nothing", nodes: nodes, pods: busy(port("TCP", "", 0)), pod: makePod("p", hostPorts(port("TCP", "", 0))), want: ok},
		{name: "sidecar ports are taken", nodes: nodes,
			pods: []*corev1.Pod{makePod("b", on("n"), func(p *corev1.Pod) {
				s := sidecar("s", nil)
				s.Ports = []corev1.ContainerPort{port("TCP", "", 80)}
				p.Spec.InitContainers = []corev1.Container{s}
			})},
			pod: makePod("p", hostPorts(port("TCP", "", 80))), want: conflict},
		{name: "regular init container ports are not", nodes: nodes,
			pods: []*corev1.Pod{makePod("b", on("n"), func(p *corev1.Pod) {
				i := ctr("i", nil)
				i.Ports = []corev1.ContainerPort{port("TCP", "", 80)}
				p.Spec.InitContainers = []corev1.Container{i}
			})},
			pod: makePod("p", hostPorts(port("TCP", "", 80))), want: ok},
		{name: "the new pod's sidecar ports are wanted", nodes: nodes, pods: busy(port("TCP", "", 80)),
			pod: makePod("p", func(p *corev1.Pod) {
				s := sidecar("s", nil)
				s.Ports = []corev1.ContainerPort{port("TCP", "", 80)}
				p.Spec.InitContainers = []corev1.Container{s}
			}), want: conflict},
		{name: "hostNetwork pod after defaulting takes its container ports", nodes: nodes, pods: busy(port("TCP", "", 8080)),
			pod: defaulted(makePod("p", func(p *corev1.Pod) {
				p.Spec.HostNetwork = true
				p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080}}
			})), want: conflict},
		{name: "a terminating pod still holds its port", nodes: nodes,
			pods: []*corev1.Pod{makePod("b", on("n"), terminating(), hostPorts(port("TCP", "", 80)))},
			pod:  makePod("p", hostPorts(port("TCP", "", 80))), want: conflict},
	}
	runFilterCases(t, tests)
}

// TestManyExtendedResources covers a pod asking for more extended resources
// than a verdict has bits for: every shortage is still reported, in name
// order, by Filter and by the Diagnosis.
func TestManyExtendedResources(t *testing.T) {
	alloc := std()
	var pairs, want []string
	for i := range 70 {
		name := fmt.Sprintf("example.com/r%02d", i)
		pairs = append(pairs, name, "1")
		if i%3 != 0 {
			alloc[corev1.ResourceName(name)] = rl("x", "1")["x"]
		} else {
			want = append(want, "Insufficient "+name)
		}
	}
	s, err := NewSimulator([]*corev1.Node{makeNode("n", alloc)}, nil)
	require.NoError(t, err)
	pod := makePod("p", req(pairs...))
	assert.Equal(t, rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, want...), s.Filter(pod, "n"))
	_, d := s.Feasible(pod)
	assert.Equal(t, rejected(UnschedulableAndUnresolvable, PluginNodeResourcesFit, want...), d.Status("n"))
	assert.Len(t, d.Reasons(), len(want))
}
