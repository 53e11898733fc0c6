package fakecluster

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	k8stesting "k8s.io/client-go/testing"
)

// installReactors puts the cluster's reactors in front of the chains. The
// front reactor passes each request on to the rest of the chain itself, so
// that whatever the chain changed is absorbed before the answer returns.
func (c *Cluster) installReactors() {
	c.front = &k8stesting.SimpleReactor{Verb: "*", Resource: "*", Reaction: c.react}
	c.ReactionChain = append([]k8stesting.Reactor{c.front}, c.ReactionChain...)
	c.WatchReactionChain = append([]k8stesting.WatchReactor{
		&k8stesting.SimpleWatchReactor{Resource: "*", Reaction: c.reactWatch},
	}, c.WatchReactionChain...)
}

// passOn runs the reactors after the front one, as Invokes would have.
func (c *Cluster) passOn(action k8stesting.Action) (bool, runtime.Object, error) {
	after := false
	for _, r := range c.ReactionChain {
		if !after {
			after = r == k8stesting.Reactor(c.front)
			continue
		}
		if !r.Handles(action) {
			continue
		}
		if handled, obj, err := r.React(action); handled {
			return true, obj, err
		}
	}
	return false, nil, nil
}

func (c *Cluster) react(action k8stesting.Action) (bool, runtime.Object, error) {
	gvr := action.GetResource()
	switch a := action.(type) {
	case k8stesting.DeleteActionImpl:
		if gvr == podsResource && a.Subresource == "" {
			obj, err := c.deletePod(a.Namespace, a.Name, a.DeleteOptions)
			return true, obj, err
		}
	case k8stesting.CreateActionImpl:
		if gvr == podsResource && a.Subresource == "eviction" {
			obj, err := c.evict(a)
			return true, obj, err
		}
		if a.Subresource == "" {
			c.setCreateDefaults(a.Object)
		}
	case k8stesting.UpdateActionImpl:
		if err := c.checkResourceVersion(gvr, a.Namespace, a.Object); err != nil {
			return true, nil, err
		}
	case k8stesting.PatchActionImpl:
		if err := c.checkPatchResourceVersion(gvr, a); err != nil {
			return true, nil, err
		}
	case k8stesting.ListActionImpl:
		if err := checkFieldSelector(gvr, a.GetListRestrictions().Fields); err != nil {
			return true, nil, err
		}
	}

	handled, obj, err := c.passOn(action)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.absorbLocked()
	if err == nil && obj != nil {
		if list, ok := action.(k8stesting.ListActionImpl); ok && meta.IsListType(obj) {
			if ferr := filterList(gvr, obj, list.GetListRestrictions().Fields); ferr != nil {
				return true, nil, ferr
			}
		}
		c.stampLocked(gvr, obj)
	}
	if !handled {
		return true, nil, fmt.Errorf("fakecluster: no reaction for %s %s", action.GetVerb(), gvr.Resource)
	}
	return true, obj, err
}

// setCreateDefaults fills what the API server fills on create: a UID, the
// creation time, and a name from generateName.
func (c *Cluster) setCreateDefaults(obj runtime.Object) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(m.GetGenerateName() + c.suffixLocked())
	}
	if m.GetUID() == "" {
		m.SetUID(c.uidLocked())
	}
	if created := m.GetCreationTimestamp(); created.IsZero() {
		m.SetCreationTimestamp(metav1.NewTime(time.Now().Truncate(time.Second)))
	}
}

// checkResourceVersion refuses an update whose resourceVersion is set and
// is not the object's current one, as the API server does.
func (c *Cluster) checkResourceVersion(gvr schema.GroupVersionResource, namespace string, obj runtime.Object) error {
	m, err := meta.Accessor(obj)
	if err != nil || m.GetResourceVersion() == "" || !watched(gvr) {
		return nil
	}
	return c.conflictIfStale(gvr, namespace, m.GetName(), m.GetResourceVersion())
}

// checkPatchResourceVersion does the same for a JSON merge or strategic
// merge patch that carries metadata.resourceVersion.
func (c *Cluster) checkPatchResourceVersion(gvr schema.GroupVersionResource, a k8stesting.PatchActionImpl) error {
	if !watched(gvr) || (a.PatchType != types.MergePatchType && a.PatchType != types.StrategicMergePatchType) {
		return nil
	}
	var patch struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(a.Patch, &patch); err != nil || patch.Metadata.ResourceVersion == "" {
		return nil
	}
	return c.conflictIfStale(gvr, a.Namespace, a.Name, patch.Metadata.ResourceVersion)
}

