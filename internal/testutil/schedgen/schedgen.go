package schedgen

import (
	"fmt"
	"math/rand/v2"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// ZoneKey is the zone label the generator uses.
const ZoneKey = corev1.LabelTopologyZone

// Cluster is a generated snapshot: nodes, pods (bound or not, finished or
// not) and namespaces, and for scoring the workloads whose selectors the
// default topology spreading reads.
type Cluster struct {
	Nodes      []*corev1.Node
	Pods       []*corev1.Pod
	Namespaces []*corev1.Namespace

	Services               []*corev1.Service
	ReplicationControllers []*corev1.ReplicationController
	ReplicaSets            []*appsv1.ReplicaSet
	StatefulSets           []*appsv1.StatefulSet
}

var (
	zones      = []string{"a", "b", "c"}
	apps       = []string{"web", "db", "cache"}
	namespaces = []string{"default", "other"}
)

func pick[T any](rng *rand.Rand, xs ...T) T { return xs[rng.IntN(len(xs))] }

func q(s string) resource.Quantity { return resource.MustParse(s) }

// RandomCluster returns 1 to 8 nodes and up to 24 pods.
func RandomCluster(rng *rand.Rand) Cluster { return RandomClusterSized(rng, 8, 24) }

// RandomClusterSized returns 1 to maxNodes nodes and up to maxPods pods.
func RandomClusterSized(rng *rand.Rand, maxNodes, maxPods int) Cluster {
	var c Cluster
	c.Namespaces = []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: "default", Labels: map[string]string{"team": "a"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "other", Labels: map[string]string{"team": "b"}}},
	}
	for i := range 1 + rng.IntN(maxNodes) {
		alloc := corev1.ResourceList{
			corev1.ResourceCPU:    q(pick(rng, "1", "2", "4")),
			corev1.ResourceMemory: q(pick(rng, "1Gi", "4Gi")),
			corev1.ResourcePods:   q(pick(rng, "2", "5", "110")),
		}
		if rng.IntN(4) == 0 {
			alloc["example.com/gpu"] = q(pick(rng, "0", "1", "2"))
		}
		if rng.IntN(15) == 0 {
			alloc = nil
		}
		name := fmt.Sprintf("n%d", i)
		n := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}},
			Status:     corev1.NodeStatus{Allocatable: alloc, Capacity: alloc},
		}
		if rng.IntN(5) > 0 {
			n.Labels[ZoneKey] = pick(rng, zones...)
		}
		if rng.IntN(6) == 0 {
			delete(n.Labels, corev1.LabelHostname)
		}
		if rng.IntN(3) == 0 {
			n.Labels["disk"] = pick(rng, "ssd", "hdd", "10", "20")
		}
		if rng.IntN(5) == 0 {
			n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: pick(rng, "dedicated", "gpu"), Value: pick(rng, "x", "y"),
				Effect: pick(rng, corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute, corev1.TaintEffectPreferNoSchedule)})
		}
		if rng.IntN(10) == 0 {
			n.Spec.Unschedulable = true
		}
		if rng.IntN(4) == 0 {
			n.Status.DeclaredFeatures = []string{"UserNamespacesHostNetworkSupport"}
		}
		c.Nodes = append(c.Nodes, n)
	}
	for i := range rng.IntN(maxPods + 1) {
		p := basePod(rng, fmt.Sprintf("p%d", i))
		if rng.IntN(8) > 0 {
			p.Spec.NodeName = c.Nodes[rng.IntN(len(c.Nodes))].Name
			if rng.IntN(8) == 0 {
				resize(rng, p)
			}
		}
		if rng.IntN(6) == 0 {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{randomPort(rng)}
		}
		if rng.IntN(4) == 0 {
			prio := int32(rng.IntN(3) * 100)
			p.Spec.Priority = &prio
		}
		if rng.IntN(10) == 0 {
			t := metav1.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
			p.DeletionTimestamp = &t
			p.Finalizers = []string{"example.com/keep"}
			if rng.IntN(2) == 0 {
				p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.DisruptionTarget,
					Status: corev1.ConditionTrue, Reason: corev1.PodReasonPreemptionByScheduler})
			}
		}
		if rng.IntN(12) == 0 {
			p.Status.Phase = pick(rng, corev1.PodSucceeded, corev1.PodFailed, corev1.PodRunning)
		}
		if rng.IntN(5) == 0 {
			p.Spec.Affinity = &corev1.Affinity{PodAntiAffinity: &corev1.PodAntiAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{randomPodTerm(rng)}}}
		}
		c.Pods = append(c.Pods, p)
	}
	return c
}

