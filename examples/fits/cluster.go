package main

import (
	"context"
	"fmt"
	"io"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubeprim/kubeprim/internal/manifest"
	"github.com/kubeprim/kubeprim/scheduling"
)

// cluster is what the Simulator needs of a cluster.
type cluster struct {
	nodes      []*corev1.Node
	pods       []*corev1.Pod
	namespaces []*corev1.Namespace
	workloads  scheduling.Workloads
}

// simulator builds the snapshot.
func (c *cluster) simulator() (*scheduling.Simulator, error) {
	sim, err := scheduling.NewSimulator(c.nodes, c.pods)
	if err != nil {
		return nil, err
	}
	if err := sim.SetNamespaces(c.namespaces); err != nil {
		return nil, err
	}
	if err := sim.SetWorkloads(c.workloads); err != nil {
		return nil, err
	}
	return sim, nil
}

// manifestCluster reads a cluster from a manifest: its Nodes, Pods,
// Namespaces, and the Services and controllers default spreading reads.
// Pods are defaulted as the API server would store them.
func manifestCluster(r io.Reader) (*cluster, error) {
	objects, err := manifest.Decode(r)
	if err != nil {
		return nil, fmt.Errorf("read cluster manifest: %w", err)
	}
	c := &cluster{}
	for _, obj := range objects {
		switch o := obj.(type) {
		case *corev1.Node:
			c.nodes = append(c.nodes, o)
		case *corev1.Pod:
			if o.Namespace == "" {
				o.Namespace = metav1.NamespaceDefault
			}
			scheduling.ApplyDefaults(o)
			c.pods = append(c.pods, o)
		case *corev1.Namespace:
			c.namespaces = append(c.namespaces, o)
		case *corev1.Service:
			c.workloads.Services = append(c.workloads.Services, o)
		case *corev1.ReplicationController:
			c.workloads.ReplicationControllers = append(c.workloads.ReplicationControllers, o)
		case *appsv1.ReplicaSet:
			c.workloads.ReplicaSets = append(c.workloads.ReplicaSets, o)
		case *appsv1.StatefulSet:
			c.workloads.StatefulSets = append(c.workloads.StatefulSets, o)
		}
	}
	if len(c.nodes) == 0 {
		return nil, fmt.Errorf("the cluster manifest has no Node")
	}
	return c, nil
}

// liveCluster lists a cluster's nodes and the pods the scheduler counts
// (not finished), and, when the credentials allow, its namespaces,
// Services and controllers; what cannot be listed is left out with a
// warning, as the scores then differ from the scheduler's only in the
// affected plugins.
func liveCluster(ctx context.Context, client kubernetes.Interface, stderr io.Writer) (*cluster, error) {
	c := &cluster{}
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list nodes: %w", err)
	}
	for i := range nodes.Items {
		c.nodes = append(c.nodes, &nodes.Items[i])
	}
	pods, err := client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "status.phase!=Succeeded,status.phase!=Failed"})
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	for i := range pods.Items {
		if pods.Items[i].Spec.NodeName != "" {
			c.pods = append(c.pods, &pods.Items[i])
		}
	}
	warn := func(what string, err error) {
		fmt.Fprintf(stderr, "fits: warning: cannot list %s (%v); scores that read them may differ from the scheduler's\n", what, err)
	}
	if list, err := client.CoreV1().Namespaces().List(ctx, metav1.ListOptions{}); err != nil {
		warn("namespaces", err)
	} else {
		for i := range list.Items {
			c.namespaces = append(c.namespaces, &list.Items[i])
		}
	}
	if list, err := client.CoreV1().Services("").List(ctx, metav1.ListOptions{}); err != nil {
		warn("services", err)
	} else {
		for i := range list.Items {
			c.workloads.Services = append(c.workloads.Services, &list.Items[i])
		}
	}
	if list, err := client.CoreV1().ReplicationControllers("").List(ctx, metav1.ListOptions{}); err != nil {
		warn("replication controllers", err)
	} else {
		for i := range list.Items {
			c.workloads.ReplicationControllers = append(c.workloads.ReplicationControllers, &list.Items[i])
		}
	}
	if list, err := client.AppsV1().ReplicaSets("").List(ctx, metav1.ListOptions{}); err != nil {
		warn("replica sets", err)
	} else {
		for i := range list.Items {
			c.workloads.ReplicaSets = append(c.workloads.ReplicaSets, &list.Items[i])
		}
	}
	if list, err := client.AppsV1().StatefulSets("").List(ctx, metav1.ListOptions{}); err != nil {
		warn("stateful sets", err)
	} else {
		for i := range list.Items {
			c.workloads.StatefulSets = append(c.workloads.StatefulSets, &list.Items[i])
		}
	}
	return c, nil
}
