package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/klog/v2"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler/framework"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
	"github.com/kubeprim/kubeprim/scheduling"
)

// TestScoresAgainstKubeScheduler runs random clusters and pods through the
// real scheduler's PreScore, Score and NormalizeScore stages (over the nodes
// its filters pass) and through Simulator.Scores, and requires the same
// plugins, the same weighted score per plugin and node, and the same
// totals, or the same error. Then Schedule must pick one of the nodes with
// the real highest total, and the node the real SchedulePod picks must be
// one of the Simulator's highest.
func TestScoresAgainstKubeScheduler(t *testing.T) {
	cases := 2500
	if testing.Short() {
		cases = 100
	}
	rng := rand.New(rand.NewPCG(2026, 4))
	for i := range cases {
		c := schedgen.RandomScoringCluster(rng)
		pod := schedgen.RandomScoringPod(rng)
		t.Run(fmt.Sprintf("case%04d", i), func(t *testing.T) {
			compareScores(t, c, pod)
		})
	}
	t.Logf("%d cases: %d scored (%d with ties), %d score errors, %d with no feasible node", cases, scored, ties, scoreErrors, unscored)
	t.Logf("cases where a plugin's scores differ between nodes: %v", varied)
}

// TestScoresAgainstKubeSchedulerLargerClusters does the same with up to 20
// nodes and 100 pods: more ties, more spreading domains.
func TestScoresAgainstKubeSchedulerLargerClusters(t *testing.T) {
	cases := 500
	if testing.Short() {
		cases = 25
	}
	rng := rand.New(rand.NewPCG(2026, 6))
	for i := range cases {
		c := schedgen.RandomScoringClusterSized(rng, 20, 100)
		pod := schedgen.RandomScoringPod(rng)
		t.Run(fmt.Sprintf("case%04d", i), func(t *testing.T) {
			compareScores(t, c, pod)
		})
	}
	t.Logf("so far: %d scored (%d with ties), %d score errors, %d with no feasible node", scored, ties, scoreErrors, unscored)
}

// Counters, so that a run shows what it checked.
var (
	scored, ties, scoreErrors, unscored int
	varied                              = map[string]int{}
)

// countVaried counts, per plugin, the cases in which its score is not the
// same on every node: those are the cases that test its formula.
func countVaried(real []fwk.NodePluginScores) {
	seen := map[string]int64{}
	differs := map[string]bool{}
	for _, n := range real {
		for _, ps := range n.Scores {
			if v, ok := seen[ps.Name]; ok && v != ps.Score {
				differs[ps.Name] = true
			}
			seen[ps.Name] = ps.Score
		}
	}
	for name := range differs {
		varied[name]++
	}
}

