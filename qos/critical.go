package qos

import corev1 "k8s.io/api/core/v1"

// Priorities and names of the system priority classes
// (k8s.io/kubernetes pkg/apis/scheduling).
const (
	// SystemCriticalPriority is the lowest priority of a critical pod. The
	// kubelet never evicts a critical pod.
	SystemCriticalPriority int32 = 2_000_000_000
	// SystemClusterCritical names the priority class of cluster-critical
	// pods, priority SystemCriticalPriority.
	SystemClusterCritical = "system-cluster-critical"
	// SystemNodeCritical names the priority class of node-critical pods,
	// priority SystemCriticalPriority+1000. Only these get the Guaranteed
	// OOM score adjustment whatever their QoS class.
	SystemNodeCritical = "system-node-critical"
)

// Annotations by which the kubelet knows pods it did not get from the API
// server (k8s.io/kubernetes pkg/kubelet/types).
const (
	configSourceAnnotation = "kubernetes.io/config.source"
	apiserverSource        = "api"
)

// priority returns the pod's priority as the kubelet reads it: spec.priority,
// or 0 when unset (corev1helpers.PodPriority). A manifest that names a system
// priority class but carries no priority yet gets the value the Priority
// admission plugin would give it, so raw manifests rank as created pods do.
func priority(pod *corev1.Pod) int32 {
	if pod.Spec.Priority != nil {
		return *pod.Spec.Priority
	}
	switch pod.Spec.PriorityClassName {
	case SystemNodeCritical:
		return SystemCriticalPriority + 1000
	case SystemClusterCritical:
		return SystemCriticalPriority
	}
	return 0
}

// isCritical reports whether the kubelet treats pod as critical
// (kubelettypes.IsCriticalPod): a static pod (config source other than the
// API server), a mirror pod, or priority at least SystemCriticalPriority.
func isCritical(pod *corev1.Pod) bool {
	if source, ok := pod.Annotations[configSourceAnnotation]; ok && source != apiserverSource {
		return true
	}
	if _, ok := pod.Annotations[corev1.MirrorPodAnnotationKey]; ok {
		return true
	}
	return priority(pod) >= SystemCriticalPriority
}

// isNodeCritical reports whether pod is critical and in the
// system-node-critical class (kubelettypes.IsNodeCriticalPod).
// system-cluster-critical pods are critical but not node-critical.
func isNodeCritical(pod *corev1.Pod) bool {
	return isCritical(pod) && pod.Spec.PriorityClassName == SystemNodeCritical
}
