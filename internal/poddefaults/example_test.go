package poddefaults_test

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/kubeprim/kubeprim/internal/poddefaults"
)

// A container that sets only limits gets requests equal to them, as the API
// server's defaulting does when it creates the pod.
func ExampleResources() {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app",
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("500m"),
			corev1.ResourceMemory: resource.MustParse("128Mi"),
		}},
	}}}}
	poddefaults.Resources(pod)
	req := pod.Spec.Containers[0].Resources.Requests
	fmt.Println(req.Cpu(), req.Memory())
	// Output: 500m 128Mi
}
