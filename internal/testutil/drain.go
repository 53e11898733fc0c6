package testutil

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// DrainPodBuilder builds a pod for drain and fakecluster tests.
type DrainPodBuilder struct{ pod corev1.Pod }

// DrainPod starts a Running, Ready pod named name in namespace "default",
// bound to node, with UID "uid-"+name, requesting 100m CPU and 64Mi of
// memory, with no labels and no controller.
func DrainPod(name, node string) *DrainPodBuilder {
	return &DrainPodBuilder{pod: corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
		Spec: corev1.PodSpec{
			NodeName: node,
			Containers: []corev1.Container{{
				Name:  "main",
				Image: "registry.k8s.io/pause:3.10",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
					corev1.ResourceCPU:    resource.MustParse("100m"),
					corev1.ResourceMemory: resource.MustParse("64Mi"),
				}},
			}},
		},
		Status: corev1.PodStatus{
			Phase:      corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}},
		},
	}}
}

// Namespace sets the namespace.
func (b *DrainPodBuilder) Namespace(namespace string) *DrainPodBuilder {
	b.pod.Namespace = namespace
	return b
}

// UID sets the UID.
func (b *DrainPodBuilder) UID(uid string) *DrainPodBuilder {
	b.pod.UID = types.UID(uid)
	return b
}

// Labels adds labels from key, value pairs.
func (b *DrainPodBuilder) Labels(keyValues ...string) *DrainPodBuilder {
	if b.pod.Labels == nil {
		b.pod.Labels = map[string]string{}
	}
	for i := 0; i+1 < len(keyValues); i += 2 {
		b.pod.Labels[keyValues[i]] = keyValues[i+1]
	}
	return b
}

// Annotation sets one annotation.
func (b *DrainPodBuilder) Annotation(key, value string) *DrainPodBuilder {
	if b.pod.Annotations == nil {
		b.pod.Annotations = map[string]string{}
	}
	b.pod.Annotations[key] = value
	return b
}

// Owner sets the controller reference: kind ReplicaSet, StatefulSet or
// DaemonSet (apps/v1), Job (batch/v1), anything else core v1. The owner's UID
// is "uid-"+name.
func (b *DrainPodBuilder) Owner(kind, name string) *DrainPodBuilder {
	apiVersion := "v1"
	switch kind {
	case "ReplicaSet", "StatefulSet", "DaemonSet", "Deployment":
		apiVersion = "apps/v1"
	case "Job":
		apiVersion = "batch/v1"
	}
	controller := true
	b.pod.OwnerReferences = []metav1.OwnerReference{{
		APIVersion: apiVersion, Kind: kind, Name: name, UID: types.UID("uid-" + name), Controller: &controller,
	}}
	return b
}

// NotReady sets the Ready condition to False.
func (b *DrainPodBuilder) NotReady() *DrainPodBuilder {
	b.pod.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionFalse}}
	return b
}

// Phase sets status.phase.
func (b *DrainPodBuilder) Phase(phase corev1.PodPhase) *DrainPodBuilder {
	b.pod.Status.Phase = phase
	return b
}

// EmptyDir adds an emptyDir volume.
func (b *DrainPodBuilder) EmptyDir(name string) *DrainPodBuilder {
	b.pod.Spec.Volumes = append(b.pod.Spec.Volumes, corev1.Volume{
		Name: name, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}},
	})
	return b
}

// Priority sets spec.priorityClassName and spec.priority.
func (b *DrainPodBuilder) Priority(className string, value int32) *DrainPodBuilder {
	b.pod.Spec.PriorityClassName = className
	b.pod.Spec.Priority = &value
	return b
}

// Grace sets spec.terminationGracePeriodSeconds.
func (b *DrainPodBuilder) Grace(seconds int64) *DrainPodBuilder {
	b.pod.Spec.TerminationGracePeriodSeconds = &seconds
	return b
}

// Requests sets the container's CPU and memory requests.
func (b *DrainPodBuilder) Requests(cpu, memory string) *DrainPodBuilder {
	b.pod.Spec.Containers[0].Resources.Requests = corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse(memory),
	}
	return b
}

// Terminating sets metadata.deletionTimestamp.
func (b *DrainPodBuilder) Terminating(since time.Time) *DrainPodBuilder {
	t := metav1.NewTime(since)
	b.pod.DeletionTimestamp = &t
	return b
}

// Mirror makes the pod a static pod's mirror.
func (b *DrainPodBuilder) Mirror() *DrainPodBuilder {
	return b.Annotation(corev1.MirrorPodAnnotationKey, "hash")
}

// Obj returns a copy of the pod.
func (b *DrainPodBuilder) Obj() *corev1.Pod { return b.pod.DeepCopy() }

// DrainNode returns a Ready, schedulable node with 4 CPUs, 8Gi of memory
// and room for 110 pods.
func DrainNode(name string) *corev1.Node {
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("4"),
		corev1.ResourceMemory: resource.MustParse("8Gi"),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name), Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: corev1.NodeStatus{
			Capacity:    capacity,
			Allocatable: capacity.DeepCopy(),
			Conditions:  []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}},
		},
	}
}

// ReplicaSet returns a ReplicaSet with UID "uid-"+name, selecting and
// labelling its pods app=name.
func ReplicaSet(namespace, name string, replicas int32) *appsv1.ReplicaSet {
	labels := map[string]string{"app": name}
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID("uid-" + name)},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}},
		},
		Status: appsv1.ReplicaSetStatus{Replicas: replicas, ReadyReplicas: replicas},
	}
}

// StatefulSet returns a StatefulSet with UID "uid-"+name, selecting and
// labelling its pods app=name.
func StatefulSet(namespace, name string, replicas int32) *appsv1.StatefulSet {
	labels := map[string]string{"app": name}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID("uid-" + name)},
		Spec: appsv1.StatefulSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}},
		},
		Status: appsv1.StatefulSetStatus{Replicas: replicas, ReadyReplicas: replicas},
	}
}

// DaemonSet returns a DaemonSet with UID "uid-"+name whose pods tolerate
// nothing but the cordon, as the DaemonSet controller adds that toleration.
func DaemonSet(namespace, name string) *appsv1.DaemonSet {
	labels := map[string]string{"app": name}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID("uid-" + name)},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}},
		},
	}
}
