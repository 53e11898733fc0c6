package qos_test

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprim/kubeprim/qos"
)

// These declarations fail to compile when a name DESIGN.md promises
// ("Contract: names that exist") is renamed or changes its signature.
var (
	_ func(*corev1.Pod) corev1.PodQOSClass            = qos.Compute
	_ func(*corev1.Pod) corev1.PodQOSClass            = qos.Class
	_ func(*corev1.Pod, *corev1.Container, int64) int = qos.OOMScoreAdjust
)
