package scheduling

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// Diagnosis explains which nodes rejected a pod and why, as the scheduler's
// FitError does. Its Error method returns the message of the
// FailedScheduling event the scheduler would record for the pod.
//
// A Diagnosis is a value computed by Feasible; it stays valid while the
// Simulator it came from is not changed.
type Diagnosis struct {
	numNodes int
	feasible int
	pc       *podContext
	// verdicts has one entry per node when the PreFilter stage passed.
	verdicts []verdict
	// preFilter is the status with which a PreFilter rejected the pod on
	// every node (or failed), if one did.
	preFilter Status
	// postFilter is the PostFilter plugins' message when no node fits: empty
	// when preemption would make room for the pod.
	postFilter string
}

// Error returns the scheduler's FailedScheduling message:
//
//	0/5 nodes are available: 2 Insufficient cpu, 3 node(s) had untolerated taint(s). no new claims to deallocate, preemption: 0/5 nodes are available: 2 No preemption victims found for incoming pod, 3 Preemption is not helpful for scheduling.
//
// that is, "0/N nodes are available:" and the number of nodes per reason
// (a node with several reasons counts once for each), sorted as strings; or,
// when a PreFilter rejected the pod on every node, that plugin's message;
// then what the PostFilter plugins add (see PostFilterMessage): the
// DynamicResources plugin's "no new claims to deallocate" and the default
// preemption plugin's verdict, both absent when evicting lower-priority pods
// would make room (the scheduler then nominates a node instead).
//
// The scheduler truncates the event's note to 1024 bytes; the pod's
// PodScheduled condition carries the message whole, as returned here. When
// the PreFilter stage fails with an Error, the message is that error's; when
// the snapshot has no nodes, it is the scheduler's "no nodes available to
// schedule pods". When some nodes are feasible the scheduler records no
// failure; Error then summarises the rejected nodes in the same format, with
// the number of feasible nodes in place of 0.
func (d Diagnosis) Error() string {
	if d.numNodes == 0 && d.preFilter.IsSuccess() {
		return "no nodes available to schedule pods"
	}
	if d.preFilter.Code == Error {
		return d.preFilter.Message()
	}
	msg := fmt.Sprintf("%d/%d nodes are available:", d.feasible, d.numNodes)
	if d.preFilter.IsRejected() {
		msg += " " + d.preFilter.Message() + "."
	} else if h := histogram(d.Reasons()); len(h) > 0 {
		msg += " " + strings.Join(h, ", ") + "."
	}
	if d.postFilter != "" {
		msg += " " + d.postFilter
	}
	return msg
}

// histogram formats reason counts as the scheduler does: "count reason",
// sorted as strings (so "10 ..." sorts before "2 ...").
func histogram(counts map[string]int) []string {
	out := make([]string, 0, len(counts))
	for reason, n := range counts {
		out = append(out, fmt.Sprintf("%v %v", n, reason))
	}
	sort.Strings(out)
	return out
}

// NumNodes returns the number of nodes in the snapshot.
func (d Diagnosis) NumNodes() int { return d.numNodes }

// NumFeasible returns the number of nodes that passed every filter.
func (d Diagnosis) NumFeasible() int { return d.feasible }

// PreFilterStatus returns the status with which a PreFilter plugin rejected
// the pod on every node before any node was checked (for example "pod
// affinity terms conflict"), or Success.
func (d Diagnosis) PreFilterStatus() Status { return d.preFilter.clone() }

// PostFilterMessage returns what the PostFilter plugins (DynamicResources,
// then DefaultPreemption) add to the event when no node fits, such as "no
// new claims to deallocate, preemption: 0/3 nodes are available: ...", or ""
// when preemption would make room for the pod or some node fits. The
// preemption dry run honours priorities but, like the rest of the
// Simulator, knows nothing of nominated pods.
func (d Diagnosis) PostFilterMessage() string { return d.postFilter }

// Status returns the status of one node: Success if it is feasible, the
// PreFilter rejection if there was one, or the first filter that rejected it.
// A node that is not in the snapshot gives an Error status.
func (d Diagnosis) Status(nodeName string) Status {
	if d.pc == nil {
		return d.preFilter.clone()
	}
	i, ok := d.pc.s.nodeIndex[nodeName]
	if !ok {
		return Status{Code: Error, Reasons: []string{fmt.Sprintf("node %q is not in the snapshot", nodeName)}}
	}
	if d.verdicts == nil {
		return d.preFilter.clone()
	}
	return d.pc.status(d.verdicts[i], i)
}

// Statuses returns the status of every rejected node, by name.
func (d Diagnosis) Statuses() map[string]Status {
	out := map[string]Status{}
	if d.pc == nil {
		return out
	}
	for i := range d.pc.s.nodes {
		if st := d.Status(d.pc.s.nodes[i].name); !st.IsSuccess() {
			out[d.pc.s.nodes[i].name] = st
		}
	}
	return out
}

// Reasons returns, per reason string, the number of nodes rejected with it:
// the histogram of the FailedScheduling message.
func (d Diagnosis) Reasons() map[string]int {
	counts := map[string]int{}
	if d.pc == nil {
		return counts
	}
	if d.verdicts == nil {
		for _, r := range d.preFilter.Reasons {
			counts[r] += d.numNodes
		}
		return counts
	}
	// Nodes with the same verdict have the same reasons unless the verdict
	// had to leave some to be worked out per node (many scalar resources).
	byVerdict := map[verdict]int{}
	for i, v := range d.verdicts {
		if v == vPass {
			continue
		}
		if v.plugin() == vNodeResourcesFit && v.fitMask()&(1<<fitOverflow) != 0 {
			for _, r := range d.pc.status(v, int32(i)).Reasons {
				counts[r]++
			}
			continue
		}
		byVerdict[v]++
	}
	for v, n := range byVerdict {
		for _, r := range d.pc.status(v, 0).Reasons {
			counts[r] += n
		}
	}
	return counts
}

// UnschedulablePlugins returns the sorted names of the plugins that rejected
// the pod on at least one node.
func (d Diagnosis) UnschedulablePlugins() []string {
	var out []string
	if d.preFilter.IsRejected() && d.preFilter.Plugin != "" {
		out = append(out, d.preFilter.Plugin)
	}
	seen := map[verdict]bool{}
	for _, v := range d.verdicts {
		if v == vPass || seen[v.plugin()] {
			continue
		}
		seen[v.plugin()] = true
		if name := pluginNames[v.plugin()]; !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}
