package drain_test

import (
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

// Objects made for a plain fake clientset often have no UID. The drain
// must still tell such pods apart, by name, and act on each of them.
func TestDrainTellsPodsWithoutUIDApart(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a := testutil.DrainPod("a", "node-a").Owner("ReplicaSet", "web").Obj()
		b := testutil.DrainPod("b", "node-a").Owner("ReplicaSet", "web").Obj()
		a.UID, b.UID = "", ""
		client := fake.NewClientset(testutil.DrainNode("node-a"), testutil.DrainNode("node-b"), a, b)
		// An eviction on the plain fake deletes nothing; delete the pod as
		// the API server does for a pod no budget covers, once the drain
		// watches pods: the fake, unlike the API server, does not replay a
		// deletion to a watch that starts after it.
		watching := make(chan struct{})
		client.PrependWatchReactor("pods", func(action k8stesting.Action) (bool, watch.Interface, error) {
			w, err := client.Tracker().Watch(action.GetResource(), action.GetNamespace(), action.(k8stesting.WatchActionImpl).ListOptions)
			select {
			case <-watching:
			default:
				close(watching)
			}
			return true, w, err
		})
		client.PrependReactor("create", "pods", func(action k8stesting.Action) (bool, runtime.Object, error) {
			if action.GetSubresource() != "eviction" {
				return false, nil, nil
			}
			eviction := action.(k8stesting.CreateAction).GetObject().(*policyv1.Eviction)
			go func() {
				<-watching
				_ = client.Tracker().Delete(corev1.SchemeGroupVersion.WithResource("pods"), eviction.Namespace, eviction.Name)
			}()
			return true, nil, nil
		})
		d, err := drain.New(client, drain.Options{})
		require.NoError(t, err)

		plan, err := d.Plan(t.Context(), "node-a")
		require.NoError(t, err)
		require.Len(t, plan.Pods, 2)
		for _, p := range plan.Pods {
			assert.Equal(t, drain.ActionEvict, p.Action, p.Name)
		}

		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		require.Len(t, report.Pods, 2)
		for _, name := range []string{"a", "b"} {
			p, ok := report.Pod("default", name)
			require.True(t, ok, name)
			assert.Equal(t, drain.OutcomeEvicted, p.Outcome, name)
		}
		pods, err := client.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{})
		require.NoError(t, err)
		assert.Empty(t, pods.Items)
	})
}
