package fakecluster

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/pdb"
)

// evict answers an eviction as the API server's eviction subresource does
// (pkg/registry/core/pod/storage/eviction.go), with pdb.CheckEviction
// deciding: a budget's disruption is used and recorded in its status
// before the pod is deleted, gracefully, with a DisruptionTarget condition.
func (c *Cluster) evict(a k8stesting.CreateActionImpl) (runtime.Object, error) {
	eviction, ok := a.Object.(*policyv1.Eviction)
	if !ok {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("fakecluster: eviction of type %T; use policy/v1", a.Object))
	}
	name := a.Name
	if name == "" {
		name = eviction.Name
	}
	if eviction.Name != "" && eviction.Name != name {
		return nil, apierrors.NewBadRequest("name in URL does not match name in Eviction object")
	}
	var opts metav1.DeleteOptions
	if eviction.DeleteOptions != nil {
		opts = *eviction.DeleteOptions
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.absorbLocked()
	obj, found := c.getLocked(podsResource, a.Namespace, name)
	if !found {
		return nil, apierrors.NewNotFound(podsResource.GroupResource(), name)
	}
	pod := obj.(*corev1.Pod).DeepCopy()
	var budgets []*policyv1.PodDisruptionBudget
	for _, b := range c.objectsLocked(budgetsResource, a.Namespace) {
		budgets = append(budgets, b.(*policyv1.PodDisruptionBudget))
	}
	decision := pdb.CheckEviction(pod, budgets)
	if !decision.Allowed {
		return nil, decision.Err
	}
	if err := checkPreconditions(pod, opts.Preconditions); err != nil {
		return nil, err
	}
	if decision.Decrements {
		for _, b := range budgets {
			if b.Name != decision.Budget {
				continue
			}
			next := b.DeepCopy()
			next.ResourceVersion = ""
			next.Status.DisruptionsAllowed--
			if next.Status.DisruptedPods == nil {
				next.Status.DisruptedPods = map[string]metav1.Time{}
			}
			next.Status.DisruptedPods[pod.Name] = metav1.NewTime(time.Now().Truncate(time.Second))
			if err := c.tracker.Update(budgetsResource, next, next.Namespace); err != nil {
				return nil, apierrors.NewInternalError(err)
			}
		}
	}
	if pod.DeletionTimestamp == nil {
		pod.Status.Conditions = append(pod.Status.Conditions, corev1.PodCondition{
			Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "EvictionByEvictionAPI",
			Message: "Eviction API: evicting", LastTransitionTime: metav1.NewTime(time.Now().Truncate(time.Second)),
		})
		pod.ResourceVersion = ""
		if err := c.tracker.Update(podsResource, pod, pod.Namespace); err != nil {
			return nil, apierrors.NewInternalError(err)
		}
	}
	if _, err := c.deletePodLocked(pod, opts.GracePeriodSeconds); err != nil {
		return nil, err
	}
	return &metav1.Status{Status: metav1.StatusSuccess, Code: 201}, nil
}

// preconditionFailed is how the API server's storage words a failed
// precondition (k8s.io/apiserver/pkg/storage.NewInvalidObjError callers).
const preconditionFailed = "Precondition failed"

// checkPreconditions is the API server's check of delete preconditions.
func checkPreconditions(pod *corev1.Pod, p *metav1.Preconditions) error {
	if p == nil {
		return nil
	}
	if p.UID != nil && *p.UID != pod.UID {
		return apierrors.NewConflict(podsResource.GroupResource(), pod.Name,
			fmt.Errorf("%s: UID in precondition: %v, UID in object meta: %v", preconditionFailed, *p.UID, pod.UID))
	}
	if p.ResourceVersion != nil && *p.ResourceVersion != pod.ResourceVersion {
		return apierrors.NewConflict(podsResource.GroupResource(), pod.Name,
			fmt.Errorf("%s: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", preconditionFailed, *p.ResourceVersion, pod.ResourceVersion))
	}
	return nil
}
