package qos

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// withDefaults returns a copy of pod whose resource fields look as the API
// server stores them after defaulting (pkg/apis/core/v1/defaults.go,
// SetDefaults_Pod, with PodLevelResources on as in 1.36): container and
// init-container limits fill in missing requests; then, when spec.resources
// is set, hugepages limits of containers fill in the pod-level limits, and
// pod-level limits bring pod-level requests from the containers' aggregate
// requests or from the limits themselves; last, every quantity is rounded up
// to a multiple of 1m. Only resource fields change. The
// kubelet only ever sees defaulted pods, so the kubelet-side rules here run
// on this copy.
func withDefaults(pod *corev1.Pod) *corev1.Pod {
	out := pod.DeepCopy()
	for i := range out.Spec.Containers {
		defaultRequestsFromLimits(&out.Spec.Containers[i].Resources)
	}
	for i := range out.Spec.InitContainers {
		defaultRequestsFromLimits(&out.Spec.InitContainers[i].Resources)
	}
	defaultPodLevelHugePagesLimits(out)
	defaultPodLevelRequests(out)
	roundResourceLists(out)
	return out
}

// roundResourceLists rounds every quantity of the pod's resource lists up
// to a multiple of 1m, as the generated defaulters do after SetDefaults_Pod
// (SetDefaults_ResourceList).
func roundResourceLists(pod *corev1.Pod) {
	round := func(list corev1.ResourceList) {
		for name, q := range list {
			q.RoundUp(resource.Milli)
			list[name] = q
		}
	}
	for _, containers := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
		for i := range containers {
			round(containers[i].Resources.Limits)
			round(containers[i].Resources.Requests)
		}
	}
	for i := range pod.Spec.EphemeralContainers {
		round(pod.Spec.EphemeralContainers[i].Resources.Limits)
		round(pod.Spec.EphemeralContainers[i].Resources.Requests)
	}
	round(pod.Spec.Overhead)
	if pod.Spec.Resources != nil {
		round(pod.Spec.Resources.Limits)
		round(pod.Spec.Resources.Requests)
	}
	for _, statuses := range [][]corev1.ContainerStatus{pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses} {
		for i := range statuses {
			round(statuses[i].AllocatedResources)
		}
	}
	round(pod.Status.AllocatedResources)
}

// defaultRequestsFromLimits copies every limit that has no request into the
// requests.
func defaultRequestsFromLimits(res *corev1.ResourceRequirements) {
	if res.Limits == nil {
		return
	}
	if res.Requests == nil {
		res.Requests = make(corev1.ResourceList, len(res.Limits))
	}
	for name, limit := range res.Limits {
		if _, ok := res.Requests[name]; !ok {
			res.Requests[name] = limit.DeepCopy()
		}
	}
}

// defaultPodLevelHugePagesLimits sets a pod-level hugepages limit to the
// containers' aggregate limit when pod-level resources are partly set and
// the pod level names that hugepages size in neither requests nor limits.
func defaultPodLevelHugePagesLimits(pod *corev1.Pod) {
	res := pod.Spec.Resources
	if res == nil || (len(res.Limits) == 0 && len(res.Requests) == 0) {
		return
	}
	limits := res.Limits
	if limits == nil {
		limits = corev1.ResourceList{}
	}
	for name, aggregate := range resourcehelper.AggregateContainerLimits(pod, resourcehelper.PodResourcesOptions{}) {
		if !strings.HasPrefix(string(name), corev1.ResourceHugePagesPrefix) {
			continue
		}
		if _, ok := res.Requests[name]; ok {
			continue
		}
		if _, ok := limits[name]; !ok {
			limits[name] = aggregate.DeepCopy()
		}
	}
	if len(limits) > 0 {
		res.Limits = limits
	}
}

// defaultPodLevelRequests fills missing pod-level requests when pod-level
// limits are set: cpu and memory from the containers' aggregate requests
// when some container names them, then any supported resource from its
// pod-level limit.
func defaultPodLevelRequests(pod *corev1.Pod) {
	res := pod.Spec.Resources
	if res == nil || len(res.Limits) == 0 {
		return
	}
	requests := res.Requests
	if requests == nil {
		requests = corev1.ResourceList{}
	}
	for name, aggregate := range resourcehelper.AggregateContainerRequests(pod, resourcehelper.PodResourcesOptions{}) {
		// Hugepages cannot be overcommitted, so only cpu and memory come
		// from the containers.
		if name != corev1.ResourceCPU && name != corev1.ResourceMemory {
			continue
		}
		if _, ok := requests[name]; !ok {
			requests[name] = aggregate.DeepCopy()
		}
	}
	for name, limit := range res.Limits {
		if _, ok := requests[name]; !ok && resourcehelper.IsSupportedPodLevelResource(name) {
			requests[name] = limit.DeepCopy()
		}
	}
	if len(requests) > 0 {
		res.Requests = requests
	}
}
