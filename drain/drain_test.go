package drain_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
)

func TestDrainBlocksUntilReplacementIsReady(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// web has 3 pods, two of them on node-a, behind minAvailable 2: the
		// second pod of node-a may only go once the first one's replacement
		// is Ready.
		c := new(scenario).nodes("node-a", "node-b", "node-c").
			replicaSet("web", "node-a", "node-a", "node-b").
			add(minAvailable("web", 2)).
			start(t, fakecluster.Options{ReadyDelay: 20 * time.Second}, 3*time.Second)
		guard := guardBudgets(t, c)
		var ev events
		d, err := drain.New(c, drain.Options{OnEvent: ev.record})
		require.NoError(t, err)

		start := time.Now()
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		elapsed := time.Since(start)

		assert.Empty(t, podsOn(t, c, "node-a"))
		assert.Equal(t, 2, report.Count(drain.OutcomeEvicted))
		require.Len(t, report.Nodes, 1)
		assert.True(t, report.Nodes[0].Drained)
		assert.True(t, report.Nodes[0].Cordoned)
		// The second eviction waited for the first replacement's ReadyDelay,
		// and not much longer: the budget watch woke it.
		assert.GreaterOrEqual(t, elapsed, 20*time.Second)
		assert.Less(t, elapsed, 20*time.Second+2*3*time.Second+time.Second)
		blocked := ev.ofType(drain.EventBlocked)
		require.NotEmpty(t, blocked)
		assert.Equal(t, []string{"web"}, blocked[0].Budgets)
		assert.Empty(t, podDeletes(c), "never deletes when it could evict")
		guard.check(t)

		node, err := c.CoreV1().Nodes().Get(t.Context(), "node-a", metav1.GetOptions{})
		require.NoError(t, err)
		assert.True(t, node.Spec.Unschedulable)
	})
}

func TestDrainBudgetThatNeverAllowsIsReportedNotHung(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// maxUnavailable 0 never allows a disruption.
		c := new(scenario).nodes("node-a", "node-b").
			replicaSet("db", "node-a", "node-b").
			replicaSet("web", "node-a").
			add(maxUnavailable("db", 0)).
			start(t, fakecluster.Options{})
		var ev events
		d, err := drain.New(c, drain.Options{Timeout: 2 * time.Minute, OnEvent: ev.record})
		require.NoError(t, err)

		start := time.Now()
		report, err := d.Drain(t.Context(), "node-a")
		require.Error(t, err)
		assert.Equal(t, 2*time.Minute, time.Since(start), "stops at the deadline")
		assert.ErrorIs(t, err, drain.ErrTimeout)
		var timeout *drain.TimeoutError
		require.ErrorAs(t, err, &timeout)
		assert.Equal(t, []string{"default/db"}, timeout.Blocking)
		require.Len(t, timeout.Remaining, 1)
		assert.Equal(t, "db-0", timeout.Remaining[0].Name)

		db, ok := report.Pod("default", "db-0")
		require.True(t, ok)
		assert.Equal(t, drain.OutcomeRemaining, db.Outcome)
		assert.Equal(t, []string{"db"}, db.BlockedBy)
		assert.Equal(t, 2*time.Minute, db.Blocked)
		web, ok := report.Pod("default", "web-0")
		require.True(t, ok)
		assert.Equal(t, drain.OutcomeEvicted, web.Outcome)
		assert.False(t, report.Nodes[0].Drained)

		blocked := ev.ofType(drain.EventBlocked)
		require.NotEmpty(t, blocked)
		assert.Equal(t, "db-0", blocked[0].Pod.Name)
		assert.Equal(t, []string{"db"}, blocked[0].Budgets)
		assert.Contains(t, blocked[0].Message, "The disruption budget db needs 2 healthy pods and has 2 currently")
		// The budget's status never changed, so the drain asked the API
		// server only when its fallback timer said so, not every few seconds.
		assert.LessOrEqual(t, countOf(evictionsOf(c), "db-0"), 4)
		assert.Empty(t, podDeletes(c))
	})
}

func TestPlanShowsBudgetThatNeverAllows(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			replicaSet("db", "node-a", "node-b").
			add(maxUnavailable("db", 0)).
			start(t, fakecluster.Options{})
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		plan, err := d.Plan(t.Context(), "node-a")
		require.NoError(t, err)
		require.Len(t, plan.Pods, 1)
		p := plan.Pods[0]
		assert.Equal(t, drain.ActionBlocked, p.Action)
		assert.Equal(t, drain.ReasonBudget, p.Reason)
		assert.Equal(t, []string{"db"}, p.Budgets)
		assert.Contains(t, p.Message, "The disruption budget db needs 2 healthy pods and has 2 currently")
		assert.False(t, plan.Drainable())
		assert.Empty(t, evictionsOf(c), "Plan changes nothing")
	})
}

