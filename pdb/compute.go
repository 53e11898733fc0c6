package pdb

import (
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// DeletionTimeout is how long the disruption controller keeps a pod of
// status.disruptedPods out of currentHealthy while waiting for its deletion
// (DeletionTimeout in pkg/controller/disruption). An entry older than that
// means the eviction did not delete the pod; the controller drops it.
const DeletionTimeout = 2 * time.Minute

// Compute returns the status the disruption controller of Kubernetes 1.36
// writes for budget, given the pods of its namespace and the scale of their
// controllers; now is the controller's clock. Compute applies the budget's
// namespace and selector itself, so pods may hold every pod of the cluster.
//
// The rules are the controller's (pkg/controller/disruption, trySync):
//
//   - maxUnavailable (integer or percentage): expectedPods is the sum of the
//     scale of the selected pods' controllers, each controller once;
//     maxUnavailable is scaled with percentages rounded up; desiredHealthy
//     is expectedPods minus that, at least 0.
//   - minAvailable integer: desiredHealthy is the integer and expectedPods
//     the number of selected pods, with no controller lookup.
//   - minAvailable percentage: expectedPods from the controllers' scale,
//     desiredHealthy the percentage of it rounded up.
//   - neither: desiredHealthy and expectedPods are 0.
//   - Pods without a controller add nothing to a scale-based expectedPods
//     (the controller only warns about them).
//   - currentHealthy counts selected pods that are Ready, not being deleted,
//     and not in disruptedPods with an entry younger than DeletionTimeout.
//   - disruptedPods keeps only entries of selected pods that are not being
//     deleted and whose entry has not expired.
//   - disruptionsAllowed is currentHealthy minus desiredHealthy, and 0 when
//     that is negative or expectedPods is 0.
//   - the DisruptionAllowed condition is True/SufficientPods when
//     disruptionsAllowed is positive, else False/InsufficientPods.
//
// When the controller would write nothing because the status is already
// current, Compute returns the budget's status unchanged. New condition
// transitions are stamped with now truncated to the second, as they read
// back from the API server; DisruptedPods is nil rather than empty.
//
// When the controller cannot compute the status (a selector or percentage
// that does not parse, a scale it cannot find), Compute returns the status it
// writes then — the old status with disruptionsAllowed 0 and
// DisruptionAllowed=False/SyncFailed carrying the controller's message — and
// a *SyncError. Budgets the API server would reject (both or neither of
// minAvailable and maxUnavailable, negative numbers, percentages over 100%)
// are computed as the controller would compute them and reported with an
// *InvalidBudgetError alongside the status. Compute never modifies its
// arguments. It is safe for concurrent use if scale is.
func Compute(budget *policyv1.PodDisruptionBudget, pods []*corev1.Pod, scale ScaleFunc, now time.Time) (policyv1.PodDisruptionBudgetStatus, error) {
	if budget == nil {
		return policyv1.PodDisruptionBudgetStatus{}, errors.New("compute budget status: nil budget")
	}
	result := evaluate(budget, pods, scale, now)
	return result.status, result.err()
}

// evaluation is what Compute computes, with the details Lint and the Tracker
// need besides the status.
type evaluation struct {
	status    policyv1.PodDisruptionBudgetStatus
	selected  []*corev1.Pod
	unmanaged []*corev1.Pod
	// scaled reports whether expectedPods came from the controllers' scale.
	scaled  bool
	sync    *SyncError
	invalid error
}

func (e evaluation) err() error {
	if e.sync == nil {
		return e.invalid
	}
	if e.invalid == nil {
		return e.sync
	}
	return errors.Join(e.sync, e.invalid)
}

func evaluate(budget *policyv1.PodDisruptionBudget, pods []*corev1.Pod, scale ScaleFunc, now time.Time) evaluation {
	var result evaluation
	key := types.NamespacedName{Namespace: budget.Namespace, Name: budget.Name}
	result.invalid = validateSpec(budget)

	selector, err := metav1.LabelSelectorAsSelector(budget.Spec.Selector)
	if err != nil {
		return result.failClosed(budget, now, &SyncError{Budget: key, Message: err.Error(), Err: invalidSelector(key, budget, err)})
	}
	result.selected = selectPods(budget.Namespace, selector, pods)

	expected, desired, unmanaged, syncErr := expectedPodCount(key, budget, result.selected, scale)
	result.unmanaged = unmanaged
	result.scaled = budget.Spec.MaxUnavailable != nil ||
		(budget.Spec.MinAvailable != nil && budget.Spec.MinAvailable.Type == intstr.String)
	if syncErr != nil {
		return result.failClosed(budget, now, syncErr)
	}

	disrupted := disruptedPodMap(result.selected, budget.Status.DisruptedPods, now)
	healthy := countHealthy(result.selected, disrupted, now)
	allowed := healthy - desired
	if expected <= 0 || allowed <= 0 {
		allowed = 0
	}
	result.status = updatedStatus(budget, healthy, desired, expected, allowed, disrupted, now)
	return result
}

func selectPods(namespace string, selector labels.Selector, pods []*corev1.Pod) []*corev1.Pod {
	var selected []*corev1.Pod
	for _, pod := range pods {
		if pod != nil && pod.Namespace == namespace && selector.Matches(labels.Set(pod.Labels)) {
			selected = append(selected, pod)
		}
	}
	return selected
}

// expectedPodCount follows the controller's getExpectedPodCount, including the
// order in which it fails: the scale lookup before the percentage.
func expectedPodCount(key types.NamespacedName, budget *policyv1.PodDisruptionBudget, pods []*corev1.Pod, scale ScaleFunc) (expected, desired int32, unmanaged []*corev1.Pod, err *SyncError) {
	spec := budget.Spec
	switch {
	case spec.MaxUnavailable != nil:
		expected, unmanaged, err = expectedScale(key, pods, scale)
		if err != nil {
			return 0, 0, unmanaged, err
		}
		maxUnavailable, perr := intstr.GetScaledValueFromIntOrPercent(spec.MaxUnavailable, int(expected), true)
		if perr != nil {
			return 0, 0, unmanaged, &SyncError{Budget: key, Message: perr.Error(), Err: invalidNumber(key, "spec.maxUnavailable", spec.MaxUnavailable, perr)}
		}
		desired = max(expected-int32(maxUnavailable), 0)
	case spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.Int:
		desired = spec.MinAvailable.IntVal
		expected = int32(len(pods))
	case spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.String:
		expected, unmanaged, err = expectedScale(key, pods, scale)
		if err != nil {
			return 0, 0, unmanaged, err
		}
		minAvailable, perr := intstr.GetScaledValueFromIntOrPercent(spec.MinAvailable, int(expected), true)
		if perr != nil {
			return 0, 0, unmanaged, &SyncError{Budget: key, Message: perr.Error(), Err: invalidNumber(key, "spec.minAvailable", spec.MinAvailable, perr)}
		}
		desired = int32(minAvailable)
	}
	return expected, desired, unmanaged, nil
}

// expectedScale sums the scale of the pods' controllers, each controller
// once, and collects the pods without a controller.
func expectedScale(key types.NamespacedName, pods []*corev1.Pod, scale ScaleFunc) (int32, []*corev1.Pod, *SyncError) {
	var unmanaged []*corev1.Pod
	// seen maps the controllers found to their replicas, as the
	// controller's map does: a pod whose reference names a controller
	// already counted is not looked up again.
	seen := map[types.UID]int32{}
	// looked up remembers the references already resolved, so pods of one
	// ReplicaSet cost one lookup; the controller repeats the lookup against
	// its caches and gets the same answer.
	lookedUp := map[types.UID]bool{}
	for _, pod := range pods {
		ref := metav1.GetControllerOf(pod)
		if ref == nil {
			unmanaged = append(unmanaged, pod)
			continue
		}
		if _, ok := seen[ref.UID]; ok || lookedUp[ref.UID] {
			continue
		}
		lookedUp[ref.UID] = true
		if scale == nil {
			return 0, unmanaged, &SyncError{Budget: key, Message: fmt.Sprintf("found no controllers for pod %q", pod.Name),
				Err: fmt.Errorf("pod %s: no ScaleFunc to look up its controller: %w", pod.Name, ErrNoController)}
		}
		found, err := scale(pod.Namespace, *ref)
		if errors.Is(err, ErrNoController) {
			return 0, unmanaged, &SyncError{Budget: key, Message: fmt.Sprintf("found no controllers for pod %q", pod.Name), Err: err}
		}
		if err != nil {
			return 0, unmanaged, &SyncError{Budget: key, Message: err.Error(), Err: err}
		}
		seen[found.Controller] = found.Replicas
	}
	var expected int32
	for _, replicas := range seen {
		expected += replicas
	}
	return expected, unmanaged, nil
}

func countHealthy(pods []*corev1.Pod, disrupted map[string]metav1.Time, now time.Time) int32 {
	var healthy int32
	for _, pod := range pods {
		if countsAsHealthy(pod, disrupted, now) {
			healthy++
		}
	}
	return healthy
}

// countsAsHealthy is the controller's countHealthyPods for one pod. An entry
// of disruptedPods hides the pod until DeletionTimeout has passed, strictly.
func countsAsHealthy(pod *corev1.Pod, disrupted map[string]metav1.Time, now time.Time) bool {
	if pod.DeletionTimestamp != nil {
		return false
	}
	if at, ok := disrupted[pod.Name]; ok && at.Add(DeletionTimeout).After(now) {
		return false
	}
	return isReady(pod)
}

// disruptedPodMap is the controller's buildDisruptedPodMap: an entry survives
// while its pod is selected, not being deleted, and the entry is not older
// than DeletionTimeout.
func disruptedPodMap(pods []*corev1.Pod, old map[string]metav1.Time, now time.Time) map[string]metav1.Time {
	result := map[string]metav1.Time{}
	if old == nil {
		return result
	}
	for _, pod := range pods {
		if pod.DeletionTimestamp != nil {
			continue
		}
		at, ok := old[pod.Name]
		if !ok || at.Add(DeletionTimeout).Before(now) {
			continue
		}
		result[pod.Name] = at
	}
	return result
}

// updatedStatus is the controller's updatePdbStatus: the old status when it
// is already current, else the new numbers with the DisruptionAllowed
// condition brought in line.
func updatedStatus(budget *policyv1.PodDisruptionBudget, healthy, desired, expected, allowed int32, disrupted map[string]metav1.Time, now time.Time) policyv1.PodDisruptionBudgetStatus {
	old := budget.Status
	if old.CurrentHealthy == healthy && old.DesiredHealthy == desired && old.ExpectedPods == expected &&
		old.DisruptionsAllowed == allowed && apiequality.Semantic.DeepEqual(old.DisruptedPods, disrupted) &&
		old.ObservedGeneration == budget.Generation && conditionUpToDate(budget) {
		return *old.DeepCopy()
	}
	status := policyv1.PodDisruptionBudgetStatus{
		CurrentHealthy:     healthy,
		DesiredHealthy:     desired,
		ExpectedPods:       expected,
		DisruptionsAllowed: allowed,
		ObservedGeneration: budget.Generation,
		Conditions:         copyConditions(old.Conditions),
	}
	if len(disrupted) > 0 {
		status.DisruptedPods = disrupted
	}
	setAllowedCondition(&status, now)
	return status
}

// setAllowedCondition is component-helpers' UpdateDisruptionAllowedCondition
// with the transition time taken from now instead of the wall clock.
func setAllowedCondition(status *policyv1.PodDisruptionBudgetStatus, now time.Time) {
	condition := metav1.Condition{
		Type:               policyv1.DisruptionAllowedCondition,
		Reason:             policyv1.InsufficientPodsReason,
		Status:             metav1.ConditionFalse,
		ObservedGeneration: status.ObservedGeneration,
		LastTransitionTime: transitionTime(now),
	}
	if status.DisruptionsAllowed > 0 {
		condition.Reason = policyv1.SufficientPodsReason
		condition.Status = metav1.ConditionTrue
	}
	apimeta.SetStatusCondition(&status.Conditions, condition)
}

// conditionUpToDate is component-helpers' ConditionsAreUpToDate.
func conditionUpToDate(budget *policyv1.PodDisruptionBudget) bool {
	condition := apimeta.FindStatusCondition(budget.Status.Conditions, policyv1.DisruptionAllowedCondition)
	if condition == nil || budget.Status.ObservedGeneration != budget.Generation {
		return false
	}
	if budget.Status.DisruptionsAllowed > 0 {
		return condition.Status == metav1.ConditionTrue && condition.Reason == policyv1.SufficientPodsReason
	}
	return condition.Status == metav1.ConditionFalse && condition.Reason == policyv1.InsufficientPodsReason
}

// failClosed is the controller's failSafe: the old status with no disruption
// allowed and the SyncFailed condition; observedGeneration stays as it was.
func (e evaluation) failClosed(budget *policyv1.PodDisruptionBudget, now time.Time, err *SyncError) evaluation {
	status := *budget.Status.DeepCopy()
	status.DisruptionsAllowed = 0
	if status.Conditions == nil {
		status.Conditions = []metav1.Condition{}
	}
	apimeta.SetStatusCondition(&status.Conditions, metav1.Condition{
		Type:               policyv1.DisruptionAllowedCondition,
		Status:             metav1.ConditionFalse,
		Reason:             policyv1.SyncFailedReason,
		Message:            err.Message,
		ObservedGeneration: status.ObservedGeneration,
		LastTransitionTime: transitionTime(now),
	})
	e.status = status
	e.sync = err
	return e
}

func transitionTime(now time.Time) metav1.Time {
	return metav1.NewTime(now.Truncate(time.Second))
}

func copyConditions(conditions []metav1.Condition) []metav1.Condition {
	if conditions == nil {
		return []metav1.Condition{}
	}
	out := make([]metav1.Condition, len(conditions))
	copy(out, conditions)
	return out
}

// isReady is the API server's and the controller's IsPodReady: the Ready
// condition is True.
func isReady(pod *corev1.Pod) bool {
	for _, condition := range pod.Status.Conditions {
		if condition.Type == corev1.PodReady {
			return condition.Status == corev1.ConditionTrue
		}
	}
	return false
}
