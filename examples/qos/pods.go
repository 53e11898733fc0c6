package main

import (
	"fmt"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/internal/manifest"
)

// manifestPods returns the pods of a manifest: each Pod, and one pod per
// workload (Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob,
// ReplicationController, PodTemplate) built from its template and named
// kind/name. Other objects are skipped. Objects without a namespace get
// namespace, or "default".
func manifestPods(r io.Reader, namespace string) ([]*corev1.Pod, error) {
	objects, err := manifest.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	if namespace == "" {
		namespace = metav1.NamespaceDefault
	}
	var pods []*corev1.Pod
	for _, obj := range objects {
		pod := podOf(obj)
		if pod == nil {
			continue
		}
		if pod.Namespace == "" {
			pod.Namespace = namespace
		}
		pods = append(pods, pod)
	}
	return pods, nil
}

// podOf returns the pod an object stands for, or nil.
func podOf(obj any) *corev1.Pod {
	fromTemplate := func(kind string, meta metav1.ObjectMeta, template corev1.PodTemplateSpec) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: kind + "/" + meta.Name, Namespace: meta.Namespace},
			Spec:       template.Spec,
		}
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return o
	case *appsv1.Deployment:
		return fromTemplate("deployment", o.ObjectMeta, o.Spec.Template)
	case *appsv1.StatefulSet:
		return fromTemplate("statefulset", o.ObjectMeta, o.Spec.Template)
	case *appsv1.DaemonSet:
		return fromTemplate("daemonset", o.ObjectMeta, o.Spec.Template)
	case *appsv1.ReplicaSet:
		return fromTemplate("replicaset", o.ObjectMeta, o.Spec.Template)
	case *batchv1.Job:
		return fromTemplate("job", o.ObjectMeta, o.Spec.Template)
	case *batchv1.CronJob:
		return fromTemplate("cronjob", o.ObjectMeta, o.Spec.JobTemplate.Spec.Template)
	case *corev1.ReplicationController:
		if o.Spec.Template == nil {
			return nil
		}
		return fromTemplate("replicationcontroller", o.ObjectMeta, *o.Spec.Template)
	case *corev1.PodTemplate:
		return fromTemplate("podtemplate", o.ObjectMeta, o.Template)
	}
	return nil
}
