package pdbtest_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/pdb"
	"github.com/kubeprim/kubeprim/pdb/pdbtest"
)

var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// clock is a clock the test moves.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *clock { return &clock{now: start} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// webObjects is a Deployment web of 3 replicas through one ReplicaSet,
// its 3 Ready pods on two nodes, and pods of other apps.
func webObjects() []runtime.Object {
	replicas := int32(3)
	yes := true
	objects := []runtime.Object{
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "deploy-web"},
			Spec: appsv1.DeploymentSpec{Replicas: &replicas}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default", UID: "rs-web-1",
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "web", UID: "deploy-web", Controller: &yes}}},
			Spec: appsv1.ReplicaSetSpec{Replicas: &replicas}},
	}
	for i, node := range []string{"node-a", "node-a", "node-b"} {
		objects = append(objects, webPod(i).Node(node).Obj())
	}
	objects = append(objects, testutil.PDBPod("api-0").Labels("app", "api").Node("node-b").Obj())
	return objects
}

func webPod(i int) *testutil.PDBPodBuilder {
	return testutil.PDBPod(fmt.Sprintf("web-%d", i)).Labels("app", "web").Controller("apps/v1", "ReplicaSet", "web-1", "rs-web-1")
}

func install(t *testing.T, objects []runtime.Object, opts ...pdbtest.Option) (*fake.Clientset, *pdbtest.Server) {
	t.Helper()
	client := fake.NewClientset(objects...)
	return client, pdbtest.Install(client, opts...)
}

func evict(ctx context.Context, client *fake.Clientset, name string, options *metav1.DeleteOptions) error {
	return client.PolicyV1().Evictions("default").Evict(ctx, &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, DeleteOptions: options})
}

func budgetStatus(t *testing.T, client *fake.Clientset, name string) policyv1.PodDisruptionBudgetStatus {
	t.Helper()
	budget, err := client.PolicyV1().PodDisruptionBudgets("default").Get(t.Context(), name, metav1.GetOptions{})
	require.NoError(t, err)
	return budget.Status
}

