package poddefaults

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// Resources changes pod, in place, as pkg/apis/core/v1.SetDefaults_Pod
// (PodLevelResources on, as in 1.36) and the generated defaulters change its
// resource fields:
//
//   - container and init-container limits fill in missing requests;
//   - when spec.resources is set, the containers' hugepages limits fill in
//     missing pod-level hugepages limits (unless the pod level requests that
//     size), then pod-level limits bring missing pod-level requests: cpu and
//     memory from the containers' aggregate requests where some container
//     requests them, any supported resource from its pod-level limit;
//   - every quantity is rounded up to a multiple of 1m
//     (SetDefaults_ResourceList).
//
// Nothing else changes. Applying it twice gives the same pod as once.
func Resources(pod *corev1.Pod) {
	if pod == nil {
		return
	}
	for i := range pod.Spec.Containers {
		requestsFromLimits(&pod.Spec.Containers[i].Resources)
	}
	for i := range pod.Spec.InitContainers {
		requestsFromLimits(&pod.Spec.InitContainers[i].Resources)
	}
	podLevelHugePagesLimits(pod)
	podLevelRequests(pod)
	roundUpToMilli(pod)
}

func requestsFromLimits(res *corev1.ResourceRequirements) {
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

// podLevelHugePagesLimits is defaultHugePagePodLimits: only when pod-level
// resources are partly set.
func podLevelHugePagesLimits(pod *corev1.Pod) {
	res := pod.Spec.Resources
	if res == nil || (len(res.Limits) == 0 && len(res.Requests) == 0) {
		return
	}
	limits := res.Limits
	if limits == nil {
		limits = corev1.ResourceList{}
	}
	for name, aggregate := range resourcehelper.AggregateContainerLimits(pod, resourcehelper.PodResourcesOptions{}) {
		if !resourcehelper.IsSupportedPodLevelResource(name) || !isHugePages(name) {
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

// podLevelRequests is defaultPodRequests: it runs only when pod-level limits
// are set. Hugepages cannot be overcommitted, so only cpu and memory come
// from the containers' aggregate.
func podLevelRequests(pod *corev1.Pod) {
	res := pod.Spec.Resources
	if res == nil || len(res.Limits) == 0 {
		return
	}
	requests := res.Requests
	if requests == nil {
		requests = corev1.ResourceList{}
	}
	for name, aggregate := range resourcehelper.AggregateContainerRequests(pod, resourcehelper.PodResourcesOptions{}) {
		if !resourcehelper.IsSupportedPodLevelResource(name) || isHugePages(name) {
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

func isHugePages(name corev1.ResourceName) bool {
	const prefix = corev1.ResourceHugePagesPrefix
	return len(name) >= len(prefix) && string(name[:len(prefix)]) == prefix
}

// roundUpToMilli is what SetDefaults_ResourceList does to every resource
// list of a pod: quantities finer than 1m are rounded up, so a request of
// 1500u cpu is stored as 2m.
func roundUpToMilli(pod *corev1.Pod) {
	round := func(list corev1.ResourceList) {
		for name, q := range list {
			q.RoundUp(resource.Milli)
			list[name] = q
		}
	}
	spec := &pod.Spec
	for _, containers := range [][]corev1.Container{spec.Containers, spec.InitContainers} {
		for i := range containers {
			round(containers[i].Resources.Limits)
			round(containers[i].Resources.Requests)
		}
	}
	for i := range spec.EphemeralContainers {
		round(spec.EphemeralContainers[i].Resources.Limits)
		round(spec.EphemeralContainers[i].Resources.Requests)
	}
	round(spec.Overhead)
	if spec.Resources != nil {
		round(spec.Resources.Limits)
		round(spec.Resources.Requests)
	}
	for _, statuses := range [][]corev1.ContainerStatus{pod.Status.ContainerStatuses, pod.Status.InitContainerStatuses} {
		for i := range statuses {
			round(statuses[i].AllocatedResources)
		}
	}
	round(pod.Status.AllocatedResources)
}
