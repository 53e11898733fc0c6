package conformance

import (
	"fmt"
	"testing"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// rl builds a resource list from name, quantity pairs.
func rl(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

// enode is a node with a hostname label, the given labels, allocatable and
// taints.
func enode(name string, labels map[string]string, alloc corev1.ResourceList, taints ...corev1.Taint) *corev1.Node {
	l := map[string]string{corev1.LabelHostname: name}
	for k, v := range labels {
		l[k] = v
	}
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l}, Spec: corev1.NodeSpec{Taints: taints},
		Status: corev1.NodeStatus{Allocatable: alloc, Capacity: alloc}}
}

// epod is a pod of app=web in default, bound to node unless it is empty.
func epod(name, node string, req corev1.ResourceList, mut ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Requests: req}}}}}
	for _, m := range mut {
		m(p)
	}
	return p
}

// TestEdgeCasesAgainstKubeScheduler runs hand-written clusters that the
// random generators rarely or never produce (ephemeral storage, hugepages,
// sub-milli quantities, pod-level and sidecar resize status, unusual
// tolerations, ports and selectors, preemption corners) through both the
// Simulator and the real scheduler, filters and scores.
func TestEdgeCasesAgainstKubeScheduler(t *testing.T) {
	ns := []*corev1.Namespace{{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, {ObjectMeta: metav1.ObjectMeta{Name: "other"}}}
	std := rl("cpu", "2", "memory", "4Gi", "pods", "10")
	withEph := rl("cpu", "2", "memory", "4Gi", "pods", "10", "ephemeral-storage", "10Gi", "hugepages-2Mi", "1Gi")
	type tc struct {
		c   schedgen.Cluster
		pod *corev1.Pod
	}
	one := func(i int) *int32 { v := int32(i); return &v }
	always := corev1.ContainerRestartPolicyAlways
	cases := []tc{
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std), enode("b", nil, withEph)}}, epod("in", "", rl("ephemeral-storage", "1Gi"))},
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std), enode("b", nil, withEph)}}, epod("in", "", rl("hugepages-2Mi", "2Gi"))},
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std), enode("b", nil, withEph)}}, epod("in", "", rl("hugepages-2Mi", "512Mi"))},
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std), enode("b", nil, withEph)}}, epod("in", "", rl("cpu", "1u"))},
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, rl("cpu", "0", "memory", "0", "pods", "1")), enode("b", nil, rl("pods", "0"))}}, epod("in", "", nil)},
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std)}}, epod("in", "", rl("foo", "1", "example.com/x", "0", "kubernetes.io/bar", "1", "attachable-volumes-csi-x", "1"))},
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std)}, Pods: []*corev1.Pod{epod("p", "a", rl("cpu", "2"))}}, epod("in", "", rl("cpu", "0"))},
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std)}, Pods: []*corev1.Pod{epod("p", "a", rl("cpu", "3"))}}, epod("in", "", rl("memory", "1"))},
		// pod-level resources with hugepages and memory on a bound pod
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, withEph)}, Pods: []*corev1.Pod{epod("p", "a", rl("cpu", "100m"), func(p *corev1.Pod) {
			p.Spec.Resources = &corev1.ResourceRequirements{Requests: rl("memory", "3Gi", "hugepages-2Mi", "1Gi", "ephemeral-storage", "9Gi")}
		})}}, epod("in", "", rl("memory", "1Gi", "ephemeral-storage", "1Gi"))},
		// pod-level status resize on bound pod
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std)}, Pods: []*corev1.Pod{epod("p", "a", rl("cpu", "100m"), func(p *corev1.Pod) {
			p.Spec.Resources = &corev1.ResourceRequirements{Requests: rl("cpu", "500m")}
			p.Status.Resources = &corev1.ResourceRequirements{Requests: rl("cpu", "1500m")}
			p.Status.AllocatedResources = rl("cpu", "1")
		})}}, epod("in", "", rl("cpu", "1"))},
		// sidecar status resize
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std)}, Pods: []*corev1.Pod{epod("p", "a", rl("cpu", "100m"), func(p *corev1.Pod) {
			p.Spec.InitContainers = []corev1.Container{{Name: "s", RestartPolicy: &always, Resources: corev1.ResourceRequirements{Requests: rl("cpu", "100m")}},
				{Name: "i", Resources: corev1.ResourceRequirements{Requests: rl("cpu", "100m")}}}
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "s", Resources: &corev1.ResourceRequirements{Requests: rl("cpu", "1500m")}},
				{Name: "i", Resources: &corev1.ResourceRequirements{Requests: rl("cpu", "1900m")}}}
		})}}, epod("in", "", rl("cpu", "300m"))},
		// tolerations
		{schedgen.Cluster{Nodes: []*corev1.Node{
			enode("a", nil, std, corev1.Taint{Key: "k", Value: "v", Effect: corev1.TaintEffectNoSchedule}),
			enode("b", nil, std, corev1.Taint{Key: "k", Value: "v", Effect: corev1.TaintEffectNoExecute}),
			enode("c", nil, std, corev1.Taint{Key: "k", Effect: corev1.TaintEffectPreferNoSchedule}, corev1.Taint{Key: "z", Effect: corev1.TaintEffectNoSchedule}),
		}}, epod("in", "", nil, func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}, {Key: "k", Operator: corev1.TolerationOpEqual, Value: "", Effect: corev1.TaintEffectNoExecute}}
		})},
		{schedgen.Cluster{Nodes: []*corev1.Node{
			enode("a", nil, std, corev1.Taint{Key: "k", Value: "5", Effect: corev1.TaintEffectNoSchedule}),
		}}, epod("in", "", nil, func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: "Gt", Value: "1"}}
		})},
		// unschedulable with toleration
		{schedgen.Cluster{Nodes: []*corev1.Node{func() *corev1.Node { n := enode("a", nil, std); n.Spec.Unschedulable = true; return n }()}},
			epod("in", "", nil, func(p *corev1.Pod) {
				p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
			})},
		// topology spread minDomains + honor taints
		{schedgen.Cluster{Namespaces: ns, Nodes: []*corev1.Node{
			enode("a", map[string]string{"zone": "1"}, std), enode("b", map[string]string{"zone": "2"}, std, corev1.Taint{Key: "t", Effect: corev1.TaintEffectNoSchedule}),
			enode("c", map[string]string{"zone": "3"}, std),
		}, Pods: []*corev1.Pod{epod("p1", "a", nil), epod("p2", "a", nil), epod("p3", "c", nil)}}, epod("in", "", nil, func(p *corev1.Pod) {
			honor := corev1.NodeInclusionPolicyHonor
			p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: corev1.DoNotSchedule,
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, MinDomains: one(3), NodeTaintsPolicy: &honor}}
		})},
		// ports
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std), enode("b", nil, std), enode("c", nil, std)}, Pods: []*corev1.Pod{
			epod("p1", "a", nil, func(p *corev1.Pod) {
				p.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80, ContainerPort: 80, HostIP: "::"}}
			}),
			epod("p2", "b", nil, func(p *corev1.Pod) {
				p.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80, ContainerPort: 80, Protocol: "SCTP"}}
			}),
			epod("p3", "c", nil, func(p *corev1.Pod) {
				p.Spec.InitContainers = []corev1.Container{{Name: "i", Ports: []corev1.ContainerPort{{HostPort: 80, ContainerPort: 80}}}}
			}),
		}}, epod("in", "", nil, func(p *corev1.Pod) {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80, ContainerPort: 80, HostIP: "127.0.0.1"}}
		})},
		// node affinity matchFields
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", map[string]string{"x": "1"}, std), enode("b", nil, std)}}, epod("in", "", nil, func(p *corev1.Pod) {
			p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{
				{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "zz"}}},
					MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "x", Operator: corev1.NodeSelectorOpNotIn, Values: []string{"1"}}}},
				{MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpNotIn, Values: []string{"a"}}}},
			}}}}
		})},
		// inter-pod: existing anti-affinity with namespaceSelector {} ; incoming affinity first pod
		{schedgen.Cluster{Namespaces: ns, Nodes: []*corev1.Node{enode("a", map[string]string{"zone": "1"}, std), enode("b", map[string]string{"zone": "2"}, std), enode("c", nil, std)},
			Pods: []*corev1.Pod{epod("p1", "a", nil, func(p *corev1.Pod) {
				p.Namespace = "other"
				p.Labels = map[string]string{"app": "db"}
				p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
					TopologyKey: "zone", NamespaceSelector: &metav1.LabelSelector{}, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}}}
			})}},
			epod("in", "", nil, func(p *corev1.Pod) {
				p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
					TopologyKey: "zone", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}}}
			})},
		// affinity where matching pod exists only on node without key; self-match in other namespace
		{schedgen.Cluster{Namespaces: ns, Nodes: []*corev1.Node{enode("a", map[string]string{"zone": "1"}, std), enode("c", nil, std)},
			Pods: []*corev1.Pod{epod("p1", "c", nil)}},
			epod("in", "", nil, func(p *corev1.Pod) {
				p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
					TopologyKey: "zone", Namespaces: []string{"other"}, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}}}
			})},
		// spread with matchLabelKeys, nil and {} selectors, nodeAffinityPolicy Ignore
		{schedgen.Cluster{Namespaces: ns, Nodes: []*corev1.Node{
			enode("a", map[string]string{"zone": "1", "x": "y"}, std), enode("b", map[string]string{"zone": "2"}, std), enode("c", map[string]string{"zone": "2", "x": "y"}, std)},
			Pods: []*corev1.Pod{epod("p1", "a", nil, func(p *corev1.Pod) { p.Labels["v"] = "1" }), epod("p2", "a", nil, func(p *corev1.Pod) { p.Labels["v"] = "1" }), epod("p3", "b", nil)}},
			epod("in", "", nil, func(p *corev1.Pod) {
				ignore := corev1.NodeInclusionPolicyIgnore
				p.Labels["v"] = "1"
				p.Spec.NodeSelector = map[string]string{"x": "y"}
				p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{
					{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, MatchLabelKeys: []string{"v"}, NodeAffinityPolicy: &ignore},
					{MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{}},
					{MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway},
				}
			})},
		// nominated pod of higher priority occupies space
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std), enode("b", nil, std)},
			Pods: []*corev1.Pod{epod("nom", "", rl("cpu", "1500m"), func(p *corev1.Pod) { p.Status.NominatedNodeName = "a"; p.Spec.Priority = one(1000) }),
				epod("x", "b", rl("cpu", "1500m"), func(p *corev1.Pod) { p.Spec.Priority = one(10) })}},
			epod("in", "", rl("cpu", "1"), func(p *corev1.Pod) { p.Spec.Priority = one(100) })},
		// preemption: pdb-less, victims with terminating
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std)},
			Pods: []*corev1.Pod{epod("x", "a", rl("cpu", "1500m"), func(p *corev1.Pod) { p.Spec.Priority = one(10) })}},
			epod("in", "", rl("cpu", "1", "ephemeral-storage", "1"), func(p *corev1.Pod) { p.Spec.Priority = one(100) })},
		// sub-milli cpu on full node
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std)}, Pods: []*corev1.Pod{epod("p", "a", rl("cpu", "2"))}}, epod("in", "", rl("cpu", "1n"))},
		// balanced allocation with zero-allocatable memory node
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, rl("cpu", "2", "pods", "10")), enode("b", nil, std), enode("c", nil, withEph)}, Pods: []*corev1.Pod{epod("p", "b", rl("cpu", "1", "memory", "1Gi"))}}, epod("in", "", rl("cpu", "100m", "ephemeral-storage", "1Gi"))},
		// nil labels everywhere, self affinity, namespaceSelector on missing namespace
		{schedgen.Cluster{Namespaces: ns, Nodes: []*corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "bare"}, Status: corev1.NodeStatus{Allocatable: std}}, enode("a", map[string]string{"zone": "1"}, std)}},
			epod("in", "", nil, func(p *corev1.Pod) {
				p.Labels = nil
				p.Namespace = "ghost"
				p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
					TopologyKey: "zone", LabelSelector: &metav1.LabelSelector{}, NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"x": "y"}}}}}}
			})},
		{schedgen.Cluster{Namespaces: ns, Nodes: []*corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "bare"}, Status: corev1.NodeStatus{Allocatable: std}}, enode("a", map[string]string{"zone": "1"}, std)}},
			epod("in", "", nil, func(p *corev1.Pod) {
				p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
					TopologyKey: "zone", LabelSelector: &metav1.LabelSelector{}, NamespaceSelector: &metav1.LabelSelector{}}}}}
			})},
		// nominated node that does not exist, Lt toleration, taint with empty effect
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std, corev1.Taint{Key: "k", Value: "1", Effect: corev1.TaintEffectNoSchedule})}},
			epod("in", "", nil, func(p *corev1.Pod) {
				p.Status.NominatedNodeName = "ghost"
				p.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: "Lt", Value: "5", Effect: corev1.TaintEffectNoSchedule}}
			})},
		// spread where every node lacks the key, and minDomains with ScheduleAnyway
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std), enode("b", nil, std)}, Pods: []*corev1.Pod{epod("p", "a", nil)}},
			epod("in", "", nil, func(p *corev1.Pod) {
				p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{
					{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}},
					{MaxSkew: 1, TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, MinDomains: one(5)},
				}
			})},
		// spread: incoming pod does not match own selector; terminating pods on node
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", map[string]string{"zone": "1"}, std), enode("b", map[string]string{"zone": "2"}, std)},
			Pods: []*corev1.Pod{epod("p", "a", nil, func(p *corev1.Pod) { p.Labels["x"] = "1" }), epod("q", "a", nil, func(p *corev1.Pod) {
				p.Labels["x"] = "1"
				ts := metav1.Now()
				p.DeletionTimestamp = &ts
				p.Finalizers = []string{"x/y"}
			})}},
			epod("in", "", nil, func(p *corev1.Pod) {
				p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{
					{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"x": "1"}}},
				}
			})},
		// two pods holding the same host port; preemption of the lower one
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std)}, Pods: []*corev1.Pod{
			epod("low", "a", nil, func(p *corev1.Pod) {
				p.Spec.Priority = one(1)
				p.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80, ContainerPort: 80}}
			}),
			epod("high", "a", nil, func(p *corev1.Pod) {
				p.Spec.Priority = one(1000)
				p.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80, ContainerPort: 80}}
			}),
		}}, epod("in", "", nil, func(p *corev1.Pod) {
			p.Spec.Priority = one(100)
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80, ContainerPort: 80}}
		})},
		// preemption: self-affinity whose only matches are the victims
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", map[string]string{"zone": "1"}, rl("cpu", "1", "pods", "10")), enode("b", map[string]string{"zone": "2"}, rl("cpu", "1", "pods", "10"))}, Pods: []*corev1.Pod{
			epod("v", "a", rl("cpu", "1"), func(p *corev1.Pod) { p.Spec.Priority = one(1) }),
			epod("w", "b", rl("cpu", "1"), func(p *corev1.Pod) { p.Spec.Priority = one(1000); p.Labels = map[string]string{"app": "db"} }),
		}}, epod("in", "", rl("cpu", "500m"), func(p *corev1.Pod) {
			p.Spec.Priority = one(100)
			p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				TopologyKey: "zone", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}}}
		})},
		// same, incoming pod does not match its own term
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", map[string]string{"zone": "1"}, rl("cpu", "1", "pods", "10"))}, Pods: []*corev1.Pod{
			epod("v", "a", rl("cpu", "1"), func(p *corev1.Pod) { p.Spec.Priority = one(1) }),
		}}, epod("in", "", rl("cpu", "500m"), func(p *corev1.Pod) {
			p.Spec.Priority = one(100)
			p.Labels = map[string]string{"app": "other"}
			p.Spec.Affinity = &corev1.Affinity{PodAffinity: &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{{
				TopologyKey: "zone", LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}}}}
		})},
		// preemption with spread: victims relieve skew; minDomains
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", map[string]string{"zone": "1"}, std), enode("b", map[string]string{"zone": "2"}, std, corev1.Taint{Key: "t", Effect: corev1.TaintEffectNoSchedule})}, Pods: []*corev1.Pod{
			epod("v1", "a", nil, func(p *corev1.Pod) { p.Spec.Priority = one(1) }),
			epod("v2", "a", nil, func(p *corev1.Pod) { p.Spec.Priority = one(1) }),
		}}, epod("in", "", nil, func(p *corev1.Pod) {
			p.Spec.Priority = one(100)
			p.Spec.TopologySpreadConstraints = []corev1.TopologySpreadConstraint{{MaxSkew: 1, TopologyKey: "zone", WhenUnsatisfiable: corev1.DoNotSchedule,
				LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}, MinDomains: one(2)}}
		})},
		// preemption where a victim is a nominated pod / terminating victim
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, rl("cpu", "1", "pods", "10"))}, Pods: []*corev1.Pod{
			epod("v", "a", rl("cpu", "1"), func(p *corev1.Pod) {
				p.Spec.Priority = one(1)
				ts := metav1.Now()
				p.DeletionTimestamp = &ts
				p.Finalizers = []string{"x/y"}
			}),
		}}, epod("in", "", rl("cpu", "500m"), func(p *corev1.Pod) { p.Spec.Priority = one(100) })},
		// preemption: victim holds extended resource; pod count
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, rl("cpu", "1", "pods", "1", "example.com/gpu", "1"))}, Pods: []*corev1.Pod{
			epod("v", "a", rl("example.com/gpu", "1"), func(p *corev1.Pod) { p.Spec.Priority = one(1) }),
		}}, epod("in", "", rl("example.com/gpu", "1"), func(p *corev1.Pod) { p.Spec.Priority = one(100) })},
		// preemption: same-ip specific host port held by victim, other IP by keeper
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, std)}, Pods: []*corev1.Pod{
			epod("low", "a", nil, func(p *corev1.Pod) {
				p.Spec.Priority = one(1)
				p.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80, ContainerPort: 80}}
			}),
			epod("high", "a", nil, func(p *corev1.Pod) {
				p.Spec.Priority = one(1000)
				p.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80, ContainerPort: 80, HostIP: "10.0.0.1"}}
			}),
		}}, epod("in", "", nil, func(p *corev1.Pod) {
			p.Spec.Priority = one(100)
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{HostPort: 80, ContainerPort: 80, HostIP: "10.0.0.2"}}
		})},
		// overhead only
		{schedgen.Cluster{Nodes: []*corev1.Node{enode("a", nil, rl("cpu", "1", "pods", "5"))}, Pods: []*corev1.Pod{epod("p", "a", rl("cpu", "900m"))}}, epod("in", "", nil, func(p *corev1.Pod) {
			p.Spec.Overhead = rl("cpu", "200m", "example.com/gpu", "1")
		})},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("filter%02d", i), func(t *testing.T) { compare(t, c.c, c.pod) })
		t.Run(fmt.Sprintf("score%02d", i), func(t *testing.T) { compareScores(t, c.c, c.pod) })
	}
}
