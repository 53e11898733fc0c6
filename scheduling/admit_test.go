package scheduling

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

// The expected reasons and messages are the kubelet's
// (pkg/kubelet/lifecycle/predicate.go, v1.36.3): InsufficientResourceError
// and PredicateFailureError formats, OutOf<resource> reasons.
func TestAdmit(t *testing.T) {
	noExecute := corev1.Taint{Key: "maintenance", Effect: corev1.TaintEffectNoExecute}
	nodes := []*corev1.Node{
		makeNode("a", rl("cpu", "4", "memory", "8Gi", "pods", "3", "example.com/gpu", "1")),
		makeNode("cordoned", std(), cordoned(), taints(corev1.Taint{Key: "dedicated", Effect: corev1.TaintEffectNoSchedule})),
		makeNode("draining", std(), taints(noExecute)),
		makeNode("windows", std(), nodeLabels(corev1.LabelOSStable, "windows")),
	}
	bound := []*corev1.Pod{
		makePod("big", on("a"), req("cpu", "3500m")),
		makePod("agent", on("a"), hostPorts(corev1.ContainerPort{ContainerPort: 9100, HostPort: 9100})),
	}
	s, err := NewSimulator(nodes, bound)
	require.NoError(t, err)

	static := func(p *corev1.Pod) { p.Annotations = map[string]string{"kubernetes.io/config.source": "file"} }
	tests := []struct {
		name string
		pod  *corev1.Pod
		node string
		want AdmitResult
	}{
		{name: "fits", pod: makePod("p", on("a"), req("cpu", "500m")), want: AdmitResult{Admit: true}},
		{name: "cpu", pod: makePod("p", on("a"), req("cpu", "1")), want: AdmitResult{Reason: AdmitOutOfCPU,
			Message:  "Node didn't have enough resource: cpu, requested: 1000, used: 3500, capacity: 4000",
			Failures: []string{"Insufficient cpu"}}},
		{name: "the pod itself is not counted among the node's pods", pod: makePod("big", on("a"), req("cpu", "3500m")), want: AdmitResult{Admit: true}},
		{name: "NoSchedule taints and cordons do not matter to the kubelet", pod: makePod("p", on("cordoned")), want: AdmitResult{Admit: true}},
		{name: "an untolerated NoExecute taint", pod: makePod("p", on("draining")), want: AdmitResult{Reason: PluginTaintToleration,
			Message:  "Predicate TaintToleration failed: node(s) had taints that the pod didn't tolerate",
			Failures: []string{"node(s) had taints that the pod didn't tolerate"}}},
		{name: "a static pod ignores NoExecute taints", pod: makePod("p", on("draining"), static), want: AdmitResult{Admit: true}},
		{name: "a tolerated NoExecute taint", pod: makePod("p", on("draining"), tolerate(corev1.Toleration{Key: "maintenance", Operator: corev1.TolerationOpExists})),
			want: AdmitResult{Admit: true}},
		{name: "node selector", pod: makePod("p", on("a"), nodeSelector("disk", "ssd")), want: AdmitResult{Reason: PluginNodeAffinity,
			Message:  "Predicate NodeAffinity failed: node(s) didn't match Pod's node affinity/selector",
			Failures: []string{"node(s) didn't match Pod's node affinity/selector"}}},
		{name: "bound to another node", pod: makePod("p", on("cordoned")), node: "a", want: AdmitResult{Reason: PluginNodeName,
			Message:  "Predicate NodeName failed: node(s) didn't match the requested node name",
			Failures: []string{"node(s) didn't match the requested node name"}}},
		{name: "host port taken", pod: makePod("p", on("a"), hostPorts(corev1.ContainerPort{ContainerPort: 9100, HostPort: 9100})), want: AdmitResult{Reason: PluginNodePorts,
			Message:  "Predicate NodePorts failed: node(s) didn't have free ports for the requested pod ports",
			Failures: []string{"node(s) didn't have free ports for the requested pod ports"}}},
		{name: "an extended resource the node does not advertise is dropped", pod: makePod("p", on("cordoned"), req("example.com/fpga", "1")), want: AdmitResult{Admit: true}},
		{name: "an advertised extended resource is checked", pod: makePod("p", on("a"), req("example.com/gpu", "2")), want: AdmitResult{Reason: "OutOfexample.com/gpu",
			Message:  "Node didn't have enough resource: example.com/gpu, requested: 2, used: 0, capacity: 1",
			Failures: []string{"Insufficient example.com/gpu"}}},
		{name: "every failure is listed, the first one decides", pod: makePod("p", on("a"), req("cpu", "1"), nodeSelector("disk", "ssd")),
			want: AdmitResult{Reason: AdmitOutOfCPU, Message: "Node didn't have enough resource: cpu, requested: 1000, used: 3500, capacity: 4000",
				Failures: []string{"Insufficient cpu", "node(s) didn't match Pod's node affinity/selector"}}},
		{name: "os label", pod: makePod("p", on("a"), podLabels(corev1.LabelOSStable, "windows")), want: AdmitResult{Reason: AdmitOSSelectorMismatch,
			Message: "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label"}},
		{name: "os field", pod: makePod("p", on("windows"), func(p *corev1.Pod) { p.Spec.OS = &corev1.PodOS{Name: corev1.Linux} }), want: AdmitResult{Reason: AdmitOSNotSupported,
			Message: "Failed to admit pod as the OS field doesn't match node OS"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Admit(tc.pod, tc.node)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}

	t.Run("too many pods", func(t *testing.T) {
		require.NoError(t, s.Assign(makePod("third"), "a"))
		defer func() { require.NoError(t, s.Remove(makePod("third"))) }()
		got, err := s.Admit(makePod("p", on("a")), "")
		require.NoError(t, err)
		assert.Equal(t, AdmitResult{Reason: AdmitOutOfPods, Message: "Node didn't have enough resource: pods, requested: 1, used: 3, capacity: 3",
			Failures: []string{"Too many pods"}}, got)
	})
	t.Run("bad input", func(t *testing.T) {
		_, err := s.Admit(nil, "a")
		assert.ErrorIs(t, err, ErrNilObject)
		_, err = s.Admit(makePod("p"), "")
		assert.ErrorIs(t, err, ErrUnknownNode)
	})
}
