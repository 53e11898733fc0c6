package pdbtest_test

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/kubeprim/kubeprim/pdb"
	"github.com/kubeprim/kubeprim/pdb/pdbtest"
)

// shop is a budget that keeps 2 of the 3 web pods, and the pods, Running
// and Ready on node-1. grace is each pod's terminationGracePeriodSeconds
// (nil: none, so deleted at once).
func shop(grace *int64) []runtime.Object {
	minAvailable := intstr.FromInt32(2)
	objects := []runtime.Object{&policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: &minAvailable,
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
		},
	}}
	for _, name := range []string{"web-a", "web-b", "web-c"} {
		objects = append(objects, &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop", Labels: map[string]string{"app": "web"}},
			Spec:       corev1.PodSpec{NodeName: "node-1", TerminationGracePeriodSeconds: grace},
			Status: corev1.PodStatus{
				Phase:      corev1.PodRunning,
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
			},
		})
	}
	return objects
}

func ExampleInstall() {
	ctx := context.Background()
	client := fake.NewClientset(shop(nil)...)
	pdbtest.Install(client)

	evict := func(name string) error {
		return client.PolicyV1().Evictions("shop").Evict(ctx, &policyv1.Eviction{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"},
		})
	}
	fmt.Println("evict web-a:", evict("web-a"))

	err := evict("web-b")
	cause, _ := pdb.DisruptionBudgetCause(err)
	fmt.Println("evict web-b:", apierrors.IsTooManyRequests(err), cause)

	budget, _ := client.PolicyV1().PodDisruptionBudgets("shop").Get(ctx, "web", metav1.GetOptions{})
	fmt.Printf("budget: %d healthy, %d allowed\n", budget.Status.CurrentHealthy, budget.Status.DisruptionsAllowed)
	// Output:
	// evict web-a: <nil>
	// evict web-b: true The disruption budget web needs 2 healthy pods and has 2 currently
	// budget: 2 healthy, 0 allowed
}

// A pod with a grace period terminates until the clock reaches its
// deletionTimestamp.
func ExampleWithClock() {
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	grace := int64(30)
	client := fake.NewClientset(shop(&grace)...)
	pdbtest.Install(client, pdbtest.WithClock(func() time.Time { return now }))

	_ = client.CoreV1().Pods("shop").EvictV1(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "web-a"}})
	pod, _ := client.CoreV1().Pods("shop").Get(ctx, "web-a", metav1.GetOptions{})
	fmt.Println("terminating until", pod.DeletionTimestamp.UTC().Format(time.TimeOnly))

	now = now.Add(30 * time.Second)
	_, err := client.CoreV1().Pods("shop").Get(ctx, "web-a", metav1.GetOptions{})
	fmt.Println("gone:", apierrors.IsNotFound(err))
	// Output:
	// terminating until 12:00:30
	// gone: true
}
