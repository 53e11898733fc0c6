package scheduling

import (
	"math/rand/v2"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
)

// FuzzNodeAffinity checks the compiled node affinity against
// component-helpers on requirements taken from manifests: any key, operator
// and values, matched against a node with any label.
func FuzzNodeAffinity(f *testing.F) {
	f.Add("zone", "In", "a,b", "zone", "a", false)
	f.Add("size", "Gt", "10", "size", "11", false)
	f.Add("size", "Lt", "x", "size", "1", false)
	f.Add("metadata.name", "NotIn", "n", "zone", "a", true)
	f.Add("bad key!", "Exists", "", "zone", "", false)
	f.Add("zone", "DoesNotExist", "", "rack", "r1", false)
	f.Add("zone", "Bogus", "a", "zone", "a", false)
	f.Fuzz(func(t *testing.T, key, op, values, labelKey, labelValue string, asField bool) {
		var vals []string
		if values != "" {
			vals = strings.Split(values, ",")
		}
		req := corev1.NodeSelectorRequirement{Key: key, Operator: corev1.NodeSelectorOperator(op), Values: vals}
		term := corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{req}}
		if asField {
			term = corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{req}}
		}
		pod := makePod("p", requiredNodeAffinity(term))
		node := makeNode("n", std(), nodeLabels(labelKey, labelValue))
		want, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node)
		// One node: matched label by label. Nine nodes sharing the label:
		// matched through per-value tables.
		for _, count := range []int{1, 9} {
			nodes := []*corev1.Node{node}
			for i := 1; i < count; i++ {
				other := node.DeepCopy()
				other.Name = node.Name + strings.Repeat("x", i)
				nodes = append(nodes, other)
			}
			s, err := NewSimulator(nodes, nil)
			if err != nil {
				t.Fatal(err)
			}
			got := true
			if a := s.newNodeAffinity(pod); a != nil {
				got = a.match(0, &s.nodes[0])
			}
			if got != want {
				t.Fatalf("%d nodes: requirement %+v on labels %v: got %v, component-helpers %v", count, req, node.Labels, got, want)
			}
		}
	})
}

// FuzzPodSelectors feeds label selectors as they come in manifests (any key,
// operator and values) to topology spread and pod (anti-)affinity, and
// checks the Simulator neither panics nor disagrees with the oracle or with
// itself.
func FuzzPodSelectors(f *testing.F) {
	f.Add("app", "In", "web,db", "zone", uint8(0))
	f.Add("app", "NotIn", "", "zone", uint8(1))
	f.Add("app", "Exists", "x", "kubernetes.io/hostname", uint8(2))
	f.Add("bad key!", "In", "a", "", uint8(3))
	f.Add("tier", "Bogus", "front", "zone", uint8(4))
	f.Fuzz(func(t *testing.T, key, op, values, topologyKey string, where uint8) {
		var vals []string
		if values != "" {
			vals = strings.Split(values, ",")
		}
		sel := &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: key, Operator: metav1.LabelSelectorOperator(op), Values: vals}}}
		rng := rand.New(rand.NewPCG(uint64(where), 7))
		c := schedgen.RandomCluster(rng)
		pod := makePod("incoming", podLabels("app", "web", "tier", "front"))
		term := corev1.PodAffinityTerm{TopologyKey: topologyKey, LabelSelector: sel}
		switch where % 5 {
		case 0:
			spread(corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: topologyKey, WhenUnsatisfiable: corev1.DoNotSchedule, LabelSelector: sel})(pod)
		case 1:
			podAffinity(term)(pod)
		case 2:
			podAntiAffinity(term)(pod)
		case 3:
			c.Pods = append(c.Pods, makePod("guard", on(c.Nodes[0].Name), podAntiAffinity(term)))
		case 4:
			affinity(&corev1.Affinity{PodAffinity: &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []corev1.WeightedPodAffinityTerm{{Weight: 1, PodAffinityTerm: term}}}})(pod)
		}
		checkAgainstOracle(t, c, pod)
	})
}

// FuzzClusters runs the random-cluster property from fuzzed seeds.
func FuzzClusters(f *testing.F) {
	for i := range uint64(8) {
		f.Add(i, i*31+1)
	}
	f.Fuzz(func(t *testing.T, a, b uint64) {
		rng := rand.New(rand.NewPCG(a, b))
		c := schedgen.RandomCluster(rng)
		checkAgainstOracle(t, c, schedgen.RandomPod(rng))
	})
}

func checkAgainstOracle(t *testing.T, c schedgen.Cluster, pod *corev1.Pod) {
	t.Helper()
	s, err := NewSimulator(c.Nodes, c.Pods)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetNamespaces(c.Namespaces); err != nil {
		t.Fatal(err)
	}
	o := newOracle(c.Nodes, c.Pods, c.Namespaces)
	fits, d := s.Feasible(pod)
	feasible := map[string]bool{}
	for _, n := range fits {
		feasible[n] = true
	}
	for _, n := range c.Nodes {
		got := normalize(s.Filter(pod, n.Name))
		if want := normalize(o.filter(pod, n.Name)); !equalStatus(got, want) {
			t.Fatalf("node %s: Filter = %v, oracle %v", n.Name, got, want)
		}
		if st := normalize(d.Status(n.Name)); !equalStatus(st, got) {
			t.Fatalf("node %s: Diagnosis.Status = %v, Filter %v", n.Name, st, got)
		}
		if got.IsSuccess() != feasible[n.Name] {
			t.Fatalf("node %s: Filter %v but Feasible %v", n.Name, got, fits)
		}
	}
	_ = d.Error()
}

func equalStatus(a, b Status) bool {
	if a.Code != b.Code || a.Plugin != b.Plugin || len(a.Reasons) != len(b.Reasons) {
		return false
	}
	for i := range a.Reasons {
		if a.Reasons[i] != b.Reasons[i] {
			return false
		}
	}
	return true
}
