package pdb_test

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeprim/kubeprim/pdb"
)

// examplePod is a pod of the ReplicaSet web-7d9f of the Deployment web.
func examplePod(name string, ready bool) *corev1.Pod {
	yes := true
	status := corev1.ConditionTrue
	if !ready {
		status = corev1.ConditionFalse
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, Namespace: "shop", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "web-7d9f", UID: "rs-uid", Controller: &yes,
			}},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}},
		},
	}
}

func ExampleCompute() {
	maxUnavailable := intstr.FromString("50%")
	budget := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: &maxUnavailable,
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}
	pods := []*corev1.Pod{
		examplePod("web-a", true), examplePod("web-b", true),
		examplePod("web-c", true), examplePod("web-d", false),
	}
	// The Deployment behind the ReplicaSet wants 5 replicas. With a cluster,
	// use pdb.ClientScale(ctx, client) instead.
	scale := func(namespace string, controller metav1.OwnerReference) (pdb.Scale, error) {
		return pdb.Scale{Controller: "deployment-uid", Replicas: 5}, nil
	}

	status, err := pdb.Compute(budget, pods, scale, time.Now())
	if err != nil {
		fmt.Println(err)
		return
	}
	// 50% of 5 rounds up to 3 pods that may be unavailable, so 2 must be
	// healthy; 3 are.
	fmt.Printf("expected %d, desired healthy %d, healthy %d, allowed %d\n",
		status.ExpectedPods, status.DesiredHealthy, status.CurrentHealthy, status.DisruptionsAllowed)
	fmt.Println(status.Conditions[0].Type, status.Conditions[0].Status, status.Conditions[0].Reason)
	// Output:
	// expected 5, desired healthy 2, healthy 3, allowed 1
	// DisruptionAllowed True SufficientPods
}

func ExampleCheckEviction() {
	minAvailable := intstr.FromInt32(3)
	budget := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &minAvailable,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
		// The status the disruption controller wrote: 3 healthy, 3 needed.
		Status: policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 3, DesiredHealthy: 3, ExpectedPods: 4},
	}
	budgets := []*policyv1.PodDisruptionBudget{budget}

	d := pdb.CheckEviction(examplePod("web-a", true), budgets)
	fmt.Println(d.Code(), d.Reason)
	fmt.Println(d.Message)

	// A pod that is not Ready is not protected while the budget is healthy.
	d = pdb.CheckEviction(examplePod("web-d", false), budgets)
	fmt.Println(d.Code(), d.Reason, d.Decrements)
	// Output:
	// 429 DisruptionNotAllowed
	// The disruption budget web needs 3 healthy pods and has 3 currently
	// 201 UnhealthyPodBudgetHealthy false
}

func ExampleTracker() {
	minAvailable := intstr.FromInt32(2)
	budget := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &minAvailable,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
		Status: policyv1.PodDisruptionBudgetStatus{CurrentHealthy: 4, DesiredHealthy: 2, ExpectedPods: 4, DisruptionsAllowed: 2},
	}
	tracker := pdb.NewTracker([]*policyv1.PodDisruptionBudget{budget}, pdb.TrackerOptions{})

	// Two nodes drained together: web-a and web-b on node-1, web-c on node-2.
	for _, step := range tracker.EvictAll([]*corev1.Pod{
		examplePod("web-a", true), examplePod("web-c", true), examplePod("web-b", true),
	}) {
		c := step.Counts[0]
		fmt.Printf("%s: %v (healthy %d, allowed %d)\n", step.Pod.Name, step.Decision.Allowed, c.CurrentHealthy, c.DisruptionsAllowed)
	}
	// Output:
	// web-a: true (healthy 3, allowed 1)
	// web-c: true (healthy 2, allowed 0)
	// web-b: false (healthy 2, allowed 0)
}

func ExampleLint() {
	one, zero := intstr.FromInt32(1), intstr.FromInt32(0)
	budgets := []*policyv1.PodDisruptionBudget{{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &one,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}, {
		ObjectMeta: metav1.ObjectMeta{Name: "frozen", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: &zero,
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}, {
		ObjectMeta: metav1.ObjectMeta{Name: "typo", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &one,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "wbe"}},
		},
	}}
	// One replica of web. A nil ScaleFunc counts each controller's pods.
	pods := []*corev1.Pod{examplePod("web-a", true)}

	for _, finding := range pdb.Lint(budgets, pods, nil) {
		fmt.Printf("%s %s %s\n", finding.Severity, finding.Budget.Name, finding.Kind)
	}
	// Output:
	// Error frozen NeverAllowsDisruption
	// Error frozen OverlappingBudgets
	// Warning typo SelectsNoPods
	// Error web OverlappingBudgets
	// Error web SingleReplicaBlocked
}

