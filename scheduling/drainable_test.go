package scheduling

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
)

// TestDrainableAgreesWithPlacingOneByOne drains random nodes of random
// clusters and checks the answer against a second snapshot built by hand
// as the drain leaves the cluster (the drained nodes cordoned and tainted,
// their evicted and terminating pods gone), on which each evicted pod's
// replacement is scheduled with Schedule and bound with Assign, one by one,
// highest priority first. Drainable must leave its snapshot as it was.
func TestDrainableAgreesWithPlacingOneByOne(t *testing.T) {
	rng := rand.New(rand.NewPCG(71, 72))
	evictedTotal, unplacedTotal := 0, 0
	for iter := range 400 {
		c := schedgen.RandomScoringCluster(rng)
		for _, p := range c.Pods {
			if rng.IntN(8) == 0 {
				p.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "x"}
			}
		}
		s, err := NewSimulator(c.Nodes, c.Pods)
		require.NoError(t, err)
		require.NoError(t, s.SetNamespaces(c.Namespaces))
		var names []string
		for _, n := range c.Nodes {
			if rng.IntN(3) == 0 {
				names = append(names, n.Name)
			}
		}
		s.podIndex()
		before := stateOf(s)
		got, err := s.Drainable(names...)
		require.NoError(t, err)
		require.Equal(t, before, stateOf(s), "iteration %d: Drainable changed the snapshot", iter)

		// The cluster as the drain leaves it.
		var nodes []*corev1.Node
		for _, n := range c.Nodes {
			if slices.Contains(names, n.Name) {
				n = n.DeepCopy()
				n.Spec.Unschedulable = true
				n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
			}
			nodes = append(nodes, n)
		}
		var kept, evicted []*corev1.Pod
		for _, p := range c.Pods {
			drained := slices.Contains(names, p.Spec.NodeName) && countsOnNode(p)
			switch reason := DrainExemption(p); {
			case !drained || (reason != "" && reason != ExemptTerminating):
				kept = append(kept, p)
			case reason == "":
				evicted = append(evicted, p)
			}
		}
		slices.SortStableFunc(evicted, func(a, b *corev1.Pod) int {
			return int(priorityOf(b)) - int(priorityOf(a))
		})
		replay, err := NewSimulator(nodes, kept)
		require.NoError(t, err)
		require.NoError(t, replay.SetNamespaces(c.Namespaces))

		require.Len(t, got.Evicted, len(evicted), "iteration %d", iter)
		fits := true
		for k, p := range evicted {
			m := got.Evicted[k]
			require.Equal(t, p.Namespace+"/"+p.Name, m.Pod, "iteration %d", iter)
			require.Equal(t, p.Spec.NodeName, m.From)
			r := p.DeepCopy()
			r.Spec.NodeName, r.Status, r.DeletionTimestamp = "", corev1.PodStatus{}, nil
			d, err := replay.Schedule(r)
			if err != nil {
				fits = false
				unplacedTotal++
				require.Empty(t, m.To, "iteration %d pod %s", iter, m.Pod)
				require.Equal(t, err.Error(), m.Message, "iteration %d pod %s", iter, m.Pod)
				continue
			}
			require.Equal(t, d.Node, m.To, "iteration %d pod %s", iter, m.Pod)
			require.NoError(t, replay.Assign(r, d.Node))
		}
		evictedTotal += len(evicted)
		require.Equal(t, fits, got.Fits, "iteration %d", iter)
		require.Equal(t, !fits, len(got.Unplaced()) > 0)
	}
	t.Logf("%d pods evicted, %d of them fit nowhere", evictedTotal, unplacedTotal)
}

func priorityOf(p *corev1.Pod) int32 {
	if p.Spec.Priority != nil {
		return *p.Spec.Priority
	}
	return 0
}

func TestDrainable(t *testing.T) {
	ds := []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "exporter", Controller: ptrTo(true)}}
	nodes := []*corev1.Node{makeNode("old", std()), makeNode("new", rl("cpu", "2", "memory", "8Gi", "pods", "110"))}
	pods := []*corev1.Pod{
		makePod("web", on("old"), req("cpu", "1")),
		makePod("batch", on("old"), req("cpu", "1500m"), priority(-10)),
		makePod("api", on("old"), req("cpu", "1"), priority(1000)),
		makePod("exporter", on("old"), func(p *corev1.Pod) { p.OwnerReferences = ds }),
		makePod("etcd", on("old"), func(p *corev1.Pod) { p.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "x"} }),
		makePod("leaving", on("old"), req("cpu", "3"), terminating()),
	}
	s, err := NewSimulator(nodes, pods)
	require.NoError(t, err)

	got, err := s.Drainable("old")
	require.NoError(t, err)
	// "new" has 2 cpus: api (priority 1000) then web take them; batch is
	// left without a place. The cordoned "old" takes nothing.
	assert.False(t, got.Fits)
	assert.Equal(t, []string{"default/api", "default/web", "default/batch"}, []string{got.Evicted[0].Pod, got.Evicted[1].Pod, got.Evicted[2].Pod})
	assert.Equal(t, "new", got.Evicted[0].To)
	assert.Equal(t, "new", got.Evicted[1].To)
	unplaced := got.Unplaced()
	require.Len(t, unplaced, 1)
	assert.Equal(t, "default/batch", unplaced[0].Pod)
	assert.Equal(t, map[string]int{"Insufficient cpu": 1, "node(s) were unschedulable": 1}, unplaced[0].Reasons)
	assert.Equal(t, []StayingPod{
		{Pod: "default/exporter", Node: "old", Reason: ExemptDaemonSet},
		{Pod: "default/etcd", Node: "old", Reason: ExemptMirror},
		{Pod: "default/leaving", Node: "old", Reason: ExemptTerminating},
	}, got.Staying)
	_, err = json.Marshal(got)
	require.NoError(t, err)

	t.Run("the snapshot is as before", func(t *testing.T) {
		assert.True(t, s.Filter(makePod("p"), "old").IsSuccess())
		assert.Equal(t, PluginNodeResourcesFit, s.Filter(makePod("p", req("cpu", "1")), "old").Plugin)
	})
	t.Run("unknown node", func(t *testing.T) {
		_, err := s.Drainable("old", "gone")
		assert.ErrorIs(t, err, ErrUnknownNode)
	})
	t.Run("nothing to drain", func(t *testing.T) {
		got, err := s.Drainable()
		require.NoError(t, err)
		assert.True(t, got.Fits)
		assert.Empty(t, got.Evicted)
	})
}

func TestDrainExemption(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"replicated", makePod("p", func(p *corev1.Pod) {
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs", Controller: ptrTo(true)}}
		}), ""},
		{"bare pod: evicted too", makePod("p"), ""},
		{"DaemonSet", makePod("p", func(p *corev1.Pod) {
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "ds", Controller: ptrTo(true)}}
		}), ExemptDaemonSet},
		{"DaemonSet owner that is not the controller", makePod("p", func(p *corev1.Pod) {
			p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "ds"}}
		}), ""},
		{"mirror", makePod("p", func(p *corev1.Pod) { p.Annotations = map[string]string{corev1.MirrorPodAnnotationKey: "x"} }), ExemptMirror},
		{"terminating", makePod("p", terminating()), ExemptTerminating},
		{"succeeded", makePod("p", phase(corev1.PodSucceeded)), ExemptFinished},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, DrainExemption(tc.pod))
		})
	}
}
