package fakecluster_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

// TestDetachAfterPodGone deletes web-0 (5 s grace period), whose claim
// data-web is bound to pv-web, attached to node-a as va-web: the cluster
// deletes va-web DetachDelay after the pod is gone, as the attach-detach
// controller would, unless a pod left on the node still uses the claim; it
// never touches another node's attachment.
func TestDetachAfterPodGone(t *testing.T) {
	for _, tc := range []struct {
		name  string
		delay time.Duration
		extra []runtime.Object
		// gone is when each attachment is deleted, from the pod's
		// deletion; absent: not within an hour.
		gone map[string]time.Duration
	}{
		{name: "after the delay", delay: time.Minute, gone: map[string]time.Duration{"va-web": 5*time.Second + time.Minute}},
		{name: "zero delay: at once", gone: map[string]time.Duration{"va-web": 5 * time.Second}},
		{
			name:  "not while another pod on the node uses the claim",
			delay: time.Minute,
			extra: []runtime.Object{testutil.DrainPod("web-1", "node-a").Claim("data", "data-web").Obj()},
			gone:  map[string]time.Duration{},
		},
		{
			name:  "not the attachment to another node",
			delay: time.Minute,
			extra: []runtime.Object{testutil.DrainNode("node-b"), testutil.VolumeAttachment("va-web-b", "node-b", "pv-web")},
			gone:  map[string]time.Duration{"va-web": 5*time.Second + time.Minute},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				objs := append([]runtime.Object{
					testutil.DrainNode("node-a"),
					testutil.DrainPod("web-0", "node-a").Grace(5).Claim("data", "data-web").Obj(),
					testutil.BoundClaim("default", "data-web", "pv-web"),
					testutil.VolumeAttachment("va-web", "node-a", "pv-web"),
				}, tc.extra...)
				c := newCluster(t, fakecluster.Options{DetachDelay: tc.delay}, objs...)
				ctx := t.Context()
				w, err := c.StorageV1().VolumeAttachments().Watch(ctx, metav1.ListOptions{ResourceVersion: "0"})
				require.NoError(t, err)
				defer w.Stop()
				start := time.Now()
				require.NoError(t, c.CoreV1().Pods("default").Delete(ctx, "web-0", metav1.DeleteOptions{}))
				gone := map[string]time.Duration{}
				done := make(chan struct{})
				go func() {
					defer close(done)
					for ev := range w.ResultChan() {
						if va, ok := ev.Object.(*storagev1.VolumeAttachment); ok && ev.Type == watch.Deleted {
							gone[va.Name] = time.Since(start)
						}
					}
				}()
				time.Sleep(time.Hour)
				w.Stop()
				<-done
				assert.Equal(t, tc.gone, gone)
			})
		})
	}
}

func TestNegativeDetachDelay(t *testing.T) {
	_, err := fakecluster.NewWithOptions(fakecluster.Options{DetachDelay: -time.Second})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "DetachDelay")
}