func podExists(t *testing.T, client *fake.Clientset, name string) bool {
	t.Helper()
	_, err := client.CoreV1().Pods("default").Get(t.Context(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return false
	}
	require.NoError(t, err)
	return true
}

func statusCode(err error) int {
	if err == nil {
		return http.StatusCreated
	}
	if status, ok := err.(apierrors.APIStatus); ok {
		return int(status.Status().Code)
	}
	return -1
}

// TestEvictionAnswers drives each answer of the eviction endpoint through
// the clientset.
func TestEvictionAnswers(t *testing.T) {
	t.Parallel()
	minTwo := func() *policyv1.PodDisruptionBudget { return testutil.PDB("web").MinAvailable(2).Obj() }
	tests := []struct {
		name       string
		extra      []runtime.Object
		pod        string
		options    *metav1.DeleteOptions
		before     []string // pods evicted first, each must succeed
		wantCode   int
		wantCause  string
		wantRetry  int32
		wantGone   bool // the pod is gone after the eviction
		wantReason metav1.StatusReason
	}{
		{name: "allowed", extra: []runtime.Object{minTwo()}, pod: "web-0", wantCode: 201, wantGone: true},
		{name: "budget exhausted", extra: []runtime.Object{minTwo()}, pod: "web-1", before: []string{"web-0"}, wantCode: 429,
			wantCause: "The disruption budget web needs 2 healthy pods and has 2 currently", wantReason: metav1.StatusReasonTooManyRequests},
		{name: "no budget", extra: nil, pod: "api-0", wantCode: 201, wantGone: true},
		{name: "no such pod", extra: []runtime.Object{minTwo()}, pod: "web-9", wantCode: 404, wantReason: metav1.StatusReasonNotFound},
		{name: "two budgets", extra: []runtime.Object{minTwo(), testutil.PDB("web-too").MatchLabels("app", "web").MaxUnavailable(1).Obj()},
			pod: "web-0", wantCode: 500},
		{name: "maxUnavailable 0", extra: []runtime.Object{testutil.PDB("web").MaxUnavailable(0).Obj()}, pod: "web-0", wantCode: 429,
			wantCause: "The disruption budget web needs 3 healthy pods and has 3 currently", wantReason: metav1.StatusReasonTooManyRequests},
		{name: "pending pod ignores the budget", extra: []runtime.Object{testutil.PDB("web").MaxUnavailable(0).Obj(),
			webPod(7).Phase(corev1.PodPending).NotReady().Obj()}, pod: "web-7", wantCode: 201, wantGone: true},
		{name: "succeeded pod ignores the budget", extra: []runtime.Object{testutil.PDB("web").MaxUnavailable(0).Obj(),
			webPod(7).Phase(corev1.PodSucceeded).NotReady().Obj()}, pod: "web-7", wantCode: 201, wantGone: true},
		{name: "unready pod, AlwaysAllow", extra: []runtime.Object{testutil.PDB("web").MaxUnavailable(0).Policy(policyv1.AlwaysAllow).Obj(),
			webPod(7).NotReady().Obj()}, pod: "web-7", wantCode: 201, wantGone: true},
		{name: "unready pod, healthy budget", extra: []runtime.Object{testutil.PDB("web").MinAvailable(3).Obj(),
			webPod(7).NotReady().Obj()}, pod: "web-7", wantCode: 201, wantGone: true},
		{name: "unready pod, unhealthy budget", extra: []runtime.Object{testutil.PDB("web").MinAvailable(4).Obj(),
			webPod(7).NotReady().Obj()}, pod: "web-7", wantCode: 429,
			wantCause: "The disruption budget web needs 4 healthy pods and has 3 currently", wantReason: metav1.StatusReasonTooManyRequests},
		{name: "UID precondition", extra: []runtime.Object{minTwo()}, pod: "web-0",
			options:  &metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions("someone-else")},
			wantCode: 409, wantReason: metav1.StatusReasonConflict},
		{name: "matching UID precondition", extra: []runtime.Object{minTwo()}, pod: "web-0",
			options: &metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions("uid-web-0")}, wantCode: 201, wantGone: true},
		{name: "resourceVersion precondition", extra: []runtime.Object{minTwo()}, pod: "web-0",
			options:  &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{ResourceVersion: ptr("1")}},
			wantCode: 409, wantReason: metav1.StatusReasonConflict},
		{name: "ignoreStoreReadErrorWithClusterBreakingPotential", extra: []runtime.Object{minTwo()}, pod: "web-0",
			options:  &metav1.DeleteOptions{IgnoreStoreReadErrorWithClusterBreakingPotential: ptr(true)},
			wantCode: 422, wantReason: metav1.StatusReasonInvalid},
		{name: "dry run", extra: []runtime.Object{minTwo()}, pod: "web-0", options: &metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}, wantCode: 201},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client, _ := install(t, append(webObjects(), tc.extra...))
			for _, name := range tc.before {
				require.NoError(t, evict(t.Context(), client, name, nil))
			}
			err := evict(t.Context(), client, tc.pod, tc.options)
			assert.Equal(t, tc.wantCode, statusCode(err), "error: %v", err)
			assert.Equal(t, tc.wantReason, apierrors.ReasonForError(err))
			cause, _ := pdb.DisruptionBudgetCause(err)
			assert.Equal(t, tc.wantCause, cause)
			if tc.wantCode == http.StatusTooManyRequests {
				var status apierrors.APIStatus
				require.ErrorAs(t, err, &status)
				assert.Equal(t, "Cannot evict pod as it would violate the pod's disruption budget.", status.Status().Message)
				assert.Equal(t, tc.wantRetry, status.Status().Details.RetryAfterSeconds)
			}
			if tc.wantCode != http.StatusNotFound {
				assert.Equal(t, tc.wantGone, !podExists(t, client, tc.pod))
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestEvictionKeepsBudgetCurrent(t *testing.T) {
	t.Parallel()
	client, _ := install(t, webObjects())
	_, err := client.PolicyV1().PodDisruptionBudgets("default").Create(t.Context(), testutil.PDB("web").MaxUnavailable(1).Obj(), metav1.CreateOptions{})
	require.NoError(t, err)
	status := budgetStatus(t, client, "web")
	assert.Equal(t, []int32{3, 2, 3, 1}, []int32{status.ExpectedPods, status.DesiredHealthy, status.CurrentHealthy, status.DisruptionsAllowed})
	assert.Equal(t, int64(1), status.ObservedGeneration)

	require.NoError(t, client.CoreV1().Pods("default").EvictV1(t.Context(), &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "web-2"}}))
	status = budgetStatus(t, client, "web")
	// The Deployment still wants 3; 2 are healthy.
	assert.Equal(t, []int32{3, 2, 2, 0}, []int32{status.ExpectedPods, status.DesiredHealthy, status.CurrentHealthy, status.DisruptionsAllowed})
	condition := apimeta.FindStatusCondition(status.Conditions, policyv1.DisruptionAllowedCondition)
	require.NotNil(t, condition)
	assert.Equal(t, policyv1.InsufficientPodsReason, condition.Reason)
	assert.Empty(t, status.DisruptedPods, "the pod is gone, so the controller drops its entry")

	// A replacement turns up and becomes Ready: the budget allows one again.
	replacement, err := client.CoreV1().Pods("default").Create(t.Context(), webPod(3).NotReady().Obj(), metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, int32(0), budgetStatus(t, client, "web").DisruptionsAllowed)
	replacement.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	_, err = client.CoreV1().Pods("default").UpdateStatus(t.Context(), replacement, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, int32(1), budgetStatus(t, client, "web").DisruptionsAllowed)

	// Scaling the Deployment is seen at the next request.
	deployment, err := client.AppsV1().Deployments("default").Get(t.Context(), "web", metav1.GetOptions{})
	require.NoError(t, err)
	deployment.Spec.Replicas = ptr(int32(5))
	_, err = client.AppsV1().Deployments("default").Update(t.Context(), deployment, metav1.UpdateOptions{})
	require.NoError(t, err)
	status = budgetStatus(t, client, "web")
	assert.Equal(t, []int32{5, 4, 3, 0}, []int32{status.ExpectedPods, status.DesiredHealthy, status.CurrentHealthy, status.DisruptionsAllowed})
}

