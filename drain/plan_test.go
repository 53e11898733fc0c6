package drain_test

import (
	"strings"
	"testing"
	"testing/synctest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

func TestPlan(t *testing.T) {
	type want struct {
		action  drain.Action
		reason  drain.Reason
		budgets []string
		message string // a substring
	}
	tests := []struct {
		name     string
		scenario *scenario
		want     map[string]want
		findings []string // kinds
	}{
		{
			name: "pods of one budget beyond its allowance wait for replacements",
			scenario: new(scenario).nodes("node-a", "node-b").
				replicaSet("web", "node-a", "node-a", "node-a", "node-b").add(maxUnavailable("web", 1)),
			want: map[string]want{
				"web-0": {drain.ActionEvict, drain.ReasonReplicated, []string{"web"}, "ReplicaSet web"},
				"web-1": {drain.ActionEvict, drain.ReasonWaitsForBudget, []string{"web"}, "The disruption budget web"},
				"web-2": {drain.ActionEvict, drain.ReasonWaitsForBudget, []string{"web"}, "The disruption budget web"},
			},
		},
		{
			name: "a budget at zero blocks, with its counts, and lint says it never allows",
			scenario: new(scenario).nodes("node-a", "node-b").
				replicaSet("db", "node-a", "node-b").add(maxUnavailable("db", 0)),
			want: map[string]want{
				"db-0": {drain.ActionBlocked, drain.ReasonBudget, []string{"db"}, "The disruption budget db needs 2 healthy pods and has 2 currently"},
			},
			findings: []string{"NeverAllowsDisruption"},
		},
		{
			name: "several budgets on one pod are named",
			scenario: new(scenario).nodes("node-a", "node-b").
				replicaSet("web", "node-a", "node-b").add(minAvailable("web", 1), minAvailable("everything", 1, "app", "web")),
			want: map[string]want{
				"web-0": {drain.ActionBlocked, drain.ReasonMultipleBudgets, []string{"everything", "web"}, "everything, web"},
			},
			findings: []string{"OverlappingBudgets", "OverlappingBudgets"},
		},
		{
			name: "a pod no other node can take is blocked with the scheduler's words",
			scenario: new(scenario).nodes("node-a", "node-b").
				add(testutil.ReplicaSet("default", "big", 2),
					testutil.DrainPod("big-0", "node-a").Owner("ReplicaSet", "big").Requests("3", "1Gi").Obj(),
					testutil.DrainPod("big-1", "node-b").Owner("ReplicaSet", "big").Requests("3", "1Gi").Obj()),
			want: map[string]want{
				"big-0": {drain.ActionBlocked, drain.ReasonNoFit, nil, "0/2 nodes are available"},
			},
		},
		{
			name: "the built-in rules come first",
			scenario: new(scenario).nodes("node-a", "node-b").
				add(testutil.DaemonSet("default", "agent"),
					testutil.DrainPod("agent-0", "node-a").Owner("DaemonSet", "agent").Obj(),
					testutil.DrainPod("bare", "node-a").Obj()),
			want: map[string]want{
				"agent-0": {drain.ActionSkip, drain.ReasonDaemonSet, nil, "DaemonSet agent"},
				"bare":    {drain.ActionBlocked, drain.ReasonNoController, nil, "use Force"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := tc.scenario.start(t, fakecluster.Options{})
				d, err := drain.New(c, drain.Options{})
				require.NoError(t, err)
				plan, err := d.Plan(t.Context(), "node-a")
				require.NoError(t, err)
				require.Len(t, plan.Pods, len(tc.want))
				for _, p := range plan.Pods {
					w, ok := tc.want[p.Name]
					require.True(t, ok, "unexpected pod %s", p.Name)
					assert.Equal(t, w.action, p.Action, p.Name)
					assert.Equal(t, w.reason, p.Reason, p.Name)
					assert.Equal(t, w.budgets, p.Budgets, p.Name)
					assert.Contains(t, p.Message, w.message, p.Name)
				}
				var kinds []string
				for _, f := range plan.Findings {
					kinds = append(kinds, f.Kind)
				}
				assert.Equal(t, tc.findings, kinds)
				for _, a := range c.Actions() {
					assert.Contains(t, []string{"get", "list"}, a.GetVerb(), "Plan only reads: %v", a)
				}
			})
		})
	}
}

func TestPlanBadNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{})
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		_, err = d.Plan(t.Context(), "node-x")
		assert.ErrorIs(t, err, drain.ErrNodeNotFound)
		_, err = d.Plan(t.Context(), "")
		assert.ErrorIs(t, err, drain.ErrInvalidOptions)
	})
}

func TestPlanTable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			replicaSet("db", "node-a", "node-b").add(maxUnavailable("db", 0)).
			start(t, fakecluster.Options{})
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		plan, err := d.Plan(t.Context(), "node-a")
		require.NoError(t, err)
		lines := strings.Split(strings.TrimSpace(plan.String()), "\n")
		require.GreaterOrEqual(t, len(lines), 3)
		assert.Equal(t, []string{"NAMESPACE", "POD", "TIER", "ACTION", "REASON", "BUDGET", "DETAIL"}, strings.Fields(lines[0]))
		assert.Equal(t, []string{"default", "db-0", "ordinary", "Blocked", "BudgetExhausted", "db:"}, strings.Fields(lines[1])[:6])
		assert.Contains(t, lines[1], "db: 2 healthy, needs 2, allows 0")
		assert.True(t, strings.HasPrefix(lines[2], "Error: budget default/db: "), lines[2])
		assert.Equal(t, "node node-a (schedulable): 0 to evict, 0 to delete, 0 terminating, 0 skipped, 1 blocked", lines[len(lines)-1])
	})
}
