package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/e2e/cluster"
)

// A budget with maxUnavailable over DaemonSet pods is one the disruption
// controller cannot process (a DaemonSet has no scale): it never observes
// it, and the eviction API answers every eviction of those pods 429 with
// Retry-After 10. client-go would repeat each such eviction ten times
// inside one call, for some 100 s; the drain sends each one once, counts
// it, waits as the server asks, and stops at its own deadline with the
// budget named.
func TestDrainBudgetTheControllerCannotProcess(t *testing.T) {
	ns := newNamespace(t, "drain-ds")
	node := "drain-ds-src"
	createNodes(t, cluster.Node(node, "8", "32Gi", 110))
	labels := map[string]string{"app": "agent"}
	_, err := kube.Client().AppsV1().DaemonSets(ns).Create(t.Context(), &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels, Annotations: fastKwok},
				Spec: corev1.PodSpec{
					NodeSelector:                  map[string]string{corev1.LabelHostname: node},
					Containers:                    []corev1.Container{{Name: "agent", Image: "registry.k8s.io/pause:3.10"}},
					TerminationGracePeriodSeconds: ptr.To[int64](1),
				},
			},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	waitUntil(t, time.Minute, "the agent Ready", func(ctx context.Context) error {
		pods, err := kube.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		if len(pods.Items) != 1 || !podReady(&pods.Items[0]) {
			return fmt.Errorf("%d pods, want 1 Ready", len(pods.Items))
		}
		return nil
	})
	// Made after its pod, the budget is never observed: the controller's
	// first sync fails, and its fail-safe status keeps observedGeneration 0.
	_, err = kube.Client().PolicyV1().PodDisruptionBudgets(ns).Create(t.Context(), &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "agent"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: labels},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	waitUntil(t, time.Minute, "the budget failed to sync", func(ctx context.Context) error {
		b, err := kube.Client().PolicyV1().PodDisruptionBudgets(ns).Get(ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return err
		}
		for _, c := range b.Status.Conditions {
			if c.Type == policyv1.DisruptionAllowedCondition && c.Reason == policyv1.SyncFailedReason {
				require.Less(t, b.Status.ObservedGeneration, b.Generation, "the budget is not observed")
				return nil
			}
		}
		return fmt.Errorf("budget status %+v", b.Status)
	})

	client, requests := countingClient(t, 50, 100)
	var ev eventLog
	d, err := drain.New(client, drain.Options{
		EvictDaemonSets: true, Timeout: 30 * time.Second,
		// Ask the server every 2 s when the view says the budget is not
		// observed, so that several requests fall within the timeout.
		MaxRetryInterval: 2 * time.Second,
		OnEvent:          ev.record,
	})
	require.NoError(t, err)
	report, err := d.Drain(t.Context(), node)
	var timeout *drain.TimeoutError
	require.True(t, errors.As(err, &timeout), "the drain stops at its timeout: %v", err)
	assert.Equal(t, []string{ns + "/agent"}, timeout.Blocking)

	require.Len(t, report.Pods, 1)
	pod := report.Pods[0]
	assert.Equal(t, drain.OutcomeRemaining, pod.Outcome)
	assert.Equal(t, []string{"agent"}, pod.BlockedBy)
	// Each typed call would have lasted 100 s: two within 30 s show the
	// drain sent them itself.
	assert.GreaterOrEqual(t, pod.Attempts, 2, "eviction requests")
	assert.Equal(t, pod.Attempts, report.Requests["create eviction"])
	assert.Equal(t, requests.Load(), int64(report.APIRequests), "every HTTP request counted: %v", report.Requests)
	assert.True(t, ev.has(func(e drain.Event) bool {
		return e.Type == drain.EventBlocked && strings.Contains(e.Message, "still being processed")
	}), "the 429's cause is reported")
	t.Logf("%d eviction requests, %d requests in all, in %s", pod.Attempts, report.APIRequests, report.Duration.Round(time.Millisecond))
}

// eventLog records a drain's events.
type eventLog struct {
	mu     sync.Mutex
	events []drain.Event
}

func (l *eventLog) record(e drain.Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, e)
}

func (l *eventLog) has(match func(drain.Event) bool) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.ContainsFunc(l.events, match)
}
