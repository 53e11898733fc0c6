package testutil

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// PDBBuilder builds a PodDisruptionBudget for tests.
type PDBBuilder struct{ budget policyv1.PodDisruptionBudget }

// PDB starts a budget named name in namespace "default" with the selector
// app=name and neither minAvailable nor maxUnavailable.
func PDB(name string) *PDBBuilder {
	return &PDBBuilder{budget: policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
		},
	}}
}

// Namespace sets the namespace.
func (b *PDBBuilder) Namespace(namespace string) *PDBBuilder {
	b.budget.Namespace = namespace
	return b
}

// MinAvailable sets spec.minAvailable: an int or a string such as "50%".
func (b *PDBBuilder) MinAvailable(value any) *PDBBuilder {
	v := intOrString(value)
	b.budget.Spec.MinAvailable = &v
	return b
}

// MaxUnavailable sets spec.maxUnavailable: an int or a string such as "50%".
func (b *PDBBuilder) MaxUnavailable(value any) *PDBBuilder {
	v := intOrString(value)
	b.budget.Spec.MaxUnavailable = &v
	return b
}

// Selector sets spec.selector; nil selects no pod, an empty one every pod.
func (b *PDBBuilder) Selector(selector *metav1.LabelSelector) *PDBBuilder {
	b.budget.Spec.Selector = selector
	return b
}

// MatchLabels sets spec.selector to match the given key, value pairs.
func (b *PDBBuilder) MatchLabels(keyValues ...string) *PDBBuilder {
	b.budget.Spec.Selector = &metav1.LabelSelector{MatchLabels: pairs(keyValues)}
	return b
}

// Policy sets spec.unhealthyPodEvictionPolicy.
func (b *PDBBuilder) Policy(policy policyv1.UnhealthyPodEvictionPolicyType) *PDBBuilder {
	b.budget.Spec.UnhealthyPodEvictionPolicy = &policy
	return b
}

// Generation sets metadata.generation and status.observedGeneration.
func (b *PDBBuilder) Generation(generation, observed int64) *PDBBuilder {
	b.budget.Generation = generation
	b.budget.Status.ObservedGeneration = observed
	return b
}

// Status sets the status numbers as the disruption controller writes them,
// with the DisruptionAllowed condition that goes with allowed.
func (b *PDBBuilder) Status(currentHealthy, desiredHealthy, expectedPods, allowed int32) *PDBBuilder {
	s := &b.budget.Status
	s.CurrentHealthy, s.DesiredHealthy, s.ExpectedPods, s.DisruptionsAllowed = currentHealthy, desiredHealthy, expectedPods, allowed
	condition := metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse, Reason: policyv1.InsufficientPodsReason}
	if allowed > 0 {
		condition.Status, condition.Reason = metav1.ConditionTrue, policyv1.SufficientPodsReason
	}
	s.Conditions = []metav1.Condition{condition}
	return b
}

// Condition replaces the DisruptionAllowed condition.
func (b *PDBBuilder) Condition(status metav1.ConditionStatus, reason, message string) *PDBBuilder {
	b.budget.Status.Conditions = []metav1.Condition{{
		Type: policyv1.DisruptionAllowedCondition, Status: status, Reason: reason, Message: message,
	}}
	return b
}

// Disrupted adds status.disruptedPods entries for the pods at time at.
func (b *PDBBuilder) Disrupted(at time.Time, pods ...string) *PDBBuilder {
	if b.budget.Status.DisruptedPods == nil {
		b.budget.Status.DisruptedPods = map[string]metav1.Time{}
	}
	for _, pod := range pods {
		b.budget.Status.DisruptedPods[pod] = metav1.NewTime(at)
	}
	return b
}

// Obj returns a copy of the budget.
func (b *PDBBuilder) Obj() *policyv1.PodDisruptionBudget { return b.budget.DeepCopy() }

// PDBPodBuilder builds a pod for budget tests.
type PDBPodBuilder struct{ pod corev1.Pod }

// PDBPod starts a Running, Ready pod named name in namespace "default", on
// node-a, with UID "uid-"+name and no labels or controller.
func PDBPod(name string) *PDBPodBuilder {
	return &PDBPodBuilder{pod: corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
		Spec:       corev1.PodSpec{NodeName: "node-a"},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}}
}

// Namespace sets the namespace.
func (b *PDBPodBuilder) Namespace(namespace string) *PDBPodBuilder {
	b.pod.Namespace = namespace
	return b
}

// Labels adds labels from key, value pairs.
func (b *PDBPodBuilder) Labels(keyValues ...string) *PDBPodBuilder {
	if b.pod.Labels == nil {
		b.pod.Labels = map[string]string{}
	}
	for k, v := range pairs(keyValues) {
		b.pod.Labels[k] = v
	}
	return b
}

// NotReady sets the Ready condition to False.
func (b *PDBPodBuilder) NotReady() *PDBPodBuilder {
	b.pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
	return b
}

// Phase sets status.phase.
func (b *PDBPodBuilder) Phase(phase corev1.PodPhase) *PDBPodBuilder {
	b.pod.Status.Phase = phase
	return b
}

// Terminating sets metadata.deletionTimestamp.
func (b *PDBPodBuilder) Terminating(at time.Time) *PDBPodBuilder {
	t := metav1.NewTime(at)
	b.pod.DeletionTimestamp = &t
	return b
}

// Controller sets the controller reference.
func (b *PDBPodBuilder) Controller(apiVersion, kind, name string, uid types.UID) *PDBPodBuilder {
	yes := true
	b.pod.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: apiVersion, Kind: kind, Name: name, UID: uid, Controller: &yes,
	}}
	return b
}

// Node sets spec.nodeName ("" leaves the pod unscheduled).
func (b *PDBPodBuilder) Node(node string) *PDBPodBuilder {
	b.pod.Spec.NodeName = node
	return b
}

// Grace sets spec.terminationGracePeriodSeconds.
func (b *PDBPodBuilder) Grace(seconds int64) *PDBPodBuilder {
	b.pod.Spec.TerminationGracePeriodSeconds = &seconds
	return b
}

// Obj returns a copy of the pod.
func (b *PDBPodBuilder) Obj() *corev1.Pod { return b.pod.DeepCopy() }

func intOrString(value any) intstr.IntOrString {
	switch v := value.(type) {
	case int:
		return intstr.FromInt32(int32(v))
	case string:
		return intstr.FromString(v)
	case intstr.IntOrString:
		return v
	}
	panic("testutil: minAvailable and maxUnavailable take an int or a string")
}

func pairs(keyValues []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(keyValues); i += 2 {
		m[keyValues[i]] = keyValues[i+1]
	}
	return m
}
