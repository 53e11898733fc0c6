package pdb_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/pdb"
)

func TestCheckEviction(t *testing.T) {
	t.Parallel()
	ready := testutil.PDBPod("web-0").Labels("app", "web").Obj()
	unready := testutil.PDBPod("web-0").Labels("app", "web").NotReady().Obj()
	// web allows one disruption: 3 healthy, 2 needed.
	allows := func() *testutil.PDBBuilder { return testutil.PDB("web").MinAvailable(2).Status(3, 2, 3, 1) }
	// web allows none: 2 healthy, 2 needed.
	blocks := func() *testutil.PDBBuilder { return testutil.PDB("web").MinAvailable(2).Status(2, 2, 3, 0) }
	second := testutil.PDB("web-too").MatchLabels("app", "web").MinAvailable(1).Status(3, 1, 3, 2)
	manyDisrupted := func(n int) *policyv1.PodDisruptionBudget {
		b := testutil.PDB("web").MaxUnavailable(3000).Status(3000, 0, 3000, 5)
		for i := range n {
			b.Disrupted(now, fmt.Sprintf("p%d", i))
		}
		return b.Obj()
	}

	const notObserved = "The disruption budget web is still being processed by the server."
	tests := []struct {
		name    string
		pod     *corev1.Pod
		budgets []*policyv1.PodDisruptionBudget

		wantReason     pdb.Reason
		wantCode       int
		wantBudget     string
		wantBudgets    []string
		wantDecrements bool
		wantCause      string // the DisruptionBudget cause of a 429
		wantRetryAfter int    // seconds, for a 429
		wantMessage    string // the API error's message
	}{
		// Pods the endpoint deletes without looking at budgets.
		{name: "succeeded pod", pod: testutil.PDBPod("web-0").Labels("app", "web").Phase(corev1.PodSucceeded).Obj(),
			budgets: []*policyv1.PodDisruptionBudget{blocks().Obj()}, wantReason: pdb.ReasonPodTerminal, wantCode: 201, wantBudgets: []string{"web"}},
		{name: "failed pod", pod: testutil.PDBPod("web-0").Labels("app", "web").Phase(corev1.PodFailed).Obj(),
			budgets: []*policyv1.PodDisruptionBudget{blocks().Obj()}, wantReason: pdb.ReasonPodTerminal, wantCode: 201, wantBudgets: []string{"web"}},
		{name: "pending pod", pod: testutil.PDBPod("web-0").Labels("app", "web").Phase(corev1.PodPending).NotReady().Obj(),
			budgets: []*policyv1.PodDisruptionBudget{blocks().Obj()}, wantReason: pdb.ReasonPodPending, wantCode: 201, wantBudgets: []string{"web"}},
		{name: "terminating pod", pod: testutil.PDBPod("web-0").Labels("app", "web").Terminating(now).Obj(),
			budgets: []*policyv1.PodDisruptionBudget{blocks().Obj()}, wantReason: pdb.ReasonPodTerminating, wantCode: 201, wantBudgets: []string{"web"}},
		{name: "terminating pod under two budgets is not refused", pod: testutil.PDBPod("web-0").Labels("app", "web").Terminating(now).Obj(),
			budgets: []*policyv1.PodDisruptionBudget{blocks().Obj(), second.Obj()}, wantReason: pdb.ReasonPodTerminating, wantCode: 201, wantBudgets: []string{"web", "web-too"}},

		// Which budgets count.
		{name: "two budgets", pod: ready, budgets: []*policyv1.PodDisruptionBudget{allows().Obj(), second.Obj()},
			wantReason: pdb.ReasonMultipleBudgets, wantCode: 500, wantBudgets: []string{"web", "web-too"},
			wantMessage: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support."},
		{name: "no budget", pod: ready, budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("api").MinAvailable(5).Obj()},
			wantReason: pdb.ReasonNoBudget, wantCode: 201},
		{name: "budget of another namespace", pod: ready, budgets: []*policyv1.PodDisruptionBudget{blocks().Obj(), testutil.PDB("web").Namespace("other").Obj()},
			wantReason: pdb.ReasonDisruptionNotAllowed, wantCode: 429, wantBudget: "web", wantBudgets: []string{"web"},
			wantCause: "The disruption budget web needs 2 healthy pods and has 2 currently"},
		{name: "nil selector covers nothing", pod: ready, budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").Selector(nil).MinAvailable(5).Obj()},
			wantReason: pdb.ReasonNoBudget, wantCode: 201},
		{name: "empty selector covers everything", pod: ready,
			budgets:    []*policyv1.PodDisruptionBudget{testutil.PDB("all").Selector(&metav1.LabelSelector{}).MinAvailable(5).Status(3, 5, 3, 0).Obj()},
			wantReason: pdb.ReasonDisruptionNotAllowed, wantCode: 429, wantBudget: "all", wantBudgets: []string{"all"},
			wantCause: "The disruption budget all needs 5 healthy pods and has 3 currently"},
		{name: "budget with a selector that does not parse is skipped", pod: ready,
			budgets: []*policyv1.PodDisruptionBudget{allows().Obj(), testutil.PDB("bad").Selector(&metav1.LabelSelector{
				MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Foo"}}}).Obj()},
			wantReason: pdb.ReasonDisruptionAllowed, wantCode: 201, wantBudget: "web", wantBudgets: []string{"web"}, wantDecrements: true},

		// Pods that are not Ready.
		{name: "unready, AlwaysAllow", pod: unready, budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(2).Policy(policyv1.AlwaysAllow).Status(1, 2, 3, 0).Obj()},
			wantReason: pdb.ReasonUnhealthyAlwaysAllow, wantCode: 201, wantBudget: "web", wantBudgets: []string{"web"}},
		{name: "unready, AlwaysAllow, generation not observed", pod: unready,
			budgets:    []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(2).Policy(policyv1.AlwaysAllow).Generation(2, 1).Status(1, 2, 3, 0).Obj()},
			wantReason: pdb.ReasonUnhealthyAlwaysAllow, wantCode: 201, wantBudget: "web", wantBudgets: []string{"web"}},
		{name: "unready, IfHealthyBudget, budget healthy", pod: unready, budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(2).Policy(policyv1.IfHealthyBudget).Status(2, 2, 3, 0).Obj()},
			wantReason: pdb.ReasonUnhealthyBudgetHealthy, wantCode: 201, wantBudget: "web", wantBudgets: []string{"web"}},
		{name: "unready, no policy, budget healthy", pod: unready, budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(2).Status(3, 2, 3, 1).Obj()},
			wantReason: pdb.ReasonUnhealthyBudgetHealthy, wantCode: 201, wantBudget: "web", wantBudgets: []string{"web"}},
		{name: "unready, budget unhealthy", pod: unready, budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(2).Policy(policyv1.IfHealthyBudget).Status(1, 2, 3, 0).Obj()},
			wantReason: pdb.ReasonDisruptionNotAllowed, wantCode: 429, wantBudget: "web", wantBudgets: []string{"web"},
			wantCause: "The disruption budget web needs 2 healthy pods and has 1 currently"},
		{name: "unready, desiredHealthy 0 uses a disruption", pod: unready, budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable("100%").Status(2, 0, 3, 2).Obj()},
			wantReason: pdb.ReasonDisruptionAllowed, wantCode: 201, wantBudget: "web", wantBudgets: []string{"web"}, wantDecrements: true},
		{name: "unready, desiredHealthy 0, nothing allowed", pod: unready, budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable(1).Status(0, 0, 0, 0).Obj()},
			wantReason: pdb.ReasonDisruptionNotAllowed, wantCode: 429, wantBudget: "web", wantBudgets: []string{"web"},
			wantCause: "The disruption budget web needs 0 healthy pods and has 0 currently"},

		// checkAndDecrement.
		{name: "generation not observed", pod: ready, budgets: []*policyv1.PodDisruptionBudget{allows().Generation(2, 1).Obj()},
			wantReason: pdb.ReasonBudgetNotObserved, wantCode: 429, wantBudget: "web", wantBudgets: []string{"web"}, wantCause: notObserved, wantRetryAfter: 10},
		{name: "negative disruptionsAllowed", pod: ready, budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MinAvailable(2).Status(3, 2, 3, -1).Obj()},
			wantReason: pdb.ReasonNegativeDisruptionsAllowed, wantCode: 403, wantBudget: "web", wantBudgets: []string{"web"},
			wantMessage: `poddisruptionbudget.policy "web" is forbidden: pdb disruptions allowed is negative`},
		{name: "too many disrupted pods", pod: ready, budgets: []*policyv1.PodDisruptionBudget{manyDisrupted(2001)},
			wantReason: pdb.ReasonTooManyDisruptedPods, wantCode: 403, wantBudget: "web", wantBudgets: []string{"web"},
			wantMessage: `poddisruptionbudget.policy "web" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`},
		{name: "2000 disrupted pods is still fine", pod: ready, budgets: []*policyv1.PodDisruptionBudget{manyDisrupted(2000)},
			wantReason: pdb.ReasonDisruptionAllowed, wantCode: 201, wantBudget: "web", wantBudgets: []string{"web"}, wantDecrements: true},
		{name: "needs healthy pods", pod: ready, budgets: []*policyv1.PodDisruptionBudget{blocks().Obj()},
			wantReason: pdb.ReasonDisruptionNotAllowed, wantCode: 429, wantBudget: "web", wantBudgets: []string{"web"},
			wantCause: "The disruption budget web needs 2 healthy pods and has 2 currently"},
		{name: "failed sync", pod: ready,
			budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable(1).Status(3, 2, 3, 0).
				Condition(metav1.ConditionFalse, policyv1.SyncFailedReason, `found no controllers for pod "web-0"`).Obj()},
			wantReason: pdb.ReasonDisruptionNotAllowed, wantCode: 429, wantBudget: "web", wantBudgets: []string{"web"},
			wantCause: `The disruption budget web does not allow evicting pods currently because it failed sync: found no controllers for pod "web-0"`},
		{name: "failed sync without a message", pod: ready,
			budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable(1).Status(1, 2, 3, 0).
				Condition(metav1.ConditionFalse, policyv1.SyncFailedReason, "").Obj()},
			wantReason: pdb.ReasonDisruptionNotAllowed, wantCode: 429, wantBudget: "web", wantBudgets: []string{"web"},
			wantCause: "The disruption budget web needs 2 healthy pods and has 1 currently"},
		{name: "other reason with a message", pod: ready,
			budgets: []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable(1).Status(3, 2, 3, 0).
				Condition(metav1.ConditionFalse, "Paused", "maintenance freeze").Obj()},
			wantReason: pdb.ReasonDisruptionNotAllowed, wantCode: 429, wantBudget: "web", wantBudgets: []string{"web"},
			wantCause: "The disruption budget web does not allow evicting pods currently (Paused): maintenance freeze"},
		{name: "stale status without a message", pod: ready,
			budgets:    []*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable(1).Status(3, 2, 3, 0).Obj()},
			wantReason: pdb.ReasonDisruptionNotAllowed, wantCode: 429, wantBudget: "web", wantBudgets: []string{"web"},
			wantCause: "The disruption budget web does not allow evicting pods currently"},
		{name: "allowed", pod: ready, budgets: []*policyv1.PodDisruptionBudget{allows().Obj()},
			wantReason: pdb.ReasonDisruptionAllowed, wantCode: 201, wantBudget: "web", wantBudgets: []string{"web"}, wantDecrements: true},
		{name: "no pod", pod: nil, budgets: []*policyv1.PodDisruptionBudget{allows().Obj()}, wantReason: pdb.ReasonPodNotFound, wantCode: 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d := pdb.CheckEviction(tc.pod, tc.budgets)
			assert.Equal(t, tc.wantReason, d.Reason)
			assert.Equal(t, tc.wantCode, d.Code())
			assert.Equal(t, tc.wantCode == http.StatusCreated, d.Allowed)
			assert.Equal(t, tc.wantBudget, d.Budget)
			assert.Equal(t, tc.wantBudgets, d.Budgets)
			assert.Equal(t, tc.wantDecrements, d.Decrements)
			assert.NotEmpty(t, d.Message)
			if tc.wantCode == http.StatusCreated {
				assert.NoError(t, d.Err)
				return
			}
			var status *apierrors.StatusError
			require.ErrorAs(t, d.Err, &status)
			assert.Equal(t, int32(tc.wantCode), status.ErrStatus.Code)
			cause, hasCause := pdb.DisruptionBudgetCause(d.Err)
			switch tc.wantCode {
			case http.StatusTooManyRequests:
				assert.True(t, apierrors.IsTooManyRequests(d.Err))
				assert.Equal(t, "Cannot evict pod as it would violate the pod's disruption budget.", status.ErrStatus.Message)
				assert.Equal(t, tc.wantCause, cause)
				assert.True(t, hasCause)
				assert.Equal(t, int32(tc.wantRetryAfter), status.ErrStatus.Details.RetryAfterSeconds)
			case http.StatusInternalServerError:
				assert.Equal(t, metav1.StatusReason(""), apierrors.ReasonForError(d.Err), "the 500 carries no reason")
				assert.Equal(t, tc.wantMessage, status.ErrStatus.Message)
				assert.False(t, hasCause)
				for _, name := range tc.wantBudgets {
					assert.Contains(t, d.Message, name, "our message names the budgets")
				}
			case http.StatusForbidden:
				assert.True(t, apierrors.IsForbidden(d.Err))
				assert.Equal(t, tc.wantMessage, status.ErrStatus.Message)
			case http.StatusNotFound:
				assert.True(t, apierrors.IsNotFound(d.Err))
			}
		})
	}
}

func TestCheckEvictionDoesNotModify(t *testing.T) {
	t.Parallel()
	budget := testutil.PDB("web").MinAvailable(2).Status(3, 2, 3, 1).Obj()
	pod := testutil.PDBPod("web-0").Labels("app", "web").Obj()
	wantBudget, wantPod := budget.DeepCopy(), pod.DeepCopy()
	d := pdb.CheckEviction(pod, []*policyv1.PodDisruptionBudget{budget})
	require.True(t, d.Decrements)
	assert.Equal(t, wantBudget, budget)
	assert.Equal(t, wantPod, pod)
}

func TestDisruptionBudgetCause(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		want   string
		wantOK bool
	}{
		{"not an API error", assert.AnError, "", false},
		{"API error without details", apierrors.NewNotFound(corev1.Resource("pods"), "x"), "", false},
		{"429 without the cause", apierrors.NewTooManyRequests("slow down", 1), "", false},
		{"not observed", pdb.NotObservedError("web"), "The disruption budget web is still being processed by the server.", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := pdb.DisruptionBudgetCause(tc.err)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.wantOK, ok)
		})
	}
}
