package scheduling

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
)

// randomRollout returns pods to place: runs of replicas of a few random
// pods (which Place handles with its per-shape cache) mixed with single
// random pods.
func randomRollout(rng *rand.Rand) []*corev1.Pod {
	var pods []*corev1.Pod
	for k := range 1 + rng.IntN(4) {
		template := schedgen.RandomScoringPod(rng)
		template.Status.NominatedNodeName = ""
		if rng.IntN(2) == 0 && template.Spec.Affinity != nil {
			// Without pod (anti-)affinity the shape qualifies for the cache.
			template.Spec.Affinity.PodAffinity, template.Spec.Affinity.PodAntiAffinity = nil, nil
		}
		if rng.IntN(2) == 0 {
			template.Spec.TopologySpreadConstraints = nil
		}
		for r := range rng.IntN(12) {
			p := template.DeepCopy()
			p.Name = fmt.Sprintf("rs%d-%d", k, r)
			pods = append(pods, p)
		}
		if rng.IntN(3) == 0 {
			p := schedgen.RandomScoringPod(rng)
			p.Name = fmt.Sprintf("single%d", k)
			pods = append(pods, p)
		}
	}
	return pods
}

// TestPlaceAgreesWithScheduleAndFilter places random rollouts on random
// clusters and replays them on a second snapshot with Schedule and Assign,
// one pod at a time: each pod must go where Schedule sends it (with the
// same score) or fit nowhere with the same message; Filter must pass for
// the node; and the node must not be charged beyond its allocatable for
// anything the pod requests, nor hold more pods than it allows.
func TestPlaceAgreesWithScheduleAndFilter(t *testing.T) {
	rng := rand.New(rand.NewPCG(51, 52))
	placed, cached := 0, 0
	for iter := range 400 {
		c := schedgen.RandomScoringCluster(rng)
		s, err := NewSimulator(c.Nodes, c.Pods)
		require.NoError(t, err)
		require.NoError(t, s.SetNamespaces(c.Namespaces))
		replay, err := NewSimulator(c.Nodes, c.Pods)
		require.NoError(t, err)
		require.NoError(t, replay.SetNamespaces(c.Namespaces))
		pods := randomRollout(rng)

		res := s.Place(pods)
		require.Len(t, res.Placements, len(pods))
		for k, pod := range pods {
			pl := res.Placements[k]
			d, err := replay.Schedule(pod)
			if err != nil {
				require.False(t, pl.Placed(), "iteration %d pod %s: placed on %s, Schedule: %v", iter, pod.Name, pl.Node, err)
				require.Equal(t, err.Error(), pl.Message, "iteration %d pod %s", iter, pod.Name)
				continue
			}
			require.Equal(t, d.Node, pl.Node, "iteration %d pod %s", iter, pod.Name)
			require.Equal(t, d.Score, pl.Score, "iteration %d pod %s", iter, pod.Name)
			require.True(t, replay.Filter(pod, pl.Node).IsSuccess(), "iteration %d pod %s", iter, pod.Name)
			require.NoError(t, replay.Assign(pod, pl.Node))
			assertWithinAllocatable(t, replay, pod, pl.Node)
			placed++
			if newShapeCacheQualifies(replay, pod) {
				cached++
			}
		}
		require.Equal(t, stateOf(replay).Nodes, stateOf(s).Nodes, "iteration %d", iter)
	}
	t.Logf("%d pods placed, %d of them of shapes the cache handles", placed, cached)
}

func newShapeCacheQualifies(s *Simulator, pod *corev1.Pod) bool {
	return s.newShapeCache(pod, nil) != nil
}

// assertWithinAllocatable checks that node holds no more than its
// allocatable of each resource pod requests, and no more pods than allowed.
func assertWithinAllocatable(t *testing.T, s *Simulator, pod *corev1.Pod, nodeName string) {
	t.Helper()
	n := &s.nodes[s.nodeIndex[nodeName]]
	a := incomingAmounts(PodRequests(&corev1.Pod{Spec: corev1.PodSpec{Containers: pod.Spec.Containers,
		InitContainers: pod.Spec.InitContainers, Overhead: pod.Spec.Overhead, Resources: pod.Spec.Resources}}))
	assert.LessOrEqual(t, int64(len(n.pods)), n.allowedPods, "pods on %s", nodeName)
	if a.milliCPU > 0 {
		assert.LessOrEqual(t, n.reqCPU, n.allocCPU, "cpu on %s", nodeName)
	}
	if a.memory > 0 {
		assert.LessOrEqual(t, n.reqMemory, n.allocMemory, "memory on %s", nodeName)
	}
	if a.ephemeral > 0 {
		assert.LessOrEqual(t, n.reqEph, n.allocEph, "ephemeral-storage on %s", nodeName)
	}
	for _, sc := range a.scalars {
		if sc.value > 0 {
			alloc, used := s.scalarOnNode(s.scalarIndex[sc.name], s.nodeIndex[nodeName], nil)
			assert.LessOrEqual(t, used, alloc, "%s on %s", sc.name, nodeName)
		}
	}
}

func TestPlaceReport(t *testing.T) {
	s, err := NewSimulator([]*corev1.Node{makeNode("a", rl("cpu", "2", "memory", "4Gi", "pods", "110"))}, nil)
	require.NoError(t, err)
	pods := []*corev1.Pod{
		makePod("web-1", req("cpu", "1")),
		makePod("web-2", req("cpu", "1")),
		makePod("web-3", req("cpu", "1")),
		nil,
	}
	res := s.Place(pods)
	assert.Equal(t, 2, res.Placed)
	assert.Equal(t, 2, res.Unplaced)
	assert.Equal(t, "a", res.Placements[0].Node)
	assert.Equal(t, "a", res.Placements[1].Node)
	assert.False(t, res.Placements[2].Placed())
	// The third finds both cpus taken by the first two, which have the same
	// priority: preemption cannot help.
	assert.Equal(t, "0/1 nodes are available: 1 Insufficient cpu. no new claims to deallocate, preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.",
		res.Placements[2].Message)
	assert.Equal(t, map[string]int{"Insufficient cpu": 1}, res.Placements[2].Reasons)
	assert.Equal(t, "nil pod", res.Placements[3].Message)

	out, err := json.Marshal(res)
	require.NoError(t, err)
	assert.Contains(t, string(out), `"pod":"default/web-1","node":"a"`)

	// The placed pods stay until removed.
	require.NoError(t, s.Remove(pods[0]))
	assert.True(t, s.Filter(pods[2], "a").IsSuccess())
}
