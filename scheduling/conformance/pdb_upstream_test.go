package conformance

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/kubeprim/kubeprim/pdb"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta/testrestmapper"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes/fake"
	scalefake "k8s.io/client-go/scale/fake"
	"k8s.io/klog/v2"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	"k8s.io/kubernetes/pkg/controller/disruption"
	clocktesting "k8s.io/utils/clock/testing"
)

// TestPDBComputeAgainstController runs the real disruption controller
// (NewDisruptionControllerInternal with a fake clientset and a fake clock)
// on random budgets (minAvailable or maxUnavailable, integers, percentages
// and malformed values, or neither; nil, empty and app selectors; old,
// expiring and fresh disruptedPods entries) over pods of ReplicaSets (with
// and without a Deployment), StatefulSets, ReplicationControllers and none,
// Ready or not, terminating or finished, and requires pdb.Compute to write
// the same status.
func TestPDBComputeAgainstController(t *testing.T) {
	outcomes := map[string]int{}
	defer func() { t.Logf("controller outcomes (reason/disruptionsAllowed/disruptedPods): %v", outcomes) }()
	rng := rand.New(rand.NewPCG(3, 4))
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	i32 := func(v int32) *int32 { return &v }
	for i := range 300 {
		t.Run(fmt.Sprintf("c%03d", i), func(t *testing.T) {
			var objs []runtime.Object
			dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d1", Namespace: "default", UID: "uid-d1"}, Spec: appsv1.DeploymentSpec{Replicas: i32(int32(rng.IntN(5)))}}
			rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "rs1", Namespace: "default", UID: "uid-rs1"}, Spec: appsv1.ReplicaSetSpec{Replicas: i32(int32(rng.IntN(5)))}}
			if rng.IntN(2) == 0 {
				rs.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(dep, appsv1.SchemeGroupVersion.WithKind("Deployment"))}
			}
			ss := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "ss1", Namespace: "default", UID: "uid-ss1"}, Spec: appsv1.StatefulSetSpec{Replicas: i32(int32(rng.IntN(5)))}}
			rc := &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "rc1", Namespace: "default", UID: "uid-rc1"}, Spec: corev1.ReplicationControllerSpec{Replicas: i32(int32(rng.IntN(5)))}}
			objs = append(objs, dep, rs, ss, rc)
			var pods []*corev1.Pod
			for j := range rng.IntN(7) {
				p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", j), Namespace: "default", UID: types.UID(fmt.Sprintf("uid-p%d", j)),
					Labels: map[string]string{"app": []string{"web", "web", "db"}[rng.IntN(3)]}}}
				switch rng.IntN(5) {
				case 0:
					p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))}
				case 1:
					p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(ss, appsv1.SchemeGroupVersion.WithKind("StatefulSet"))}
				case 2:
					p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(rc, corev1.SchemeGroupVersion.WithKind("ReplicationController"))}
				case 3:
					p.OwnerReferences = []metav1.OwnerReference{*metav1.NewControllerRef(rs, appsv1.SchemeGroupVersion.WithKind("ReplicaSet"))}
				}
				if rng.IntN(3) > 0 {
					p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
				}
				if rng.IntN(6) == 0 {
					ts := metav1.NewTime(now.Add(-time.Minute))
					p.DeletionTimestamp = &ts
					p.Finalizers = []string{"x/y"}
				}
				if rng.IntN(8) == 0 {
					p.Status.Phase = corev1.PodSucceeded
				}
				pods = append(pods, p)
				objs = append(objs, p)
			}
			b := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Name: "b", Namespace: "default", Generation: 1}}
			switch rng.IntN(4) {
			case 0:
				b.Spec.Selector = &metav1.LabelSelector{}
			case 1:
				b.Spec.Selector = nil
			default:
				b.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}
			}
			vals := []intstr.IntOrString{intstr.FromInt32(0), intstr.FromInt32(1), intstr.FromInt32(2), intstr.FromInt32(5), intstr.FromString("0%"), intstr.FromString("34%"), intstr.FromString("50%"), intstr.FromString("100%"), intstr.FromString("x")}
			switch rng.IntN(5) {
			case 0, 1:
				v := vals[rng.IntN(len(vals))]
				b.Spec.MinAvailable = &v
			case 2, 3:
				v := vals[rng.IntN(len(vals))]
				b.Spec.MaxUnavailable = &v
			}
			if rng.IntN(2) == 0 {
				b.Status.DisruptedPods = map[string]metav1.Time{}
				for _, p := range pods {
					if rng.IntN(2) == 0 {
						b.Status.DisruptedPods[p.Name] = metav1.NewTime(now.Add([]time.Duration{-3 * time.Minute, -2 * time.Minute, -time.Minute, 0, -2*time.Minute + time.Second}[rng.IntN(5)]))
					}
				}
			}
			objs = append(objs, b)

			client := fake.NewClientset(objs...)
			ctx, cancel := context.WithCancel(klog.NewContext(t.Context(), klog.Background()))
			defer cancel()
			factory := informers.NewSharedInformerFactory(client, 0)
			clk := clocktesting.NewFakeClock(now)
			dc := disruption.NewDisruptionControllerInternal(ctx, factory.Core().V1().Pods(), factory.Policy().V1().PodDisruptionBudgets(),
				factory.Core().V1().ReplicationControllers(), factory.Apps().V1().ReplicaSets(), factory.Apps().V1().Deployments(), factory.Apps().V1().StatefulSets(),
				client, testrestmapper.TestOnlyStaticRESTMapper(legacyscheme.Scheme), &scalefake.FakeScaleClient{}, client.Discovery(), clk, time.Minute)
			factory.Start(ctx.Done())
			factory.WaitForCacheSync(ctx.Done())
			go dc.Run(ctx)
			var real *policyv1.PodDisruptionBudget
			deadline := time.Now().Add(time.Minute)
			for time.Now().Before(deadline) {
				got, err := client.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "b", metav1.GetOptions{})
				if err == nil && len(got.Status.Conditions) > 0 {
					real = got
					break
				}
				time.Sleep(5 * time.Millisecond)
			}
			if real == nil {
				t.Fatalf("controller wrote nothing")
			}
			ours, _ := pdb.Compute(b, pods, pdb.ClientScale(ctx, client), now)
			outcomes[fmt.Sprintf("%s/%d/%d", real.Status.Conditions[0].Reason, real.Status.DisruptionsAllowed, len(real.Status.DisruptedPods))]++
			w, g := real.Status, ours
			if w.CurrentHealthy != g.CurrentHealthy || w.DesiredHealthy != g.DesiredHealthy || w.ExpectedPods != g.ExpectedPods ||
				w.DisruptionsAllowed != g.DisruptionsAllowed || w.ObservedGeneration != g.ObservedGeneration || !apiequality.Semantic.DeepEqual(w.DisruptedPods, g.DisruptedPods) ||
				w.Conditions[0].Status != g.Conditions[0].Status || w.Conditions[0].Reason != g.Conditions[0].Reason || w.Conditions[0].Message != g.Conditions[0].Message {
				t.Errorf("status differs\n ours %+v\n real %+v\nbudget spec %+v status %+v\npods %v", g, w, b.Spec, b.Status, describePods(pods))
			}
		})
	}
}

// describePods is what a failure shows of the pods.
func describePods(pods []*corev1.Pod) string {
	s := ""
	for _, p := range pods {
		s += fmt.Sprintf("\n  %s labels=%v owner=%v ready=%v del=%v phase=%s", p.Name, p.Labels, p.OwnerReferences, len(p.Status.Conditions) > 0, p.DeletionTimestamp != nil, p.Status.Phase)
	}
	return s
}
