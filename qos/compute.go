package qos

import (
	corev1 "k8s.io/api/core/v1"
)

// Compute returns the QoS class the API server writes into status.qosClass
// when it creates pod, ignoring any class already in the status.
//
// The rules are those of Kubernetes 1.36 (pkg/apis/core/helper/qos), applied
// to the pod as the API server sees it after defaulting, so a manifest that
// has not been through the API server gets the same class as its stored
// copy: a container limit without a request counts as a request of the same
// amount, missing pod-level requests are filled in from the containers or
// the pod-level limits, and every quantity is rounded up to a multiple of 1m.
//
//   - Only cpu and memory count, and only positive quantities.
//   - When spec.resources is set (pod-level resources, on by default since
//     1.34) it alone decides and the containers are ignored, even when it is
//     empty.
//   - Otherwise regular containers, init containers and sidecars all count;
//     ephemeral containers do not.
//   - BestEffort: no cpu or memory request or limit anywhere.
//   - Guaranteed: every container (or the pod level) has cpu and memory
//     limits, and the summed requests equal the summed limits.
//   - Burstable: everything else.
//
// Admission plugins that change resources (LimitRanger) run before the
// class is set; Compute does not know the namespace's LimitRanges.
// A nil pod is BestEffort. Compute does not allocate for pods whose
// quantities fit in 64 bits, and does not modify pod.
func Compute(pod *corev1.Pod) corev1.PodQOSClass {
	if pod == nil {
		return corev1.PodQOSBestEffort
	}
	if pod.Spec.Resources != nil {
		return computePodLevel(&pod.Spec)
	}
	return computeContainers(&pod.Spec)
}

// Class returns pod's QoS class as the kubelet and kubectl read it:
// status.qosClass when it is set, which the API server fixes at creation and
// never changes, else Compute. A nil pod is BestEffort.
func Class(pod *corev1.Pod) corev1.PodQOSClass {
	if pod == nil {
		return corev1.PodQOSBestEffort
	}
	if pod.Status.QOSClass != "" {
		return pod.Status.QOSClass
	}
	return Compute(pod)
}
