package pdb_test

import (
	"errors"
	"fmt"
	"sort"
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

var now = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// scales is a ScaleFunc over a map from a controller reference's UID to the
// scale that counts for it; a missing UID is a controller that is gone.
type scales map[types.UID]pdb.Scale

func (s scales) lookup(namespace string, ref metav1.OwnerReference) (pdb.Scale, error) {
	found, ok := s[ref.UID]
	if !ok {
		return pdb.Scale{}, fmt.Errorf("%s %s: %w", ref.Kind, ref.Name, pdb.ErrNoController)
	}
	return found, nil
}

// Workloads used across the tests: a Deployment "web" with replicas 3 and
// two ReplicaSets (a rollout), a bare ReplicaSet with 4, a StatefulSet with 5.
var workloads = scales{
	"rs-web-1": {Controller: "deploy-web", Replicas: 3},
	"rs-web-2": {Controller: "deploy-web", Replicas: 3},
	"rs-solo":  {Controller: "rs-solo", Replicas: 4},
	"sts-db":   {Controller: "sts-db", Replicas: 5},
	"rc-old":   {Controller: "rc-old", Replicas: 2},
	"foo-1":    {Controller: "foo-1", Replicas: 10},
}

func webPod(name, rs string) *testutil.PDBPodBuilder {
	return testutil.PDBPod(name).Labels("app", "web").Controller("apps/v1", "ReplicaSet", rs, types.UID(rs))
}

func webPods(n int) []*corev1.Pod {
	var pods []*corev1.Pod
	for i := range n {
		pods = append(pods, webPod(fmt.Sprintf("web-%d", i), "rs-web-1").Obj())
	}
	return pods
}

func barePods(n int) []*corev1.Pod {
	var pods []*corev1.Pod
	for i := range n {
		pods = append(pods, testutil.PDBPod(fmt.Sprintf("web-%d", i)).Labels("app", "web").Obj())
	}
	return pods
}

// counts is the part of a status the maths decides.
type counts struct {
	expected, desired, current, allowed int32
}

func countsOf(s policyv1.PodDisruptionBudgetStatus) counts {
	return counts{s.ExpectedPods, s.DesiredHealthy, s.CurrentHealthy, s.DisruptionsAllowed}
}

func TestComputeMaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		budget *policyv1.PodDisruptionBudget
		pods   []*corev1.Pod
		want   counts
	}{
		// minAvailable integer: expectedPods is the number of selected pods.
		{"min int below pods", testutil.PDB("web").MinAvailable(2).Obj(), barePods(3), counts{3, 2, 3, 1}},
		{"min int equal to pods", testutil.PDB("web").MinAvailable(3).Obj(), barePods(3), counts{3, 3, 3, 0}},
		{"min int above pods", testutil.PDB("web").MinAvailable(5).Obj(), barePods(3), counts{3, 5, 3, 0}},
		{"min int zero", testutil.PDB("web").MinAvailable(0).Obj(), barePods(3), counts{3, 0, 3, 3}},
		{"min int ignores controller scale", testutil.PDB("web").MinAvailable(1).Obj(), webPods(2), counts{2, 1, 2, 1}},
		{"min int no pods", testutil.PDB("web").MinAvailable(2).Obj(), nil, counts{0, 2, 0, 0}},
		{"min int zero no pods: zero expected allows nothing", testutil.PDB("web").MinAvailable(0).Obj(), nil, counts{0, 0, 0, 0}},

		// minAvailable percentage: scale of the controllers, rounded up.
		{"min 50% of 3 rounds up to 2", testutil.PDB("web").MinAvailable("50%").Obj(), webPods(3), counts{3, 2, 3, 1}},
		{"min 34% of 3 rounds up to 2", testutil.PDB("web").MinAvailable("34%").Obj(), webPods(3), counts{3, 2, 3, 1}},
		{"min 33% of 3 rounds up to 1", testutil.PDB("web").MinAvailable("33%").Obj(), webPods(3), counts{3, 1, 3, 2}},
		{"min 67% of 3 rounds up to 3", testutil.PDB("web").MinAvailable("67%").Obj(), webPods(3), counts{3, 3, 3, 0}},
		{"min 100%", testutil.PDB("web").MinAvailable("100%").Obj(), webPods(3), counts{3, 3, 3, 0}},
		{"min 0%", testutil.PDB("web").MinAvailable("0%").Obj(), webPods(3), counts{3, 0, 3, 3}},
		{"min 1% of 3 rounds up to 1", testutil.PDB("web").MinAvailable("1%").Obj(), webPods(3), counts{3, 1, 3, 2}},
		{"min percentage, scale above pods during rollout",
			testutil.PDB("web").MinAvailable("50%").Obj(), webPods(2), counts{3, 2, 2, 0}},

		// maxUnavailable: scale of the controllers; the number allowed
		// unavailable rounds up.
		{"max 50% of 3 rounds up to 2", testutil.PDB("web").MaxUnavailable("50%").Obj(), webPods(3), counts{3, 1, 3, 2}},
		{"max 33% of 3 rounds up to 1", testutil.PDB("web").MaxUnavailable("33%").Obj(), webPods(3), counts{3, 2, 3, 1}},
		{"max 34% of 3 rounds up to 2", testutil.PDB("web").MaxUnavailable("34%").Obj(), webPods(3), counts{3, 1, 3, 2}},
		{"max 1% of 3 rounds up to 1", testutil.PDB("web").MaxUnavailable("1%").Obj(), webPods(3), counts{3, 2, 3, 1}},
		{"max 0%", testutil.PDB("web").MaxUnavailable("0%").Obj(), webPods(3), counts{3, 3, 3, 0}},
		{"max 100%", testutil.PDB("web").MaxUnavailable("100%").Obj(), webPods(3), counts{3, 0, 3, 3}},
		{"max int 1", testutil.PDB("web").MaxUnavailable(1).Obj(), webPods(3), counts{3, 2, 3, 1}},
		{"max int 0", testutil.PDB("web").MaxUnavailable(0).Obj(), webPods(3), counts{3, 3, 3, 0}},
		{"max int above scale: desired floors at 0", testutil.PDB("web").MaxUnavailable(5).Obj(), webPods(3), counts{3, 0, 3, 3}},
		{"max int, scale above pods during rollout", testutil.PDB("web").MaxUnavailable(1).Obj(), webPods(2), counts{3, 2, 2, 0}},

		// Scale sources and counting each controller once.
		{"two ReplicaSets of one Deployment count the Deployment once",
			testutil.PDB("web").MaxUnavailable(1).Obj(),
			[]*corev1.Pod{webPod("a", "rs-web-1").Obj(), webPod("b", "rs-web-1").Obj(), webPod("c", "rs-web-2").Obj()},
			counts{3, 2, 3, 1}},
		{"bare ReplicaSet", testutil.PDB("web").MaxUnavailable(1).Obj(),
			[]*corev1.Pod{webPod("a", "rs-solo").Obj(), webPod("b", "rs-solo").Obj()}, counts{4, 3, 2, 0}},
		{"StatefulSet", testutil.PDB("web").MinAvailable("60%").Obj(),
			[]*corev1.Pod{testutil.PDBPod("db-0").Labels("app", "web").Controller("apps/v1", "StatefulSet", "db", "sts-db").Obj()},
			counts{5, 3, 1, 0}},
		{"ReplicationController", testutil.PDB("web").MaxUnavailable("50%").Obj(),
			[]*corev1.Pod{
				testutil.PDBPod("a").Labels("app", "web").Controller("v1", "ReplicationController", "old", "rc-old").Obj(),
				testutil.PDBPod("b").Labels("app", "web").Controller("v1", "ReplicationController", "old", "rc-old").Obj(),
			},
			counts{2, 1, 2, 1}},
		{"custom resource with a scale subresource", testutil.PDB("web").MaxUnavailable("10%").Obj(),
			[]*corev1.Pod{testutil.PDBPod("a").Labels("app", "web").Controller("example.com/v1", "Foo", "foo", "foo-1").Obj()},
			counts{10, 9, 1, 0}},
		{"several controllers add up", testutil.PDB("web").MaxUnavailable(2).Obj(),
			[]*corev1.Pod{webPod("a", "rs-web-1").Obj(), webPod("b", "rs-solo").Obj(),
				testutil.PDBPod("c").Labels("app", "web").Controller("apps/v1", "StatefulSet", "db", "sts-db").Obj()},
			counts{12, 10, 3, 0}},

		// Pods without a controller.
		{"no controller: maxUnavailable has zero expected pods", testutil.PDB("web").MaxUnavailable(1).Obj(), barePods(3), counts{0, 0, 3, 0}},
		{"no controller: percentage minAvailable has zero expected pods", testutil.PDB("web").MinAvailable("50%").Obj(), barePods(3), counts{0, 0, 3, 0}},
		{"bare pods add to currentHealthy but not to expectedPods", testutil.PDB("web").MaxUnavailable(1).Obj(),
			append(webPods(2), testutil.PDBPod("bare").Labels("app", "web").Obj()), counts{3, 2, 3, 1}},

		// Health.
		{"not Ready pods are not healthy", testutil.PDB("web").MinAvailable(1).Obj(),
			[]*corev1.Pod{webPod("a", "rs-web-1").Obj(), webPod("b", "rs-web-1").NotReady().Obj()}, counts{2, 1, 1, 0}},
		{"terminating pods are not healthy", testutil.PDB("web").MinAvailable(1).Obj(),
			[]*corev1.Pod{webPod("a", "rs-web-1").Obj(), webPod("b", "rs-web-1").Terminating(now).Obj()}, counts{2, 1, 1, 0}},
		{"terminal pods count in expectedPods of integer minAvailable", testutil.PDB("web").MinAvailable(1).Obj(),
			[]*corev1.Pod{webPod("a", "rs-web-1").Obj(), webPod("b", "rs-web-1").Phase(corev1.PodSucceeded).NotReady().Obj()}, counts{2, 1, 1, 0}},

		// Selection.
		{"pods of other namespaces are ignored", testutil.PDB("web").MinAvailable(1).Obj(),
			append(barePods(2), testutil.PDBPod("x").Namespace("other").Labels("app", "web").Obj()), counts{2, 1, 2, 1}},
		{"pods not matching are ignored", testutil.PDB("web").MinAvailable(1).Obj(),
			append(barePods(2), testutil.PDBPod("x").Labels("app", "api").Obj()), counts{2, 1, 2, 1}},
		{"empty selector selects every pod of the namespace", testutil.PDB("web").Selector(&metav1.LabelSelector{}).MinAvailable(1).Obj(),
			append(barePods(2), testutil.PDBPod("x").Labels("app", "api").Obj(), testutil.PDBPod("y").Namespace("other").Obj()), counts{3, 1, 3, 2}},
		{"nil selector selects nothing", testutil.PDB("web").Selector(nil).MinAvailable(1).Obj(), barePods(2), counts{0, 1, 0, 0}},
		{"matchExpressions", testutil.PDB("web").Selector(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web", "api"}}}}).MinAvailable(1).Obj(),
			append(barePods(2), testutil.PDBPod("x").Labels("app", "api").Obj(), testutil.PDBPod("y").Labels("app", "db").Obj()), counts{3, 1, 3, 2}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, err := pdb.Compute(tc.budget, tc.pods, workloads.lookup, now)
			require.NoError(t, err)
			assert.Equal(t, tc.want, countsOf(status))
			condition := apimeta.FindStatusCondition(status.Conditions, policyv1.DisruptionAllowedCondition)
			require.NotNil(t, condition)
			if tc.want.allowed > 0 {
				assert.Equal(t, metav1.ConditionTrue, condition.Status)
				assert.Equal(t, policyv1.SufficientPodsReason, condition.Reason)
			} else {
				assert.Equal(t, metav1.ConditionFalse, condition.Status)
				assert.Equal(t, policyv1.InsufficientPodsReason, condition.Reason)
			}
		})
	}
}

