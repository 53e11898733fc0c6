package main

import (
	"context"
	"fmt"
	"io"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// clusterRows lists the pods of namespace (all namespaces when empty) and
// computes their rows, each with the memory capacity of the node it runs
// on: the kubelet uses the machine's capacity, which it reports as
// status.capacity.memory. Pods not on a node, or on a node that cannot be
// read, use defaultCapacity.
func clusterRows(ctx context.Context, client kubernetes.Interface, namespace string, defaultCapacity int64, stderr io.Writer) ([]row, error) {
	pods, err := client.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list pods: %w", err)
	}
	capacities := map[string]int64{}
	nodes, err := client.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		// Reading nodes needs a cluster-scoped permission that a namespace
		// user may lack; the table is still useful with the flag's value.
		fmt.Fprintf(stderr, "qos: cannot list nodes, using --memory for every pod: %v\n", err)
	} else {
		for _, node := range nodes.Items {
			if memory, ok := node.Status.Capacity[corev1.ResourceMemory]; ok && memory.Sign() > 0 {
				capacities[node.Name] = memory.Value()
			}
		}
	}
	var rows []row
	for i := range pods.Items {
		pod := &pods.Items[i]
		capacity, ok := capacities[pod.Spec.NodeName]
		if !ok {
			capacity = defaultCapacity
		}
		rows = append(rows, rowsOf(pod, capacity)...)
	}
	return rows, nil
}
