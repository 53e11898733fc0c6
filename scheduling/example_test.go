package scheduling_test

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/scheduling"
)

func ExamplePodRequests() {
	always := corev1.ContainerRestartPolicyAlways
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{
			// A sidecar keeps running beside everything started after it.
			{Name: "proxy", RestartPolicy: &always, Resources: requests("100m", "64Mi")},
			// A regular init container runs beside the sidecars before it.
			{Name: "migrate", Resources: requests("200m", "256Mi")},
		},
		Containers: []corev1.Container{
			{Name: "app", Resources: requests("100m", "128Mi")},
		},
	}}
	reqs := scheduling.PodRequests(pod)
	fmt.Println("cpu:", reqs.Cpu(), "memory:", reqs.Memory())
	// Output:
	// cpu: 300m memory: 320Mi
}

func ExampleSimulator_Feasible() {
	nodes := []*corev1.Node{
		node("small-1", "1", "2Gi"),
		node("small-2", "1", "2Gi"),
		node("big-1", "8", "32Gi"),
		node("big-2", "8", "32Gi"),
		node("gpu-1", "16", "64Gi"),
	}
	nodes[4].Spec.Taints = []corev1.Taint{{Key: "nvidia.com/gpu", Effect: corev1.TaintEffectNoSchedule}}
	bound := []*corev1.Pod{boundPod("batch", "big-1", "2"), boundPod("etl", "big-2", "7500m")}
	sim, err := scheduling.NewSimulator(nodes, bound)
	if err != nil {
		fmt.Println(err)
		return
	}

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{
			{Name: "web", Resources: requests("2", "4Gi")},
		}},
	}
	fits, diagnosis := sim.Feasible(pod)
	fmt.Println("fits on:", fits)

	pod.Spec.Containers[0].Resources = requests("7", "4Gi")
	fits, diagnosis = sim.Feasible(pod)
	fmt.Println("fits on:", fits)
	fmt.Println(diagnosis.Error())
	fmt.Println(diagnosis.Status("big-2"))
	// Output:
	// fits on: [big-1]
	// fits on: []
	// 0/5 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient memory, 4 Insufficient cpu. no new claims to deallocate, preemption: 0/5 nodes are available: 2 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.
	// NodeResourcesFit: Insufficient cpu (Unschedulable)
}

func boundPod(name, nodeName, cpu string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{
			{Name: "c", Resources: requests(cpu, "1Gi")},
		}},
	}
}

func requests(cpu, memory string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse(memory),
	}}
}

func node(name, cpu, memory string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{corev1.LabelHostname: name}},
		Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse(cpu),
			corev1.ResourceMemory: resource.MustParse(memory),
			corev1.ResourcePods:   resource.MustParse("110"),
		}},
	}
}

func ExampleApplyDefaults() {
	// A raw manifest with limits only: the API server copies them into the
	// requests, which is what the scheduler then charges.
	pod := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{
		Name: "app",
		Resources: corev1.ResourceRequirements{Limits: corev1.ResourceList{
			corev1.ResourceCPU:    resource.MustParse("500m"),
			corev1.ResourceMemory: resource.MustParse("256Mi"),
		}},
	}}}}
	before := scheduling.PodRequests(pod)
	scheduling.ApplyDefaults(pod)
	after := scheduling.PodRequests(pod)
	fmt.Println("before:", len(before), "resources requested")
	fmt.Println("after: cpu", after.Cpu(), "memory", after.Memory())
	// Output:
	// before: 0 resources requested
	// after: cpu 500m memory 256Mi
}

func ExampleSimulator_Filter() {
	cordoned := node("old", "4", "8Gi")
	cordoned.Spec.Unschedulable = true
	sim, err := scheduling.NewSimulator([]*corev1.Node{cordoned, node("new", "4", "8Gi")}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Resources: requests("1", "1Gi")}}},
	}
	for _, name := range []string{"old", "new"} {
		st := sim.Filter(pod, name)
		fmt.Printf("%s: %s\n", name, st)
	}
	// Output:
	// old: NodeUnschedulable: node(s) were unschedulable (UnschedulableAndUnresolvable)
	// new: Success
}
