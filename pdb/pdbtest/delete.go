package pdbtest

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// podKindResource is how the API server names pods in precondition
// conflicts: by kind, "Pod".
var podKindResource = schema.GroupResource{Resource: "Pod"}

func (s *Server) getPod(namespace, name string) (*corev1.Pod, error) {
	obj, err := s.tracker.Get(podsResource, namespace, name)
	if err != nil {
		return nil, err
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, apierrors.NewInternalError(fmt.Errorf("stored pod %s/%s is a %T", namespace, name, obj))
	}
	return pod, nil
}

// checkPreconditions is the API server's check of delete preconditions.
func checkPreconditions(pod *corev1.Pod, preconditions *metav1.Preconditions) error {
	if preconditions == nil {
		return nil
	}
	if uid := preconditions.UID; uid != nil && *uid != "" && *uid != pod.UID {
		return apierrors.NewConflict(podKindResource, pod.Name, fmt.Errorf(
			"the UID in the precondition (%s) does not match the UID in record (%s). The object might have been deleted and then recreated", *uid, pod.UID))
	}
	if rv := preconditions.ResourceVersion; rv != nil && *rv != "" && *rv != pod.ResourceVersion {
		return apierrors.NewConflict(podKindResource, pod.Name, fmt.Errorf(
			"the ResourceVersion in the precondition (%s) does not match the ResourceVersion in record (%s). The object might have been modified", *rv, pod.ResourceVersion))
	}
	return nil
}

// deletePod deletes a pod as the API server's pod storage does
// (rest.BeforeDelete with the pod strategy's CheckGracefulDelete): at once
// when the grace period is 0 and no finalizer is left, else by setting
// deletionTimestamp for the kubelet to finish.
func (s *Server) deletePod(namespace, name string, options metav1.DeleteOptions, dryRun bool) error {
	pod, err := s.getPod(namespace, name)
	if err != nil {
		return err
	}
	if err := checkPreconditions(pod, options.Preconditions); err != nil {
		return err
	}
	dryRun = dryRun || isDryRun(options.DryRun)
	requested := options.GracePeriodSeconds
	if requested != nil && *requested < 0 {
		one := int64(1)
		requested = &one
	}
	now := s.stamp()

	if pod.DeletionTimestamp != nil {
		current := pod.DeletionGracePeriodSeconds
		switch {
		case current == nil || *current == 0:
			if len(pod.Finalizers) > 0 {
				return nil // removed when the finalizers are gone
			}
			return s.remove(pod, dryRun)
		case requested == nil || *requested >= *current:
			return nil // graceful deletion already pending
		}
		// Only a shorter grace period may be given; deletionTimestamp moves
		// back by the difference, never into the past.
		period := *requested
		at := pod.DeletionTimestamp.Add(time.Duration(period-*current) * time.Second)
		if at.Before(now) {
			at = now
			if period != 0 {
				period = 1
			}
		}
		return s.terminate(pod, at, period, dryRun)
	}

	period := int64(0)
	switch {
	case requested != nil:
		period = *requested
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		period = *pod.Spec.TerminationGracePeriodSeconds
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		period = 0
	}
	if period < 0 {
		period = 1
	}
	if pod.Generation > 0 {
		pod.Generation++
	}
	return s.terminate(pod, now.Add(time.Duration(period)*time.Second), period, dryRun)
}

// terminate marks pod as terminating, or removes it when nothing is left
// to wait for.
func (s *Server) terminate(pod *corev1.Pod, at time.Time, period int64, dryRun bool) error {
	if period == 0 && len(pod.Finalizers) == 0 {
		return s.remove(pod, dryRun)
	}
	if dryRun {
		return nil
	}
	deletion := metav1.NewTime(at)
	pod.DeletionTimestamp = &deletion
	pod.DeletionGracePeriodSeconds = &period
	pod.ResourceVersion = s.nextResourceVersion()
	return s.tracker.Update(podsResource, pod, pod.Namespace)
}

func (s *Server) remove(pod *corev1.Pod, dryRun bool) error {
	if dryRun {
		return nil
	}
	if err := s.tracker.Delete(podsResource, pod.Namespace, pod.Name); err != nil {
		return err
	}
	if s.removed != nil {
		s.removed(pod)
	}
	return nil
}

// finishTerminations is the kubelet: a pod whose deletionTimestamp has come
// and that has no finalizer left is removed.
func (s *Server) finishTerminations() {
	obj, err := s.tracker.List(podsResource, podKind, "")
	if err != nil {
		return
	}
	now := s.now()
	for _, pod := range obj.(*corev1.PodList).Items {
		if pod.DeletionTimestamp != nil && !pod.DeletionTimestamp.After(now) && len(pod.Finalizers) == 0 {
			_ = s.remove(&pod, false)
		}
	}
}

func isDryRun(dryRun []string) bool {
	for _, v := range dryRun {
		if v == metav1.DryRunAll {
			return true
		}
	}
	return false
}
