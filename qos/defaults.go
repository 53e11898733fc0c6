package qos

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprim/kubeprim/internal/poddefaults"
)

// withDefaults returns a copy of pod whose resource fields look as the API
// server stores them after defaulting (poddefaults.Resources). The kubelet
// only ever sees defaulted pods, so the kubelet-side rules here run on this
// copy.
func withDefaults(pod *corev1.Pod) *corev1.Pod {
	out := pod.DeepCopy()
	poddefaults.Resources(out)
	return out
}
