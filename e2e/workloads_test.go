package e2e_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// fastKwok are pod annotations that make kwok's general pod stages act at
// once instead of after up to 6 s each, so a test waits for the control
// plane, not for simulated container start-up.
var fastKwok = map[string]string{
	"pod-create.stage.kwok.x-k8s.io/delay":        "0s",
	"pod-create.stage.kwok.x-k8s.io/jitter-delay": "0s",
	"pod-ready.stage.kwok.x-k8s.io/delay":         "0s",
	"pod-ready.stage.kwok.x-k8s.io/jitter-delay":  "0s",
}

// workloadKind is what owns a workload's pods.
type workloadKind string

const (
	kindDeployment  workloadKind = "Deployment"
	kindStatefulSet workloadKind = "StatefulSet"
	kindReplicaSet  workloadKind = "ReplicaSet"
	kindDaemonSet   workloadKind = "DaemonSet"
	kindBare        workloadKind = "Pod" // pods without a controller
)

// workload is a set of pods labelled app=<name>.
type workload struct {
	name     string
	kind     workloadKind
	replicas int32 // for DaemonSets, the number of nodes
	labels   map[string]string
	// unschedulable pods select a node label no node has, so they stay
	// Pending: unhealthy for budgets, deleted outright by evictions.
	unschedulable bool
	// gracePeriod is the pods' terminationGracePeriodSeconds.
	gracePeriod int64
	// kwok are the pod annotations that pace kwok; nil means fastKwok.
	kwok map[string]string
}

func (w workload) podTemplate() corev1.PodTemplateSpec {
	spec := corev1.PodSpec{
		Containers:                    []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10"}},
		TerminationGracePeriodSeconds: ptr.To(w.gracePeriod),
	}
	if w.unschedulable {
		spec.NodeSelector = map[string]string{"kubeprim.dev/e2e-no-such-node": "true"}
	}
	annotations := w.kwok
	if annotations == nil {
		annotations = fastKwok
	}
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: w.labels, Annotations: annotations},
		Spec:       spec,
	}
}

// create makes the workload's controller, or its bare pods.
func (w workload) create(t testing.TB, ns string) {
	t.Helper()
	ctx := t.Context()
	apps := kube.Client().AppsV1()
	selector := &metav1.LabelSelector{MatchLabels: map[string]string{"app": w.name}}
	meta := metav1.ObjectMeta{Name: w.name, Labels: w.labels}
	var err error
	switch w.kind {
	case kindDeployment:
		_, err = apps.Deployments(ns).Create(ctx, &appsv1.Deployment{ObjectMeta: meta, Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(w.replicas), Selector: selector, Template: w.podTemplate(),
		}}, metav1.CreateOptions{})
	case kindStatefulSet:
		_, err = apps.StatefulSets(ns).Create(ctx, &appsv1.StatefulSet{ObjectMeta: meta, Spec: appsv1.StatefulSetSpec{
			Replicas: ptr.To(w.replicas), Selector: selector, Template: w.podTemplate(),
			ServiceName: w.name, PodManagementPolicy: appsv1.ParallelPodManagement,
		}}, metav1.CreateOptions{})
	case kindReplicaSet:
		_, err = apps.ReplicaSets(ns).Create(ctx, &appsv1.ReplicaSet{ObjectMeta: meta, Spec: appsv1.ReplicaSetSpec{
			Replicas: ptr.To(w.replicas), Selector: selector, Template: w.podTemplate(),
		}}, metav1.CreateOptions{})
	case kindDaemonSet:
		_, err = apps.DaemonSets(ns).Create(ctx, &appsv1.DaemonSet{ObjectMeta: meta, Spec: appsv1.DaemonSetSpec{
			Selector: selector, Template: w.podTemplate(),
		}}, metav1.CreateOptions{})
	case kindBare:
		tmpl := w.podTemplate()
		for i := range w.replicas {
			pod := &corev1.Pod{ObjectMeta: tmpl.ObjectMeta, Spec: tmpl.Spec}
			pod.Name = fmt.Sprintf("%s-%d", w.name, i)
			if _, err = kube.Client().CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
				break
			}
		}
	default:
		err = fmt.Errorf("unknown workload kind %q", w.kind)
	}
	require.NoError(t, err, "create %s %s", w.kind, w.name)
}

// podsSettled holds when every workload has its pods and kwok and the
// controllers have nothing left to do: no pod terminating, a replacement for
// every evicted pod, schedulable pods Running and Ready (except those the
// test made unready), unschedulable ones Pending and marked so by the
// scheduler. bare counts the bare pods of each workload still expected.
func podsSettled(ctx context.Context, ns string, workloads []workload, bare map[string]int, unready map[string]bool) error {
	pods, err := kube.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	count := map[string]int32{}
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.DeletionTimestamp != nil {
			return fmt.Errorf("pod %s is terminating", p.Name)
		}
		app := p.Labels["app"]
		count[app]++
		w, ok := findWorkload(workloads, app)
		if !ok {
			continue
		}
		switch {
		case w.unschedulable:
			if !podUnschedulable(p) {
				return fmt.Errorf("pod %s not yet marked unschedulable", p.Name)
			}
		case unready[string(p.UID)]:
		case !podReady(p):
			return fmt.Errorf("pod %s not Ready (%s)", p.Name, p.Status.Phase)
		}
	}
	for _, w := range workloads {
		want := w.replicas
		if w.kind == kindBare {
			want = int32(bare[w.name])
		}
		if count[w.name] != want {
			return fmt.Errorf("%s %s has %d pods, want %d", w.kind, w.name, count[w.name], want)
		}
	}
	return nil
}

func findWorkload(workloads []workload, name string) (workload, bool) {
	for _, w := range workloads {
		if w.name == name {
			return w, true
		}
	}
	return workload{}, false
}

func podUnschedulable(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			return c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable
		}
	}
	return false
}

// makeUnready sets the pod's Ready condition to False, as a kubelet does
// when a readiness probe fails; kwok leaves a running pod's status alone.
func makeUnready(ctx context.Context, pod *corev1.Pod) error {
	pod = pod.DeepCopy()
	for i := range pod.Status.Conditions {
		switch pod.Status.Conditions[i].Type {
		case corev1.PodReady, corev1.ContainersReady:
			pod.Status.Conditions[i].Status = corev1.ConditionFalse
			pod.Status.Conditions[i].Reason = "ContainersNotReady"
			pod.Status.Conditions[i].LastTransitionTime = metav1.Now()
		}
	}
	for i := range pod.Status.ContainerStatuses {
		pod.Status.ContainerStatuses[i].Ready = false
	}
	_, err := kube.Client().CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, pod, metav1.UpdateOptions{})
	return err
}
