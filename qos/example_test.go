package qos_test

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/qos"
)

// resources builds a ResourceList from cpu and memory quantities; "" leaves
// one out.
func resources(cpu, memory string) corev1.ResourceList {
	list := corev1.ResourceList{}
	if cpu != "" {
		list[corev1.ResourceCPU] = resource.MustParse(cpu)
	}
	if memory != "" {
		list[corev1.ResourceMemory] = resource.MustParse(memory)
	}
	return list
}

// The README's snippet: a manifest's pod, classified and scored as the
// cluster will once it is created.
func Example() {
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app",
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("500m"),
			corev1.ResourceMemory: resource.MustParse("256Mi"),
		}},
	}}}}
	fmt.Println(qos.Compute(pod))                                         // limits become requests
	fmt.Println(qos.OOMScoreAdjust(pod, &pod.Spec.Containers[0], 16<<30)) // on a 16Gi node
	// Output:
	// Guaranteed
	// -997
}

func ExampleCompute() {
	// A manifest with limits and no requests: the API server copies the
	// limits into the requests, so the pod is Guaranteed.
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name:      "app",
		Resources: corev1.ResourceRequirements{Limits: resources("500m", "256Mi")},
	}}}}
	fmt.Println(qos.Compute(pod))

	// Requests below the limits make it Burstable.
	pod.Spec.Containers[0].Resources.Requests = resources("250m", "")
	fmt.Println(qos.Compute(pod))
	// Output:
	// Guaranteed
	// Burstable
}

func ExampleClass() {
	// The API server fixes status.qosClass when it creates the pod; Class
	// reads it first, as the kubelet does, and computes only when it is
	// missing.
	pod := &corev1.Pod{
		Spec:   corev1.PodSpec{Containers: []corev1.Container{{Name: "app"}}},
		Status: corev1.PodStatus{QOSClass: corev1.PodQOSBurstable},
	}
	fmt.Println(qos.Class(pod), qos.Compute(pod))
	// Output: Burstable BestEffort
}

func ExampleOOMScoreAdjust() {
	always := corev1.ContainerRestartPolicyAlways
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{{
			Name:          "log-shipper", // a sidecar
			RestartPolicy: &always,
			Resources:     corev1.ResourceRequirements{Requests: resources("50m", "128Mi")},
		}},
		Containers: []corev1.Container{{
			Name:      "app",
			Resources: corev1.ResourceRequirements{Requests: resources("500m", "1Gi"), Limits: resources("", "2Gi")},
		}},
	}}
	const nodeMemory = 16 << 30 // the node's status.capacity.memory

	// Burstable: 1000 - 1000 * request / capacity. The sidecar would get
	// 993 on its own request, but never more than the app it serves.
	fmt.Println("app", qos.OOMScoreAdjust(pod, &pod.Spec.Containers[0], nodeMemory))
	fmt.Println("log-shipper", qos.OOMScoreAdjust(pod, &pod.Spec.InitContainers[0], nodeMemory))
	// Output:
	// app 938
	// log-shipper 938
}

func ExampleEvictionOrder() {
	pod := func(name string, priority int32, memoryRequest string) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: corev1.PodSpec{
				Priority:   &priority,
				Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{Requests: resources("", memoryRequest)}}},
			},
		}
	}
	using := func(p *corev1.Pod, workingSet string) qos.PodUsage {
		q := resource.MustParse(workingSet)
		return qos.PodUsage{Pod: p, WorkingSet: &q}
	}
	ranked := qos.EvictionOrder([]qos.PodUsage{
		using(pod("web", 0, "1Gi"), "600Mi"),            // below its request
		using(pod("cache", 1000, "256Mi"), "1Gi"),       // above, but higher priority
		using(pod("batch", 0, ""), "50Mi"),              // BestEffort: any use is above
		using(pod("dns", 2_000_000_000, "70Mi"), "2Gi"), // critical: never evicted
	})
	for _, c := range ranked {
		fmt.Printf("%-5s above request: %-5v critical: %v\n", c.Pod.Name, c.ExceedsRequest, c.Critical)
	}
	// Output:
	// batch above request: true  critical: false
	// cache above request: true  critical: false
	// web   above request: false critical: false
	// dns   above request: true  critical: true
}
