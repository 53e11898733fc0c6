package scheduling

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
)

// TestCapacityEqualsPlace: on random clusters, Capacity of a random pod
// equals the number of copies Place manages to place (with a few more
// copies offered than Capacity counts), node by node, and Capacity leaves
// the snapshot as it was.
func TestCapacityEqualsPlace(t *testing.T) {
	rng := rand.New(rand.NewPCG(61, 62))
	fast, slow := 0, 0
	for iter := range 500 {
		c := schedgen.RandomScoringCluster(rng)
		s, err := NewSimulator(c.Nodes, c.Pods)
		require.NoError(t, err)
		require.NoError(t, s.SetNamespaces(c.Namespaces))
		require.NoError(t, s.SetWorkloads(Workloads{Services: c.Services, ReplicaSets: c.ReplicaSets}))
		pod := schedgen.RandomScoringPod(rng)
		if rng.IntN(2) == 0 && pod.Spec.Affinity != nil {
			pod.Spec.Affinity.PodAffinity, pod.Spec.Affinity.PodAntiAffinity = nil, nil
		}
		if rng.IntN(2) == 0 {
			pod.Spec.TopologySpreadConstraints = nil
		}
		if rng.IntN(3) == 0 {
			pod.Spec.Containers[0].Resources.Requests = nil // only the pod count limits it
		}
		s.podIndex() // built lazily on first use: not a change of the snapshot
		before := stateOf(s)
		got, err := s.Capacity(pod)
		require.NoError(t, err)
		require.Equal(t, before, stateOf(s), "iteration %d: Capacity changed the snapshot", iter)
		if independentCopies(s, pod) {
			fast++
		} else {
			slow++
		}

		var copies []*corev1.Pod
		for k := range got.Total + 3 {
			p := &corev1.Pod{ObjectMeta: *pod.ObjectMeta.DeepCopy(), Spec: *pod.Spec.DeepCopy()}
			p.Name = fmt.Sprintf("copy-%d", k)
			copies = append(copies, p)
		}
		res := s.Place(copies)
		require.Equal(t, got.Total, res.Placed, "iteration %d", iter)
		perNode := map[string]int{}
		for _, pl := range res.Placements {
			if pl.Placed() {
				perNode[pl.Node]++
			}
		}
		want := map[string]int{}
		for _, nc := range got.Nodes {
			want[nc.Node] = nc.Copies
		}
		require.Equal(t, want, perNode, "iteration %d", iter)
	}
	t.Logf("%d pods counted node by node, %d copy by copy", fast, slow)
}

func TestCapacity(t *testing.T) {
	nodes := []*corev1.Node{
		makeNode("small", rl("cpu", "2", "memory", "8Gi", "pods", "110")),
		makeNode("few-slots", rl("cpu", "16", "memory", "64Gi", "pods", "3")),
		makeNode("tainted", std(), taints(corev1.Taint{Key: "gpu", Effect: corev1.TaintEffectNoSchedule})),
	}
	bound := []*corev1.Pod{makePod("old", on("few-slots"))}
	s, err := NewSimulator(nodes, bound)
	require.NoError(t, err)

	t.Run("free resources and pod slots", func(t *testing.T) {
		// small: 2000m / 500m = 4; few-slots: 3 slots - 1 pod = 2.
		got, err := s.Capacity(makePod("web", req("cpu", "500m", "memory", "1Gi")))
		require.NoError(t, err)
		assert.Equal(t, CapacityResult{Total: 6, Nodes: []NodeCapacity{{"small", 4}, {"few-slots", 2}}}, got)
	})
	t.Run("host ports: one per node", func(t *testing.T) {
		got, err := s.Capacity(makePod("agent", hostPorts(corev1.ContainerPort{ContainerPort: 9100, HostPort: 9100}),
			tolerate(corev1.Toleration{Key: "gpu", Operator: corev1.TolerationOpExists})))
		require.NoError(t, err)
		assert.Equal(t, 3, got.Total)
	})
	t.Run("required anti-affinity by hostname: one per node, placed copy by copy", func(t *testing.T) {
		pod := makePod("db", podLabels("app", "db"), podAntiAffinity(affinityTermOf("kubernetes.io/hostname", selector("app", "db"))))
		got, err := s.Capacity(pod)
		require.NoError(t, err)
		assert.Equal(t, CapacityResult{Total: 2, Nodes: []NodeCapacity{{"small", 1}, {"few-slots", 1}}}, got)
	})
	t.Run("fits nowhere", func(t *testing.T) {
		got, err := s.Capacity(makePod("huge", req("cpu", "64")))
		require.NoError(t, err)
		assert.Equal(t, 0, got.Total)
		assert.Empty(t, got.Nodes)
	})
	t.Run("nil pod", func(t *testing.T) {
		_, err := s.Capacity(nil)
		assert.ErrorIs(t, err, ErrNilObject)
	})
}
