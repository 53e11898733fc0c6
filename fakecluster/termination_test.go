package fakecluster_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

// TestWatchSeesTerminationsEnd deletes a pod with a 60 s grace period and
// watches it, sending no other request: the watch must show it gone when
// its kubelet is done, as a cluster's watch would.
func TestWatchSeesTerminationsEnd(t *testing.T) {
	unreachable := func(pod *corev1.Pod) (time.Duration, bool) { return 0, pod.Spec.NodeName != "node-a" }
	tests := []struct {
		name        string
		termination func(*corev1.Pod) (time.Duration, bool)
		// secondGrace, when set, is the grace period of a second delete
		// sent 5 s after the first.
		secondGrace *int64
		// gone is when the watch shows the deletion, from the first
		// delete; zero: not within an hour.
		gone time.Duration
	}{
		{name: "whole grace period", gone: 60 * time.Second},
		{name: "containers stop after 3s", termination: func(*corev1.Pod) (time.Duration, bool) { return 3 * time.Second, true }, gone: 3 * time.Second},
		{name: "shorter grace period from a second delete", secondGrace: ptr(int64(10)), gone: 10 * time.Second},
		{name: "unreachable kubelet", termination: unreachable},
		{name: "unreachable kubelet, force deletion", termination: unreachable, secondGrace: ptr(int64(0)), gone: 5 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := newCluster(t, fakecluster.Options{Termination: tc.termination}, testutil.DrainNode("node-a"),
					testutil.DrainPod("web-0", "node-a").Grace(60).Obj())
				ctx := t.Context()
				w, err := c.CoreV1().Pods("default").Watch(ctx, metav1.ListOptions{ResourceVersion: "0"})
				require.NoError(t, err)
				defer w.Stop()
				start := time.Now()
				require.NoError(t, c.CoreV1().Pods("default").Delete(ctx, "web-0", metav1.DeleteOptions{}))
				if tc.secondGrace != nil {
					time.Sleep(5 * time.Second)
					require.NoError(t, c.CoreV1().Pods("default").Delete(ctx, "web-0", metav1.DeleteOptions{GracePeriodSeconds: tc.secondGrace}))
				}
				deleted := make(chan time.Duration, 1)
				go func() {
					for ev := range w.ResultChan() {
						if ev.Type == watch.Deleted {
							deleted <- time.Since(start)
							return
						}
					}
				}()
				select {
				case at := <-deleted:
					require.NotZero(t, tc.gone, "deleted after %v", at)
					assert.Equal(t, tc.gone, at)
				case <-time.After(time.Hour):
					assert.Zero(t, tc.gone, "not deleted")
				}
			})
		})
	}
}

func ptr[T any](v T) *T { return &v }
