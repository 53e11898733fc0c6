package qos

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
)

// This file holds a slow, literal model of what kube-apiserver 1.36 does to
// a new pod before it sets status.qosClass: SetDefaults_Pod's resource
// defaulting (pkg/apis/core/v1/defaults.go) and then ComputePodQOS
// (pkg/apis/core/helper/qos/qos.go), both with maps as upstream writes them.
// Compute is written differently (no maps, no copies); the tests hold them
// to the same answers.

// apiDefaulted returns a copy of pod with the API server's resource
// defaults applied.
func apiDefaulted(pod *corev1.Pod) *corev1.Pod {
	out := pod.DeepCopy()
	all := [][]corev1.Container{out.Spec.Containers, out.Spec.InitContainers}
	for _, containers := range all {
		for i := range containers {
			r := &containers[i].Resources
			if r.Limits == nil {
				continue
			}
			if r.Requests == nil {
				r.Requests = corev1.ResourceList{}
			}
			for name, q := range r.Limits {
				if _, set := r.Requests[name]; !set {
					r.Requests[name] = q.DeepCopy()
				}
			}
		}
	}
	defer roundAllToMilli(out)
	pr := out.Spec.Resources
	if pr == nil {
		return out
	}
	// Hugepages limits come up from the containers first.
	if len(pr.Limits) > 0 || len(pr.Requests) > 0 {
		limits := pr.Limits
		if limits == nil {
			limits = corev1.ResourceList{}
		}
		for name, q := range resourcehelper.AggregateContainerLimits(out, resourcehelper.PodResourcesOptions{}) {
			_, requested := pr.Requests[name]
			_, limited := limits[name]
			if strings.HasPrefix(string(name), "hugepages-") && !requested && !limited {
				limits[name] = q.DeepCopy()
			}
		}
		if len(limits) > 0 {
			pr.Limits = limits
		}
	}
	// Then pod-level requests, only when pod-level limits exist.
	if len(pr.Limits) == 0 {
		return out
	}
	requests := pr.Requests
	if requests == nil {
		requests = corev1.ResourceList{}
	}
	for name, q := range resourcehelper.AggregateContainerRequests(out, resourcehelper.PodResourcesOptions{}) {
		_, set := requests[name]
		if !set && (name == corev1.ResourceCPU || name == corev1.ResourceMemory) {
			requests[name] = q.DeepCopy()
		}
	}
	for name, q := range pr.Limits {
		_, set := requests[name]
		if !set && resourcehelper.IsSupportedPodLevelResource(name) {
			requests[name] = q.DeepCopy()
		}
	}
	if len(requests) > 0 {
		pr.Requests = requests
	}
	return out
}

// roundAllToMilli is the generated defaulters' SetDefaults_ResourceList
// over the lists the QoS rules read, which runs after SetDefaults_Pod.
func roundAllToMilli(pod *corev1.Pod) {
	lists := []corev1.ResourceList{}
	for _, c := range append(append([]corev1.Container{}, pod.Spec.Containers...), pod.Spec.InitContainers...) {
		lists = append(lists, c.Resources.Requests, c.Resources.Limits)
	}
	if pod.Spec.Resources != nil {
		lists = append(lists, pod.Spec.Resources.Requests, pod.Spec.Resources.Limits)
	}
	for _, list := range lists {
		for name, q := range list {
			rounded := q.DeepCopy()
			rounded.RoundUp(-3)
			list[name] = rounded
		}
	}
}

// oracleQOS classifies an already defaulted pod with maps, the way
// ComputePodQOS does.
func oracleQOS(pod *corev1.Pod) corev1.PodQOSClass {
	requests := corev1.ResourceList{}
	limits := corev1.ResourceList{}
	guaranteed := true
	addPositive := func(into, from corev1.ResourceList) map[corev1.ResourceName]bool {
		seen := map[corev1.ResourceName]bool{}
		for name, q := range from {
			if name != corev1.ResourceCPU && name != corev1.ResourceMemory {
				continue
			}
			if q.Sign() <= 0 {
				continue
			}
			seen[name] = true
			sum := q.DeepCopy()
			if prev, ok := into[name]; ok {
				sum.Add(prev)
			}
			into[name] = sum
		}
		return seen
	}
	if pod.Spec.Resources != nil {
		addPositive(requests, pod.Spec.Resources.Requests)
		if len(pod.Spec.Resources.Limits) > 0 {
			seen := addPositive(limits, pod.Spec.Resources.Limits)
			if !seen[corev1.ResourceCPU] || !seen[corev1.ResourceMemory] {
				guaranteed = false
			}
		}
	} else {
		for _, c := range append(append([]corev1.Container{}, pod.Spec.Containers...), pod.Spec.InitContainers...) {
			addPositive(requests, c.Resources.Requests)
			seen := addPositive(limits, c.Resources.Limits)
			if !seen[corev1.ResourceCPU] || !seen[corev1.ResourceMemory] {
				guaranteed = false
			}
		}
	}
	if len(requests) == 0 && len(limits) == 0 {
		return corev1.PodQOSBestEffort
	}
	if guaranteed {
		for name, req := range requests {
			lim, ok := limits[name]
			if !ok || lim.Cmp(req) != 0 {
				guaranteed = false
			}
		}
	}
	if guaranteed && len(requests) == len(limits) {
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

// oracleCompute is what the API server stores for a new pod.
func oracleCompute(pod *corev1.Pod) corev1.PodQOSClass {
	return oracleQOS(apiDefaulted(pod))
}