func basePod(rng *rand.Rand, name string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: pick(rng, namespaces...), UID: types.UID("uid-" + name),
			Labels: map[string]string{"app": pick(rng, apps...)}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Resources: corev1.ResourceRequirements{Requests: randomRequests(rng)}}}},
	}
	if rng.IntN(2) == 0 {
		p.Labels["tier"] = pick(rng, "front", "back")
	}
	always := corev1.ContainerRestartPolicyAlways
	if rng.IntN(6) == 0 {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: "init", Resources: corev1.ResourceRequirements{Requests: randomRequests(rng)}})
	}
	if rng.IntN(6) == 0 {
		sidecar := corev1.Container{Name: "sidecar", RestartPolicy: &always, Resources: corev1.ResourceRequirements{Requests: randomRequests(rng)}}
		if rng.IntN(3) == 0 {
			sidecar.Ports = []corev1.ContainerPort{randomPort(rng)}
		}
		if rng.IntN(2) == 0 {
			p.Spec.InitContainers = append([]corev1.Container{sidecar}, p.Spec.InitContainers...)
		} else {
			p.Spec.InitContainers = append(p.Spec.InitContainers, sidecar)
		}
	}
	if rng.IntN(8) == 0 {
		p.Spec.Resources = &corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: q(pick(rng, "200m", "2"))}}
	}
	if rng.IntN(10) == 0 {
		p.Spec.Overhead = corev1.ResourceList{corev1.ResourceCPU: q("250m"), corev1.ResourceMemory: q("120Mi")}
	}
	return p
}

// resize gives a bound pod an in-place resize status: actuated and
// allocated requests that differ from the spec, sometimes Infeasible.
func resize(rng *rand.Rand, p *corev1.Pod) {
	p.Status.ContainerStatuses = []corev1.ContainerStatus{{
		Name:               "c",
		Resources:          &corev1.ResourceRequirements{Requests: randomRequests(rng)},
		AllocatedResources: randomRequests(rng),
	}}
	if rng.IntN(3) == 0 {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodResizePending, Status: corev1.ConditionTrue,
			Reason: pick(rng, corev1.PodReasonInfeasible, corev1.PodReasonDeferred)}}
	}
}

func randomRequests(rng *rand.Rand) corev1.ResourceList {
	out := corev1.ResourceList{}
	if rng.IntN(4) > 0 {
		out[corev1.ResourceCPU] = q(pick(rng, "100m", "500m", "1", "1500m", "3"))
	}
	if rng.IntN(3) > 0 {
		out[corev1.ResourceMemory] = q(pick(rng, "128Mi", "1Gi", "3Gi"))
	}
	if rng.IntN(8) == 0 {
		out["example.com/gpu"] = q(pick(rng, "0", "1", "2"))
	}
	return out
}

func randomPort(rng *rand.Rand) corev1.ContainerPort {
	return corev1.ContainerPort{ContainerPort: 80, HostPort: pick[int32](rng, 0, 80, 443),
		HostIP: pick(rng, "", "0.0.0.0", "10.0.0.1", "::"), Protocol: pick[corev1.Protocol](rng, "", "TCP", "UDP")}
}

// RandomSelector returns a label selector of any kind: nil, empty,
// set-based, equality-based or (rarely) malformed.
func RandomSelector(rng *rand.Rand) *metav1.LabelSelector {
	switch rng.IntN(8) {
	case 0:
		return nil
	case 1:
		return &metav1.LabelSelector{}
	case 2:
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{pick(rng, apps...)}}}}
	case 3:
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: pick(rng, "app", "tier"), Operator: metav1.LabelSelectorOpExists}}}
	case 4:
		return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{pick(rng, apps...), pick(rng, apps...)}}}}
	case 5:
		if rng.IntN(4) == 0 {
			return &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}
		}
		fallthrough
	default:
		return &metav1.LabelSelector{MatchLabels: map[string]string{"app": pick(rng, apps...)}}
	}
}

func randomPodTerm(rng *rand.Rand) corev1.PodAffinityTerm {
	t := corev1.PodAffinityTerm{TopologyKey: pick(rng, ZoneKey, corev1.LabelHostname, "disk"), LabelSelector: RandomSelector(rng)}
	switch rng.IntN(6) {
	case 0:
		t.Namespaces = []string{pick(rng, namespaces...)}
	case 1:
		t.NamespaceSelector = &metav1.LabelSelector{}
	case 2:
		t.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": pick(rng, "a", "b")}}
	case 3:
		t.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpDoesNotExist}}}
	}
	return t
}