func TestComputeDisruptedPods(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		disruptedAt time.Time
		pod         *corev1.Pod
		wantKept    bool
		wantHealthy int32
	}{
		{"recent entry hides the pod", now.Add(-time.Minute), webPod("web-0", "rs-web-1").Obj(), true, 2},
		{"entry just younger than the timeout", now.Add(-2*time.Minute + time.Nanosecond), webPod("web-0", "rs-web-1").Obj(), true, 2},
		// At exactly two minutes the controller keeps the entry (it is not
		// Before now) but counts the pod again (it is not After now).
		{"entry exactly at the timeout", now.Add(-2 * time.Minute), webPod("web-0", "rs-web-1").Obj(), true, 3},
		{"expired entry is dropped and the pod counts", now.Add(-2*time.Minute - time.Second), webPod("web-0", "rs-web-1").Obj(), false, 3},
		{"entry of a terminating pod is dropped", now.Add(-time.Minute), webPod("web-0", "rs-web-1").Terminating(now).Obj(), false, 2},
		{"entry of a pod that is gone is dropped", now.Add(-time.Minute), webPod("web-9", "rs-web-1").Obj(), false, 3},
		{"entry of a pod no longer selected is dropped", now.Add(-time.Minute), webPod("web-0", "rs-web-1").Labels("app", "other").Obj(), false, 2},
		{"entry in the future hides the pod", now.Add(time.Minute), webPod("web-0", "rs-web-1").Obj(), true, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			budget := testutil.PDB("web").MaxUnavailable(1).Disrupted(tc.disruptedAt, "web-0").Obj()
			pods := []*corev1.Pod{tc.pod, webPod("web-1", "rs-web-1").Obj(), webPod("web-2", "rs-web-1").Obj()}
			status, err := pdb.Compute(budget, pods, workloads.lookup, now)
			require.NoError(t, err)
			_, kept := status.DisruptedPods["web-0"]
			assert.Equal(t, tc.wantKept, kept, "disruptedPods = %v", status.DisruptedPods)
			assert.Equal(t, tc.wantHealthy, status.CurrentHealthy)
			assert.Equal(t, max(tc.wantHealthy-2, 0), status.DisruptionsAllowed)
			assert.Equal(t, "web-0", sortedKeys(budget.Status.DisruptedPods)[0], "the input budget is not modified")
		})
	}
}

