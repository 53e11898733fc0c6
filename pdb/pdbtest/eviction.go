package pdbtest

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	policyv1beta1 "k8s.io/api/policy/v1beta1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/pdb"
)

// evict serves the pods/eviction subresource as the API server's
// EvictionREST.Create does, in its order.
func (s *Server) evict(action k8stesting.Action) error {
	create, ok := action.(k8stesting.CreateActionImpl)
	if !ok {
		return apierrors.NewBadRequest(fmt.Sprintf("not an eviction: %T", action))
	}
	namespace := create.GetNamespace()
	name, options, err := evictionRequest(create.GetObject())
	if err != nil {
		return err
	}
	if options.IgnoreStoreReadErrorWithClusterBreakingPotential != nil && *options.IgnoreStoreReadErrorWithClusterBreakingPotential {
		return apierrors.NewInvalid(schema.GroupKind{Group: "policy", Kind: "Eviction"}, name, field.ErrorList{
			field.Invalid(field.NewPath("deleteOptions").Child("ignoreStoreReadErrorWithClusterBreakingPotential"), true,
				"can not be set for pod eviction, try after removing the option"),
		})
	}
	dryRun := isDryRun(options.DryRun)

	pod, err := s.getPod(namespace, name)
	if err != nil {
		return err
	}
	budgets, err := s.budgets(namespace)
	if err != nil {
		return err
	}
	userResourceVersion := options.Preconditions != nil && options.Preconditions.ResourceVersion != nil

	d := pdb.CheckEviction(pod, budgets)
	switch d.Reason {
	case pdb.ReasonPodTerminal, pdb.ReasonPodTerminating:
		return s.deleteEvicted(pod, options, dryRun)
	case pdb.ReasonPodPending:
		// The pod must not turn Running and Ready between the check and the
		// deletion: the API server pins its resourceVersion.
		return s.deleteEvicted(pod, pinResourceVersion(options, pod, userResourceVersion), dryRun)
	case pdb.ReasonNoBudget:
		return s.deleteEvicted(pod, options, dryRun)
	case pdb.ReasonUnhealthyAlwaysAllow, pdb.ReasonUnhealthyBudgetHealthy:
		err := s.deleteEvicted(pod, pinResourceVersion(options, pod, userResourceVersion), dryRun)
		if apierrors.IsConflict(err) && !userResourceVersion {
			// The pod changed (turned Ready) since the check: ask the
			// client to come back.
			return pdb.NotObservedError(d.Budget)
		}
		return err
	case pdb.ReasonDisruptionAllowed:
		if err := s.takeDisruption(budgets, d.Budget, pod.Name, dryRun); err != nil {
			return err
		}
		// The disruption stays taken if the deletion fails, as on a cluster:
		// the pod sits in disruptedPods until it is deleted or the entry
		// expires.
		return s.deleteEvicted(pod, options, dryRun)
	}
	return d.Err
}

// evictionRequest reads a policy/v1 or policy/v1beta1 Eviction.
func evictionRequest(obj runtime.Object) (string, metav1.DeleteOptions, error) {
	var name string
	var options *metav1.DeleteOptions
	switch eviction := obj.(type) {
	case *policyv1.Eviction:
		name, options = eviction.Name, eviction.DeleteOptions
	case *policyv1beta1.Eviction:
		name, options = eviction.Name, eviction.DeleteOptions
	default:
		return "", metav1.DeleteOptions{}, apierrors.NewBadRequest(fmt.Sprintf("not a Eviction object: %T", obj))
	}
	if options == nil {
		return name, metav1.DeleteOptions{}, nil
	}
	return name, *options.DeepCopy(), nil
}

func pinResourceVersion(options metav1.DeleteOptions, pod *corev1.Pod, userResourceVersion bool) metav1.DeleteOptions {
	if userResourceVersion {
		return options
	}
	pinned := options.DeepCopy()
	if pinned.Preconditions == nil {
		pinned.Preconditions = &metav1.Preconditions{}
	}
	rv := pod.ResourceVersion
	pinned.Preconditions.ResourceVersion = &rv
	return *pinned
}

