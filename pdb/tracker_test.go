package pdb_test

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/pdb"
)

func clock() time.Time { return now }

func count(name string, expected, desired, current, allowed int32) pdb.Count {
	return pdb.Count{Budget: types.NamespacedName{Namespace: "default", Name: name},
		ExpectedPods: expected, DesiredHealthy: desired, CurrentHealthy: current, DisruptionsAllowed: allowed}
}

func TestTrackerSequence(t *testing.T) {
	t.Parallel()
	// web needs 2 of its 4 pods, spread over two nodes; api (another
	// workload) allows one disruption; both budgets cover db-0 as well.
	budgets := []*policyv1.PodDisruptionBudget{
		testutil.PDB("web").MinAvailable(2).Status(4, 2, 4, 2).Obj(),
		testutil.PDB("api").MaxUnavailable(1).Status(2, 1, 2, 1).Obj(),
		testutil.PDB("wide").Selector(&metav1.LabelSelector{MatchLabels: map[string]string{"tier": "data"}}).MaxUnavailable(1).Status(1, 0, 1, 1).Obj(),
	}
	web := func(i int, node string) *testutil.PDBPodBuilder {
		return testutil.PDBPod(fmt.Sprintf("web-%d", i)).Labels("app", "web").Node(node)
	}
	tracker := pdb.NewTracker(budgets, pdb.TrackerOptions{Now: clock})
	steps := tracker.EvictAll([]*corev1.Pod{
		web(0, "node-a").Obj(),
		testutil.PDBPod("api-0").Labels("app", "api").Node("node-a").NotReady().Obj(),
		web(1, "node-b").Obj(),
		web(2, "node-b").Obj(),
		web(0, "node-a").Obj(),
		testutil.PDBPod("db-0").Labels("app", "api", "tier", "data").Obj(),
		testutil.PDBPod("job-0").Labels("app", "web").Phase(corev1.PodPending).NotReady().Obj(),
		testutil.PDBPod("api-1").Labels("app", "api").Node("node-b").Obj(),
		testutil.PDBPod("api-2").Labels("app", "api").Node("node-b").Obj(),
	})
	want := []struct {
		reason  pdb.Reason
		allowed bool
		counts  []pdb.Count
	}{
		{pdb.ReasonDisruptionAllowed, true, []pdb.Count{count("web", 4, 2, 3, 1)}},
		// Not Ready under a healthy budget: no disruption used.
		{pdb.ReasonUnhealthyBudgetHealthy, true, []pdb.Count{count("api", 2, 1, 2, 1)}},
		{pdb.ReasonDisruptionAllowed, true, []pdb.Count{count("web", 4, 2, 2, 0)}},
		{pdb.ReasonDisruptionNotAllowed, false, []pdb.Count{count("web", 4, 2, 2, 0)}},
		// Evicting a pod again finds it terminating.
		{pdb.ReasonPodTerminating, true, []pdb.Count{count("web", 4, 2, 2, 0)}},
		{pdb.ReasonMultipleBudgets, false, []pdb.Count{count("api", 2, 1, 2, 1), count("wide", 1, 0, 1, 1)}},
		{pdb.ReasonPodPending, true, []pdb.Count{count("web", 4, 2, 2, 0)}},
		{pdb.ReasonDisruptionAllowed, true, []pdb.Count{count("api", 2, 1, 1, 0)}},
		{pdb.ReasonDisruptionNotAllowed, false, []pdb.Count{count("api", 2, 1, 1, 0)}},
	}
	require.Len(t, steps, len(want))
	for i, w := range want {
		assert.Equal(t, w.reason, steps[i].Decision.Reason, "step %d (%s)", i, steps[i].Pod)
		assert.Equal(t, w.allowed, steps[i].Decision.Allowed, "step %d (%s)", i, steps[i].Pod)
		assert.Equal(t, w.counts, steps[i].Counts, "step %d (%s)", i, steps[i].Pod)
	}
	cause, _ := pdb.DisruptionBudgetCause(steps[3].Decision.Err)
	assert.Equal(t, "The disruption budget web needs 2 healthy pods and has 2 currently", cause)

	after := tracker.Budgets()
	require.Len(t, after, 3)
	assert.Equal(t, "api", after[0].Name, "budgets are ordered by name")
	webAfter := after[1]
	assert.Equal(t, map[string]metav1.Time{"web-0": metav1.NewTime(now), "web-1": metav1.NewTime(now)}, webAfter.Status.DisruptedPods)
	condition := apimeta.FindStatusCondition(webAfter.Status.Conditions, policyv1.DisruptionAllowedCondition)
	require.NotNil(t, condition)
	assert.Equal(t, metav1.ConditionFalse, condition.Status)
	assert.Equal(t, policyv1.InsufficientPodsReason, condition.Reason)
	assert.Equal(t, int32(2), budgets[0].Status.DisruptionsAllowed, "the input budgets are not modified")
}