// Before a maintenance window: which budgets will block draining node-1
// and node-2 together, and why.
func Example_beforeMaintenance() {
	ctx := context.Background()
	client := fake.NewClientset(exampleCluster()...) // a real cluster: any kubernetes.Interface

	budgetList, _ := client.PolicyV1().PodDisruptionBudgets("shop").List(ctx, metav1.ListOptions{})
	podList, _ := client.CoreV1().Pods("shop").List(ctx, metav1.ListOptions{})
	var budgets []*policyv1.PodDisruptionBudget
	for i := range budgetList.Items {
		budgets = append(budgets, &budgetList.Items[i])
	}
	var pods []*corev1.Pod
	for i := range podList.Items {
		pods = append(pods, &podList.Items[i])
	}

	for _, finding := range pdb.Lint(budgets, pods, pdb.ClientScale(ctx, client)) {
		fmt.Println(finding)
	}
	tracker := pdb.NewTracker(budgets, pdb.TrackerOptions{})
	for _, step := range tracker.EvictAll(pods) {
		fmt.Printf("%s on %s: %d %s\n", step.Pod.Name, nodeOf(pods, step.Pod.Name), step.Decision.Code(), step.Decision.Reason)
	}
	// Output:
	// Error shop/web: the workload has a single replica and minAvailable 1 needs 1 of 1 replicas healthy, so every drain of its node blocks; scale it to 2 or more, or use maxUnavailable 1 if a short outage is acceptable
	// api-a on node-1: 201 DisruptionAllowed
	// api-b on node-2: 429 DisruptionNotAllowed
	// web-a on node-2: 429 DisruptionNotAllowed
}

// exampleCluster is a Deployment api of 2 replicas with maxUnavailable 1,
// and a Deployment web of 1 replica with minAvailable 1, with the status
// the disruption controller wrote.
func exampleCluster() []runtime.Object {
	one, two := int32(1), int32(2)
	maxOne, minOne := intstr.FromInt32(1), intstr.FromInt32(1)
	yes := true
	pod := func(name, app, node string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: map[string]string{"app": app},
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: app + "-1", UID: types.UID(app + "-rs"), Controller: &yes}}},
			Spec: corev1.PodSpec{NodeName: node},
			Status: corev1.PodStatus{Phase: corev1.PodRunning,
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}},
		}
	}
	workload := func(app string, replicas *int32) []runtime.Object {
		return []runtime.Object{
			&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: "shop", UID: types.UID(app + "-deploy")},
				Spec: appsv1.DeploymentSpec{Replicas: replicas}},
			&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: app + "-1", Namespace: "shop", UID: types.UID(app + "-rs"),
				OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: app, UID: types.UID(app + "-deploy"), Controller: &yes}}}},
		}
	}
	budget := func(app string, spec policyv1.PodDisruptionBudgetSpec, status policyv1.PodDisruptionBudgetStatus) *policyv1.PodDisruptionBudget {
		spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}}
		return &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: app, Namespace: "shop"}, Spec: spec, Status: status}
	}
	objects := append(workload("api", &two), workload("web", &one)...)
	return append(objects,
		pod("api-a", "api", "node-1"), pod("api-b", "api", "node-2"), pod("web-a", "web", "node-2"),
		budget("api", policyv1.PodDisruptionBudgetSpec{MaxUnavailable: &maxOne},
			policyv1.PodDisruptionBudgetStatus{ExpectedPods: 2, DesiredHealthy: 1, CurrentHealthy: 2, DisruptionsAllowed: 1}),
		budget("web", policyv1.PodDisruptionBudgetSpec{MinAvailable: &minOne},
			policyv1.PodDisruptionBudgetStatus{ExpectedPods: 1, DesiredHealthy: 1, CurrentHealthy: 1}),
	)
}

func nodeOf(pods []*corev1.Pod, name string) string {
	for _, pod := range pods {
		if pod.Name == name {
			return pod.Spec.NodeName
		}
	}
	return ""
}
