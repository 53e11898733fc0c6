package scheduling

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestFeasibleEqualsFilter checks, on random clusters, that Feasible returns
// exactly the nodes Filter passes, that the Diagnosis gives each node the
// status Filter gives it, and that both agree with the plain oracle.
func TestFeasibleEqualsFilter(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for iter := range 1500 {
		c := randomCluster(rng)
		s, err := NewSimulator(c.nodes, c.pods)
		require.NoError(t, err)
		require.NoError(t, s.SetNamespaces(c.namespaces))
		o := newOracle(c.nodes, c.pods, c.namespaces)
		for range 3 {
			pod := randomIncomingPod(rng)
			fits, d := s.Feasible(pod)
			var want []string
			for _, n := range c.nodes {
				st := s.Filter(pod, n.Name)
				if st.IsSuccess() {
					want = append(want, n.Name)
				}
				require.Equal(t, normalize(st), normalize(d.Status(n.Name)), "iteration %d node %s", iter, n.Name)
				require.Equal(t, normalize(o.filter(pod, n.Name)), normalize(st), "iteration %d node %s\npod: %s", iter, n.Name, describe(pod))
			}
			require.Equal(t, want, nonNil(fits), "iteration %d", iter)
			require.NotEmpty(t, d.Error())
		}
	}
}

func nonNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func describe(p *corev1.Pod) string { return fmt.Sprintf("%+v labels=%v", p.Spec, p.Labels) }

type cluster struct {
	nodes      []*corev1.Node
	pods       []*corev1.Pod
	namespaces []*corev1.Namespace
}

var (
	zones      = []string{"a", "b", "c"}
	apps       = []string{"web", "db", "cache"}
	namespaces = []string{"default", "other"}
)

func randomCluster(rng *rand.Rand) cluster {
	var c cluster
	c.namespaces = []*corev1.Namespace{
		{ObjectMeta: metav1.ObjectMeta{Name: "default", Labels: map[string]string{"team": "a"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "other", Labels: map[string]string{"team": "b"}}},
	}
	nNodes := 1 + rng.IntN(8)
	for i := range nNodes {
		alloc := rl("cpu", pick(rng, "1", "2", "4"), "memory", pick(rng, "1Gi", "4Gi"), "pods", pick(rng, "2", "5", "110"))
		if rng.IntN(4) == 0 {
			alloc["example.com/gpu"] = rl("x", pick(rng, "0", "1", "2"))["x"]
		}
		if rng.IntN(15) == 0 {
			alloc = nil
		}
		n := makeNode(fmt.Sprintf("n%d", i), alloc)
		if rng.IntN(5) > 0 {
			n.Labels[zoneKey] = pick(rng, zones...)
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
		c.nodes = append(c.nodes, n)
	}
	nPods := rng.IntN(25)
	for i := range nPods {
		p := makePod(fmt.Sprintf("p%d", i), ns(pick(rng, namespaces...)), podLabels("app", pick(rng, apps...)))
		if rng.IntN(2) == 0 {
			p.Labels["tier"] = pick(rng, "front", "back")
		}
		if rng.IntN(8) > 0 {
			p.Spec.NodeName = c.nodes[rng.IntN(len(c.nodes))].Name
		}
		p.Spec.Containers[0].Resources.Requests = randomRequests(rng)
		if rng.IntN(6) == 0 {
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{randomPort(rng)}
		}
		if rng.IntN(4) == 0 {
			prio := int32(rng.IntN(3) * 100)
			p.Spec.Priority = &prio
		}
		if rng.IntN(10) == 0 {
			terminating()(p)
		}
		if rng.IntN(12) == 0 {
			p.Status.Phase = pick(rng, corev1.PodSucceeded, corev1.PodFailed, corev1.PodRunning)
		}
		if rng.IntN(5) == 0 {
			podAntiAffinity(randomPodTerm(rng))(p)
		}
		c.pods = append(c.pods, p)
	}
	return c
}

func randomRequests(rng *rand.Rand) corev1.ResourceList {
	out := corev1.ResourceList{}
	if rng.IntN(4) > 0 {
		out["cpu"] = rl("x", pick(rng, "100m", "500m", "1", "1500m", "3"))["x"]
	}
	if rng.IntN(3) > 0 {
		out["memory"] = rl("x", pick(rng, "128Mi", "1Gi", "3Gi"))["x"]
	}
	if rng.IntN(8) == 0 {
		out["example.com/gpu"] = rl("x", pick(rng, "0", "1", "2"))["x"]
	}
	return out
}

func randomPort(rng *rand.Rand) corev1.ContainerPort {
	return corev1.ContainerPort{ContainerPort: 80, HostPort: pick[int32](rng, 0, 80, 443),
		HostIP: pick(rng, "", "0.0.0.0", "10.0.0.1", "::"), Protocol: pick[corev1.Protocol](rng, "", "TCP", "UDP")}
}

func randomSelector(rng *rand.Rand) *metav1.LabelSelector {
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
		return selector("app", pick(rng, apps...))
	}
}

func randomPodTerm(rng *rand.Rand) corev1.PodAffinityTerm {
	t := corev1.PodAffinityTerm{TopologyKey: pick(rng, zoneKey, corev1.LabelHostname, "disk"), LabelSelector: randomSelector(rng)}
	switch rng.IntN(6) {
	case 0:
		t.Namespaces = []string{pick(rng, namespaces...)}
	case 1:
		t.NamespaceSelector = &metav1.LabelSelector{}
	case 2:
		t.NamespaceSelector = selector("team", pick(rng, "a", "b"))
	case 3:
		t.NamespaceSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "team", Operator: metav1.LabelSelectorOpDoesNotExist}}}
	}
	return t
}