func TestGracefulEviction(t *testing.T) {
	t.Parallel()
	clk := newClock()
	var removed []string
	client, _ := install(t, append(webObjects(), testutil.PDB("web").MaxUnavailable(1).Obj(), webPod(5).Grace(30).Obj()),
		pdbtest.WithClock(clk.Now), pdbtest.WithPodRemoved(func(pod *corev1.Pod) { removed = append(removed, pod.Name) }))

	require.NoError(t, evict(t.Context(), client, "web-5", nil))
	pod, err := client.CoreV1().Pods("default").Get(t.Context(), "web-5", metav1.GetOptions{})
	require.NoError(t, err, "a pod with a grace period stays while it terminates")
	require.NotNil(t, pod.DeletionTimestamp)
	assert.Equal(t, start.Add(30*time.Second), pod.DeletionTimestamp.Time)
	assert.Equal(t, ptr(int64(30)), pod.DeletionGracePeriodSeconds)
	var target *corev1.PodCondition
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.DisruptionTarget {
			target = &pod.Status.Conditions[i]
		}
	}
	require.NotNil(t, target)
	assert.Equal(t, corev1.ConditionTrue, target.Status)
	assert.Equal(t, "EvictionByEvictionAPI", target.Reason)
	assert.Equal(t, "Eviction API: evicting", target.Message)

	// Terminating pods are not healthy: 3 of 4 pods are, for a
	// Deployment of 3 that may lose 1.
	status := budgetStatus(t, client, "web")
	assert.Equal(t, int32(3), status.CurrentHealthy)
	assert.Equal(t, int32(1), status.DisruptionsAllowed)
	assert.Empty(t, status.DisruptedPods)

	// Evicting it again is allowed: it is already terminating. A shorter
	// grace period moves the deletion forward.
	require.NoError(t, evict(t.Context(), client, "web-5", &metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(10))}))
	pod, err = client.CoreV1().Pods("default").Get(t.Context(), "web-5", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, start.Add(10*time.Second), pod.DeletionTimestamp.Time)

	clk.Advance(9 * time.Second)
	assert.True(t, podExists(t, client, "web-5"))
	assert.Empty(t, removed)
	clk.Advance(time.Second)
	assert.False(t, podExists(t, client, "web-5"), "the kubelet removes it at deletionTimestamp")
	assert.Equal(t, []string{"web-5"}, removed)
}