func sortedKeys(m map[string]metav1.Time) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestComputeFailsClosed(t *testing.T) {
	t.Parallel()
	earlier := metav1.NewTime(now.Add(-time.Hour))
	// A budget the controller had synced: 2 allowed, condition True.
	synced := func(b *testutil.PDBBuilder) *policyv1.PodDisruptionBudget {
		budget := b.Generation(2, 1).Status(3, 1, 3, 2).Obj()
		budget.Status.Conditions[0].LastTransitionTime = earlier
		return budget
	}
	boom := errors.New("the server is currently unable to handle the request")
	tests := []struct {
		name        string
		budget      *policyv1.PodDisruptionBudget
		pods        []*corev1.Pod
		scale       pdb.ScaleFunc
		wantMessage string
		wantInvalid bool
	}{
		{"controller gone", synced(testutil.PDB("web").MaxUnavailable(1)),
			[]*corev1.Pod{webPod("web-0", "rs-gone").Obj()}, workloads.lookup, `found no controllers for pod "web-0"`, false},
		{"controller gone, percentage minAvailable", synced(testutil.PDB("web").MinAvailable("50%")),
			[]*corev1.Pod{webPod("web-0", "rs-web-1").Obj(), webPod("web-1", "rs-gone").Obj()}, workloads.lookup, `found no controllers for pod "web-1"`, false},
		{"scale lookup error is the message", synced(testutil.PDB("web").MaxUnavailable(1)),
			webPods(1), func(string, metav1.OwnerReference) (pdb.Scale, error) { return pdb.Scale{}, boom }, boom.Error(), false},
		{"no ScaleFunc for a managed pod", synced(testutil.PDB("web").MaxUnavailable(1)),
			webPods(1), nil, `found no controllers for pod "web-0"`, false},
		{"percentage that does not parse", synced(testutil.PDB("web").MaxUnavailable("5.5%")),
			webPods(3), workloads.lookup, `invalid value for IntOrString: invalid value "5.5%": strconv.Atoi: parsing "5.5": invalid syntax`, true},
		{"string without percent sign", synced(testutil.PDB("web").MinAvailable("5")),
			webPods(3), workloads.lookup, "invalid value for IntOrString: invalid type: string is not a percentage", true},
		{"selector operator that does not parse", synced(testutil.PDB("web").MinAvailable(1).Selector(&metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Foo"}}})),
			webPods(3), workloads.lookup, `"Foo" is not a valid label selector operator`, true},
		{"scale failure comes before the percentage", synced(testutil.PDB("web").MaxUnavailable("x%")),
			[]*corev1.Pod{webPod("web-0", "rs-gone").Obj()}, workloads.lookup, `found no controllers for pod "web-0"`, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, err := pdb.Compute(tc.budget, tc.pods, tc.scale, now)
			var syncErr *pdb.SyncError
			require.ErrorAs(t, err, &syncErr)
			assert.Equal(t, tc.wantMessage, syncErr.Message)
			assert.Equal(t, types.NamespacedName{Namespace: "default", Name: "web"}, syncErr.Budget)
			var invalid *pdb.InvalidBudgetError
			assert.Equal(t, tc.wantInvalid, errors.As(err, &invalid))

			// failSafe: the old numbers and observedGeneration, nothing allowed.
			want := tc.budget.Status.DeepCopy()
			want.DisruptionsAllowed = 0
			want.Conditions = []metav1.Condition{{
				Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse, Reason: policyv1.SyncFailedReason,
				Message: tc.wantMessage, ObservedGeneration: 1, LastTransitionTime: metav1.NewTime(now),
			}}
			assert.Equal(t, *want, status)
			assert.Equal(t, int32(2), tc.budget.Status.DisruptionsAllowed, "the input budget is not modified")
		})
	}
}

func TestComputeInvalidBudgets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		budget    *policyv1.PodDisruptionBudget
		want      counts
		wantField string
	}{
		// The controller uses maxUnavailable when both are set.
		{"both set", testutil.PDB("web").MinAvailable(3).MaxUnavailable(1).Obj(), counts{3, 2, 3, 1}, "spec"},
		{"neither set", testutil.PDB("web").Obj(), counts{0, 0, 3, 0}, "spec"},
		{"negative minAvailable", testutil.PDB("web").MinAvailable(-1).Obj(), counts{3, -1, 3, 4}, "spec.minAvailable"},
		{"negative maxUnavailable", testutil.PDB("web").MaxUnavailable(-1).Obj(), counts{3, 4, 3, 0}, "spec.maxUnavailable"},
		{"percentage over 100", testutil.PDB("web").MaxUnavailable("150%").Obj(), counts{3, 0, 3, 3}, "spec.maxUnavailable"},
		{"unknown unhealthy pod policy", testutil.PDB("web").MinAvailable(1).Policy("Sometimes").Obj(), counts{3, 1, 3, 2}, "spec.unhealthyPodEvictionPolicy"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			status, err := pdb.Compute(tc.budget, webPods(3), workloads.lookup, now)
			var invalid *pdb.InvalidBudgetError
			require.ErrorAs(t, err, &invalid)
			assert.Equal(t, tc.wantField, invalid.Field)
			assert.Equal(t, "web", invalid.Budget.Name)
			var syncErr *pdb.SyncError
			assert.False(t, errors.As(err, &syncErr), "the controller computes these")
			assert.Equal(t, tc.want, countsOf(status))
		})
	}

	t.Run("nil budget", func(t *testing.T) {
		t.Parallel()
		_, err := pdb.Compute(nil, webPods(1), workloads.lookup, now)
		assert.Error(t, err)
	})
}