func (c *Cluster) conflictIfStale(gvr schema.GroupVersionResource, namespace, name, rv string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	current, ok := c.lastRV[objectKey{gvr, types.NamespacedName{Namespace: namespace, Name: name}}]
	if ok && strconv.FormatUint(current, 10) != rv {
		return apierrors.NewConflict(gvr.GroupResource(), name,
			fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	return nil
}

// deletePod deletes a pod as the API server and kubelet do together: with
// preconditions checked; gracefully, when the pod is bound, running and the
// grace period is positive (deletionTimestamp set, the pod removed after
// Options.TerminationDelay, at most the grace period); at once otherwise.
func (c *Cluster) deletePod(namespace, name string, opts metav1.DeleteOptions) (runtime.Object, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	defer c.absorbLocked()
	obj, ok := c.getLocked(podsResource, namespace, name)
	if !ok {
		return nil, apierrors.NewNotFound(podsResource.GroupResource(), name)
	}
	pod := obj.(*corev1.Pod).DeepCopy()
	if err := checkPreconditions(pod, opts.Preconditions); err != nil {
		return nil, err
	}
	return c.deletePodLocked(pod, opts.GracePeriodSeconds)
}

// deletePodLocked deletes a pod that exists, with the API server's grace
// period rules (pkg/registry/core/pod/strategy.go CheckGracefulDelete).
func (c *Cluster) deletePodLocked(pod *corev1.Pod, requested *int64) (runtime.Object, error) {
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	if requested != nil {
		grace = *requested
	}
	if grace < 0 {
		grace = 1
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		grace = 0
	}
	if pod.DeletionGracePeriodSeconds != nil && *pod.DeletionGracePeriodSeconds < grace {
		// A second deletion may shorten the grace period, never lengthen it.
		grace = *pod.DeletionGracePeriodSeconds
	}
	unreachable := !c.nodeReadyLocked(pod.Spec.NodeName)
	if grace == 0 {
		if err := c.tracker.Delete(podsResource, pod.Namespace, pod.Name); err != nil {
			return nil, err
		}
		return pod, nil
	}
	if c.opts.TerminationDelay == 0 && !unreachable {
		// Even an instant termination passes through the terminating state,
		// which the controllers see first, as they would on a cluster: the
		// disruption controller drops the pod from disruptedPods before a
		// same-named replacement can appear.
		terminating := pod.DeepCopy()
		at := metav1.NewTime(time.Now().Truncate(time.Second))
		terminating.DeletionTimestamp = &at
		terminating.DeletionGracePeriodSeconds = &grace
		if err := c.tracker.Update(podsResource, terminating, pod.Namespace); err != nil {
			return nil, err
		}
		c.absorbLocked()
		if err := c.tracker.Delete(podsResource, pod.Namespace, pod.Name); err != nil {
			return nil, err
		}
		return terminating, nil
	}
	if pod.DeletionTimestamp == nil || *pod.DeletionGracePeriodSeconds > grace {
		pod = pod.DeepCopy()
		at := metav1.NewTime(time.Now().Add(time.Duration(grace) * time.Second).Truncate(time.Second))
		pod.DeletionTimestamp = &at
		pod.DeletionGracePeriodSeconds = &grace
		if err := c.tracker.Update(podsResource, pod, pod.Namespace); err != nil {
			return nil, err
		}
		// A kubelet that does not answer never confirms the termination:
		// the pod stays terminating, as on a partitioned node.
		if !unreachable {
			c.terminateLater(pod, min(c.opts.TerminationDelay, time.Duration(grace)*time.Second))
		}
	}
	return pod, nil
}

// nodeReadyLocked says whether the node exists and reports Ready.
func (c *Cluster) nodeReadyLocked(name string) bool {
	obj, ok := c.getLocked(nodesResource, "", name)
	if !ok {
		return false
	}
	for _, cond := range obj.(*corev1.Node).Status.Conditions {
		if cond.Type == corev1.NodeReady {
			return cond.Status == corev1.ConditionTrue
		}
	}
	return false
}

// terminateLater removes the pod after d, if it is still the same pod.
func (c *Cluster) terminateLater(pod *corev1.Pod, d time.Duration) {
	namespace, name, uid := pod.Namespace, pod.Name, pod.UID
	c.after(d, func() {
		obj, ok := c.getLocked(podsResource, namespace, name)
		if !ok || obj.(*corev1.Pod).UID != uid {
			return
		}
		_ = c.tracker.Delete(podsResource, namespace, name)
	})
}
