package cluster

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
)

// Node returns a node for kwok to manage: kwok keeps the capacity and
// allocatable given here (its stage only fills them when empty), marks the
// node Ready and renews its lease. cpu and memory are quantities ("4",
// "8Gi").
func Node(name, cpu, memory string, pods int64) *corev1.Node {
	res := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse(memory),
		corev1.ResourcePods:   *resource.NewQuantity(pods, resource.DecimalSI),
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				corev1.LabelHostname:   name,
				corev1.LabelOSStable:   "linux",
				corev1.LabelArchStable: "amd64",
				"type":                 "kwok",
			},
		},
		Status: corev1.NodeStatus{Capacity: res, Allocatable: res.DeepCopy()},
	}
}

// CreateNode creates node and waits until kwok has marked it Ready and the
// node lifecycle controller has removed the not-ready taint it adds to new
// nodes, so the scheduler sees it as any test expects.
func (c *Cluster) CreateNode(ctx context.Context, node *corev1.Node) (*corev1.Node, error) {
	created, err := c.client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return nil, fmt.Errorf("create node %s: %w", node.Name, err)
	}
	var ready *corev1.Node
	err = c.waitFor(ctx, "node "+node.Name+" Ready", func(ctx context.Context) error {
		n, err := c.client.CoreV1().Nodes().Get(ctx, created.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if !nodeReady(n) {
			return fmt.Errorf("node %s not Ready", n.Name)
		}
		for _, t := range n.Spec.Taints {
			if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
				return fmt.Errorf("node %s still has taint %s", n.Name, t.Key)
			}
		}
		ready = n
		return nil
	})
	return ready, err
}

// DeleteNode deletes a node and waits until it is gone.
func (c *Cluster) DeleteNode(ctx context.Context, name string) error {
	err := c.client.CoreV1().Nodes().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete node %s: %w", name, err)
	}
	return c.waitFor(ctx, "node "+name+" deleted", func(ctx context.Context) error {
		return gone(c.client.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{}))
	})
}

func gone[T any](_ T, err error) error {
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("still exists")
}

// canary proves the whole loop before any test runs: a node that kwok makes
// Ready, a pod the scheduler binds to it and kwok runs, then both removed so
// tests start from an empty cluster.
func (c *Cluster) canary(ctx context.Context) error {
	const name = "kubeprim-e2e-canary"
	if _, err := c.CreateNode(ctx, Node(name, "1", "1Gi", 10)); err != nil {
		return err
	}
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: metav1.NamespaceDefault},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "pause", Image: "registry.k8s.io/pause:3.10",
		}}},
	}
	if _, err := c.client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		return fmt.Errorf("create the canary pod: %w", err)
	}
	err := c.waitFor(ctx, "the canary pod Running and Ready", func(ctx context.Context) error {
		p, err := c.client.CoreV1().Pods(pod.Namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Spec.NodeName != name || !podRunningAndReady(p) {
			return fmt.Errorf("canary pod on %q in phase %s", p.Spec.NodeName, p.Status.Phase)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := deletePodAndWait(ctx, c, c.client, pod.Namespace, name); err != nil {
		return err
	}
	return c.DeleteNode(ctx, name)
}

// deletePodAndWait deletes a pod at once (grace period 0: kwok would
// otherwise keep it Terminating for a random part of its 30 s grace period).
func deletePodAndWait(ctx context.Context, c *Cluster, client kubernetes.Interface, namespace, name string) error {
	err := client.CoreV1().Pods(namespace).Delete(ctx, name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("delete pod %s/%s: %w", namespace, name, err)
	}
	return c.waitFor(ctx, "pod "+namespace+"/"+name+" deleted", func(ctx context.Context) error {
		return gone(client.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{}))
	})
}
