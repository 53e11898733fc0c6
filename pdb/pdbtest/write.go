package pdbtest

import (
	"encoding/json"
	"errors"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/uuid"
	k8stesting "k8s.io/client-go/testing"
)

// errModified is the API server's reason for a stale resourceVersion.
var errModified = errors.New("the object has been modified; please apply your changes to the latest version and try again")

// write serves create, update and patch of pods and budgets: the fake's
// tracker stores the object, the Server adds what the API server adds.
func (s *Server) write(action k8stesting.Action) (runtime.Object, error) {
	resource, namespace := action.GetResource(), action.GetNamespace()
	switch action := action.(type) {
	case k8stesting.CreateActionImpl:
		obj := action.GetObject()
		if err := s.prepareCreate(obj); err != nil {
			return nil, err
		}
		if err := s.tracker.Create(resource, obj, namespace, action.CreateOptions); err != nil {
			return nil, err
		}
		name, _ := meta.NewAccessor().Name(obj)
		return s.tracker.Get(resource, namespace, name)

	case k8stesting.UpdateActionImpl:
		obj := action.GetObject()
		accessor, err := meta.Accessor(obj)
		if err != nil {
			return nil, err
		}
		old, err := s.tracker.Get(resource, namespace, accessor.GetName())
		if err != nil {
			return nil, err
		}
		if err := checkResourceVersion(resource.GroupResource(), old, accessor.GetResourceVersion()); err != nil {
			return nil, err
		}
		updated, err := s.prepareUpdate(old, obj, action.GetSubresource())
		if err != nil {
			return nil, err
		}
		if err := s.tracker.Update(resource, updated, namespace, action.UpdateOptions); err != nil {
			return nil, err
		}
		return s.tracker.Get(resource, namespace, accessor.GetName())

	case k8stesting.PatchActionImpl:
		old, err := s.tracker.Get(resource, namespace, action.GetName())
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, err
		}
		if old != nil {
			if err := checkResourceVersion(resource.GroupResource(), old, patchResourceVersion(action)); err != nil {
				return nil, err
			}
		}
		if _, _, err := k8stesting.ObjectReaction(s.tracker)(action); err != nil {
			return nil, err
		}
		patched, err := s.tracker.Get(resource, namespace, action.GetName())
		if err != nil {
			return nil, err
		}
		var fixed runtime.Object
		if old == nil { // server-side apply created it
			fixed = patched
			err = s.prepareCreate(fixed)
		} else {
			fixed, err = s.prepareUpdate(old, patched, action.GetSubresource())
		}
		if err != nil {
			return nil, err
		}
		if err := s.tracker.Update(resource, fixed, namespace); err != nil {
			return nil, err
		}
		return s.tracker.Get(resource, namespace, action.GetName())
	}
	return nil, apierrors.NewMethodNotSupported(resource.GroupResource(), action.GetVerb())
}

// prepareCreate is what the API server sets on a new object.
func (s *Server) prepareCreate(obj runtime.Object) error {
	accessor, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	if accessor.GetUID() == "" {
		accessor.SetUID(uuid.NewUUID())
	}
	accessor.SetResourceVersion(s.nextResourceVersion())
	if created := accessor.GetCreationTimestamp(); created.IsZero() {
		accessor.SetCreationTimestamp(metav1.NewTime(s.stamp()))
	}
	if budget, ok := obj.(*policyv1.PodDisruptionBudget); ok {
		budget.Generation = 1
		budget.Status = policyv1.PodDisruptionBudgetStatus{}
	}
	return nil
}

// prepareUpdate is what the API server keeps of the old object in an
// update: identity, deletion state, and for budgets the status (main
// resource) or everything but the status (status subresource).
func (s *Server) prepareUpdate(old, obj runtime.Object, subresource string) (runtime.Object, error) {
	switch old := old.(type) {
	case *policyv1.PodDisruptionBudget:
		budget, ok := obj.(*policyv1.PodDisruptionBudget)
		if !ok {
			return nil, apierrors.NewBadRequest("not a PodDisruptionBudget")
		}
		if subresource == "status" {
			updated := old.DeepCopy()
			updated.Status = budget.Status
			budget = updated
		} else {
			budget.Status = old.Status
			budget.Generation = old.Generation
			if !apiequality.Semantic.DeepEqual(old.Spec, budget.Spec) {
				budget.Generation++
			}
		}
		keepIdentity(&budget.ObjectMeta, &old.ObjectMeta)
		budget.ResourceVersion = s.nextResourceVersion()
		return budget, nil
	case *corev1.Pod:
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			return nil, apierrors.NewBadRequest("not a Pod")
		}
		keepIdentity(&pod.ObjectMeta, &old.ObjectMeta)
		pod.ResourceVersion = s.nextResourceVersion()
		return pod, nil
	}
	return obj, nil
}

func keepIdentity(updated, old *metav1.ObjectMeta) {
	updated.UID = old.UID
	updated.CreationTimestamp = old.CreationTimestamp
	updated.DeletionTimestamp = old.DeletionTimestamp
	updated.DeletionGracePeriodSeconds = old.DeletionGracePeriodSeconds
}

// checkResourceVersion answers 409 when a write names a resourceVersion
// that is no longer the stored one.
func checkResourceVersion(resource schema.GroupResource, old runtime.Object, requested string) error {
	if requested == "" {
		return nil
	}
	accessor, err := meta.Accessor(old)
	if err != nil {
		return err
	}
	if accessor.GetResourceVersion() != requested {
		return apierrors.NewConflict(resource, accessor.GetName(), errModified)
	}
	return nil
}

// patchResourceVersion is the resourceVersion a JSON merge, strategic merge
// or apply patch carries as a precondition.
func patchResourceVersion(action k8stesting.PatchActionImpl) string {
	if action.GetPatchType() == types.JSONPatchType {
		return ""
	}
	var body struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(action.GetPatch(), &body); err != nil {
		return "" // a YAML apply patch; the tracker reports what it cannot parse
	}
	return body.Metadata.ResourceVersion
}
