package pdb

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// MaxDisruptedPods is the size of status.disruptedPods above which the
// eviction endpoint refuses evictions (MaxDisruptedPodSize in the API
// server): the disruption controller has fallen behind.
const MaxDisruptedPods = 2000

// Reason says why the eviction endpoint answers as it does.
type Reason string

// The answers of the eviction endpoint, in the order it checks them.
const (
	// ReasonPodNotFound: there is no pod (404).
	ReasonPodNotFound Reason = "PodNotFound"
	// ReasonPodTerminal: the pod has Succeeded or Failed; it is deleted
	// without looking at budgets.
	ReasonPodTerminal Reason = "PodTerminal"
	// ReasonPodTerminating: the pod is already being deleted; the eviction
	// deletes it again without looking at budgets.
	ReasonPodTerminating Reason = "PodTerminating"
	// ReasonPodPending: the pod is Pending; it is deleted without looking at
	// budgets.
	ReasonPodPending Reason = "PodPending"
	// ReasonMultipleBudgets: more than one budget covers the pod; the
	// endpoint refuses with 500 and does not say which.
	ReasonMultipleBudgets Reason = "MultipleBudgets"
	// ReasonNoBudget: no budget covers the pod; it is deleted.
	ReasonNoBudget Reason = "NoBudget"
	// ReasonUnhealthyAlwaysAllow: the pod is not Ready and its budget's
	// unhealthyPodEvictionPolicy is AlwaysAllow; it is deleted without using
	// a disruption.
	ReasonUnhealthyAlwaysAllow Reason = "UnhealthyPodAlwaysAllow"
	// ReasonUnhealthyBudgetHealthy: the pod is not Ready and its budget
	// (policy IfHealthyBudget or unset) has currentHealthy at or above a
	// positive desiredHealthy; it is deleted without using a disruption.
	ReasonUnhealthyBudgetHealthy Reason = "UnhealthyPodBudgetHealthy"
	// ReasonBudgetNotObserved: the budget's spec changed and the disruption
	// controller has not observed it yet (429, Retry-After 10 seconds).
	ReasonBudgetNotObserved Reason = "BudgetNotObserved"
	// ReasonNegativeDisruptionsAllowed: status.disruptionsAllowed is negative
	// (403).
	ReasonNegativeDisruptionsAllowed Reason = "NegativeDisruptionsAllowed"
	// ReasonTooManyDisruptedPods: status.disruptedPods holds more than
	// MaxDisruptedPods entries (403).
	ReasonTooManyDisruptedPods Reason = "TooManyDisruptedPods"
	// ReasonDisruptionNotAllowed: the budget allows no disruption now (429
	// with a DisruptionBudget cause).
	ReasonDisruptionNotAllowed Reason = "DisruptionNotAllowed"
	// ReasonDisruptionAllowed: the budget allows a disruption; the eviction
	// uses one and deletes the pod.
	ReasonDisruptionAllowed Reason = "DisruptionAllowed"
)

// Decision is what the eviction endpoint answers for one pod.
type Decision struct {
	// Pod names the pod as namespace/name.
	Pod string
	// Allowed reports whether the eviction deletes the pod (201 Created).
	Allowed bool
	// Reason says which rule of the endpoint decided.
	Reason Reason
	// Budget is the budget the endpoint consulted; empty when it consulted
	// none.
	Budget string
	// Budgets names every budget covering the pod, in the order given, even
	// where the endpoint does not look at them.
	Budgets []string
	// Decrements reports whether the eviction uses one of Budget's
	// disruptions: the API server decrements status.disruptionsAllowed and
	// records the pod in status.disruptedPods before deleting it.
	Decrements bool
	// Err is the error the API server returns, a *apierrors.StatusError with
	// the same code, reason, message, causes and Retry-After; nil when
	// Allowed.
	Err error
	// Message explains the decision to a person. Unlike the API server it
	// names every budget involved.
	Message string
}

// Code is the HTTP status code of the answer: 201 when allowed, else the
// error's code (429, 500, 403 or 404).
func (d Decision) Code() int {
	if d.Err == nil {
		return http.StatusCreated
	}
	var status apierrors.APIStatus
	if errors.As(d.Err, &status) {
		return int(status.Status().Code)
	}
	return http.StatusInternalServerError
}

// String returns Message.
func (d Decision) String() string { return d.Message }

