package drain_test

import (
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

// policy returns an Options.Escalation giving every pod p.
func policy(p drain.EscalationPolicy) func(*corev1.Pod) drain.EscalationPolicy {
	return func(*corev1.Pod) drain.EscalationPolicy { return p }
}

// TestDrainEscalates follows one pod of node-a, "db-0", up its
// EscalationPolicy's ladder: evict, then delete with a grace period, then
// leave it. Times are those of the policy and of the grace periods.
func TestDrainEscalates(t *testing.T) {
	// db: two pods, db-0 on node-a, behind a budget that never allows.
	neverAllows := func() *scenario {
		return new(scenario).nodes("node-a", "node-b").replicaSet("db", "node-a", "node-b").add(maxUnavailable("db", 0))
	}
	tests := []struct {
		name     string
		scenario *scenario
		cluster  fakecluster.Options
		grace    time.Duration // each pod's terminationGracePeriodSeconds
		opts     drain.Options
		// what happens to db-0
		wantAfter   time.Duration // the drain's duration
		wantOutcome drain.Outcome
		wantReason  drain.Reason
		wantSteps   []string
		wantBlocked time.Duration // checked when set
		wantGrace   []int64       // grace periods of the DELETE requests
		wantErr     error
		wantDrained bool
	}{
		{
			name: "the zero policy never escalates", scenario: neverAllows(), grace: 10 * time.Second,
			opts:      drain.Options{Timeout: 10 * time.Minute, Escalation: policy(drain.EscalationPolicy{})},
			wantAfter: 10 * time.Minute, wantOutcome: drain.OutcomeRemaining, wantSteps: []string{"Evict (BudgetExhausted)"},
			wantErr: drain.ErrTimeout,
		},
		{
			name: "delete after blocked too long", scenario: neverAllows(), grace: 10 * time.Second,
			opts: drain.Options{Escalation: policy(drain.EscalationPolicy{
				Delete: drain.EscalationTrigger{Blocked: 5 * time.Minute}, DeleteGracePeriod: ptr(3 * time.Second),
			})},
			wantAfter: 5*time.Minute + 3*time.Second, wantOutcome: drain.OutcomeDeleted, wantReason: drain.ReasonBlockedTooLong,
			wantSteps: []string{"Evict (BudgetExhausted)", "Delete (BlockedTooLong)"}, wantBlocked: 5 * time.Minute, wantGrace: []int64{3}, wantDrained: true,
		},
		{
			name: "leave after blocked too long", scenario: neverAllows(), grace: 10 * time.Second,
			opts:      drain.Options{Escalation: policy(drain.EscalationPolicy{Leave: drain.EscalationTrigger{Blocked: 5 * time.Minute}})},
			wantAfter: 5 * time.Minute, wantOutcome: drain.OutcomeLeft, wantReason: drain.ReasonBlockedTooLong,
			wantSteps: []string{"Evict (BudgetExhausted)", "Skip (BlockedTooLong)"}, wantBlocked: 5 * time.Minute,
		},
		{
			name: "delete after unready too long",
			// The budget needs both pods; db-0 is not Ready, and under
			// IfHealthyBudget an unhealthy budget keeps it.
			scenario: new(scenario).nodes("node-a", "node-b").add(
				testutil.ReplicaSet("default", "db", 2),
				testutil.DrainPod("db-0", "node-a").Owner("ReplicaSet", "db").Labels("app", "db").NotReady().Obj(),
				testutil.DrainPod("db-1", "node-b").Owner("ReplicaSet", "db").Labels("app", "db").Obj(),
				minAvailable("db", 2)),
			grace:     time.Second,
			opts:      drain.Options{Escalation: policy(drain.EscalationPolicy{Delete: drain.EscalationTrigger{Unready: 3 * time.Minute}})},
			wantAfter: 3*time.Minute + time.Second, wantOutcome: drain.OutcomeDeleted, wantReason: drain.ReasonUnreadyTooLong,
			wantSteps: []string{"Evict (BudgetExhausted)", "Delete (UnreadyTooLong)"}, wantGrace: []int64{}, wantDrained: true,
		},
		{
			name: "the whole ladder on an unreachable node", scenario: neverAllows(), grace: 10 * time.Second,
			cluster: fakecluster.Options{Termination: unreachableKubelet("node-a")},
			opts: drain.Options{Escalation: policy(drain.EscalationPolicy{
				Delete: drain.EscalationTrigger{Blocked: time.Minute},
				Leave:  drain.EscalationTrigger{Terminating: 2 * time.Minute},
			})},
			wantAfter: 3 * time.Minute, wantOutcome: drain.OutcomeLeft, wantReason: drain.ReasonTerminatingTooLong,
			wantSteps:   []string{"Evict (BudgetExhausted)", "Delete (BlockedTooLong)", "Skip (TerminatingTooLong)"},
			wantBlocked: time.Minute, wantGrace: []int64{},
		},
		{
			name: "a long termination is shortened",
			// No budget: db-0 is evicted at once and would take an hour. A
			// grace period of 2m, counted from the start of the deletion as
			// the API server counts it, ends it at 2m.
			scenario: new(scenario).nodes("node-a", "node-b").replicaSet("db", "node-a", "node-b"), grace: time.Hour,
			opts: drain.Options{Escalation: policy(drain.EscalationPolicy{
				Delete: drain.EscalationTrigger{Terminating: time.Minute}, DeleteGracePeriod: ptr(2 * time.Minute),
			})},
			wantAfter: 2 * time.Minute, wantOutcome: drain.OutcomeDeleted, wantReason: drain.ReasonTerminatingTooLong,
			wantSteps: []string{"Evict (Replicated)", "Delete (TerminatingTooLong)"}, wantGrace: []int64{120}, wantDrained: true,
		},
		{
			name:     "a deletion that would not shorten the termination is not sent",
			scenario: new(scenario).nodes("node-a", "node-b").replicaSet("db", "node-a", "node-b"), grace: 5 * time.Minute,
			opts: drain.Options{Escalation: policy(drain.EscalationPolicy{
				Delete: drain.EscalationTrigger{Terminating: time.Minute}, DeleteGracePeriod: ptr(10 * time.Minute),
			})},
			wantAfter: 5 * time.Minute, wantOutcome: drain.OutcomeEvicted, wantSteps: []string{"Evict (Replicated)"}, wantDrained: true,
		},
		{
			name: "deleted in time for its grace period before the deadline, as Karpenter does", scenario: neverAllows(), grace: time.Minute,
			opts: drain.Options{Timeout: 10 * time.Minute, Escalation: func(p *corev1.Pod) drain.EscalationPolicy {
				grace := time.Duration(*p.Spec.TerminationGracePeriodSeconds) * time.Second
				return drain.EscalationPolicy{Delete: drain.EscalationTrigger{BeforeDeadline: 2 * grace}}
			}},
			wantAfter: 9 * time.Minute, wantOutcome: drain.OutcomeDeleted, wantReason: drain.ReasonDeadlineNear,
			wantSteps: []string{"Evict (BudgetExhausted)", "Delete (DeadlineNear)"}, wantGrace: []int64{}, wantDrained: true,
		},
		{
			name: "several budgets: deleted once blocked too long instead of failing",
			scenario: new(scenario).nodes("node-a", "node-b").replicaSet("db", "node-a", "node-b").
				add(minAvailable("db", 1), minAvailable("db-all", 1, "app", "db")),
			grace:     time.Second,
			opts:      drain.Options{Escalation: policy(drain.EscalationPolicy{Delete: drain.EscalationTrigger{Blocked: 2 * time.Minute}})},
			wantAfter: 2*time.Minute + time.Second, wantOutcome: drain.OutcomeDeleted, wantReason: drain.ReasonBlockedTooLong,
			wantSteps: []string{"Evict (MultipleBudgets)", "Delete (BlockedTooLong)"}, wantGrace: []int64{}, wantDrained: true,
		},
		{
			name: "a pod waited for is deleted before the deadline",
			scenario: new(scenario).nodes("node-a", "node-b").
				add(testutil.DrainPod("db-0", "node-a").Owner("Job", "db").Labels(drain.LabelDrain, "wait-completed").Obj()),
			grace: 30 * time.Second,
			opts: drain.Options{Timeout: time.Hour, Escalation: policy(drain.EscalationPolicy{
				Delete: drain.EscalationTrigger{BeforeDeadline: 10 * time.Minute}, DeleteGracePeriod: ptr(time.Minute),
			})},
			wantAfter: 51 * time.Minute, wantOutcome: drain.OutcomeDeleted, wantReason: drain.ReasonDeadlineNear,
			wantSteps: []string{"Wait (WaitsForCompletion)", "Delete (DeadlineNear)"}, wantGrace: []int64{60}, wantDrained: true,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := tc.scenario.start(t, tc.cluster, tc.grace)
				var ev events
				tc.opts.OnEvent = ev.record
				d, err := drain.New(c, tc.opts)
				require.NoError(t, err)
				start := time.Now()
				report, err := d.Drain(t.Context(), "node-a")
				if tc.wantErr != nil {
					assert.ErrorIs(t, err, tc.wantErr)
				} else {
					assert.NoError(t, err)
				}
				assert.Equal(t, tc.wantAfter, time.Since(start))
				p, ok := report.Pod("default", "db-0")
				require.True(t, ok)
				assert.Equal(t, tc.wantOutcome, p.Outcome)
				assert.Equal(t, tc.wantReason, p.Reason)
				var steps []string
				for _, s := range p.Steps {
					steps = append(steps, s.String())
				}
				assert.Equal(t, tc.wantSteps, steps)
				if tc.wantBlocked > 0 {
					assert.Equal(t, tc.wantBlocked, p.Blocked)
				}
				if tc.wantReason != "" {
					assert.Contains(t, report.String(), strings.Join(tc.wantSteps, " -> "), "the table shows the trail")
				}
				assert.Equal(t, tc.wantDrained, report.Nodes[0].Drained)

				// Deletions carry the UID precondition and the policy's
				// grace period (none given: the pod's own).
				var graces []int64
				for _, a := range c.Actions() {
					del, ok := a.(k8stesting.DeleteActionImpl)
					if !ok || del.Resource.Resource != "pods" {
						continue
					}
					require.NotNil(t, del.DeleteOptions.Preconditions)
					assert.Equal(t, "uid-db-0", string(*del.DeleteOptions.Preconditions.UID))
					if g := del.DeleteOptions.GracePeriodSeconds; g != nil {
						graces = append(graces, *g)
					} else if graces == nil {
						graces = []int64{}
					}
				}
				assert.Equal(t, tc.wantGrace, graces)

				escalated := ev.ofType(drain.EventEscalated)
				if tc.wantReason == "" {
					assert.Empty(t, escalated)
					return
				}
				require.NotEmpty(t, escalated)
				assert.Equal(t, tc.wantReason, escalated[len(escalated)-1].Reason)
			})
		})
	}
}