func TestTrackerUndoAndUpdate(t *testing.T) {
	t.Parallel()
	budget := testutil.PDB("web").MaxUnavailable(1).Status(3, 2, 3, 1).Obj()
	pod := testutil.PDBPod("web-0").Labels("app", "web").Obj()
	tracker := pdb.NewTracker([]*policyv1.PodDisruptionBudget{budget}, pdb.TrackerOptions{Now: clock})

	require.True(t, tracker.Evict(pod).Decision.Allowed)
	assert.Equal(t, []pdb.Count{count("web", 3, 2, 2, 0)}, tracker.Counts())
	assert.False(t, tracker.Check(testutil.PDBPod("web-1").Labels("app", "web").Obj()).Allowed)

	assert.True(t, tracker.Undo(pod))
	assert.Equal(t, []pdb.Count{count("web", 3, 2, 3, 1)}, tracker.Counts())
	restored := tracker.Budgets()[0]
	assert.Empty(t, restored.Status.DisruptedPods)
	condition := apimeta.FindStatusCondition(restored.Status.Conditions, policyv1.DisruptionAllowedCondition)
	require.NotNil(t, condition)
	assert.Equal(t, metav1.ConditionTrue, condition.Status)
	assert.Equal(t, pdb.ReasonDisruptionAllowed, tracker.Check(pod).Reason, "the pod is no longer terminating")
	assert.False(t, tracker.Undo(pod), "nothing left to give back")

	// The cluster's newer status replaces the Tracker's.
	require.True(t, tracker.Evict(pod).Decision.Allowed)
	tracker.Update(testutil.PDB("web").MaxUnavailable(1).Status(3, 2, 3, 1).Obj())
	assert.Equal(t, []pdb.Count{count("web", 3, 2, 3, 1)}, tracker.Counts())
	assert.True(t, tracker.Undo(pod))
	assert.Equal(t, []pdb.Count{count("web", 3, 2, 3, 1)}, tracker.Counts(), "no give-back after an update")

	tracker.Update(testutil.PDB("api").MaxUnavailable(1).Status(1, 0, 1, 1).Obj())
	assert.Len(t, tracker.Counts(), 2)
}

func TestTrackerBudgetsAreCopies(t *testing.T) {
	t.Parallel()
	tracker := pdb.NewTracker([]*policyv1.PodDisruptionBudget{testutil.PDB("web").MaxUnavailable(1).Status(3, 2, 3, 1).Obj(), nil}, pdb.TrackerOptions{})
	tracker.Budgets()[0].Status.DisruptionsAllowed = 99
	assert.Equal(t, []pdb.Count{count("web", 3, 2, 3, 1)}, tracker.Counts())
}

func TestTrackerConcurrentEvictionsNeverOverEvict(t *testing.T) {
	t.Parallel()
	const pods, allowed = 40, 7
	tracker := pdb.NewTracker([]*policyv1.PodDisruptionBudget{
		testutil.PDB("web").MinAvailable(pods-allowed).Status(pods, pods-allowed, pods, allowed).Obj(),
	}, pdb.TrackerOptions{})
	var granted atomic.Int32
	var wg sync.WaitGroup
	for i := range pods {
		wg.Go(func() {
			pod := testutil.PDBPod(fmt.Sprintf("web-%d", i)).Labels("app", "web").Node(fmt.Sprintf("node-%d", i%5)).Obj()
			if tracker.Evict(pod).Decision.Allowed {
				granted.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(allowed), granted.Load())
	assert.Equal(t, []pdb.Count{count("web", pods, pods-allowed, pods-allowed, 0)}, tracker.Counts())
}