// CheckEviction returns what the policy/v1 eviction endpoint of Kubernetes
// 1.36 answers now for an eviction of pod, without preconditions, given the
// budgets of its namespace (budgets of other namespaces are ignored) with
// their current status. The checks run in the API server's order
// (pkg/registry/core/pod/storage/eviction.go):
//
//  1. a pod that is Succeeded, Failed, Pending or being deleted is deleted
//     without looking at budgets;
//  2. more than one covering budget: 500, "This pod has more than one
//     PodDisruptionBudget, which the eviction subresource does not support.";
//  3. no covering budget: deleted;
//  4. a pod that is not Ready is deleted without using a disruption when the
//     budget's unhealthyPodEvictionPolicy is AlwaysAllow, or when it is
//     IfHealthyBudget or unset and currentHealthy >= desiredHealthy > 0;
//  5. status.observedGeneration < metadata.generation: 429, Retry-After 10,
//     cause "The disruption budget NAME is still being processed by the
//     server.";
//  6. status.disruptionsAllowed < 0, or more than MaxDisruptedPods entries
//     in status.disruptedPods: 403;
//  7. status.disruptionsAllowed == 0: 429 "Cannot evict pod as it would
//     violate the pod's disruption budget." with a DisruptionBudget cause
//     such as "The disruption budget NAME needs 2 healthy pods and has 2
//     currently";
//  8. otherwise allowed, using one disruption.
//
// CheckEviction does not model what happens when the pod changes during the
// request (the API server then answers 409 or, for unhealthy pods, 429), nor
// admission (a terminating namespace answers 403). It never modifies its
// arguments.
func CheckEviction(pod *corev1.Pod, budgets []*policyv1.PodDisruptionBudget) Decision {
	if pod == nil {
		return Decision{Reason: ReasonPodNotFound, Err: apierrors.NewNotFound(corev1.Resource("pods"), ""), Message: "there is no pod to evict"}
	}
	return checkEviction(pod, Covering(pod, budgets))
}

// checkEviction is CheckEviction given the budgets covering the pod.
func checkEviction(pod *corev1.Pod, covering []*policyv1.PodDisruptionBudget) Decision {
	d := Decision{Pod: pod.Namespace + "/" + pod.Name}
	for _, budget := range covering {
		d.Budgets = append(d.Budgets, budget.Name)
	}

	switch {
	case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
		return d.allow(ReasonPodTerminal, fmt.Sprintf("pod %s has finished (%s); the eviction deletes it without checking budgets", d.Pod, pod.Status.Phase))
	case pod.DeletionTimestamp != nil:
		return d.allow(ReasonPodTerminating, fmt.Sprintf("pod %s is already terminating; the eviction deletes it again without checking budgets", d.Pod))
	case pod.Status.Phase == corev1.PodPending:
		return d.allow(ReasonPodPending, fmt.Sprintf("pod %s is Pending; the eviction deletes it without checking budgets", d.Pod))
	}

	switch len(covering) {
	case 0:
		return d.allow(ReasonNoBudget, fmt.Sprintf("no budget covers pod %s; the eviction deletes it", d.Pod))
	case 1:
	default:
		d.Reason = ReasonMultipleBudgets
		d.Err = MultipleBudgetsError()
		d.Message = fmt.Sprintf("pod %s is covered by %d budgets (%s) and the eviction API refuses (500) pods covered by more than one; make the budgets' selectors disjoint",
			d.Pod, len(covering), strings.Join(d.Budgets, ", "))
		return d
	}

	budget := covering[0]
	d.Budget = budget.Name
	status := budget.Status
	if !isReady(pod) {
		policy := budget.Spec.UnhealthyPodEvictionPolicy
		if policy != nil && *policy == policyv1.AlwaysAllow {
			return d.allow(ReasonUnhealthyAlwaysAllow, fmt.Sprintf("pod %s is not Ready and budget %s has unhealthyPodEvictionPolicy AlwaysAllow; the eviction deletes it without using a disruption", d.Pod, budget.Name))
		}
		if status.CurrentHealthy >= status.DesiredHealthy && status.DesiredHealthy > 0 {
			return d.allow(ReasonUnhealthyBudgetHealthy, fmt.Sprintf("pod %s is not Ready and budget %s is healthy (%d healthy, %d needed); the eviction deletes it without using a disruption",
				d.Pod, budget.Name, status.CurrentHealthy, status.DesiredHealthy))
		}
	}
	return d.checkAndDecrement(budget)
}

