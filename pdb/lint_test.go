package pdb_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/pdb"
)

// found is the part of a finding a test pins down.
type found struct {
	budget   string
	kind     pdb.FindingKind
	severity pdb.Severity
}

func TestLint(t *testing.T) {
	t.Parallel()
	single := []*corev1.Pod{testutil.PDBPod("solo-0").Labels("app", "web").Controller("apps/v1", "ReplicaSet", "solo", "rs-single").Obj()}
	singleScale := scales{"rs-single": {Controller: "rs-single", Replicas: 1}}
	daemonSetError := func(string, metav1.OwnerReference) (pdb.Scale, error) {
		return pdb.Scale{}, errors.New("daemonsets.apps does not implement the scale subresource")
	}
	tests := []struct {
		name    string
		budgets []*policyv1.PodDisruptionBudget
		pods    []*corev1.Pod
		scale   pdb.ScaleFunc
		want    []found
	}{
		{name: "sound budget", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(2).Obj()}, pods: webPods(3), scale: workloads.lookup},
		{name: "maxUnavailable 0", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable(0).Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingNeverAllows, pdb.SeverityError}}},
		{name: "maxUnavailable 0%", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable("0%").Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingNeverAllows, pdb.SeverityError}}},
		{name: "minAvailable 100%", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable("100%").Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingNeverAllows, pdb.SeverityError}}},
		{name: "minAvailable equal to replicas", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(3).Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingNeverAllows, pdb.SeverityError}}},
		{name: "minAvailable equal to replicas during a rollout", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(3).Obj()}, pods: webPods(2), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingNeverAllows, pdb.SeverityError}}},
		{name: "minAvailable below replicas during a rollout", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(2).Obj()}, pods: webPods(2), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingNoDisruptionNow, pdb.SeverityInfo}}},
		{name: "percentage rounding up to every replica", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable("90%").Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingNeverAllows, pdb.SeverityError}}},
		{name: "single replica, minAvailable 1", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(1).Obj()}, pods: single, scale: singleScale.lookup,
			want: []found{{"web", pdb.FindingSingleReplica, pdb.SeverityError}}},
		{name: "single replica, minAvailable 50% rounds up", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable("50%").Obj()}, pods: single, scale: singleScale.lookup,
			want: []found{{"web", pdb.FindingSingleReplica, pdb.SeverityError}}},
		{name: "single replica, maxUnavailable 50% rounds up to 1", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable("50%").Obj()}, pods: single, scale: singleScale.lookup},
		{name: "null selector", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").Selector(nil).MinAvailable(1).Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingNoPods, pdb.SeverityWarning}}},
		{name: "selector matching nothing", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("wbe").MinAvailable(1).Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"wbe", pdb.FindingNoPods, pdb.SeverityWarning}}},
		{name: "empty selector", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("all").Selector(&metav1.LabelSelector{}).MinAvailable(1).Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"all", pdb.FindingWholeNamespace, pdb.SeverityInfo}}},
		{name: "overlapping budgets", budgets: []*policyv1.PodDisruptionBudget{
			testutil.PDB("web").MinAvailable(1).Obj(),
			testutil.PDB("web-too").MatchLabels("app", "web").MaxUnavailable(1).Obj(),
			testutil.PDB("web").Namespace("other").MinAvailable(1).Obj(),
		}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingOverlap, pdb.SeverityError}, {"web-too", pdb.FindingOverlap, pdb.SeverityError}, {"web", pdb.FindingNoPods, pdb.SeverityWarning}}},
		{name: "maxUnavailable over some pods without controller", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable(1).Obj()},
			pods: append(webPods(3), testutil.PDBPod("bare").Labels("app", "web").Obj()), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingUnmanagedPods, pdb.SeverityWarning}}},
		{name: "percentage over pods without controller only", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable("50%").Obj()}, pods: barePods(2), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingUnmanagedPods, pdb.SeverityError}}},
		{name: "integer minAvailable over pods without controller", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(1).Obj()}, pods: barePods(2), scale: workloads.lookup},
		{name: "controller gone", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable(1).Obj()},
			pods: []*corev1.Pod{webPod("web-0", "rs-gone").Obj()}, scale: workloads.lookup,
			want: []found{{"web", pdb.FindingControllerLookup, pdb.SeverityError}}},
		{name: "controller without scale", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable("10%").Obj()}, pods: webPods(1), scale: daemonSetError,
			want: []found{{"web", pdb.FindingControllerLookup, pdb.SeverityError}}},
		{name: "generation not observed", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(1).Generation(3, 2).Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingGenerationNotObserved, pdb.SeverityWarning}}},
		{name: "status says SyncFailed", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(1).
			Condition(metav1.ConditionFalse, policyv1.SyncFailedReason, `found no controllers for pod "web-0"`).Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingSyncFailed, pdb.SeverityError}}},
		{name: "both minAvailable and maxUnavailable", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(1).MaxUnavailable(1).Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingInvalid, pdb.SeverityError}}},
		{name: "neither", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingInvalid, pdb.SeverityError}}},
		{name: "percentage that does not parse", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable("abc").Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingInvalid, pdb.SeverityError}}},
		{name: "selector that does not parse", budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(1).Selector(&metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Foo"}}}).Obj()}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingInvalid, pdb.SeverityError}}},
		{name: "negative and over 100%", budgets: []*policyv1.PodDisruptionBudget{
			testutil.PDB("web").MinAvailable(-2).Obj(),
			testutil.PDB("api").MatchLabels("app", "web").Namespace("other").MaxUnavailable("101%").Obj(),
		}, pods: webPods(3), scale: workloads.lookup,
			want: []found{{"web", pdb.FindingInvalid, pdb.SeverityError}, {"api", pdb.FindingInvalid, pdb.SeverityError}, {"api", pdb.FindingNoPods, pdb.SeverityWarning}}},
		{name: "no scale: replicas are the pods", budgets: []*policyv1.PodDisruptionBudget{
			testutil.PDB("web").MaxUnavailable("34%").Obj(), testutil.PDB("db").MinAvailable(2).Obj(),
		}, pods: append(webPods(3), testutil.PDBPod("db-0").Labels("app", "db").Controller("apps/v1", "StatefulSet", "db", "sts-db").Obj(),
			testutil.PDBPod("db-1").Labels("app", "db").Controller("apps/v1", "StatefulSet", "db", "sts-db").Obj()),
			want: []found{{"db", pdb.FindingNeverAllows, pdb.SeverityError}}},
		{name: "nil budgets are skipped", budgets: []*policyv1.PodDisruptionBudget{nil}, pods: webPods(3), scale: workloads.lookup},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			findings := pdb.Lint(tc.budgets, tc.pods, tc.scale)
			var got []found
			for _, f := range findings {
				got = append(got, found{f.Budget.Name, f.Kind, f.Severity})
				assert.NotEmpty(t, f.Message)
				assert.Contains(t, f.String(), f.Budget.String())
			}
			assert.ElementsMatch(t, tc.want, got, "findings: %v", findings)
		})
	}
}

