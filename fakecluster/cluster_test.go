package fakecluster_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

// webObjects are three nodes and a ReplicaSet "web" of three pods, one
// per node, with a grace period of 2 seconds, behind a budget with
// minAvailable 2.
func webObjects() []runtime.Object {
	objs := []runtime.Object{
		testutil.DrainNode("node-a"), testutil.DrainNode("node-b"), testutil.DrainNode("node-c"),
		testutil.ReplicaSet("default", "web", 3),
		budget("web", intstr.FromInt32(2)),
	}
	for i, node := range []string{"node-a", "node-b", "node-c"} {
		objs = append(objs, testutil.DrainPod("web-"+string(rune('x'+i)), node).Owner("ReplicaSet", "web").Labels("app", "web").Grace(2).Obj())
	}
	return objs
}

func budget(name string, minAvailable intstr.IntOrString) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &minAvailable,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
		},
	}
}

func newCluster(t *testing.T, opts fakecluster.Options, objs ...runtime.Object) *fakecluster.Cluster {
	t.Helper()
	c, err := fakecluster.NewWithOptions(opts, objs...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

func TestBudgetStatusIsComputedAtStart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, fakecluster.Options{}, webObjects()...)
		got, err := c.PolicyV1().PodDisruptionBudgets("default").Get(t.Context(), "web", metav1.GetOptions{})
		require.NoError(t, err)
		// minAvailable 2 of 3 Ready pods: the controller expects 3, wants 2,
		// sees 3, allows 1.
		assert.Equal(t, int32(3), got.Status.ExpectedPods)
		assert.Equal(t, int32(2), got.Status.DesiredHealthy)
		assert.Equal(t, int32(3), got.Status.CurrentHealthy)
		assert.Equal(t, int32(1), got.Status.DisruptionsAllowed)
		assert.NotEmpty(t, got.ResourceVersion)
	})
}

func TestPodsListedByNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, fakecluster.Options{}, webObjects()...)
		list, err := c.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{FieldSelector: "spec.nodeName=node-b"})
		require.NoError(t, err)
		require.Len(t, list.Items, 1)
		assert.Equal(t, "web-y", list.Items[0].Name)

		_, err = c.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{FieldSelector: "spec.colour=blue"})
		assert.True(t, apierrors.IsBadRequest(err), "unsupported field label: %v", err)
	})
}

func TestEvictionReplacesPodAndBudgetFollows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, fakecluster.Options{ReadyDelay: 5 * time.Second}, webObjects()...)
		ctx := t.Context()
		uid := types.UID("uid-web-x")
		err := c.PolicyV1().Evictions("default").Evict(ctx, &policyv1.Eviction{
			ObjectMeta:    metav1.ObjectMeta{Namespace: "default", Name: "web-x"},
			DeleteOptions: &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}},
		})
		require.NoError(t, err)

		// The evicted pod terminates for its grace period; its replacement is
		// already created (the ReplicaSet does not wait) but not Ready.
		old, err := c.CoreV1().Pods("default").Get(ctx, "web-x", metav1.GetOptions{})
		require.NoError(t, err)
		assert.NotNil(t, old.DeletionTimestamp)
		pods, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		require.Len(t, pods.Items, 4)
		var replacement corev1.Pod
		for _, p := range pods.Items {
			if p.Name != "web-x" && p.Name != "web-y" && p.Name != "web-z" {
				replacement = p
			}
		}
		assert.NotEmpty(t, replacement.Spec.NodeName, "placed by the scheduler's filters")
		assert.NotEqual(t, types.UID("uid-web-x"), replacement.UID)
		assert.False(t, isReady(&replacement), "not Ready before ReadyDelay")

		b, err := c.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "web", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, int32(2), b.Status.CurrentHealthy)
		assert.Equal(t, int32(0), b.Status.DisruptionsAllowed)

		// A second eviction is refused by the budget.
		err = c.PolicyV1().Evictions("default").Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-y"}})
		assert.True(t, apierrors.IsTooManyRequests(err), "%v", err)

		time.Sleep(5 * time.Second)
		synctest.Wait()
		_, err = c.CoreV1().Pods("default").Get(ctx, "web-x", metav1.GetOptions{})
		assert.True(t, apierrors.IsNotFound(err), "terminated after its grace period: %v", err)
		b, err = c.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "web", metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, int32(3), b.Status.CurrentHealthy, "replacement Ready after ReadyDelay")
		assert.Equal(t, int32(1), b.Status.DisruptionsAllowed)
	})
}

func TestWatchFromResourceVersionReplaysDeletions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, fakecluster.Options{}, webObjects()...)
		ctx := t.Context()
		list, err := c.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=node-a"})
		require.NoError(t, err)
		require.NoError(t, c.CoreV1().Pods("default").Delete(ctx, "web-x", metav1.DeleteOptions{}))

		w, err := c.CoreV1().Pods("").Watch(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=node-a", ResourceVersion: list.ResourceVersion})
		require.NoError(t, err)
		defer w.Stop()
		// The deletion happened before the watch started: it is replayed,
		// terminating first, then gone.
		var seen []watch.EventType
		for ev := range w.ResultChan() {
			pod := ev.Object.(*corev1.Pod)
			if pod.Name != "web-x" {
				continue // the replacement, which may land on node-a
			}
			seen = append(seen, ev.Type)
			if ev.Type == watch.Deleted {
				break
			}
			assert.NotNil(t, pod.DeletionTimestamp)
		}
		assert.Equal(t, []watch.EventType{watch.Modified, watch.Deleted}, seen)
	})
}

func isReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
