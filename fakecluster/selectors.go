package fakecluster

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// supportedFields are the field labels the API server accepts in field
// selectors, per resource (pkg/registry/core/pod/strategy.go
// ToSelectableFields and friends); other resources accept the metadata
// ones.
var supportedFields = map[schema.GroupVersionResource][]string{
	podsResource: {"metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
		"spec.serviceAccountName", "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName"},
	nodesResource: {"metadata.name", "spec.unschedulable"},
}

func checkFieldSelector(gvr schema.GroupVersionResource, selector fields.Selector) error {
	allowed := supportedFields[gvr]
	if allowed == nil {
		allowed = []string{"metadata.name", "metadata.namespace"}
	}
	for _, req := range selector.Requirements() {
		ok := false
		for _, f := range allowed {
			ok = ok || f == req.Field
		}
		if !ok {
			return apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
		}
	}
	return nil
}

// fieldSet returns the object's selectable fields.
func fieldSet(gvr schema.GroupVersionResource, obj runtime.Object) fields.Set {
	set := fields.Set{}
	if m, err := meta.Accessor(obj); err == nil {
		set["metadata.name"] = m.GetName()
		set["metadata.namespace"] = m.GetNamespace()
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		set["spec.nodeName"] = o.Spec.NodeName
		set["spec.restartPolicy"] = string(o.Spec.RestartPolicy)
		set["spec.schedulerName"] = o.Spec.SchedulerName
		set["spec.serviceAccountName"] = o.Spec.ServiceAccountName
		set["spec.hostNetwork"] = strconv.FormatBool(o.Spec.HostNetwork)
		set["status.phase"] = string(o.Status.Phase)
		set["status.podIP"] = o.Status.PodIP
		set["status.nominatedNodeName"] = o.Status.NominatedNodeName
	case *corev1.Node:
		set["spec.unschedulable"] = strconv.FormatBool(o.Spec.Unschedulable)
		delete(set, "metadata.namespace")
	}
	return set
}

// filterList drops the items of a list that the field selector rejects.
func filterList(gvr schema.GroupVersionResource, list runtime.Object, selector fields.Selector) error {
	if selector == nil || selector.Empty() {
		return nil
	}
	items, err := meta.ExtractList(list)
	if err != nil {
		return err
	}
	kept := items[:0]
	for _, item := range items {
		if selector.Matches(fieldSet(gvr, item)) {
			kept = append(kept, item)
		}
	}
	return meta.SetList(list, kept)
}