// checkAndDecrement is the API server's checkAndDecrement, without the write.
func (d Decision) checkAndDecrement(budget *policyv1.PodDisruptionBudget) Decision {
	status := budget.Status
	switch {
	case status.ObservedGeneration < budget.Generation:
		d.Reason = ReasonBudgetNotObserved
		d.Err = NotObservedError(budget.Name)
		d.Message = fmt.Sprintf("budget %s changed (generation %d) and the disruption controller has not observed it yet (observed %d); the eviction API answers 429 until it has",
			budget.Name, budget.Generation, status.ObservedGeneration)
	case status.DisruptionsAllowed < 0:
		d.Reason = ReasonNegativeDisruptionsAllowed
		d.Err = apierrors.NewForbidden(budgetResource, budget.Name, errors.New("pdb disruptions allowed is negative"))
		d.Message = fmt.Sprintf("budget %s has a negative disruptionsAllowed (%d); the eviction API forbids evictions until the disruption controller rewrites the status", budget.Name, status.DisruptionsAllowed)
	case len(status.DisruptedPods) > MaxDisruptedPods:
		d.Reason = ReasonTooManyDisruptedPods
		d.Err = apierrors.NewForbidden(budgetResource, budget.Name, errors.New("DisruptedPods map too big - too many evictions not confirmed by PDB controller"))
		d.Message = fmt.Sprintf("budget %s lists %d pods in disruptedPods, more than %d; the eviction API forbids evictions until the disruption controller catches up", budget.Name, len(status.DisruptedPods), MaxDisruptedPods)
	case status.DisruptionsAllowed == 0:
		d.Reason = ReasonDisruptionNotAllowed
		cause := disruptionNotAllowedCause(budget)
		d.Err = tooManyRequests(cause, 0)
		d.Message = cause
	default:
		d.Reason = ReasonDisruptionAllowed
		d.Allowed = true
		d.Decrements = true
		d.Message = fmt.Sprintf("budget %s allows %d disruption(s); the eviction uses one and deletes pod %s", budget.Name, status.DisruptionsAllowed, d.Pod)
	}
	return d
}

func (d Decision) allow(reason Reason, message string) Decision {
	d.Allowed = true
	d.Reason = reason
	d.Message = message
	return d
}

// budgetResource is how the API server names budgets in its 403s.
var budgetResource = schema.GroupResource{Group: "policy", Resource: "poddisruptionbudget"}

// tooManyRequestsMessage is the message of every budget 429.
const tooManyRequestsMessage = "Cannot evict pod as it would violate the pod's disruption budget."

// disruptionNotAllowedCause is the cause text the API server sends with the
// 429 of a budget that allows no disruption.
func disruptionNotAllowedCause(budget *policyv1.PodDisruptionBudget) string {
	status := budget.Status
	condition := apimeta.FindStatusCondition(status.Conditions, policyv1.DisruptionAllowedCondition)
	failed := condition != nil && condition.Status == metav1.ConditionFalse && condition.Message != ""
	switch {
	case failed && condition.Reason == policyv1.SyncFailedReason:
		return fmt.Sprintf("The disruption budget %s does not allow evicting pods currently because it failed sync: %s", budget.Name, condition.Message)
	case status.CurrentHealthy <= status.DesiredHealthy:
		return fmt.Sprintf("The disruption budget %s needs %d healthy pods and has %d currently", budget.Name, status.DesiredHealthy, status.CurrentHealthy)
	case failed:
		return fmt.Sprintf("The disruption budget %s does not allow evicting pods currently (%s): %s", budget.Name, condition.Reason, condition.Message)
	default:
		return fmt.Sprintf("The disruption budget %s does not allow evicting pods currently", budget.Name)
	}
}

func tooManyRequests(cause string, retryAfterSeconds int) *apierrors.StatusError {
	err := apierrors.NewTooManyRequests(tooManyRequestsMessage, retryAfterSeconds)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
		Type:    policyv1.DisruptionBudgetCause,
		Message: cause,
	})
	return err
}

// NotObservedError is the API server's 429 for an eviction guarded by a
// budget whose latest spec the disruption controller has not observed yet,
// or whose pod turned Ready while an unhealthy-pod eviction was under way:
// Retry-After 10 seconds, cause "The disruption budget NAME is still being
// processed by the server.".
func NotObservedError(budget string) *apierrors.StatusError {
	return tooManyRequests(fmt.Sprintf("The disruption budget %s is still being processed by the server.", budget), 10)
}

// MultipleBudgetsError is the API server's answer to an eviction of a pod
// covered by more than one budget, as client-go returns it: a Status with
// code 500, no reason and no budget names. (The API server sends that Status
// as the body of a response whose HTTP status is 201; client-go turns the
// failed Status into this error.)
func MultipleBudgetsError() *apierrors.StatusError {
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status:  metav1.StatusFailure,
		Message: "This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.",
		Code:    http.StatusInternalServerError,
	}}
}

// DisruptionBudgetCause returns the message of the DisruptionBudget cause of
// an eviction error (from a cluster or from CheckEviction), such as "The
// disruption budget web needs 2 healthy pods and has 2 currently". ok is
// false when err carries no such cause.
func DisruptionBudgetCause(err error) (message string, ok bool) {
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		return "", false
	}
	details := status.Status().Details
	if details == nil {
		return "", false
	}
	for _, cause := range details.Causes {
		if cause.Type == policyv1.DisruptionBudgetCause {
			return cause.Message, true
		}
	}
	return "", false
}