// RandomPod returns an unbound pod named "incoming" with random requests,
// ports, tolerations, node selector and affinity, topology spread
// constraints, pod (anti-)affinity and priority.
func RandomPod(rng *rand.Rand) *corev1.Pod {
	p := basePod(rng, "incoming")
	if rng.IntN(4) == 0 {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{randomPort(rng)}
	}
	if rng.IntN(3) == 0 {
		p.Spec.Tolerations = []corev1.Toleration{{Key: pick(rng, "dedicated", "gpu", ""), Operator: pick[corev1.TolerationOperator](rng, "Exists", "Equal", ""),
			Value: pick(rng, "x", "y", ""), Effect: pick[corev1.TaintEffect](rng, "", corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute)}}
	}
	if rng.IntN(4) == 0 {
		p.Spec.NodeSelector = map[string]string{pick(rng, ZoneKey, "disk"): pick(rng, "a", "b", "ssd")}
	}
	if rng.IntN(4) == 0 {
		var terms []corev1.NodeSelectorTerm
		for range rng.IntN(3) {
			terms = append(terms, randomNodeSelectorTerm(rng))
		}
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms}}}
	}
	if rng.IntN(12) == 0 {
		p.Spec.NodeName = fmt.Sprintf("n%d", rng.IntN(8))
	}
	if rng.IntN(3) == 0 {
		c := corev1.TopologySpreadConstraint{MaxSkew: int32(1 + rng.IntN(2)), TopologyKey: pick(rng, ZoneKey, corev1.LabelHostname),
			WhenUnsatisfiable: pick(rng, corev1.DoNotSchedule, corev1.DoNotSchedule, corev1.ScheduleAnyway), LabelSelector: RandomSelector(rng)}
		if rng.IntN(3) == 0 {
			d := int32(1 + rng.IntN(4))
			c.MinDomains = &d
		}
		if rng.IntN(3) == 0 {
			pol := pick(rng, corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore)
			c.NodeAffinityPolicy = &pol
		}
		if rng.IntN(3) == 0 {
			pol := pick(rng, corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore)
			c.NodeTaintsPolicy = &pol
		}
		if rng.IntN(4) == 0 {
			c.MatchLabelKeys = []string{pick(rng, "tier", "missing")}
		}
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, c)
		if rng.IntN(3) == 0 {
			c.TopologyKey = pick(rng, ZoneKey, corev1.LabelHostname, "disk")
			p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, c)
		}
	}
	if rng.IntN(9) < 5 {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &corev1.Affinity{}
		}
	}
	if p.Spec.Affinity != nil && rng.IntN(2) == 0 {
		var terms []corev1.PodAffinityTerm
		for range 1 + rng.IntN(2) {
			terms = append(terms, randomPodTerm(rng))
		}
		p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	}
	if p.Spec.Affinity != nil && rng.IntN(2) == 0 {
		p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{randomPodTerm(rng)}}
	}
	if p.Spec.Affinity != nil && rng.IntN(5) == 0 {
		if p.Spec.Affinity.PodAntiAffinity == nil {
			p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{}
		}
		p.Spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = []corev1.WeightedPodAffinityTerm{
			{Weight: 10, PodAffinityTerm: randomPodTerm(rng)}}
	}
	if rng.IntN(3) == 0 {
		prio := int32(rng.IntN(3) * 100)
		p.Spec.Priority = &prio
	}
	if rng.IntN(10) == 0 {
		never := corev1.PreemptNever
		p.Spec.PreemptionPolicy = &never
	}
	if rng.IntN(10) == 0 {
		p.Status.NominatedNodeName = fmt.Sprintf("n%d", rng.IntN(8))
	}
	if rng.IntN(15) == 0 {
		hostUsers := false
		p.Spec.HostNetwork = true
		p.Spec.HostUsers = &hostUsers
	}
	return p
}

func randomNodeSelectorTerm(rng *rand.Rand) corev1.NodeSelectorTerm {
	ops := []corev1.NodeSelectorOperator{"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Bogus"}
	var t corev1.NodeSelectorTerm
	for range rng.IntN(3) {
		req := corev1.NodeSelectorRequirement{Key: pick(rng, ZoneKey, "disk", corev1.LabelHostname), Operator: pick(rng, ops...)}
		for range rng.IntN(3) {
			req.Values = append(req.Values, pick(rng, "a", "b", "ssd", "15", "n1", "x"))
		}
		if rng.IntN(3) > 0 { // mostly well-formed
			switch req.Operator {
			case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
				req.Values = nil
			case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
				req.Values = []string{pick(rng, "10", "15", "x")}
			case "Bogus":
				req.Operator = corev1.NodeSelectorOpIn
				fallthrough
			default:
				if len(req.Values) == 0 {
					req.Values = []string{"a"}
				}
			}
		}
		t.MatchExpressions = append(t.MatchExpressions, req)
	}
	for range rng.IntN(2) {
		req := corev1.NodeSelectorRequirement{Key: pick(rng, "metadata.name", "metadata.uid"), Operator: pick[corev1.NodeSelectorOperator](rng, "In", "NotIn", "Exists")}
		for range 1 + rng.IntN(2) {
			req.Values = append(req.Values, fmt.Sprintf("n%d", rng.IntN(8)))
		}
		t.MatchFields = append(t.MatchFields, req)
	}
	return t
}
