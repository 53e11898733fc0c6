package poddefaults

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
)

func list(pairs ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		out[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return out
}

func TestResources(t *testing.T) {
	tests := []struct {
		name string
		in   corev1.PodSpec
		want corev1.PodSpec
	}{
		{
			name: "limits fill missing requests of containers and init containers",
			in: corev1.PodSpec{
				InitContainers: []corev1.Container{{Resources: corev1.ResourceRequirements{Limits: list("cpu", "1")}}},
				Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
					Limits: list("cpu", "2", "memory", "1Gi"), Requests: list("cpu", "1"),
				}}},
			},
			want: corev1.PodSpec{
				InitContainers: []corev1.Container{{Resources: corev1.ResourceRequirements{Limits: list("cpu", "1"), Requests: list("cpu", "1")}}},
				Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
					Limits: list("cpu", "2", "memory", "1Gi"), Requests: list("cpu", "1", "memory", "1Gi"),
				}}},
			},
		},
		{
			name: "sub-milli quantities are rounded up to 1m",
			in:   corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: list("cpu", "1500u")}}}},
			want: corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: list("cpu", "2m")}}}},
		},
		{
			name: "pod-level limits bring cpu and memory requests from the containers, the rest from the limits",
			in: corev1.PodSpec{
				Resources:  &corev1.ResourceRequirements{Limits: list("cpu", "4", "memory", "4Gi")},
				Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: list("cpu", "1")}}},
			},
			want: corev1.PodSpec{
				Resources:  &corev1.ResourceRequirements{Limits: list("cpu", "4", "memory", "4Gi"), Requests: list("cpu", "1", "memory", "4Gi")},
				Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: list("cpu", "1")}}},
			},
		},
		{
			name: "container hugepages limits become pod-level limits and requests",
			in: corev1.PodSpec{
				Resources: &corev1.ResourceRequirements{Limits: list("memory", "1Gi")},
				Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
					Limits: list("hugepages-2Mi", "4Mi"),
				}}},
			},
			want: corev1.PodSpec{
				Resources: &corev1.ResourceRequirements{
					Limits:   list("memory", "1Gi", "hugepages-2Mi", "4Mi"),
					Requests: list("memory", "1Gi", "hugepages-2Mi", "4Mi"),
				},
				Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{
					Limits: list("hugepages-2Mi", "4Mi"), Requests: list("hugepages-2Mi", "4Mi"),
				}}},
			},
		},
		{
			name: "pod-level requests alone are left as they are",
			in:   corev1.PodSpec{Resources: &corev1.ResourceRequirements{Requests: list("cpu", "1")}, Containers: []corev1.Container{{}}},
			want: corev1.PodSpec{Resources: &corev1.ResourceRequirements{Requests: list("cpu", "1")}, Containers: []corev1.Container{{}}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: *tc.in.DeepCopy()}
			Resources(pod)
			assert.True(t, equality.Semantic.DeepEqual(tc.want, pod.Spec), "Resources() = %+v, want %+v", pod.Spec, tc.want)
			again := pod.DeepCopy()
			Resources(again)
			assert.True(t, equality.Semantic.DeepEqual(pod, again), "Resources applied twice differs from once")
		})
	}
	Resources(nil) // a nil pod is left alone, not a panic
}