func TestComputeStatusWrite(t *testing.T) {
	t.Parallel()
	earlier := metav1.NewTime(now.Add(-time.Hour))
	current := func() *policyv1.PodDisruptionBudget {
		budget := testutil.PDB("web").MinAvailable(2).Generation(3, 3).Status(3, 2, 3, 1).Obj()
		budget.Status.Conditions[0].ObservedGeneration = 3
		budget.Status.Conditions[0].LastTransitionTime = earlier
		return budget
	}

	t.Run("already current: status unchanged", func(t *testing.T) {
		t.Parallel()
		budget := current()
		status, err := pdb.Compute(budget, webPods(3), workloads.lookup, now)
		require.NoError(t, err)
		assert.Equal(t, budget.Status, status)
	})
	t.Run("new generation is observed", func(t *testing.T) {
		t.Parallel()
		budget := current()
		budget.Generation = 4
		status, err := pdb.Compute(budget, webPods(3), workloads.lookup, now)
		require.NoError(t, err)
		assert.Equal(t, int64(4), status.ObservedGeneration)
		require.Len(t, status.Conditions, 1)
		assert.Equal(t, int64(4), status.Conditions[0].ObservedGeneration)
		assert.Equal(t, earlier, status.Conditions[0].LastTransitionTime, "same condition status keeps its transition time")
	})
	t.Run("transition stamps now, truncated to the second", func(t *testing.T) {
		t.Parallel()
		budget := current()
		pods := webPods(3)
		pods[0] = webPod("web-0", "rs-web-1").NotReady().Obj()
		status, err := pdb.Compute(budget, pods, workloads.lookup, now.Add(1500*time.Millisecond))
		require.NoError(t, err)
		assert.Equal(t, counts{3, 2, 2, 0}, countsOf(status))
		require.Len(t, status.Conditions, 1)
		assert.Equal(t, metav1.ConditionFalse, status.Conditions[0].Status)
		assert.Equal(t, metav1.NewTime(now.Add(time.Second)), status.Conditions[0].LastTransitionTime)
	})
	t.Run("recovery from SyncFailed clears the message", func(t *testing.T) {
		t.Parallel()
		budget := testutil.PDB("web").MinAvailable(3).Condition(metav1.ConditionFalse, policyv1.SyncFailedReason, "found no controllers").Obj()
		budget.Status.Conditions[0].LastTransitionTime = earlier
		status, err := pdb.Compute(budget, webPods(3), workloads.lookup, now)
		require.NoError(t, err)
		require.Len(t, status.Conditions, 1)
		assert.Equal(t, metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse,
			Reason: policyv1.InsufficientPodsReason, LastTransitionTime: earlier}, status.Conditions[0])
	})
	t.Run("other conditions are kept", func(t *testing.T) {
		t.Parallel()
		budget := current()
		other := metav1.Condition{Type: "Example", Status: metav1.ConditionTrue, Reason: "Because", LastTransitionTime: earlier}
		budget.Status.Conditions = append(budget.Status.Conditions, other)
		budget.Status.CurrentHealthy = 1
		status, err := pdb.Compute(budget, webPods(3), workloads.lookup, now)
		require.NoError(t, err)
		assert.Contains(t, status.Conditions, other)
		assert.Len(t, budget.Status.Conditions, 2, "the input budget is not modified")
	})
	t.Run("first sync adds the condition", func(t *testing.T) {
		t.Parallel()
		budget := testutil.PDB("web").MinAvailable(2).Obj()
		status, err := pdb.Compute(budget, webPods(3), workloads.lookup, now)
		require.NoError(t, err)
		assert.Equal(t, []metav1.Condition{{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionTrue,
			Reason: policyv1.SufficientPodsReason, LastTransitionTime: metav1.NewTime(now)}}, status.Conditions)
		assert.Nil(t, status.DisruptedPods)
	})
}

func TestComputeLooksUpEachControllerOnce(t *testing.T) {
	t.Parallel()
	calls := map[types.UID]int{}
	lookup := func(namespace string, ref metav1.OwnerReference) (pdb.Scale, error) {
		calls[ref.UID]++
		return workloads.lookup(namespace, ref)
	}
	pods := append(webPods(5), webPod("new", "rs-web-2").Obj())
	status, err := pdb.Compute(testutil.PDB("web").MaxUnavailable(1).Obj(), pods, lookup, now)
	require.NoError(t, err)
	assert.Equal(t, int32(3), status.ExpectedPods)
	assert.Equal(t, 1, calls["rs-web-1"])
	// rs-web-2 resolves to the Deployment already counted through rs-web-1.
	assert.Equal(t, 1, calls["rs-web-2"])
}
