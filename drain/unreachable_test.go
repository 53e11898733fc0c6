package drain_test

import (
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
)

// markUnreachable sets the node's Ready condition to Unknown, as the node
// lifecycle controller does when the kubelet stops reporting.
func markUnreachable(t *testing.T, c *fakecluster.Cluster, name string, since time.Time) {
	node, err := c.CoreV1().Nodes().Get(t.Context(), name, metav1.GetOptions{})
	require.NoError(t, err)
	node.Status.Conditions = []corev1.NodeCondition{{
		Type: corev1.NodeReady, Status: corev1.ConditionUnknown, Reason: "NodeStatusUnknown",
		LastTransitionTime: metav1.NewTime(since),
	}}
	_, err = c.CoreV1().Nodes().UpdateStatus(t.Context(), node, metav1.UpdateOptions{})
	require.NoError(t, err)
}

func TestDrainLeavesPodsOfAnUnreachableNode(t *testing.T) {
	leaveAfter := drain.EscalationPolicy{Leave: drain.EscalationTrigger{NodeUnreachable: 2 * time.Minute}}
	tests := []struct {
		name string
		// budget blocks db-0 for good when set
		budget bool
		// unreachableAt is when, from the drain's start, the node goes
		// unreachable; negative: before the drain, that long ago.
		unreachableAt time.Duration
		policy        drain.EscalationPolicy
		wantAfter     time.Duration
		wantOutcome   drain.Outcome
		wantReason    drain.Reason
		wantDrained   bool
	}{
		{
			name: "terminating pod whose kubelet stopped reporting", unreachableAt: 10 * time.Second, policy: leaveAfter,
			wantAfter: 10*time.Second + 2*time.Minute, wantOutcome: drain.OutcomeLeft, wantReason: drain.ReasonNodeUnreachable,
		},
		{
			name: "pod held back by its budget on a node unreachable for long", budget: true, unreachableAt: -5 * time.Minute, policy: leaveAfter,
			wantAfter: 0, wantOutcome: drain.OutcomeLeft, wantReason: drain.ReasonNodeUnreachable,
		},
		{
			name: "pod held back by its budget when the node goes unreachable", budget: true, unreachableAt: time.Minute, policy: leaveAfter,
			wantAfter: 3 * time.Minute, wantOutcome: drain.OutcomeLeft, wantReason: drain.ReasonNodeUnreachable,
		},
		{
			name: "reachable node: the policy never fires", policy: leaveAfter,
			wantAfter: 30 * time.Second, wantOutcome: drain.OutcomeEvicted, wantDrained: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				s := new(scenario).nodes("node-a", "node-b").replicaSet("db", "node-a", "node-b")
				if tc.budget {
					s.add(maxUnavailable("db", 0))
				}
				var unreachable atomic.Bool
				c := s.start(t, fakecluster.Options{Termination: func(pod *corev1.Pod) (time.Duration, bool) {
					// The kubelet of node-a confirms nothing once gone.
					return time.Hour, pod.Spec.NodeName != "node-a" || !unreachable.Load()
				}}, 30*time.Second)
				start := time.Now()
				if tc.unreachableAt < 0 {
					unreachable.Store(true)
					markUnreachable(t, c, "node-a", start.Add(tc.unreachableAt))
				} else if tc.unreachableAt > 0 {
					go func() {
						time.Sleep(tc.unreachableAt)
						unreachable.Store(true)
						markUnreachable(t, c, "node-a", time.Now())
					}()
				}
				var ev events
				d, err := drain.New(c, drain.Options{OnEvent: ev.record, Escalation: policy(tc.policy)})
				require.NoError(t, err)
				report, err := d.Drain(t.Context(), "node-a")
				require.NoError(t, err)
				assert.Equal(t, tc.wantAfter, time.Since(start))
				p, ok := report.Pod("default", "db-0")
				require.True(t, ok)
				assert.Equal(t, tc.wantOutcome, p.Outcome)
				assert.Equal(t, tc.wantReason, p.Reason)
				assert.Equal(t, tc.wantDrained, report.Nodes[0].Drained)
				// The node is watched only because the policy asks for it
				// (a drain that ends at once may end before the watch
				// starts).
				if tc.wantAfter > 0 {
					assert.Equal(t, 1, report.Requests["watch nodes"])
				} else {
					assert.LessOrEqual(t, report.Requests["watch nodes"], 1)
				}
				if tc.wantReason != "" {
					escalated := ev.ofType(drain.EventEscalated)
					require.Len(t, escalated, 1)
					assert.Contains(t, escalated[0].Message, "node node-a unreachable for 2m0s")
				}
				synctest.Wait()
			})
		})
	}
}

func TestDrainWatchesTheNodeOnlyForNodeUnreachable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{})
		d, err := drain.New(c, drain.Options{Escalation: policy(drain.EscalationPolicy{Leave: drain.EscalationTrigger{Terminating: time.Minute}})})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.NotContains(t, report.Requests, "watch nodes")
	})
}

func TestNodeUnreachableInPolicyText(t *testing.T) {
	p := drain.EscalationPolicy{Leave: drain.EscalationTrigger{NodeUnreachable: 5 * time.Minute}}
	assert.Equal(t, "leave after node unreachable 5m0s", p.String())
}
