package fakecluster

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	policyv1 "k8s.io/api/policy/v1"
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
	case k8stesting.CreateActionImpl:
		if a.Subresource == "eviction" {
			if err := c.translateEviction(a); err != nil {
				return true, nil, err
			}
		} else if a.Subresource == "" {
			c.setCreateDefaults(a.Object)
		}
	case k8stesting.UpdateActionImpl:
		if err := c.translateUpdate(gvr, a); err != nil {
			return true, nil, err
		}
	case k8stesting.PatchActionImpl:
		patched, err := c.translatePatch(gvr, a)
		if err != nil {
			return true, nil, err
		}
		action = patched
	case k8stesting.DeleteActionImpl:
		if err := c.translateDelete(gvr, a); err != nil {
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

// The resourceVersions clients see are the cluster's history positions;
// the objects in the tracker carry whatever pdbtest stamped. Each request
// that names a resourceVersion is checked against the history (409 when
// stale, as optimistic concurrency demands) and then given the stored one,
// so that pdbtest's own check agrees.

// storedVersionLocked checks rv against the history and returns the
// resourceVersion the tracker holds for the object.
func (c *Cluster) storedVersionLocked(gvr schema.GroupVersionResource, namespace, name, rv string) (string, error) {
	current, ok := c.lastRV[objectKey{gvr, types.NamespacedName{Namespace: namespace, Name: name}}]
	if !ok {
		return rv, nil
	}
	if strconv.FormatUint(current, 10) != rv {
		return "", apierrors.NewConflict(gvr.GroupResource(), name,
			fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	obj, err := c.tracker.Get(gvr, namespace, name)
	if err != nil {
		return rv, nil
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return rv, nil
	}
	return m.GetResourceVersion(), nil
}

func (c *Cluster) translateUpdate(gvr schema.GroupVersionResource, a k8stesting.UpdateActionImpl) error {
	m, err := meta.Accessor(a.Object)
	if err != nil || m.GetResourceVersion() == "" || !watched(gvr) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	stored, err := c.storedVersionLocked(gvr, a.Namespace, m.GetName(), m.GetResourceVersion())
	if err != nil {
		return err
	}
	m.SetResourceVersion(stored)
	return nil
}

// translatePatch does the same for a JSON merge or strategic merge patch
// that carries metadata.resourceVersion.
func (c *Cluster) translatePatch(gvr schema.GroupVersionResource, a k8stesting.PatchActionImpl) (k8stesting.PatchActionImpl, error) {
	if !watched(gvr) || (a.PatchType != types.MergePatchType && a.PatchType != types.StrategicMergePatchType) {
		return a, nil
	}
	var patch map[string]any
	if err := json.Unmarshal(a.Patch, &patch); err != nil {
		return a, nil
	}
	metadata, _ := patch["metadata"].(map[string]any)
	rv, _ := metadata["resourceVersion"].(string)
	if rv == "" {
		return a, nil
	}
	c.mu.Lock()
	stored, err := c.storedVersionLocked(gvr, a.Namespace, a.Name, rv)
	c.mu.Unlock()
	if err != nil {
		return a, err
	}
	metadata["resourceVersion"] = stored
	data, err := json.Marshal(patch)
	if err != nil {
		return a, apierrors.NewBadRequest(err.Error())
	}
	a.Patch = data
	return a, nil
}

// translateDelete checks a delete's resourceVersion precondition.
func (c *Cluster) translateDelete(gvr schema.GroupVersionResource, a k8stesting.DeleteActionImpl) error {
	return c.translatePreconditions(gvr, a.Namespace, a.Name, a.DeleteOptions.Preconditions)
}

// translateEviction checks an eviction's resourceVersion precondition.
func (c *Cluster) translateEviction(a k8stesting.CreateActionImpl) error {
	eviction, ok := a.Object.(*policyv1.Eviction)
	if !ok || eviction.DeleteOptions == nil {
		return nil
	}
	return c.translatePreconditions(podsResource, a.Namespace, eviction.Name, eviction.DeleteOptions.Preconditions)
}

func (c *Cluster) translatePreconditions(gvr schema.GroupVersionResource, namespace, name string, p *metav1.Preconditions) error {
	if p == nil || p.ResourceVersion == nil || *p.ResourceVersion == "" || !watched(gvr) {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	stored, err := c.storedVersionLocked(gvr, namespace, name, *p.ResourceVersion)
	if err != nil {
		// The API server words a failed delete precondition as a conflict
		// on the object, like a stale update.
		return err
	}
	p.ResourceVersion = &stored
	return nil
}
