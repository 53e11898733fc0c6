package pdbtest_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/pdb/pdbtest"
)

// TestTermination follows one pod with a 30 s grace period from its
// deletion to its removal, for kubelets that take different times.
func TestTermination(t *testing.T) {
	t.Parallel()
	unreachable := func(*corev1.Pod) (time.Duration, bool) { return 0, false }
	tests := []struct {
		name        string
		termination pdbtest.TerminationFunc
		// secondGrace, when set, is the grace period of a second delete
		// sent right after the first.
		secondGrace *int64
		// gone is when the pod is removed, counted from the deletion; zero:
		// never.
		gone time.Duration
	}{
		{name: "default kubelet takes the whole grace period", gone: 30 * time.Second},
		{name: "containers stop after 5s", termination: func(*corev1.Pod) (time.Duration, bool) { return 5 * time.Second, true }, gone: 5 * time.Second},
		{name: "containers that outlive the grace period are killed", termination: func(*corev1.Pod) (time.Duration, bool) { return time.Hour, true }, gone: 30 * time.Second},
		{name: "a shorter second grace period kills sooner", termination: func(*corev1.Pod) (time.Duration, bool) { return time.Hour, true }, secondGrace: ptr(int64(10)), gone: 10 * time.Second},
		{name: "unreachable kubelet never reports", termination: unreachable},
		{name: "unreachable kubelet, still terminating after a graceful second delete", termination: unreachable, secondGrace: ptr(int64(1))},
		{name: "unreachable kubelet, force deletion removes the pod", termination: unreachable, secondGrace: ptr(int64(0))},
		{name: "the kubelet is asked per pod", termination: func(pod *corev1.Pod) (time.Duration, bool) { return 0, pod.Spec.NodeName != "node-a" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clk := newClock()
			opts := []pdbtest.Option{pdbtest.WithClock(clk.Now)}
			if tc.termination != nil {
				opts = append(opts, pdbtest.WithTermination(tc.termination))
			}
			client, server := install(t, []runtime.Object{webPod(0).Node("node-a").Grace(30).Obj()}, opts...)
			require.NoError(t, client.CoreV1().Pods("default").Delete(t.Context(), "web-0", metav1.DeleteOptions{}))
			if tc.secondGrace != nil {
				require.NoError(t, client.CoreV1().Pods("default").Delete(t.Context(), "web-0", metav1.DeleteOptions{GracePeriodSeconds: tc.secondGrace}))
			}
			if tc.secondGrace != nil && *tc.secondGrace == 0 {
				assert.False(t, podExists(t, client, "web-0"), "a force deletion does not wait for the kubelet")
				return
			}
			if tc.gone == 0 {
				clk.Advance(24 * time.Hour)
				assert.True(t, podExists(t, client, "web-0"), "still terminating a day later")
				_, pending := server.NextChange()
				assert.False(t, pending)
				return
			}
			next, pending := server.NextChange()
			require.True(t, pending)
			assert.Equal(t, start.Add(tc.gone), next, "NextChange says when")
			clk.Advance(tc.gone - time.Nanosecond)
			assert.True(t, podExists(t, client, "web-0"))
			clk.Advance(time.Nanosecond)
			assert.False(t, podExists(t, client, "web-0"))
			_, pending = server.NextChange()
			assert.False(t, pending)
		})
	}
}

// TestTerminationWaitsForFinalizers keeps a force-deleted pod while a
// finalizer holds it, whatever its kubelet does.
func TestTerminationWaitsForFinalizers(t *testing.T) {
	t.Parallel()
	pod := webPod(0).Grace(30).Obj()
	pod.Finalizers = []string{"example.com/hold"}
	client, server := install(t, []runtime.Object{pod}, pdbtest.WithTermination(func(*corev1.Pod) (time.Duration, bool) { return 0, false }))
	require.NoError(t, client.CoreV1().Pods("default").Delete(t.Context(), "web-0", metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0))}))
	held, err := client.CoreV1().Pods("default").Get(t.Context(), "web-0", metav1.GetOptions{})
	require.NoError(t, err)
	_, pending := server.NextChange()
	assert.False(t, pending, "a finalizer changes only with a write")

	held.Finalizers = nil
	_, err = client.CoreV1().Pods("default").Update(t.Context(), held, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.False(t, podExists(t, client, "web-0"), "grace 0 needs no kubelet")
}

// TestNextChangeForDisruptedPods reports when a disruptedPods entry stops
// hiding its pod and when it is dropped, as TestDisruptedPodsAgeing
// observes them.
func TestNextChangeForDisruptedPods(t *testing.T) {
	t.Parallel()
	clk := newClock()
	budget := testutil.PDB("web").MaxUnavailable(1).Disrupted(start, "web-0").Obj()
	_, server := install(t, append(webObjects(), budget), pdbtest.WithClock(clk.Now), pdbtest.WithManualSync())
	next, pending := server.NextChange()
	require.True(t, pending)
	assert.Equal(t, start.Add(2*time.Minute), next)

	clk.Advance(2 * time.Minute)
	next, pending = server.NextChange()
	require.True(t, pending)
	assert.Equal(t, start.Add(2*time.Minute+time.Second), next)

	clk.Advance(time.Second)
	require.NoError(t, server.Sync())
	_, pending = server.NextChange()
	assert.False(t, pending, "the entry is gone")
}