func TestPodDelete(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		pod       *corev1.Pod
		options   metav1.DeleteOptions
		wantGrace *int64 // nil: removed at once
		wantCode  int
	}{
		{name: "pod grace period", pod: webPod(5).Grace(30).Obj(), wantGrace: ptr(int64(30)), wantCode: 200},
		{name: "request grace period", pod: webPod(5).Grace(30).Obj(), options: metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(5))}, wantGrace: ptr(int64(5)), wantCode: 200},
		{name: "grace 0", pod: webPod(5).Grace(30).Obj(), options: metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(0))}, wantCode: 200},
		{name: "negative grace means 1", pod: webPod(5).Obj(), options: metav1.DeleteOptions{GracePeriodSeconds: ptr(int64(-5))}, wantGrace: ptr(int64(1)), wantCode: 200},
		{name: "no grace period set", pod: webPod(5).Obj(), wantCode: 200},
		{name: "unscheduled pod", pod: webPod(5).Grace(30).Node("").Obj(), wantCode: 200},
		{name: "finished pod", pod: webPod(5).Grace(30).Phase(corev1.PodSucceeded).Obj(), wantCode: 200},
		{name: "UID precondition", pod: webPod(5).Obj(), options: metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions("other")}, wantCode: 409},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client, _ := install(t, []runtime.Object{tc.pod}, pdbtest.WithClock(func() time.Time { return start }))
			err := client.CoreV1().Pods("default").Delete(t.Context(), tc.pod.Name, tc.options)
			if tc.wantCode == http.StatusConflict {
				assert.True(t, apierrors.IsConflict(err), "error: %v", err)
				assert.True(t, podExists(t, client, tc.pod.Name))
				return
			}
			require.NoError(t, err)
			pod, err := client.CoreV1().Pods("default").Get(t.Context(), tc.pod.Name, metav1.GetOptions{})
			if tc.wantGrace == nil {
				assert.True(t, apierrors.IsNotFound(err), "removed at once; error: %v", err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantGrace, pod.DeletionGracePeriodSeconds)
			assert.Equal(t, start.Add(time.Duration(*tc.wantGrace)*time.Second), pod.DeletionTimestamp.Time)
		})
	}
}

