package scheduling

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The expected scores below are worked out by hand from the plugins'
// formulas in k8s.io/kubernetes v1.36.3 (the arithmetic is in each case's
// comment), not taken from the Simulator.

// scoreCase scores pod on nodes and compares one plugin's normalised score
// per node; want nil means the plugin skips the pod.
type scoreCase struct {
	name      string
	nodes     []*corev1.Node
	pods      []*corev1.Pod
	workloads *Workloads
	pod       *corev1.Pod
	want      map[string]int64
}

func runScoreCases(t *testing.T, plugin string, tests []scoreCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSimulator(tc.nodes, tc.pods)
			require.NoError(t, err)
			if tc.workloads != nil {
				require.NoError(t, s.SetWorkloads(*tc.workloads))
			}
			scores, err := s.Scores(tc.pod)
			require.NoError(t, err)
			var got map[string]int64
			for _, ns := range scores {
				for _, ps := range ns.Plugins {
					if ps.Plugin == plugin {
						if got == nil {
							got = map[string]int64{}
						}
						got[ns.Node] = ps.Score
					}
				}
			}
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestLeastAllocatedScore(t *testing.T) {
	runScoreCases(t, PluginNodeResourcesFit, []scoreCase{{
		// n1: cpu (4000-2000)*100/4000 = 50, memory (8-3)*100/8 = 62 → 56.
		// n2: cpu (4000-1000)*100/4000 = 75, memory (8-1)*100/8 = 87 → 81.
		name:  "node requests plus the pod's, per resource, then the mean",
		nodes: []*corev1.Node{makeNode("n1", std()), makeNode("n2", std())},
		pods:  []*corev1.Pod{makePod("old", on("n1"), req("cpu", "1", "memory", "2Gi"))},
		pod:   makePod("p", req("cpu", "1", "memory", "1Gi")),
		want:  map[string]int64{"n1": 56, "n2": 81},
	}, {
		// Both pods count 100m and 200Mi: cpu 800*100/1000 = 80,
		// memory (1024-400)*100/1024 = 60 → 70.
		name:  "containers without requests count 100m cpu and 200Mi memory",
		nodes: []*corev1.Node{makeNode("n1", rl("cpu", "1", "memory", "1Gi", "pods", "110"))},
		pods:  []*corev1.Pod{makePod("old", on("n1"))},
		pod:   makePod("p"),
		want:  map[string]int64{"n1": 70},
	}, {
		// Ten pods without requests: 1000m of cpu in the non-zero view, so
		// 1100m > 1000m scores 0; memory (8192-2200)*100/8192 = 73 → 36.
		name:  "more than allocatable scores 0 for that resource",
		nodes: []*corev1.Node{makeNode("n1", rl("cpu", "1", "memory", "8Gi", "pods", "110"))},
		pods:  podsOn("n1", 10),
		pod:   makePod("p"),
		want:  map[string]int64{"n1": 36},
	}, {
		// The scorer counts the containers (cpu 1: 75; memory 1Gi: 87 → 81),
		// not the pod-level 3 cpu the filter charges.
		name:  "pod-level requests do not count in the scorer",
		nodes: []*corev1.Node{makeNode("n1", std())},
		pod: makePod("p", req("cpu", "1", "memory", "1Gi"), func(p *corev1.Pod) {
			p.Spec.Resources = &corev1.ResourceRequirements{Requests: rl("cpu", "3")}
		}),
		want: map[string]int64{"n1": 81},
	}, {
		name:  "a node without memory allocatable is scored on cpu alone",
		nodes: []*corev1.Node{makeNode("n1", rl("cpu", "4", "pods", "110"))},
		pod:   makePod("p", req("cpu", "1")),
		want:  map[string]int64{"n1": 75}, // (4000-1000)*100/4000
	}})
}

func podsOn(node string, n int) []*corev1.Pod {
	var out []*corev1.Pod
	for i := range n {
		out = append(out, makePod("old-"+string(rune('a'+i)), on(node)))
	}
	return out
}

func TestBalancedAllocationScore(t *testing.T) {
	runScoreCases(t, PluginNodeResourcesBalancedAllocation, []scoreCase{{
		// n1 with the pod: 2/4 and 4/8, std 0 → 100; without: 1/4 and 4/8,
		// std 0.125 → 87; 50 + (50+100-87)/2 = 81.
		// n2 with: 1/4 and 0, std 0.125 → 87; without: 100; 50 + 37/2 = 68.
		name:  "how much the pod improves the balance of cpu and memory",
		nodes: []*corev1.Node{makeNode("n1", std()), makeNode("n2", std())},
		pods:  []*corev1.Pod{makePod("old", on("n1"), req("cpu", "1", "memory", "4Gi"))},
		pod:   makePod("p", req("cpu", "1")),
		want:  map[string]int64{"n1": 81, "n2": 68},
	}, {
		// With: cpu 2/1 capped at 1, memory 1/8, std 0.4375 → 56; without:
		// 1 and 0, std 0.5 → 50; 50 + (50+56-50)/2 = 78.
		name:  "fractions are capped at 1",
		nodes: []*corev1.Node{makeNode("n1", rl("cpu", "1", "memory", "8Gi", "pods", "110"))},
		pods:  []*corev1.Pod{makePod("old", on("n1"), req("cpu", "2"))},
		pod:   makePod("p", req("memory", "1Gi")),
		want:  map[string]int64{"n1": 78},
	}, {
		name:  "a best-effort pod is skipped",
		nodes: []*corev1.Node{makeNode("n1", std())},
		pod:   makePod("p"),
	}})
}

func preferTaint(key string) corev1.Taint {
	return corev1.Taint{Key: key, Value: "x", Effect: corev1.TaintEffectPreferNoSchedule}
}

func TestTaintTolerationScore(t *testing.T) {
	nodes := func() []*corev1.Node {
		return []*corev1.Node{
			makeNode("one", std(), taints(preferTaint("spot"))),
			makeNode("two", std(), taints(preferTaint("spot"), preferTaint("old"))),
			makeNode("none", std(), taints(corev1.Taint{Key: "spot", Effect: corev1.TaintEffectNoExecute})),
		}
	}
	spotAny := corev1.Toleration{Key: "spot", Operator: corev1.TolerationOpExists}
	runScoreCases(t, PluginTaintToleration, []scoreCase{{
		// Untolerated PreferNoSchedule taints 1, 2, 0 (the NoExecute taint is
		// the filter's, tolerated here): 100 - 100*count/2.
		name:  "fewer untolerated PreferNoSchedule taints score higher",
		nodes: nodes(),
		pod:   makePod("p", tolerate(spotAny)),
		want:  map[string]int64{"one": 100, "two": 0, "none": 100},
	}, {
		// Counts 1, 2, 0: only tolerations with an empty or PreferNoSchedule
		// effect count, so the NoSchedule one tolerates nothing here.
		name:  "a NoSchedule toleration does not count",
		nodes: nodes(),
		pod: makePod("p", tolerate(corev1.Toleration{Key: "spot", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
			corev1.Toleration{Key: "spot", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute})),
		want: map[string]int64{"one": 50, "two": 0, "none": 100},
	}, {
		name:  "no untolerated taint anywhere: every node 100",
		nodes: []*corev1.Node{makeNode("a", std()), makeNode("b", std())},
		pod:   makePod("p"),
		want:  map[string]int64{"a": 100, "b": 100},
	}})
}

func preferredNode(weight int32, reqs ...corev1.NodeSelectorRequirement) corev1.PreferredSchedulingTerm {
	return corev1.PreferredSchedulingTerm{Weight: weight, Preference: corev1.NodeSelectorTerm{MatchExpressions: reqs}}
}

func preferNodes(terms ...corev1.PreferredSchedulingTerm) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: terms}}
	}
}

