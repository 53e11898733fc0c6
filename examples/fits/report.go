package main

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprim/kubeprim/scheduling"
)

// report prints the whole answer for pod.
func report(w io.Writer, sim *scheduling.Simulator, pod *corev1.Pod) error {
	fmt.Fprintf(w, "Pod %s/%s requests %s\n\n", pod.Namespace, pod.Name, requests(pod))

	// A pod with spec.nodeName never meets the scheduler: the kubelet of
	// that node admits it or not.
	if pod.Spec.NodeName != "" {
		answer, err := sim.Admit(pod, "")
		if err != nil {
			return err
		}
		if answer.Admit {
			fmt.Fprintf(w, "spec.nodeName is %s: the scheduler never sees this pod, and the kubelet there admits it.\n", pod.Spec.NodeName)
		} else {
			fmt.Fprintf(w, "spec.nodeName is %s: the scheduler never sees this pod, and the kubelet there rejects it: %s (%s).\n",
				pod.Spec.NodeName, answer.Reason, answer.Message)
		}
		return nil
	}

	// Per node: the first filter that rejects the pod, as the scheduler
	// reports it, or its total score.
	_, diagnosis := sim.Feasible(pod)
	totals := map[string]int64{}
	scores, scoreErr := sim.Scores(pod)
	for _, s := range scores {
		totals[s.Node] = s.Total
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tFITS\tSCORE\tWHY NOT")
	for _, name := range sim.NodeNames() {
		st := diagnosis.Status(name)
		if st.IsSuccess() {
			fmt.Fprintf(tw, "%s\tyes\t%d\n", name, totals[name])
			continue
		}
		fmt.Fprintf(tw, "%s\tno\t\t%s\n", name, st)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// The scheduler's summary: its FailedScheduling event when nothing
	// fits, the same count otherwise.
	fmt.Fprintf(w, "\n%s\n\n", diagnosis.Error())

	decision, err := sim.Schedule(pod)
	var nowhere scheduling.Diagnosis
	switch {
	case errors.As(err, &nowhere):
		fmt.Fprintln(w, "It would stay Pending: no node fits.")
		return nil
	case err != nil:
		// A scoring error: the scheduler would record it and retry.
		fmt.Fprintf(w, "The scheduler could not score it: %v\n", err)
		return nil
	case scoreErr != nil:
		return scoreErr
	}
	how := fmt.Sprintf("the highest total of %d feasible nodes", decision.Feasible)
	if decision.Tied > 1 {
		how = fmt.Sprintf("tied with %d other nodes for the highest total, first in node order", decision.Tied-1)
	}
	if decision.Nominated {
		how = "its nominated node, chosen without scoring"
	}
	fmt.Fprintf(w, "It would go to %s (%s):\n", decision.Node, how)
	tw = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  PLUGIN\tSCORE\tWEIGHT\tWEIGHTED")
	for _, p := range decision.Plugins {
		fmt.Fprintf(tw, "  %s\t%d\t%d\t%d\n", p.Plugin, p.Score, p.Weight, p.Weighted())
	}
	fmt.Fprintf(tw, "  total\t\t\t%d\n", decision.Score)
	if err := tw.Flush(); err != nil {
		return err
	}

	capacity, err := sim.Capacity(pod)
	if err != nil {
		return err
	}
	var where []string
	for _, n := range capacity.Nodes {
		where = append(where, fmt.Sprintf("%s %d", n.Node, n.Copies))
	}
	more := ""
	if capacity.Truncated {
		more = " or more"
	}
	fmt.Fprintf(w, "\n%d%s more copies fit", capacity.Total, more)
	if len(where) > 0 {
		fmt.Fprintf(w, ": %s", strings.Join(where, ", "))
	}
	fmt.Fprintln(w, ".")
	return nil
}

// requests renders what the scheduler charges a node for the pod.
func requests(pod *corev1.Pod) string {
	reqs := scheduling.PodRequests(pod)
	var names []string
	for name := range reqs {
		names = append(names, string(name))
	}
	slices.Sort(names)
	var parts []string
	for _, name := range names {
		q := reqs[corev1.ResourceName(name)]
		parts = append(parts, name+" "+q.String())
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, ", ")
}
