package e2e_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/kubeprim/kubeprim/e2e/cluster"
	"github.com/kubeprim/kubeprim/pdb"
)

// For randomized workloads (Deployments, StatefulSets, ReplicaSets,
// DaemonSets, bare pods; some unschedulable, some pods made unready) and
// budgets (minAvailable and maxUnavailable, integers and percentages,
// every unhealthy-pod policy, overlapping and empty selectors), pdb.Compute
// equals the status the disruption controller wrote, and pdb.CheckEviction
// predicts the answer of every real eviction, one after another.
func TestPDBComputeAndCheckEvictionMatchTheCluster(t *testing.T) {
	const scenarios, evictions = 3, 12
	seed := testSeed(t)
	createNodes(t,
		cluster.Node("pdb-0", "32", "64Gi", 110),
		cluster.Node("pdb-1", "32", "64Gi", 110),
		cluster.Node("pdb-2", "32", "64Gi", 110),
	)
	for i := range scenarios {
		t.Run(fmt.Sprintf("scenario-%d", i), func(t *testing.T) {
			// Each scenario has its own stream, so -run can replay one.
			runPDBScenario(t, rand.New(rand.NewPCG(seed, uint64(i))), 3, evictions)
		})
	}
}

func runPDBScenario(t *testing.T, rng *rand.Rand, nodes int32, evictions int) {
	ns := newNamespace(t, "pdb")
	workloads := randomWorkloads(rng, nodes)
	budgets := randomBudgets(rng, workloads)
	bare := map[string]int{}
	for _, w := range workloads {
		w.create(t, ns)
		if w.kind == kindBare {
			bare[w.name] = int(w.replicas)
		}
		t.Logf("%s %s: %d replicas, unschedulable=%v, labels %v", w.kind, w.name, w.replicas, w.unschedulable, w.labels)
	}
	for _, b := range budgets {
		_, err := kube.Client().PolicyV1().PodDisruptionBudgets(ns).Create(t.Context(), b, metav1.CreateOptions{})
		require.NoError(t, err, "create budget %s", b.Name)
		t.Logf("budget %s: %s", b.Name, describeBudget(b))
	}
	unready := map[string]bool{}
	waitUntil(t, 2*time.Minute, "the workloads' pods", func(ctx context.Context) error {
		return podsSettled(ctx, ns, workloads, bare, unready)
	})

	// A readiness probe failing on some pods: unhealthy pods that still run.
	pods, err := kube.Client().CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	for i := range pods.Items {
		if p := &pods.Items[i]; podReady(p) && rng.IntN(5) == 0 {
			require.NoError(t, makeUnready(t.Context(), p))
			unready[string(p.UID)] = true
		}
	}
	// settle waits for the pods, then makes the disruption controller sync
	// every budget and waits until each status equals pdb.Compute. The
	// poke is needed because a pod event syncs only the first budget that
	// covers the pod (getPdbForPod "chose arbitrarily"): the status of an
	// overlapping budget stays stale until the budget itself changes.
	pokes := 0
	settle := func(what string) {
		t.Helper()
		waitUntil(t, 2*time.Minute, what+": pods", func(ctx context.Context) error {
			return podsSettled(ctx, ns, workloads, bare, unready)
		})
		pokes++
		pokeBudgets(t, ns, pokes)
		waitUntil(t, 2*time.Minute, what, func(ctx context.Context) error {
			if err := podsSettled(ctx, ns, workloads, bare, unready); err != nil {
				return err
			}
			return budgetsAgree(ctx, ns)
		})
	}
	settle("budget statuses equal to pdb.Compute")

	var outcomes []string
	for i := range evictions {
		pods, err := kube.Client().CoreV1().Pods(ns).List(t.Context(), metav1.ListOptions{})
		require.NoError(t, err)
		require.NotEmpty(t, pods.Items)
		list, err := kube.Client().PolicyV1().PodDisruptionBudgets(ns).List(t.Context(), metav1.ListOptions{})
		require.NoError(t, err)
		current := make([]*policyv1.PodDisruptionBudget, len(list.Items))
		for j := range list.Items {
			current[j] = &list.Items[j]
		}
		pod := pickPod(rng, pods.Items, current)

		want := pdb.CheckEviction(pod, current)
		got := evictOnce(t.Context(), pod)
		outcomes = append(outcomes, fmt.Sprintf("%s:%d", want.Reason, want.Code()))
		assertEvictionAnswer(t, fmt.Sprintf("eviction %d of %s (%s)", i, pod.Name, want.Message), want, got)
		if got == nil {
			if pod.Labels["app"] != "" && isBare(workloads, pod.Labels["app"]) {
				bare[pod.Labels["app"]]--
			}
			delete(unready, string(pod.UID))
		}
		settle(fmt.Sprintf("the cluster to settle after eviction %d", i))
	}
	t.Logf("eviction outcomes: %s", strings.Join(outcomes, " "))
}