func randomIncomingPod(rng *rand.Rand) *corev1.Pod {
	p := makePod("incoming", ns(pick(rng, namespaces...)), podLabels("app", pick(rng, apps...)))
	if rng.IntN(2) == 0 {
		p.Labels["tier"] = pick(rng, "front", "back")
	}
	p.Spec.Containers[0].Resources.Requests = randomRequests(rng)
	if rng.IntN(4) == 0 {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{randomPort(rng)}
	}
	if rng.IntN(3) == 0 {
		p.Spec.Tolerations = []corev1.Toleration{{Key: pick(rng, "dedicated", "gpu", ""), Operator: pick[corev1.TolerationOperator](rng, "Exists", "Equal", ""),
			Value: pick(rng, "x", "y", ""), Effect: pick[corev1.TaintEffect](rng, "", corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute)}}
	}
	if rng.IntN(4) == 0 {
		p.Spec.NodeSelector = map[string]string{pick(rng, zoneKey, "disk"): pick(rng, "a", "b", "ssd")}
	}
	if rng.IntN(5) == 0 {
		ops := []corev1.NodeSelectorOperator{"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"}
		term := corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{
			{Key: pick(rng, zoneKey, "disk"), Operator: pick(rng, ops...), Values: []string{pick(rng, "a", "ssd", "15")}}}}
		if rng.IntN(3) == 0 {
			term.MatchFields = []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: pick[corev1.NodeSelectorOperator](rng, "In", "NotIn"),
				Values: []string{fmt.Sprintf("n%d", rng.IntN(8))}}}
		}
		requiredNodeAffinity(term)(p)
	}
	if rng.IntN(12) == 0 {
		p.Spec.NodeName = fmt.Sprintf("n%d", rng.IntN(8))
	}
	if rng.IntN(3) == 0 {
		c := corev1.TopologySpreadConstraint{MaxSkew: int32(1 + rng.IntN(2)), TopologyKey: pick(rng, zoneKey, corev1.LabelHostname),
			WhenUnsatisfiable: pick(rng, corev1.DoNotSchedule, corev1.DoNotSchedule, corev1.ScheduleAnyway), LabelSelector: randomSelector(rng)}
		if rng.IntN(3) == 0 {
			c.MinDomains = ptrTo(int32(1 + rng.IntN(4)))
		}
		if rng.IntN(3) == 0 {
			c.NodeAffinityPolicy = ptrTo(pick(rng, corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore))
		}
		if rng.IntN(3) == 0 {
			c.NodeTaintsPolicy = ptrTo(pick(rng, corev1.NodeInclusionPolicyHonor, corev1.NodeInclusionPolicyIgnore))
		}
		if rng.IntN(4) == 0 {
			c.MatchLabelKeys = []string{pick(rng, "tier", "missing")}
		}
		spread(c)(p)
		if rng.IntN(3) == 0 {
			c.TopologyKey = pick(rng, zoneKey, corev1.LabelHostname, "disk")
			spread(c)(p)
		}
	}
	if rng.IntN(3) == 0 {
		var terms []corev1.PodAffinityTerm
		for range 1 + rng.IntN(2) {
			terms = append(terms, randomPodTerm(rng))
		}
		podAffinity(terms...)(p)
	}
	if rng.IntN(3) == 0 {
		podAntiAffinity(randomPodTerm(rng))(p)
	}
	if rng.IntN(3) == 0 {
		prio := int32(rng.IntN(3) * 100)
		p.Spec.Priority = &prio
	}
	return p
}

// TestConcurrentReads runs Feasible and Filter from several goroutines on
// one Simulator; with -race this checks the lazy indexes are safe.
func TestConcurrentReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	c := randomCluster(rng)
	for len(c.pods) < 10 {
		c = randomCluster(rng)
	}
	s, err := NewSimulator(c.nodes, c.pods)
	require.NoError(t, err)
	pods := make([]*corev1.Pod, 8)
	for i := range pods {
		pods[i] = randomIncomingPod(rng)
		pods[i].Spec.TopologySpreadConstraints = append(pods[i].Spec.TopologySpreadConstraints, zoneSpread(1, selector("app", "web")))
	}
	want := make([][]string, len(pods))
	done := make(chan int)
	for i := range pods {
		go func() {
			fits, _ := s.Feasible(pods[i])
			want[i] = fits
			done <- i
		}()
	}
	for range pods {
		<-done
	}
	for i, p := range pods {
		fits, _ := s.Feasible(p)
		assert.Equal(t, want[i], fits)
	}
}