func TestNodeAffinityScore(t *testing.T) {
	nodes := []*corev1.Node{
		zoned("a-ssd", "a", nodeLabels("disk", "ssd")),
		zoned("a", "a"),
		zoned("b", "b"),
	}
	runScoreCases(t, PluginNodeAffinity, []scoreCase{{
		// Weights matched 40, 10, 0 (weight 0 never counts): 100*w/40.
		name:  "sum of the matching terms' weights, scaled to the best",
		nodes: nodes,
		pod: makePod("p", preferNodes(preferredNode(10, expr(zoneKey, corev1.NodeSelectorOpIn, "a")),
			preferredNode(30, expr("disk", corev1.NodeSelectorOpIn, "ssd")),
			preferredNode(0, expr(zoneKey, corev1.NodeSelectorOpIn, "b")))),
		want: map[string]int64{"a-ssd": 100, "a": 25, "b": 0},
	}, {
		name:  "no term matches: every node 0",
		nodes: nodes,
		pod:   makePod("p", preferNodes(preferredNode(10, expr("disk", corev1.NodeSelectorOpIn, "nvme")))),
		want:  map[string]int64{"a-ssd": 0, "a": 0, "b": 0},
	}, {
		name:  "no preferred terms: skipped",
		nodes: nodes,
		pod:   makePod("p"),
	}})
}

