package main

import (
	"fmt"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/internal/manifest"
	"github.com/kubeprim/kubeprim/scheduling"
)

// manifestPod returns the pod of a manifest: its first Pod, or a pod made
// from the template of its first workload (Deployment, StatefulSet,
// DaemonSet, ReplicaSet, Job, CronJob, ReplicationController), defaulted
// as the API server would store it. A pod without a namespace gets
// namespace.
func manifestPod(r io.Reader, namespace string) (*corev1.Pod, error) {
	objects, err := manifest.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("read pod manifest: %w", err)
	}
	for _, obj := range objects {
		pod := podOf(obj)
		if pod == nil {
			continue
		}
		if pod.Namespace == "" {
			pod.Namespace = namespace
		}
		scheduling.ApplyDefaults(pod)
		return pod, nil
	}
	return nil, fmt.Errorf("the pod manifest has no Pod nor workload with a pod template")
}

func podOf(obj any) *corev1.Pod {
	fromTemplate := func(meta metav1.ObjectMeta, t corev1.PodTemplateSpec) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: meta.Name, Namespace: meta.Namespace, Labels: t.Labels, Annotations: t.Annotations},
			Spec:       t.Spec,
		}
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return o
	case *appsv1.Deployment:
		return fromTemplate(o.ObjectMeta, o.Spec.Template)
	case *appsv1.StatefulSet:
		return fromTemplate(o.ObjectMeta, o.Spec.Template)
	case *appsv1.DaemonSet:
		return fromTemplate(o.ObjectMeta, o.Spec.Template)
	case *appsv1.ReplicaSet:
		return fromTemplate(o.ObjectMeta, o.Spec.Template)
	case *batchv1.Job:
		return fromTemplate(o.ObjectMeta, o.Spec.Template)
	case *batchv1.CronJob:
		return fromTemplate(o.ObjectMeta, o.Spec.JobTemplate.Spec.Template)
	case *corev1.ReplicationController:
		if o.Spec.Template != nil {
			return fromTemplate(o.ObjectMeta, *o.Spec.Template)
		}
	}
	return nil
}