func TestDrainPodWithSeveralBudgetsNamesThem(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			replicaSet("web", "node-a", "node-b", "node-b").
			add(minAvailable("web", 1), minAvailable("web-all", 1, "app", "web")).
			start(t, fakecluster.Options{})
		var ev events
		d, err := drain.New(c, drain.Options{OnEvent: ev.record})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.Error(t, err)
		var multi *drain.MultipleBudgetsError
		require.ErrorAs(t, err, &multi)
		assert.Equal(t, []string{"web", "web-all"}, multi.Budgets)
		assert.Contains(t, err.Error(), "web, web-all")
		p, ok := report.Pod("default", "web-0")
		require.True(t, ok)
		assert.Equal(t, drain.OutcomeFailed, p.Outcome)
		assert.Equal(t, 1, p.Attempts, "one request makes the API server's 500 authoritative")
		assert.Len(t, ev.ofType(drain.EventFailed), 1)
		done := ev.ofType(drain.EventDone)
		require.Len(t, done, 1)
		assert.ErrorAs(t, done[0].Err, &multi)
	})
}

func TestDrainNeverEvictsSameNamedReplacement(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// db-0 is blocked by its budget; meanwhile someone deletes it and
		// the StatefulSet recreates db-0 (new UID) elsewhere. The drain must
		// count the old db-0 as gone and never touch the new one.
		c := new(scenario).nodes("node-a", "node-b", "node-c").
			statefulSet("db", "node-a", "node-b").
			add(minAvailable("db", 2)).
			start(t, fakecluster.Options{ReadyDelay: time.Minute})
		var ev events
		d, err := drain.New(c, drain.Options{OnEvent: func(e drain.Event) {
			ev.record(e)
			if e.Type == drain.EventBlocked && e.Pod.Name == "db-0" {
				go func() {
					assert.NoError(t, c.CoreV1().Pods("default").Delete(t.Context(), "db-0", metav1.DeleteOptions{}))
				}()
			}
		}})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)

		p, ok := report.Pod("default", "db-0")
		require.True(t, ok)
		assert.Equal(t, drain.OutcomeGone, p.Outcome)
		replacement, err := c.CoreV1().Pods("default").Get(t.Context(), "db-0", metav1.GetOptions{})
		require.NoError(t, err, "the replacement is left alone")
		assert.NotEqual(t, "uid-db-0", string(replacement.UID))
		assert.NotEqual(t, "node-a", replacement.Spec.NodeName)
		assert.Nil(t, replacement.DeletionTimestamp)
		for _, a := range evictionUIDs(c) {
			assert.Equal(t, "uid-db-0", a, "every eviction carries the old pod's UID")
		}
	})
}

func TestDrainThreeNodesSharingOneBudget(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// web has 9 pods on nodes a, b, c (three each) and 3 more on d;
		// maxUnavailable 2 lets two go at a time, across all three drains.
		nodes := []string{"node-a", "node-a", "node-a", "node-b", "node-b", "node-b", "node-c", "node-c", "node-c", "node-d", "node-d", "node-d"}
		c := new(scenario).nodes("node-a", "node-b", "node-c", "node-d", "node-e").
			replicaSet("web", nodes...).
			add(maxUnavailable("web", 2)).
			start(t, fakecluster.Options{ReadyDelay: 10 * time.Second}, 2*time.Second)
		guard := guardBudgets(t, c)
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a", "node-b", "node-c")
		require.NoError(t, err)
		for _, n := range []string{"node-a", "node-b", "node-c"} {
			assert.Empty(t, podsOn(t, c, n), n)
		}
		assert.Equal(t, 9, report.Count(drain.OutcomeEvicted))
		// Two at a time, each waiting for termination and ReadyDelay: five
		// rounds, not nine.
		assert.Less(t, report.Duration, 5*(10*time.Second+2*time.Second)+5*time.Second)
		guard.check(t)
		assert.Empty(t, podDeletes(c))
		// Budget-aware admission means the API server rarely has to refuse.
		assert.LessOrEqual(t, report.Requests["create eviction"], 9+3)
	})
}
