package fakecluster

import (
	"fmt"
	"sort"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
)

var (
	podsResource        = schema.GroupVersionResource{Version: "v1", Resource: "pods"}
	nodesResource       = schema.GroupVersionResource{Version: "v1", Resource: "nodes"}
	namespacesResource  = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	rcsResource         = schema.GroupVersionResource{Version: "v1", Resource: "replicationcontrollers"}
	budgetsResource     = schema.GroupVersionResource{Group: "policy", Version: "v1", Resource: "poddisruptionbudgets"}
	replicaSetsResource = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "replicasets"}
	deploymentsResource = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "deployments"}
	statefulSetResource = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"}
	daemonSetsResource  = schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "daemonsets"}
	jobsResource        = schema.GroupVersionResource{Group: "batch", Version: "v1", Resource: "jobs"}
)

// watchedResources are the resources whose history the cluster keeps, for
// exact watches and for its controllers. Budgets come first so that, within
// one request, a budget's status change is logged before the pod deletion
// it precedes on a real API server (an eviction writes the budget first).
var watchedResources = []schema.GroupVersionResource{
	budgetsResource, podsResource, nodesResource, namespacesResource, rcsResource,
	replicaSetsResource, deploymentsResource, statefulSetResource, daemonSetsResource, jobsResource,
	attachmentsResource,
}

var kinds = map[schema.GroupVersionResource]string{
	podsResource: "Pod", nodesResource: "Node", namespacesResource: "Namespace", rcsResource: "ReplicationController",
	budgetsResource: "PodDisruptionBudget", replicaSetsResource: "ReplicaSet", deploymentsResource: "Deployment",
	statefulSetResource: "StatefulSet", daemonSetsResource: "DaemonSet", jobsResource: "Job",
	attachmentsResource: "VolumeAttachment",
}

func watched(gvr schema.GroupVersionResource) bool {
	_, ok := kinds[gvr]
	return ok
}

// event is one change in the cluster's history, with the resourceVersion
// the cluster gave it.
type event struct {
	rv  uint64
	typ watch.EventType
	gvr schema.GroupVersionResource
	obj runtime.Object
	// old is the object before the change; nil when it was created.
	old runtime.Object
}

func nameOf(obj runtime.Object) types.NamespacedName {
	m, err := meta.Accessor(obj)
	if err != nil {
		return types.NamespacedName{}
	}
	return types.NamespacedName{Namespace: m.GetNamespace(), Name: m.GetName()}
}

// loadInitialLocked records the objects given to New as created.
func (c *Cluster) loadInitialLocked() error {
	for _, gvr := range watchedResources {
		list, err := c.tracker.List(gvr, gvr.GroupVersion().WithKind(kinds[gvr]), "")
		if err != nil {
			return fmt.Errorf("fakecluster: list %s: %w", gvr.Resource, err)
		}
		items, err := meta.ExtractList(list)
		if err != nil {
			return fmt.Errorf("fakecluster: list %s: %w", gvr.Resource, err)
		}
		sort.Slice(items, func(i, j int) bool {
			a, b := nameOf(items[i]), nameOf(items[j])
			return a.String() < b.String()
		})
		for _, item := range items {
			c.reactLocked(c.recordLocked(gvr, watch.Added, item))
		}
	}
	return nil
}

// recordLocked appends a change to the history and updates the store.
func (c *Cluster) recordLocked(gvr schema.GroupVersionResource, typ watch.EventType, obj runtime.Object) event {
	c.rv++
	obj = obj.DeepCopyObject()
	if m, err := meta.Accessor(obj); err == nil {
		m.SetResourceVersion(strconv.FormatUint(c.rv, 10))
	}
	name := nameOf(obj)
	objects := c.store[gvr]
	if objects == nil {
		objects = map[types.NamespacedName]runtime.Object{}
		c.store[gvr] = objects
	}
	ev := event{rv: c.rv, typ: typ, gvr: gvr, obj: obj, old: objects[name]}
	if typ == watch.Deleted {
		delete(objects, name)
		delete(c.lastRV, objectKey{gvr, name})
	} else {
		objects[name] = obj
		c.lastRV[objectKey{gvr, name}] = c.rv
	}
	c.log = append(c.log, ev)
	c.trackLocked(typ, obj)
	return ev
}