// pokeBudgets changes an annotation of every budget, which makes the
// disruption controller sync each one without changing its generation.
func pokeBudgets(t *testing.T, ns string, n int) {
	t.Helper()
	budgets, err := kube.Client().PolicyV1().PodDisruptionBudgets(ns).List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	patch := fmt.Appendf(nil, `{"metadata":{"annotations":{"kubeprim.dev/e2e-sync":"%d"}}}`, n)
	for _, b := range budgets.Items {
		_, err := kube.Client().PolicyV1().PodDisruptionBudgets(ns).Patch(t.Context(), b.Name, types.MergePatchType, patch, metav1.PatchOptions{})
		require.NoError(t, err)
	}
}

// budgetsAgree compares every budget's status with pdb.Compute over the
// namespace's pods, with the controller's scale lookups.
func budgetsAgree(ctx context.Context, ns string) error {
	budgets, err := kube.Client().PolicyV1().PodDisruptionBudgets(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	list, err := kube.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	pods := make([]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		pods[i] = &list.Items[i]
	}
	scale := pdb.ClientScale(ctx, kube.Client())
	for i := range budgets.Items {
		b := &budgets.Items[i]
		want, err := pdb.Compute(b, pods, scale, time.Now())
		var syncErr *pdb.SyncError
		if err != nil && !errors.As(err, &syncErr) {
			return fmt.Errorf("compute %s: %w", b.Name, err)
		}
		if !equality.Semantic.DeepEqual(want, b.Status) {
			return fmt.Errorf("budget %s (%s):\n controller %s\n pdb.Compute %s", b.Name, describeBudget(b), describeStatus(b.Status), describeStatus(want))
		}
	}
	return nil
}

// assertEvictionAnswer compares CheckEviction's decision with the API
// server's answer: allowed or not, and for a refusal the same code, reason,
// message, causes and Retry-After.
func assertEvictionAnswer(t *testing.T, what string, want pdb.Decision, got error) {
	t.Helper()
	if want.Allowed {
		assert.NoError(t, got, "%s: CheckEviction allows it", what)
		return
	}
	if !assert.Error(t, got, "%s: CheckEviction refuses it with %v", what, want.Err) {
		return
	}
	var gotStatus, wantStatus *apierrors.StatusError
	require.True(t, errors.As(got, &gotStatus), "%s: the API server's answer is a status: %v", what, got)
	require.True(t, errors.As(want.Err, &wantStatus), "%s: CheckEviction's error is a status: %v", what, want.Err)
	g, w := gotStatus.ErrStatus, wantStatus.ErrStatus
	assert.Equal(t, w.Code, g.Code, "%s: code", what)
	assert.Equal(t, w.Reason, g.Reason, "%s: reason", what)
	assert.Equal(t, w.Message, g.Message, "%s: message", what)
	var gotCauses, wantCauses []metav1.StatusCause
	var gotRetry, wantRetry int32
	if g.Details != nil {
		gotCauses, gotRetry = g.Details.Causes, g.Details.RetryAfterSeconds
	}
	if w.Details != nil {
		wantCauses, wantRetry = w.Details.Causes, w.Details.RetryAfterSeconds
	}
	assert.Equal(t, wantCauses, gotCauses, "%s: causes", what)
	assert.Equal(t, wantRetry, gotRetry, "%s: Retry-After", what)
}

// pickPod chooses a kind of pod first (running but unready, pending,
// covered by several budgets, any other) and then a pod of that kind, so
// that every rule of the eviction endpoint is met in a few evictions.
func pickPod(rng *rand.Rand, pods []corev1.Pod, budgets []*policyv1.PodDisruptionBudget) *corev1.Pod {
	groups := make([][]*corev1.Pod, 4)
	for i := range pods {
		p := &pods[i]
		switch {
		case p.Status.Phase == corev1.PodRunning && !podReady(p):
			groups[0] = append(groups[0], p)
		case p.Status.Phase == corev1.PodPending:
			groups[1] = append(groups[1], p)
		case len(pdb.Covering(p, budgets)) > 1:
			groups[2] = append(groups[2], p)
		default:
			groups[3] = append(groups[3], p)
		}
	}
	groups = slices.DeleteFunc(groups, func(g []*corev1.Pod) bool { return len(g) == 0 })
	g := groups[rng.IntN(len(groups))]
	return g[rng.IntN(len(g))]
}

// evictOnce posts one eviction and returns the API server's answer. The
// typed client would retry a 429 that carries Retry-After (a budget the
// controller has not observed) ten times, 100 s, before returning it.
func evictOnce(ctx context.Context, pod *corev1.Pod) error {
	return kube.Client().CoreV1().RESTClient().Post().
		Namespace(pod.Namespace).Resource("pods").Name(pod.Name).SubResource("eviction").
		Body(&policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace}}).
		MaxRetries(0).Do(ctx).Error()
}