func TestNodeAffinityScoreMalformedTerm(t *testing.T) {
	s, err := NewSimulator([]*corev1.Node{zoned("a", "a")}, nil)
	require.NoError(t, err)
	pod := makePod("p", preferNodes(preferredNode(10, expr(zoneKey, "Bogus", "a"))))
	_, err = s.Schedule(pod)
	var se *ScoreError
	require.ErrorAs(t, err, &se)
	assert.Equal(t, PluginNodeAffinity, se.Plugin)
	assert.Equal(t, `running PreScore plugin "NodeAffinity": [0].matchExpressions[0].operator: Unsupported value: "Bogus": supported values: "In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"`, err.Error())
}

func withImages(images ...corev1.ContainerImage) nodeOpt {
	return func(n *corev1.Node) { n.Status.Images = append(n.Status.Images, images...) }
}

func image(size string, names ...string) corev1.ContainerImage {
	q := resource.MustParse(size)
	return corev1.ContainerImage{Names: names, SizeBytes: q.Value()}
}

func withImage(images ...string) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Containers = nil
		for i, img := range images {
			p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "c" + string(rune('0'+i)), Image: img})
		}
	}
}

func TestImageLocalityScore(t *testing.T) {
	app := image("500Mi", "app:v1", "registry.example/app:v1")
	runScoreCases(t, PluginImageLocality, []scoreCase{{
		// 500Mi on 1 of 2 nodes scales to 250Mi: 100*(250-23)/(1000-23) = 23.
		name:  "image size scaled by the share of nodes holding it",
		nodes: []*corev1.Node{makeNode("with", std(), withImages(app)), makeNode("without", std())},
		pod:   makePod("p", withImage("app:v1")),
		want:  map[string]int64{"with": 23, "without": 0},
	}, {
		// Twice 250Mi over two containers: 100*(500-23)/(2000-23) = 24.
		name:  "each container counts, the threshold grows with them",
		nodes: []*corev1.Node{makeNode("with", std(), withImages(app)), makeNode("without", std())},
		pod:   makePod("p", withImage("app:v1", "registry.example/app:v1")),
		want:  map[string]int64{"with": 24, "without": 0},
	}, {
		name:  "larger than 1000Mi per container: 100",
		nodes: []*corev1.Node{makeNode("with", std(), withImages(image("3Gi", "ml:v2")))},
		pod:   makePod("p", withImage("ml:v2")),
		want:  map[string]int64{"with": 100},
	}, {
		// The pod's "app" is app:latest; the node's untagged "app" is not.
		name:  "pod images without a tag are :latest, node names are not normalised",
		nodes: []*corev1.Node{makeNode("with", std(), withImages(image("3Gi", "app")))},
		pod:   makePod("p", withImage("app")),
		want:  map[string]int64{"with": 0},
	}})
}

func softSpread(key string, maxSkew int32, sel ...string) podOpt {
	return spread(corev1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key,
		WhenUnsatisfiable: corev1.ScheduleAnyway, LabelSelector: selector(sel...)})
}

