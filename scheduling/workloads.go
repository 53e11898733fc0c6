package scheduling

import (
	"errors"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Workloads are the objects whose selectors kube-scheduler's default
// topology spreading reads: for a pod without topologySpreadConstraints, the
// PodTopologySpread score plugin spreads it by hostname (maxSkew 3) and zone
// (maxSkew 5) among the pods selected by the Services that select it and by
// its controlling ReplicationController, ReplicaSet or StatefulSet.
type Workloads struct {
	Services               []*corev1.Service
	ReplicationControllers []*corev1.ReplicationController
	ReplicaSets            []*appsv1.ReplicaSet
	StatefulSets           []*appsv1.StatefulSet
}

// workloadIndex finds the workloads by namespace and name.
type workloadIndex struct {
	services     map[string][]*corev1.Service
	controllers  map[string]*corev1.ReplicationController
	replicaSets  map[string]*appsv1.ReplicaSet
	statefulSets map[string]*appsv1.StatefulSet
}

// SetWorkloads gives the Simulator the Services, ReplicationControllers,
// ReplicaSets and StatefulSets of the cluster, which the default topology
// spreading of PodTopologySpread scoring reads. Without them (as with
// workloads that select nothing), a pod without topologySpreadConstraints is
// not spread, as in a scheduler whose informers hold none of these objects.
// It replaces any earlier set; it must not run concurrently with any other
// method.
func (s *Simulator) SetWorkloads(w Workloads) error {
	ix := &workloadIndex{
		services:     map[string][]*corev1.Service{},
		controllers:  map[string]*corev1.ReplicationController{},
		replicaSets:  map[string]*appsv1.ReplicaSet{},
		statefulSets: map[string]*appsv1.StatefulSet{},
	}
	var errs []error
	for i, svc := range w.Services {
		if svc == nil {
			errs = append(errs, fmt.Errorf("service %d: %w", i, ErrNilObject))
			continue
		}
		ix.services[svc.Namespace] = append(ix.services[svc.Namespace], svc)
	}
	for i, rc := range w.ReplicationControllers {
		if rc == nil {
			errs = append(errs, fmt.Errorf("replication controller %d: %w", i, ErrNilObject))
			continue
		}
		ix.controllers[rc.Namespace+"/"+rc.Name] = rc
	}
	for i, rs := range w.ReplicaSets {
		if rs == nil {
			errs = append(errs, fmt.Errorf("replica set %d: %w", i, ErrNilObject))
			continue
		}
		ix.replicaSets[rs.Namespace+"/"+rs.Name] = rs
	}
	for i, ss := range w.StatefulSets {
		if ss == nil {
			errs = append(errs, fmt.Errorf("stateful set %d: %w", i, ErrNilObject))
			continue
		}
		ix.statefulSets[ss.Namespace+"/"+ss.Name] = ss
	}
	if len(errs) > 0 {
		return fmt.Errorf("set workloads: %w", errors.Join(errs...))
	}
	s.workloads = ix
	return nil
}

var (
	rcKind = corev1.SchemeGroupVersion.WithKind("ReplicationController")
	rsKind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")
	ssKind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")
)

// defaultSpreadSelector is the scheduler's helper.DefaultSelector: the
// merged selectors of the Services in the pod's namespace that select it,
// plus the selector of its controlling ReplicationController (merged the
// same way), or the requirements of its controlling ReplicaSet or
// StatefulSet. An empty result means the pod is not spread by default.
func (s *Simulator) defaultSpreadSelector(pod *corev1.Pod) labels.Selector {
	labelSet := labels.Set{}
	ix := s.workloads
	if ix == nil {
		return labelSet.AsSelector()
	}
	for _, svc := range ix.services[pod.Namespace] {
		if svc.Spec.Selector == nil {
			continue
		}
		if labels.Set(svc.Spec.Selector).AsSelectorPreValidated().Matches(labels.Set(pod.Labels)) {
			labelSet = labels.Merge(labelSet, svc.Spec.Selector)
		}
	}
	selector := labelSet.AsSelector()
	owner := metav1.GetControllerOfNoCopy(pod)
	if owner == nil {
		return selector
	}
	gv, err := schema.ParseGroupVersion(owner.APIVersion)
	if err != nil {
		return selector
	}
	key := pod.Namespace + "/" + owner.Name
	var other *metav1.LabelSelector
	switch gv.WithKind(owner.Kind) {
	case rcKind:
		if rc := ix.controllers[key]; rc != nil {
			labelSet = labels.Merge(labelSet, rc.Spec.Selector)
			selector = labelSet.AsSelector()
		}
		return selector
	case rsKind:
		if rs := ix.replicaSets[key]; rs != nil {
			other = rs.Spec.Selector
		}
	case ssKind:
		if ss := ix.statefulSets[key]; ss != nil {
			other = ss.Spec.Selector
		}
	}
	if other != nil {
		if sel, err := metav1.LabelSelectorAsSelector(other); err == nil {
			if reqs, ok := sel.Requirements(); ok {
				selector = selector.Add(reqs...)
			}
		}
	}
	return selector
}
