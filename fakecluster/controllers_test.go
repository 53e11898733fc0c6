package fakecluster_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

func job(name string) *batchv1.Job {
	parallelism := int32(1)
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, UID: types.UID("uid-" + name)},
		Spec:       batchv1.JobSpec{Parallelism: &parallelism},
	}
}

// TestReplacement deletes a controller's pod from node-a (cordoned, so no
// replacement lands there) and checks what the controller puts back.
func TestReplacement(t *testing.T) {
	tests := []struct {
		name     string
		owner    runtime.Object
		kind     string
		pod      string
		wantName func(string) bool
		wantNode string // "" means: any node but node-a
		wantNone bool
	}{
		{name: "ReplicaSet: new name", owner: testutil.ReplicaSet("default", "web", 1), kind: "ReplicaSet", pod: "web-abcde",
			wantName: func(n string) bool { return n != "web-abcde" && len(n) == len("web-")+5 }},
		{name: "StatefulSet: same name", owner: testutil.StatefulSet("default", "db", 1), kind: "StatefulSet", pod: "db-0",
			wantName: func(n string) bool { return n == "db-0" }},
		{name: "Job: new name", owner: job("batch"), kind: "Job", pod: "batch-xyz12",
			wantName: func(n string) bool { return n != "batch-xyz12" }},
		{name: "DaemonSet: same node, tolerating the cordon", owner: testutil.DaemonSet("default", "agent"), kind: "DaemonSet", pod: "agent-q2w3e",
			wantName: func(n string) bool { return n != "agent-q2w3e" }, wantNode: "node-a"},
		{name: "no controller object: nothing", owner: testutil.DrainNode("unrelated"), kind: "ReplicaSet", pod: "orphan-abcde", wantNone: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				cordoned := testutil.DrainNode("node-a")
				cordoned.Spec.Unschedulable = true
				ownerName := map[string]string{"ReplicaSet": "web", "StatefulSet": "db", "Job": "batch", "DaemonSet": "agent"}[tc.kind]
				if tc.wantNone {
					ownerName = "orphan"
				}
				pod := testutil.DrainPod(tc.pod, "node-a").Owner(tc.kind, ownerName).Labels("app", ownerName).Obj()
				c := newCluster(t, fakecluster.Options{}, cordoned, testutil.DrainNode("node-b"), tc.owner, pod)
				ctx := t.Context()
				require.NoError(t, c.CoreV1().Pods("default").Delete(ctx, tc.pod, metav1.DeleteOptions{}))
				list, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
				require.NoError(t, err)
				if tc.wantNone {
					assert.Empty(t, list.Items)
					return
				}
				require.Len(t, list.Items, 1)
				got := list.Items[0]
				assert.True(t, tc.wantName(got.Name), "name %s", got.Name)
				assert.NotEqual(t, pod.UID, got.UID)
				if tc.wantNode != "" {
					assert.Equal(t, tc.wantNode, got.Spec.NodeName)
				} else {
					assert.Equal(t, "node-b", got.Spec.NodeName)
				}
				assert.True(t, isReady(&got))
				assert.Equal(t, metav1.GetControllerOf(pod).UID, metav1.GetControllerOf(&got).UID)
			})
		})
	}
}

func TestReplacementWaitsForRoom(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// The only other node is cordoned: the replacement stays Pending
		// until it is uncordoned.
		a, b := testutil.DrainNode("node-a"), testutil.DrainNode("node-b")
		a.Spec.Unschedulable, b.Spec.Unschedulable = true, true
		c := newCluster(t, fakecluster.Options{ReadyDelay: 10 * time.Second}, a, b, testutil.ReplicaSet("default", "web", 1),
			testutil.DrainPod("web-abcde", "node-a").Owner("ReplicaSet", "web").Obj())
		ctx := t.Context()
		require.NoError(t, c.CoreV1().Pods("default").Delete(ctx, "web-abcde", metav1.DeleteOptions{}))
		list, err := c.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		require.NoError(t, err)
		require.Len(t, list.Items, 1)
		assert.Empty(t, list.Items[0].Spec.NodeName)
		assert.Equal(t, corev1.PodPending, list.Items[0].Status.Phase)

		b.Spec.Unschedulable = false
		_, err = c.CoreV1().Nodes().Update(ctx, b, metav1.UpdateOptions{})
		require.NoError(t, err)
		pod, err := c.CoreV1().Pods("default").Get(ctx, list.Items[0].Name, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, "node-b", pod.Spec.NodeName)
		assert.Equal(t, corev1.PodRunning, pod.Status.Phase)
		assert.False(t, isReady(pod))
		time.Sleep(10 * time.Second)
		synctest.Wait()
		pod, err = c.CoreV1().Pods("default").Get(ctx, pod.Name, metav1.GetOptions{})
		require.NoError(t, err)
		assert.True(t, isReady(pod), "Ready after ReadyDelay")
	})
}

func TestStaleResourceVersionConflicts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := newCluster(t, fakecluster.Options{}, testutil.DrainNode("node-a"))
		ctx := t.Context()
		first, err := c.CoreV1().Nodes().Get(ctx, "node-a", metav1.GetOptions{})
		require.NoError(t, err)
		second := first.DeepCopy()
		first.Labels["team"] = "a"
		_, err = c.CoreV1().Nodes().Update(ctx, first, metav1.UpdateOptions{})
		require.NoError(t, err)
		second.Labels["team"] = "b"
		_, err = c.CoreV1().Nodes().Update(ctx, second, metav1.UpdateOptions{})
		assert.True(t, apierrors.IsConflict(err), "stale update: %v", err)
		_, err = c.CoreV1().Nodes().Patch(ctx, "node-a", types.MergePatchType,
			[]byte(`{"metadata":{"resourceVersion":"`+second.ResourceVersion+`"},"spec":{"unschedulable":true}}`), metav1.PatchOptions{})
		assert.True(t, apierrors.IsConflict(err), "stale merge patch: %v", err)
	})
}
