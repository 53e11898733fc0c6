package main

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprim/kubeprim/qos"
)

// row is one container of one pod.
type row struct {
	namespace, pod string
	class          corev1.PodQOSClass
	container      string // with " (init)" or " (sidecar)" when it is one
	oomScoreAdj    int
	node           string
}

// podRows computes the rows of pods on a node with memoryCapacity bytes.
func podRows(pods []*corev1.Pod, memoryCapacity int64) []row {
	var rows []row
	for _, pod := range pods {
		rows = append(rows, rowsOf(pod, memoryCapacity)...)
	}
	return rows
}

// rowsOf lists a pod's init containers (sidecars among them) in start order,
// then its regular containers.
func rowsOf(pod *corev1.Pod, memoryCapacity int64) []row {
	// Class reads status.qosClass, which pods from a cluster carry, and
	// computes it for manifests as the API server will.
	class := qos.Class(pod)
	rows := make([]row, 0, len(pod.Spec.InitContainers)+len(pod.Spec.Containers))
	add := func(c *corev1.Container, label string) {
		rows = append(rows, row{
			namespace:   pod.Namespace,
			pod:         pod.Name,
			class:       class,
			container:   c.Name + label,
			oomScoreAdj: qos.OOMScoreAdjust(pod, c, memoryCapacity),
			node:        pod.Spec.NodeName,
		})
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			add(c, " (sidecar)")
		} else {
			add(c, " (init)")
		}
	}
	for i := range pod.Spec.Containers {
		add(&pod.Spec.Containers[i], "")
	}
	return rows
}

// printTable writes the rows as aligned columns, with a NODE column for
// pods from a cluster.
func printTable(w io.Writer, rows []row, withNode bool) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	header := "NAMESPACE\tPOD\tQOS\tCONTAINER\tOOM_SCORE_ADJ"
	if withNode {
		header += "\tNODE"
	}
	fmt.Fprintln(tw, header)
	for _, r := range rows {
		line := r.namespace + "\t" + r.pod + "\t" + string(r.class) + "\t" + r.container + "\t" + strconv.Itoa(r.oomScoreAdj)
		if withNode {
			node := r.node
			if node == "" {
				node = "<none>"
			}
			line += "\t" + node
		}
		fmt.Fprintln(tw, line)
	}
	return tw.Flush()
}
