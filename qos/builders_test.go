package qos

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// list builds a ResourceList from name, quantity pairs: list("cpu", "1").
func list(pairs ...string) corev1.ResourceList {
	if len(pairs)%2 != 0 {
		panic("list needs name, quantity pairs")
	}
	out := corev1.ResourceList{}
	for i := 0; i < len(pairs); i += 2 {
		out[corev1.ResourceName(pairs[i])] = resource.MustParse(pairs[i+1])
	}
	return out
}

// res builds ResourceRequirements; a nil list stays nil.
func res(requests, limits corev1.ResourceList) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{Requests: requests, Limits: limits}
}

type podOption func(*corev1.Pod)

func newPod(name string, opts ...podOption) *corev1.Pod {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
	for _, opt := range opts {
		opt(pod)
	}
	return pod
}

func container(name string, r corev1.ResourceRequirements) podOption {
	return func(p *corev1.Pod) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: name, Image: "app", Resources: r})
	}
}

func initContainer(name string, r corev1.ResourceRequirements) podOption {
	return func(p *corev1.Pod) {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: name, Image: "init", Resources: r})
	}
}

func sidecarContainer(name string, r corev1.ResourceRequirements) podOption {
	always := corev1.ContainerRestartPolicyAlways
	return func(p *corev1.Pod) {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: name, Image: "proxy", Resources: r, RestartPolicy: &always})
	}
}

func ephemeralContainer(name string) podOption {
	return func(p *corev1.Pod) {
		p.Spec.EphemeralContainers = append(p.Spec.EphemeralContainers, corev1.EphemeralContainer{
			EphemeralContainerCommon: corev1.EphemeralContainerCommon{Name: name, Image: "debug"},
		})
	}
}

func podResources(r corev1.ResourceRequirements) podOption {
	return func(p *corev1.Pod) { p.Spec.Resources = &r }
}

func priorityClass(name string) podOption {
	return func(p *corev1.Pod) { p.Spec.PriorityClassName = name }
}

func priorityValue(value int32) podOption {
	return func(p *corev1.Pod) { p.Spec.Priority = &value }
}

func annotation(key, value string) podOption {
	return func(p *corev1.Pod) {
		if p.Annotations == nil {
			p.Annotations = map[string]string{}
		}
		p.Annotations[key] = value
	}
}

func overhead(l corev1.ResourceList) podOption {
	return func(p *corev1.Pod) { p.Spec.Overhead = l }
}

func statusClass(class corev1.PodQOSClass) podOption {
	return func(p *corev1.Pod) { p.Status.QOSClass = class }
}

func phase(ph corev1.PodPhase) podOption {
	return func(p *corev1.Pod) { p.Status.Phase = ph }
}

func allocatedMemoryStatus(name, memory string) podOption {
	return func(p *corev1.Pod) {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name:               name,
			AllocatedResources: list("memory", memory),
		})
	}
}

// guaranteedRes is a container's resources with cpu and memory requests equal
// to their limits.
func guaranteedRes(cpu, memory string) corev1.ResourceRequirements {
	return res(list("cpu", cpu, "memory", memory), list("cpu", cpu, "memory", memory))
}