// takeDisruption is the API server's checkAndDecrement once the checks have
// passed: one disruption fewer, the DisruptionAllowed condition brought in
// line at 0, and the pod recorded in disruptedPods.
func (s *Server) takeDisruption(budgets []*policyv1.PodDisruptionBudget, name, pod string, dryRun bool) error {
	if dryRun {
		return nil
	}
	var budget *policyv1.PodDisruptionBudget
	for _, b := range budgets {
		if b.Name == name {
			budget = b.DeepCopy()
		}
	}
	if budget == nil {
		return apierrors.NewNotFound(budgetsResource.GroupResource(), name)
	}
	status := &budget.Status
	status.DisruptionsAllowed--
	if status.DisruptionsAllowed == 0 {
		if status.Conditions == nil {
			status.Conditions = []metav1.Condition{}
		}
		apimeta.SetStatusCondition(&status.Conditions, metav1.Condition{
			Type:               policyv1.DisruptionAllowedCondition,
			Status:             metav1.ConditionFalse,
			Reason:             policyv1.InsufficientPodsReason,
			ObservedGeneration: status.ObservedGeneration,
			LastTransitionTime: metav1.NewTime(s.stamp()),
		})
	}
	if status.DisruptedPods == nil {
		status.DisruptedPods = map[string]metav1.Time{}
	}
	status.DisruptedPods[pod] = metav1.NewTime(s.stamp())
	budget.ResourceVersion = s.nextResourceVersion()
	return s.tracker.Update(budgetsResource, budget, budget.Namespace)
}

// deleteEvicted is the API server's addConditionAndDeletePod: the pod gets
// the DisruptionTarget condition, then is deleted with the options.
func (s *Server) deleteEvicted(pod *corev1.Pod, options metav1.DeleteOptions, dryRun bool) error {
	if !dryRun {
		if err := checkPreconditions(pod, options.Preconditions); err != nil {
			return err
		}
		setDisruptionTarget(pod, s.stamp())
		pod.ResourceVersion = s.nextResourceVersion()
		if err := s.tracker.Update(podsResource, pod, pod.Namespace); err != nil {
			return err
		}
		if options.Preconditions != nil && options.Preconditions.ResourceVersion != nil {
			// The condition was our write; the caller's resourceVersion
			// stands for the version before it.
			rv := pod.ResourceVersion
			options.Preconditions = options.Preconditions.DeepCopy()
			options.Preconditions.ResourceVersion = &rv
		}
	}
	return s.deletePod(pod.Namespace, pod.Name, options, dryRun)
}

// setDisruptionTarget is the API server's UpdatePodCondition with the
// eviction's DisruptionTarget condition.
func setDisruptionTarget(pod *corev1.Pod, now time.Time) {
	condition := corev1.PodCondition{
		Type:               corev1.DisruptionTarget,
		Status:             corev1.ConditionTrue,
		Reason:             "EvictionByEvictionAPI",
		Message:            "Eviction API: evicting",
		LastTransitionTime: metav1.NewTime(now),
	}
	for i, existing := range pod.Status.Conditions {
		if existing.Type != condition.Type {
			continue
		}
		if existing.Status == condition.Status {
			condition.LastTransitionTime = existing.LastTransitionTime
		}
		condition.LastProbeTime = existing.LastProbeTime
		pod.Status.Conditions[i] = condition
		return
	}
	pod.Status.Conditions = append(pod.Status.Conditions, condition)
}

// budgets lists the budgets of a namespace in the API server's order.
func (s *Server) budgets(namespace string) ([]*policyv1.PodDisruptionBudget, error) {
	obj, err := s.tracker.List(budgetsResource, budgetKind, namespace)
	if err != nil {
		return nil, err
	}
	list := obj.(*policyv1.PodDisruptionBudgetList)
	budgets := make([]*policyv1.PodDisruptionBudget, len(list.Items))
	for i := range list.Items {
		budgets[i] = &list.Items[i]
	}
	return budgets, nil
}