func TestFinalizersHoldPods(t *testing.T) {
	t.Parallel()
	pod := webPod(5).Obj()
	pod.Finalizers = []string{"example.com/hold"}
	client, _ := install(t, []runtime.Object{pod})
	require.NoError(t, client.CoreV1().Pods("default").Delete(t.Context(), "web-5", metav1.DeleteOptions{}))
	held, err := client.CoreV1().Pods("default").Get(t.Context(), "web-5", metav1.GetOptions{})
	require.NoError(t, err)
	require.NotNil(t, held.DeletionTimestamp)

	held.Finalizers = nil
	_, err = client.CoreV1().Pods("default").Update(t.Context(), held, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.False(t, podExists(t, client, "web-5"))
}

// TestDisruptedPodsAgeing follows an eviction whose deletion fails after
// the budget was charged: the pod stays in disruptedPods, out of
// currentHealthy, until the entry is two minutes old.
func TestDisruptedPodsAgeing(t *testing.T) {
	t.Parallel()
	clk := newClock()
	client, _ := install(t, append(webObjects(), testutil.PDB("web").MaxUnavailable(1).Obj()), pdbtest.WithClock(clk.Now))

	err := evict(t.Context(), client, "web-0", &metav1.DeleteOptions{Preconditions: metav1.NewUIDPreconditions("not-this-one")})
	require.True(t, apierrors.IsConflict(err), "error: %v", err)
	assert.True(t, podExists(t, client, "web-0"))

	status := budgetStatus(t, client, "web")
	assert.Equal(t, map[string]metav1.Time{"web-0": metav1.NewTime(start)}, status.DisruptedPods)
	assert.Equal(t, int32(2), status.CurrentHealthy)
	assert.Equal(t, int32(0), status.DisruptionsAllowed)
	err = evict(t.Context(), client, "web-1", nil)
	cause, _ := pdb.DisruptionBudgetCause(err)
	assert.Equal(t, "The disruption budget web needs 2 healthy pods and has 2 currently", cause)

	clk.Advance(2 * time.Minute)
	status = budgetStatus(t, client, "web")
	assert.Contains(t, status.DisruptedPods, "web-0", "kept at exactly two minutes")
	assert.Equal(t, int32(3), status.CurrentHealthy, "but counted healthy again")

	clk.Advance(time.Second)
	status = budgetStatus(t, client, "web")
	assert.Empty(t, status.DisruptedPods)
	assert.Equal(t, int32(1), status.DisruptionsAllowed)
	assert.NoError(t, evict(t.Context(), client, "web-1", nil))
}

func TestGenerationNotObserved(t *testing.T) {
	t.Parallel()
	client, server := install(t, webObjects(), pdbtest.WithManualSync())
	created, err := client.PolicyV1().PodDisruptionBudgets("default").Create(t.Context(), testutil.PDB("web").MaxUnavailable(1).Obj(), metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(1), created.Generation)
	assert.NotEmpty(t, created.UID)
	assert.NotEmpty(t, created.ResourceVersion)

	err = evict(t.Context(), client, "web-0", nil)
	assert.True(t, apierrors.IsTooManyRequests(err))
	cause, _ := pdb.DisruptionBudgetCause(err)
	assert.Equal(t, "The disruption budget web is still being processed by the server.", cause)
	delay, ok := apierrors.SuggestsClientDelay(err)
	assert.True(t, ok)
	assert.Equal(t, 10, delay)

	require.NoError(t, server.Sync())
	require.NoError(t, evict(t.Context(), client, "web-0", nil))

	// A spec change bumps the generation; until a sync, evictions wait.
	budget, err := client.PolicyV1().PodDisruptionBudgets("default").Get(t.Context(), "web", metav1.GetOptions{})
	require.NoError(t, err)
	budget.Spec.MaxUnavailable = ptr(intstr.FromString("67%"))
	budget.Status = policyv1.PodDisruptionBudgetStatus{} // ignored: the status is the status subresource's
	updated, err := client.PolicyV1().PodDisruptionBudgets("default").Update(t.Context(), budget, metav1.UpdateOptions{})
	require.NoError(t, err)
	assert.Equal(t, int64(2), updated.Generation)
	assert.Equal(t, int64(1), updated.Status.ObservedGeneration)
	assert.True(t, apierrors.IsTooManyRequests(evict(t.Context(), client, "web-1", nil)))
	require.NoError(t, server.Sync())
	require.NoError(t, evict(t.Context(), client, "web-1", nil), "67% of 3 rounds up to 2 unavailable")
}

func TestStaleWritesConflict(t *testing.T) {
	t.Parallel()
	client, _ := install(t, append(webObjects(), testutil.PDB("web").MaxUnavailable(1).Obj()))
	pod, err := client.CoreV1().Pods("default").Get(t.Context(), "web-0", metav1.GetOptions{})
	require.NoError(t, err)
	require.NotEmpty(t, pod.ResourceVersion)
	pod.Labels["touched"] = "yes"
	_, err = client.CoreV1().Pods("default").Update(t.Context(), pod, metav1.UpdateOptions{})
	require.NoError(t, err)
	_, err = client.CoreV1().Pods("default").Update(t.Context(), pod, metav1.UpdateOptions{})
	assert.True(t, apierrors.IsConflict(err), "the second update carries a stale resourceVersion: %v", err)

	budget, err := client.PolicyV1().PodDisruptionBudgets("default").Get(t.Context(), "web", metav1.GetOptions{})
	require.NoError(t, err)
	require.NoError(t, evict(t.Context(), client, "web-1", nil)) // the controller rewrites the status
	_, err = client.PolicyV1().PodDisruptionBudgets("default").UpdateStatus(t.Context(), budget, metav1.UpdateOptions{})
	assert.True(t, apierrors.IsConflict(err), "error: %v", err)
}

func TestEvictionAPIVersions(t *testing.T) {
	t.Parallel()
	client, _ := install(t, append(webObjects(), testutil.PDB("web").MaxUnavailable(1).Obj()))
	require.NoError(t, client.CoreV1().Pods("default").EvictV1beta1(t.Context(), &policyv1beta1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "web-0"}}))
	err := client.PolicyV1beta1().Evictions("default").Evict(t.Context(), &policyv1beta1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "web-1"}})
	assert.True(t, apierrors.IsTooManyRequests(err))
	assert.False(t, podExists(t, client, "web-0"))
}