func TestLintDetails(t *testing.T) {
	t.Parallel()
	budgets := []*policyv1.PodDisruptionBudget{
		testutil.PDB("web").MinAvailable(1).Obj(),
		testutil.PDB("web-too").MatchLabels("app", "web").MaxUnavailable("5.5%").Obj(),
	}
	pods := append(webPods(2), testutil.PDBPod("bare").Labels("app", "web").Obj())
	findings := pdb.Lint(budgets, pods, workloads.lookup)

	byKind := map[string]pdb.Finding{}
	for _, f := range findings {
		byKind[f.Budget.Name+"/"+string(f.Kind)] = f
	}
	overlap, ok := byKind["web/"+string(pdb.FindingOverlap)]
	require.True(t, ok, "findings: %v", findings)
	assert.Equal(t, []string{"bare", "web-0", "web-1"}, overlap.Pods)
	assert.Equal(t, []string{"web-too"}, overlap.Budgets)

	invalid, ok := byKind["web-too/"+string(pdb.FindingInvalid)]
	require.True(t, ok, "findings: %v", findings)
	var invalidErr *pdb.InvalidBudgetError
	require.ErrorAs(t, invalid.Err, &invalidErr)
	assert.Equal(t, "spec.maxUnavailable", invalidErr.Field)

	// Ordered by budget, then severity.
	for i := 1; i < len(findings); i++ {
		assert.LessOrEqual(t, findings[i-1].Budget.Name, findings[i].Budget.Name, "findings: %v", findings)
	}
	assert.Equal(t, pdb.SeverityError, findings[0].Severity, fmt.Sprint(findings))
}

// TestLintAt checks that the time decides whether a recent eviction still
// hides a pod: within the controller's two minutes the budget allows
// nothing, after them it allows one again.
func TestLintAt(t *testing.T) {
	t.Parallel()
	evicted := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	budgets := []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(2).Disrupted(evicted, "web-0").Obj()}
	noneNow := func(findings []pdb.Finding) bool {
		for _, f := range findings {
			if f.Kind == pdb.FindingNoDisruptionNow {
				return true
			}
		}
		return false
	}
	assert.True(t, noneNow(pdb.LintAt(budgets, webPods(3), workloads.lookup, evicted.Add(30*time.Second))),
		"30s after the eviction web-0 still counts as disrupted, so the budget allows nothing")
	assert.False(t, noneNow(pdb.LintAt(budgets, webPods(3), workloads.lookup, evicted.Add(pdb.DeletionTimeout+time.Second))),
		"after the controller's timeout web-0 is healthy again, so the budget allows one")
}
