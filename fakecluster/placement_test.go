package fakecluster_test

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/scheduling"
)

// A replacement goes where kube-scheduler's default scoring sends it, not
// to the node with the fewest pods: node-b runs one pod that takes most of
// its CPU, node-c two small ones, so LeastAllocated prefers node-c.
func TestReplacementGoesWhereTheSchedulerScoresHighest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := testutil.DrainNode("node-a")
		a.Spec.Unschedulable = true
		c := newCluster(t, fakecluster.Options{}, a, testutil.DrainNode("node-b"), testutil.DrainNode("node-c"),
			testutil.ReplicaSet("default", "web", 1),
			testutil.DrainPod("web-abcde", "node-a").Owner("ReplicaSet", "web").Labels("app", "web").Requests("500m", "512Mi").Obj(),
			testutil.DrainPod("big", "node-b").Requests("3", "6Gi").Obj(),
			testutil.DrainPod("small-0", "node-c").Requests("100m", "128Mi").Obj(),
			testutil.DrainPod("small-1", "node-c").Requests("100m", "128Mi").Obj())
		require.NoError(t, c.CoreV1().Pods("default").Delete(t.Context(), "web-abcde", metav1.DeleteOptions{}))
		list, err := c.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{LabelSelector: "app=web"})
		require.NoError(t, err)
		require.Len(t, list.Items, 1)
		assert.Equal(t, "node-c", list.Items[0].Spec.NodeName)
	})
}

// The cluster keeps its scheduler's view current change by change. After
// every eviction in a random sequence, the replacement is on the node a
// Simulator built afresh from the cluster's objects schedules it to: the
// evicted pod, terminating, still holds its room, as in the scheduler's
// cache, and earlier replacements hold theirs.
func TestReplacementsMatchAFreshSnapshot(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	synctest.Test(t, func(t *testing.T) {
		objs := []runtime.Object{testutil.ReplicaSet("default", "web", 12)}
		for i := range 4 {
			node := testutil.DrainNode(fmt.Sprintf("node-%d", i))
			cpu := resource.MustParse(fmt.Sprintf("%d", 4+2*i))
			node.Status.Allocatable[corev1.ResourceCPU] = cpu
			objs = append(objs, node)
		}
		var names []string
		for i := range 12 {
			name := fmt.Sprintf("web-%02d", i)
			names = append(names, name)
			objs = append(objs, testutil.DrainPod(name, fmt.Sprintf("node-%d", i%4)).Owner("ReplicaSet", "web").Labels("app", "web").
				Requests(fmt.Sprintf("%dm", 100*(1+rng.IntN(8))), fmt.Sprintf("%dMi", 64*(1+rng.IntN(8)))).Grace(60).Obj())
		}
		c := newCluster(t, fakecluster.Options{}, objs...)
		ctx := t.Context()
		rng.Shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
		seen := map[types.UID]bool{}
		pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		for i := range pods.Items {
			seen[pods.Items[i].UID] = true
		}
		for _, name := range names[:8] {
			nodes, err := c.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			var snapshotNodes []*corev1.Node
			for i := range nodes.Items {
				snapshotNodes = append(snapshotNodes, &nodes.Items[i])
			}
			var snapshotPods []*corev1.Pod
			var evicted *corev1.Pod
			for i := range pods.Items {
				snapshotPods = append(snapshotPods, &pods.Items[i])
				if pods.Items[i].Name == name {
					evicted = &pods.Items[i]
				}
			}
			require.NotNil(t, evicted)
			sim, err := scheduling.NewSimulator(snapshotNodes, snapshotPods)
			require.NoError(t, err)
			next := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "next", Labels: evicted.Labels}, Spec: evicted.Spec}
			next.Spec.NodeName = ""
			want, err := sim.Schedule(next)
			require.NoError(t, err)

			require.NoError(t, c.CoreV1().Pods("default").Delete(ctx, name, metav1.DeleteOptions{}))
			after, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
			require.NoError(t, err)
			var created []corev1.Pod
			for _, p := range after.Items {
				if !seen[p.UID] {
					created = append(created, p)
					seen[p.UID] = true
				}
			}
			require.Len(t, created, 1, "one replacement for %s", name)
			assert.Equal(t, want.Node, created[0].Spec.NodeName, "replacement of %s", name)
		}
	})
}