func TestPodTopologySpreadScore(t *testing.T) {
	nodes := func(extra ...*corev1.Node) []*corev1.Node {
		return append([]*corev1.Node{zoned("a1", "a"), zoned("a2", "a"), zoned("b1", "b")}, extra...)
	}
	pods := webPods(map[string]int{"a1": 2, "b1": 1})
	runScoreCases(t, PluginPodTopologySpread, []scoreCase{{
		// Two zones: weight ln(2+2). Raw a: 2*1.386 → 3, b: 1.386 → 1;
		// normalised 100*(max+min-raw)/max = 100*(3+1-3)/3 = 33 and 100.
		name:  "zone: fewer matching pods in the zone score higher",
		nodes: nodes(),
		pods:  pods,
		pod:   makePod("p", podLabels("app", "web"), softSpread(zoneKey, 1, "app", "web")),
		want:  map[string]int64{"a1": 33, "a2": 33, "b1": 100},
	}, {
		// Hostname counts on the node itself, weight ln(3+2) = 1.609: raw
		// 3.2 → 3, 0, 1.6 → 2; 100*(3-raw)/3 = 0, 100, 33.
		name:  "hostname: matching pods on the node itself",
		nodes: nodes(),
		pods:  pods,
		pod:   makePod("p", podLabels("app", "web"), softSpread(corev1.LabelHostname, 1, "app", "web")),
		want:  map[string]int64{"a1": 0, "a2": 100, "b1": 33},
	}, {
		// The node without the zone is ignored (0); the others as above.
		name:  "a node without the key scores 0",
		nodes: nodes(makeNode("x", std())),
		pods:  pods,
		pod:   makePod("p", podLabels("app", "web"), softSpread(zoneKey, 1, "app", "web")),
		want:  map[string]int64{"a1": 33, "a2": 33, "b1": 100, "x": 0},
	}, {
		// System defaults: hostname (maxSkew 3, weight ln 5) plus zone
		// (maxSkew 5, weight ln 4): a1 2*1.609+2 + 2*1.386+4 = 11.99 → 12,
		// a2 2 + 6.77 → 9, b1 3.61 + 5.39 → 9; 100*(12+9-raw)/12.
		name:      "system defaults from the Service selecting the pod",
		nodes:     nodes(),
		pods:      pods,
		workloads: &Workloads{Services: []*corev1.Service{webService()}},
		pod:       makePod("p", podLabels("app", "web")),
		want:      map[string]int64{"a1": 75, "a2": 100, "b1": 100},
	}, {
		name:  "no constraint and no workload: skipped",
		nodes: nodes(),
		pods:  pods,
		pod:   makePod("p", podLabels("app", "web")),
	}})
}

func webService() *corev1.Service {
	svc := &corev1.Service{Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}}}
	svc.Name, svc.Namespace = "web", "default"
	return svc
}

func preferPods(weight int32, anti bool, terms ...corev1.PodAffinityTerm) podOpt {
	return func(p *corev1.Pod) {
		var weighted []corev1.WeightedPodAffinityTerm
		for _, t := range terms {
			weighted = append(weighted, corev1.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: t})
		}
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &corev1.Affinity{}
		}
		if anti {
			p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: weighted}
		} else {
			p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: weighted}
		}
	}
}

func TestInterPodAffinityScore(t *testing.T) {
	nodes := []*corev1.Node{zoned("a1", "a"), zoned("a2", "a"), zoned("b1", "b")}
	db := makePod("db", on("a1"), podLabels("app", "db"))
	nearDB := affinityTermOf(zoneKey, selector("app", "db"))
	nearWeb := affinityTermOf(zoneKey, selector("app", "web"))
	runScoreCases(t, PluginInterPodAffinity, []scoreCase{{
		// Zone a +10, zone b 0: min-max scaled to 100, 100, 0.
		name:  "preferred affinity adds its weight to the matching pods' domain",
		nodes: nodes,
		pods:  []*corev1.Pod{db},
		pod:   makePod("p", preferPods(10, false, nearDB)),
		want:  map[string]int64{"a1": 100, "a2": 100, "b1": 0},
	}, {
		// Zone a -10, zone b 0: 0, 0, 100.
		name:  "preferred anti-affinity subtracts it",
		nodes: nodes,
		pods:  []*corev1.Pod{db},
		pod:   makePod("p", preferPods(10, true, nearDB)),
		want:  map[string]int64{"a1": 0, "a2": 0, "b1": 100},
	}, {
		// The bound pod's required affinity matches the new pod: its zone b
		// gets hardPodAffinityWeight 1.
		name:  "an existing pod's required affinity counts with weight 1",
		nodes: nodes,
		pods:  []*corev1.Pod{makePod("front", on("b1"), podAffinity(nearWeb))},
		pod:   makePod("p", podLabels("app", "web")),
		want:  map[string]int64{"a1": 0, "a2": 0, "b1": 100},
	}, {
		// The bound pod's preferred anti-affinity (weight 5) against the new
		// pod: zone a -5.
		name:  "an existing pod's preferred anti-affinity counts against its domain",
		nodes: nodes,
		pods:  []*corev1.Pod{makePod("front", on("a2"), preferPods(5, true, nearWeb))},
		pod:   makePod("p", podLabels("app", "web")),
		want:  map[string]int64{"a1": 0, "a2": 0, "b1": 100},
	}, {
		name:  "nothing matches: skipped",
		nodes: nodes,
		pods:  []*corev1.Pod{db},
		pod:   makePod("p", podLabels("app", "web")),
	}})
}

