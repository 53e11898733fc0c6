package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubeprim/kubeprim/e2e/bins"
	"github.com/kubeprim/kubeprim/e2e/cluster"
)

func TestControlPlaneIsTheRelease(t *testing.T) {
	v, err := kube.Client().Discovery().ServerVersion()
	require.NoError(t, err)
	assert.Equal(t, bins.KubernetesVersion, v.GitVersion)
}

// A Deployment's pods are scheduled by the real scheduler onto a kwok node
// and become Running and Ready, which every other test relies on.
func TestDeploymentPodsBecomeReadyOnKwokNodes(t *testing.T) {
	ns := newNamespace(t, "smoke")
	createNodes(t, cluster.Node("smoke-node", "4", "8Gi", 110))
	labels := map[string]string{"app": "smoke"}
	_, err := kube.Client().AppsV1().Deployments(ns).Create(t.Context(), &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "smoke"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To[int32](3),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10"}}},
			},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)

	waitUntil(t, time.Minute, "3 Ready pods", func(ctx context.Context) error {
		pods, err := kube.Client().CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		ready := 0
		for _, p := range pods.Items {
			if podReady(&p) && p.Spec.NodeName == "smoke-node" {
				ready++
			}
		}
		if ready != 3 {
			return fmt.Errorf("%d of %d pods Ready on smoke-node", ready, len(pods.Items))
		}
		return nil
	})
}