func isBare(workloads []workload, name string) bool {
	w, ok := findWorkload(workloads, name)
	return ok && w.kind == kindBare
}

// randomWorkloads makes four to seven workloads of every kind; a third share
// the label tier=shared for budgets that span workloads.
func randomWorkloads(rng *rand.Rand, nodes int32) []workload {
	kinds := []workloadKind{kindDeployment, kindDeployment, kindStatefulSet, kindReplicaSet, kindDaemonSet, kindBare}
	n := 4 + rng.IntN(4)
	out := make([]workload, 0, n)
	for i := range n {
		w := workload{
			name:        fmt.Sprintf("w%d", i),
			kind:        kinds[rng.IntN(len(kinds))],
			replicas:    1 + rng.Int32N(4),
			gracePeriod: 1,
		}
		w.labels = map[string]string{"app": w.name}
		if rng.IntN(3) == 0 {
			w.labels["tier"] = "shared"
		}
		switch w.kind {
		case kindDaemonSet:
			w.replicas = nodes
		default:
			w.unschedulable = rng.IntN(6) == 0
		}
		out = append(out, w)
	}
	return out
}

// randomBudgets gives most workloads a budget of a random kind and policy,
// sometimes adds one over tier=shared, one that selects every pod of the
// namespace (an empty selector) and one that selects nothing.
func randomBudgets(rng *rand.Rand, workloads []workload) []*policyv1.PodDisruptionBudget {
	var out []*policyv1.PodDisruptionBudget
	add := func(name string, selector *metav1.LabelSelector, replicas int32) {
		b := &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec:       policyv1.PodDisruptionBudgetSpec{Selector: selector},
		}
		pct := func() intstr.IntOrString {
			return intstr.FromString(fmt.Sprintf("%d%%", []int{0, 10, 25, 50, 66, 75, 100}[rng.IntN(7)]))
		}
		switch rng.IntN(4) {
		case 0:
			b.Spec.MinAvailable = ptr.To(intstr.FromInt32(rng.Int32N(replicas + 2)))
		case 1:
			b.Spec.MinAvailable = ptr.To(pct())
		case 2:
			b.Spec.MaxUnavailable = ptr.To(intstr.FromInt32(rng.Int32N(replicas + 1)))
		case 3:
			b.Spec.MaxUnavailable = ptr.To(pct())
		}
		switch rng.IntN(3) {
		case 1:
			b.Spec.UnhealthyPodEvictionPolicy = ptr.To(policyv1.IfHealthyBudget)
		case 2:
			b.Spec.UnhealthyPodEvictionPolicy = ptr.To(policyv1.AlwaysAllow)
		}
		out = append(out, b)
	}
	for _, w := range workloads {
		if rng.IntN(5) != 0 {
			add("budget-"+w.name, &metav1.LabelSelector{MatchLabels: map[string]string{"app": w.name}}, w.replicas)
		}
	}
	if rng.IntN(2) == 0 {
		add("budget-shared", &metav1.LabelSelector{MatchLabels: map[string]string{"tier": "shared"}}, 4)
	}
	if rng.IntN(4) == 0 {
		add("budget-everything", &metav1.LabelSelector{}, 8)
	}
	if rng.IntN(4) == 0 {
		add("budget-nothing", &metav1.LabelSelector{MatchLabels: map[string]string{"app": "none"}}, 1)
	}
	return out
}

func describeBudget(b *policyv1.PodDisruptionBudget) string {
	var parts []string
	if b.Spec.MinAvailable != nil {
		parts = append(parts, "minAvailable="+b.Spec.MinAvailable.String())
	}
	if b.Spec.MaxUnavailable != nil {
		parts = append(parts, "maxUnavailable="+b.Spec.MaxUnavailable.String())
	}
	if b.Spec.UnhealthyPodEvictionPolicy != nil {
		parts = append(parts, "unhealthyPodEvictionPolicy="+string(*b.Spec.UnhealthyPodEvictionPolicy))
	}
	parts = append(parts, "selector="+metav1.FormatLabelSelector(b.Spec.Selector))
	return strings.Join(parts, " ")
}

func describeStatus(s policyv1.PodDisruptionBudgetStatus) string {
	disrupted := make([]string, 0, len(s.DisruptedPods))
	for name := range s.DisruptedPods {
		disrupted = append(disrupted, name)
	}
	slices.Sort(disrupted)
	conds := make([]string, 0, len(s.Conditions))
	for _, c := range s.Conditions {
		conds = append(conds, fmt.Sprintf("%s=%s/%s %q @%s", c.Type, c.Status, c.Reason, c.Message, c.LastTransitionTime.UTC().Format(time.RFC3339)))
	}
	return fmt.Sprintf("{observedGeneration %d expected %d desired %d current %d allowed %d disrupted %v conditions %v}",
		s.ObservedGeneration, s.ExpectedPods, s.DesiredHealthy, s.CurrentHealthy, s.DisruptionsAllowed, disrupted, conds)
}