func TestDynamicResourcesScoresZero(t *testing.T) {
	runScoreCases(t, PluginDynamicResources, []scoreCase{{
		name:  "always scores, 0 without claims",
		nodes: []*corev1.Node{makeNode("a", std()), makeNode("b", std())},
		pod:   makePod("p", req("cpu", "1")),
		want:  map[string]int64{"a": 0, "b": 0},
	}})
}

func TestSchedule(t *testing.T) {
	t.Run("the highest total wins and the breakdown adds up", func(t *testing.T) {
		s, err := NewSimulator([]*corev1.Node{makeNode("busy", std()), makeNode("idle", std())},
			[]*corev1.Pod{makePod("old", on("busy"), req("cpu", "3", "memory", "6Gi"))})
		require.NoError(t, err)
		d, err := s.Schedule(makePod("p", req("cpu", "1", "memory", "1Gi")))
		require.NoError(t, err)
		assert.Equal(t, "idle", d.Node)
		assert.Equal(t, 2, d.Feasible)
		assert.Equal(t, 1, d.Tied)
		var sum int64
		for _, p := range d.Plugins {
			sum += p.Weighted()
		}
		assert.Equal(t, d.Score, sum)
	})
	t.Run("ties go to the first node in snapshot order", func(t *testing.T) {
		for _, order := range [][]string{{"x", "y"}, {"y", "x"}} {
			s, err := NewSimulator([]*corev1.Node{makeNode(order[0], std()), makeNode(order[1], std())}, nil)
			require.NoError(t, err)
			d, err := s.Schedule(makePod("p", req("cpu", "1")))
			require.NoError(t, err)
			assert.Equal(t, order[0], d.Node)
			assert.Equal(t, 2, d.Tied)
		}
	})
	t.Run("a feasible nominated node is chosen without regard to score", func(t *testing.T) {
		s, err := NewSimulator([]*corev1.Node{makeNode("idle", std()), makeNode("busy", std())},
			[]*corev1.Pod{makePod("old", on("busy"), req("cpu", "3"))})
		require.NoError(t, err)
		pod := makePod("p", req("cpu", "1"))
		pod.Status.NominatedNodeName = "busy"
		d, err := s.Schedule(pod)
		require.NoError(t, err)
		assert.Equal(t, "busy", d.Node)
		assert.True(t, d.Nominated)
	})
	// 2 cpu exceed the whole allocatable: unresolvable, so preemption is
	// not helpful.
	t.Run("nothing fits: the error is the Diagnosis", func(t *testing.T) {
		s, err := NewSimulator([]*corev1.Node{makeNode("small", rl("cpu", "1", "memory", "1Gi", "pods", "110"))}, nil)
		require.NoError(t, err)
		_, err = s.Schedule(makePod("p", req("cpu", "2")))
		var d Diagnosis
		require.True(t, errors.As(err, &d))
		assert.Equal(t, "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.", err.Error())
	})
	t.Run("a malformed soft spread selector fails scoring, not filtering", func(t *testing.T) {
		s, err := NewSimulator([]*corev1.Node{zoned("a", "a")}, nil)
		require.NoError(t, err)
		pod := makePod("p", spread(corev1.TopologySpreadConstraint{MaxSkew: 1, TopologyKey: zoneKey, WhenUnsatisfiable: corev1.ScheduleAnyway,
			LabelSelector: &metav1LabelSelectorBogus}))
		assert.True(t, s.Filter(pod, "a").IsSuccess())
		_, err = s.Schedule(pod)
		var se *ScoreError
		require.ErrorAs(t, err, &se)
		assert.Equal(t, `running PreScore plugin "PodTopologySpread": calculating preScoreState: obtaining pod's soft topology spread constraints: "Bogus" is not a valid label selector operator`, err.Error())
	})
	t.Run("a nil pod", func(t *testing.T) {
		s, err := NewSimulator([]*corev1.Node{makeNode("a", std())}, nil)
		require.NoError(t, err)
		_, err = s.Schedule(nil)
		assert.ErrorIs(t, err, ErrNilObject)
	})
}

var metav1LabelSelectorBogus = metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}