// absorbLocked moves every change the tracker has made into the history
// and lets the controllers react, until nothing changes any more; then it
// wakes the watches.
func (c *Cluster) absorbLocked() {
	changed := false
	for {
		var events []event
		for _, gvr := range watchedResources {
			feed := c.feeds[gvr]
		drain:
			for {
				select {
				case ev, ok := <-feed.ResultChan():
					if !ok {
						break drain
					}
					events = append(events, c.recordLocked(gvr, ev.Type, ev.Object))
				default:
					break drain
				}
			}
		}
		if len(events) == 0 {
			if c.closed || !c.syncLocked() {
				break
			}
			continue
		}
		changed = true
		if c.closed {
			continue
		}
		for _, ev := range events {
			c.reactLocked(ev)
		}
	}
	if changed {
		c.wakeLocked()
	}
	c.changed.Broadcast()
}

// wakeLocked makes sure the cluster looks again when pdbtest's kubelet or
// disruption controller next has work (a termination ending, a
// disruptedPods entry ageing out): they act only on a request, and a drain
// that waits on a watch sends none. What is due changes only with the
// objects, so it is asked after changes only.
func (c *Cluster) wakeLocked() {
	if c.closed || c.clock == nil {
		return
	}
	due, ok := c.server.NextChange()
	if !ok || c.wakeups[due] {
		return
	}
	c.wakeups[due] = true
	c.after(time.Until(due), func() { delete(c.wakeups, due) })
}

// stampLocked sets the resourceVersion of objects returned to a client to
// the one the history gave them.
func (c *Cluster) stampLocked(gvr schema.GroupVersionResource, obj runtime.Object) {
	if obj == nil || !watched(gvr) {
		return
	}
	if meta.IsListType(obj) {
		if lm, err := meta.ListAccessor(obj); err == nil {
			lm.SetResourceVersion(strconv.FormatUint(c.rv, 10))
		}
		_ = meta.EachListItem(obj, func(item runtime.Object) error {
			c.stampLocked(gvr, item)
			return nil
		})
		return
	}
	m, err := meta.Accessor(obj)
	if err != nil {
		return
	}
	if rv, ok := c.lastRV[objectKey{gvr, types.NamespacedName{Namespace: m.GetNamespace(), Name: m.GetName()}}]; ok {
		m.SetResourceVersion(strconv.FormatUint(rv, 10))
	}
}

// objectsLocked returns the stored objects of a resource in a namespace
// ("" for all), sorted by namespace and name.
func (c *Cluster) objectsLocked(gvr schema.GroupVersionResource, namespace string) []runtime.Object {
	var out []runtime.Object
	for name, obj := range c.store[gvr] {
		if namespace == "" || name.Namespace == namespace {
			out = append(out, obj)
		}
	}
	sort.Slice(out, func(i, j int) bool { return nameOf(out[i]).String() < nameOf(out[j]).String() })
	return out
}

func (c *Cluster) getLocked(gvr schema.GroupVersionResource, namespace, name string) (runtime.Object, bool) {
	obj, ok := c.store[gvr][types.NamespacedName{Namespace: namespace, Name: name}]
	return obj, ok
}

// syncLocked lets pdbtest's kubelet and disruption controller catch up
// with what the cluster's controllers wrote, and reports whether they
// changed anything.
func (c *Cluster) syncLocked() bool {
	_ = c.server.Sync() // a budget it fails closed on still gets its status
	return c.pendingLocked()
}

// pendingLocked says whether a feed holds undelivered events.
func (c *Cluster) pendingLocked() bool {
	for _, feed := range c.feeds {
		if len(feed.ResultChan()) > 0 {
			return true
		}
	}
	return false
}