// TestDrainRefusesInvalidEscalation blocks a pod whose policy cannot work
// before anything changes, and the plan says why.
func TestDrainRefusesInvalidEscalation(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").replicaSet("web", "node-a", "node-a").start(t, fakecluster.Options{})
		d, err := drain.New(c, drain.Options{Escalation: func(p *corev1.Pod) drain.EscalationPolicy {
			if p.Name == "web-1" {
				return drain.EscalationPolicy{Delete: drain.EscalationTrigger{BeforeDeadline: time.Minute}}
			}
			return drain.EscalationPolicy{Leave: drain.EscalationTrigger{Blocked: time.Hour}}
		}})
		require.NoError(t, err)
		plan, err := d.Plan(t.Context(), "node-a")
		require.NoError(t, err)
		require.Len(t, plan.Pods, 2)
		assert.Equal(t, drain.ActionEvict, plan.Pods[0].Action)
		assert.Equal(t, "leave after blocked 1h0m0s", plan.Pods[0].Escalation)
		assert.Equal(t, drain.ActionBlocked, plan.Pods[1].Action)
		assert.Equal(t, drain.ReasonInvalidEscalation, plan.Pods[1].Reason)
		assert.Contains(t, plan.Pods[1].Message, "Delete.BeforeDeadline is set but Options.Timeout is zero")

		_, err = d.Drain(t.Context(), "node-a")
		var blocked *drain.BlockedError
		require.ErrorAs(t, err, &blocked)
		assert.Empty(t, evictionsOf(c))
	})
}

// TestReportTableSaysWhyANodeWithLeftPodsIsNotDrained words a node whose
// pods were left on purpose apart from a failed one.
func TestReportTableSaysWhyANodeWithLeftPodsIsNotDrained(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			replicaSet("db", "node-a", "node-b").add(maxUnavailable("db", 0)).
			add(testutil.DrainPod("etl", "node-a").Owner("Job", "etl").Labels(drain.LabelDrain, "wait-completed").Obj()).
			start(t, fakecluster.Options{})
		completeAfter(t, c, "etl", time.Minute)
		d, err := drain.New(c, drain.Options{Escalation: policy(drain.EscalationPolicy{Leave: drain.EscalationTrigger{Blocked: 5 * time.Minute}})})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		table := report.String()
		assert.Contains(t, table, "node node-a: NOT drained: pods were left on it as asked in 5m0s")
		assert.Contains(t, table, "0 evicted, 0 deleted, 1 completed, 0 skipped, 1 failed or remaining")
	})
}