func TestCustomScale(t *testing.T) {
	t.Parallel()
	pods := []runtime.Object{
		testutil.PDBPod("foo-0").Labels("app", "foo").Controller("example.com/v1", "Foo", "foo", "foo-uid").Obj(),
		testutil.PDBPod("foo-1").Labels("app", "foo").Controller("example.com/v1", "Foo", "foo", "foo-uid").Obj(),
		testutil.PDB("foo").MaxUnavailable("50%").Obj(),
	}
	scale := func(_ string, ref metav1.OwnerReference) (pdb.Scale, error) {
		return pdb.Scale{Controller: ref.UID, Replicas: 4}, nil
	}
	client, _ := install(t, pods, pdbtest.WithScale(scale))
	status := budgetStatus(t, client, "foo")
	assert.Equal(t, []int32{4, 2, 2, 0}, []int32{status.ExpectedPods, status.DesiredHealthy, status.CurrentHealthy, status.DisruptionsAllowed})

	// Without it the fake cannot read the /scale of a custom resource: the
	// controller fails closed.
	client, server := install(t, pods)
	var syncErr *pdb.SyncError
	require.ErrorAs(t, server.Sync(), &syncErr)
	condition := apimeta.FindStatusCondition(budgetStatus(t, client, "foo").Conditions, policyv1.DisruptionAllowedCondition)
	require.NotNil(t, condition)
	assert.Equal(t, policyv1.SyncFailedReason, condition.Reason)
	cause, _ := pdb.DisruptionBudgetCause(evict(t.Context(), client, "foo-0", nil))
	assert.Contains(t, cause, "The disruption budget foo does not allow evicting pods currently because it failed sync: ")
}

func TestConcurrentEvictionsNeverOverEvict(t *testing.T) {
	t.Parallel()
	const pods = 12
	objects := []runtime.Object{testutil.PDB("web").MaxUnavailable(3).Obj()}
	for i := range pods {
		objects = append(objects, testutil.PDBPod(fmt.Sprintf("web-%d", i)).Labels("app", "web").Node(fmt.Sprintf("node-%d", i%4)).
			Controller("apps/v1", "StatefulSet", "web", "sts-web").Obj())
	}
	replicas := int32(pods)
	objects = append(objects, &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: types.UID("sts-web")},
		Spec: appsv1.StatefulSetSpec{Replicas: &replicas}})
	client, _ := install(t, objects)

	var evicted atomic.Int32
	var wg sync.WaitGroup
	for i := range pods {
		wg.Go(func() {
			if evict(t.Context(), client, fmt.Sprintf("web-%d", i), nil) == nil {
				evicted.Add(1)
			}
		})
	}
	wg.Wait()
	assert.Equal(t, int32(3), evicted.Load())
	list, err := client.CoreV1().Pods("default").List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	assert.Len(t, list.Items, pods-3)
}

// TestGracefulEvictionInSynctest waits for a termination on the default
// clock inside a synctest bubble, as a drain's tests would.
func TestGracefulEvictionInSynctest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, _ := install(t, append(webObjects(), testutil.PDB("web").MaxUnavailable(1).Obj(), webPod(5).Grace(45).Obj()))
		require.NoError(t, evict(t.Context(), client, "web-5", nil))
		time.Sleep(44 * time.Second)
		assert.True(t, podExists(t, client, "web-5"))
		time.Sleep(2 * time.Second)
		assert.False(t, podExists(t, client, "web-5"))
	})
}