func compareScores(t *testing.T, c schedgen.Cluster, pod *corev1.Pod) {
	t.Helper()
	sim, err := scheduling.NewSimulator(c.Nodes, c.Pods)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetNamespaces(c.Namespaces); err != nil {
		t.Fatal(err)
	}
	if err := sim.SetWorkloads(scheduling.Workloads{Services: c.Services, ReplicationControllers: c.ReplicationControllers,
		ReplicaSets: c.ReplicaSets, StatefulSets: c.StatefulSets}); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(klog.NewContext(t.Context(), klog.Background()))
	defer cancel()
	schedulable := pod.Spec.NodeName == ""
	var extra []*corev1.Pod
	if schedulable {
		extra = append(extra, pod)
	}
	sched, profile, snapshot, err := startScheduler(ctx, c, extra...)
	if err != nil {
		t.Fatal(err)
	}

	// The feasible nodes, as findNodesThatFitPod finds them in a small
	// cluster: the nominated node, then every node the PreFilter allows.
	state := framework.NewCycleState()
	preResult, preStatus, _ := profile.RunPreFilterPlugins(ctx, state, pod)
	var feasible []fwk.NodeInfo
	if preStatus.IsSuccess() {
		for _, n := range c.Nodes {
			if preResult != nil && !preResult.AllNodes() && !preResult.NodeNames.Has(n.Name) && n.Name != pod.Status.NominatedNodeName {
				continue
			}
			info, err := snapshot.NodeInfos().Get(n.Name)
			if err != nil {
				t.Fatal(err)
			}
			if profile.RunFilterPlugins(ctx, state, pod, info).IsSuccess() {
				feasible = append(feasible, info)
			}
		}
	}

	ours, ourErr := sim.Scores(pod)
	if len(feasible) == 0 {
		unscored++
		var d scheduling.Diagnosis
		if !errors.As(ourErr, &d) {
			t.Fatalf("kube-scheduler finds no feasible node, Simulator: %v, %v\npod: %s", ours, ourErr, describe(pod))
		}
		return
	}

	realScores, realErr := runScoring(ctx, profile, state, pod, feasible)
	if realErr != nil {
		scoreErrors++
		var se *scheduling.ScoreError
		if !errors.As(ourErr, &se) || ourErr.Error() != realErr.Error() {
			t.Fatalf("kube-scheduler fails scoring with %q, Simulator: %v\npod: %s", realErr, ourErr, describe(pod))
		}
		return
	}
	if ourErr != nil {
		t.Fatalf("Simulator: %v, kube-scheduler scores %v\npod: %s", ourErr, realScores, describe(pod))
	}
	scored++
	countVaried(realScores)
	compareNodeScores(t, ours, realScores, pod)

	// Schedule picks among the real top nodes; the real pick is among ours.
	realTop := topNodes(realScores)
	if len(realTop) > 1 {
		ties++
	}
	decision, err := sim.Schedule(pod)
	if err != nil {
		t.Fatalf("Schedule: %v", err)
	}
	if !decision.Nominated && !slices.Contains(realTop, decision.Node) {
		t.Errorf("Schedule picks %s (total %d), kube-scheduler's highest are %v", decision.Node, decision.Score, realTop)
	}
	if schedulable {
		podInfo, _ := framework.NewPodInfo(pod)
		result, err := sched.SchedulePod(ctx, profile, framework.NewCycleState(), &framework.QueuedPodInfo{PodInfo: podInfo})
		if err != nil {
			t.Fatalf("SchedulePod: %v", err)
		}
		switch {
		case decision.Nominated && result.SuggestedHost != decision.Node:
			t.Errorf("kube-scheduler binds to %s, Schedule to the nominated node %s", result.SuggestedHost, decision.Node)
		case !decision.Nominated && !slices.Contains(topNodes(fromOurs(ours)), result.SuggestedHost):
			t.Errorf("kube-scheduler binds to %s, which is not among the Simulator's highest %v", result.SuggestedHost, topNodes(fromOurs(ours)))
		}
	}
}

// runScoring runs the PreScore and Score stages (Score includes
// NormalizeScore and the weights) as prioritizeNodes does.
func runScoring(ctx context.Context, profile framework.Framework, state fwk.CycleState, pod *corev1.Pod, nodes []fwk.NodeInfo) ([]fwk.NodePluginScores, error) {
	if st := profile.RunPreScorePlugins(ctx, state, pod, nodes); !st.IsSuccess() {
		return nil, st.AsError()
	}
	scores, st := profile.RunScorePlugins(ctx, state, pod, nodes)
	if !st.IsSuccess() {
		return nil, st.AsError()
	}
	return scores, nil
}

func compareNodeScores(t *testing.T, ours []scheduling.NodeScore, real []fwk.NodePluginScores, pod *corev1.Pod) {
	t.Helper()
	byName := map[string]scheduling.NodeScore{}
	for _, ns := range ours {
		byName[ns.Node] = ns
	}
	if len(ours) != len(real) {
		t.Errorf("Simulator scores %d nodes, kube-scheduler %d", len(ours), len(real))
	}
	for _, r := range real {
		o, ok := byName[r.Name]
		if !ok {
			t.Errorf("node %s: scored by kube-scheduler only", r.Name)
			continue
		}
		var want, got []string
		for _, ps := range r.Scores {
			want = append(want, fmt.Sprintf("%s=%d", ps.Name, ps.Score))
		}
		for _, ps := range o.Plugins {
			got = append(got, fmt.Sprintf("%s=%d", ps.Plugin, ps.Weighted()))
		}
		if r.TotalScore != o.Total || !slices.Equal(want, got) {
			t.Errorf("node %s: Simulator total %d %v, kube-scheduler total %d %v\npod: %s", r.Name, o.Total, got, r.TotalScore, want, describe(pod))
		}
	}
}

func fromOurs(ours []scheduling.NodeScore) []fwk.NodePluginScores {
	out := make([]fwk.NodePluginScores, len(ours))
	for i, ns := range ours {
		out[i] = fwk.NodePluginScores{Name: ns.Node, TotalScore: ns.Total}
	}
	return out
}

func topNodes(scores []fwk.NodePluginScores) []string {
	var best int64 = -1 << 63
	var out []string
	for _, s := range scores {
		switch {
		case s.TotalScore > best:
			best, out = s.TotalScore, []string{s.Name}
		case s.TotalScore == best:
			out = append(out, s.Name)
		}
	}
	return out
}
