package scheduling

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
)

const (
	reasonNoVictims         = "No preemption victims found for incoming pod"
	reasonPreemptionUseless = "Preemption is not helpful for scheduling"
)

// postFilterMessage is what the PostFilter plugins add to the
// FailedScheduling message when no node fits (RunPostFilterPlugins joins the
// reasons of the plugins that fail, until one succeeds or errs).
//
// DynamicResources runs first. It reads the state its PreFilter wrote; when
// an earlier PreFilter rejected the pod, that PreFilter never ran, reading
// fails with the framework's ErrNotFound, and that Error ends the PostFilter
// stage with the message "not found". Otherwise the pod has no resource
// claims (the Simulator models none) and the plugin answers "no new claims
// to deallocate". DefaultPreemption follows; on success (a node would fit
// after evictions) the whole PostFilter message is empty.
func (s *Simulator) postFilterMessage(pc *podContext, d *Diagnosis) string {
	if pc.rejected.IsRejected() {
		return errNotFound
	}
	preemption := s.preemptionMessage(pc, d)
	if preemption == "" {
		return ""
	}
	return reasonNoClaims + ", " + preemption
}

const (
	errNotFound    = "not found"
	reasonNoClaims = "no new claims to deallocate"
)

// preemptionMessage is what the DefaultPreemption PostFilter adds to the
// FailedScheduling message when no node fits (Evaluator.Preempt): a reason
// the pod may not preempt, or, when no node would fit the pod even after
// evicting every pod of lower priority, a second "0/N nodes are available"
// histogram. It returns "" when some node would fit after evictions: the
// scheduler then nominates that node and adds nothing.
//
// Only nodes rejected as Unschedulable are tried (UnschedulableAndUnresolvable
// ones are "not helpful"). On each, all pods of lower priority are removed
// and the filters run again; when that fits, a candidate exists. The
// scheduler then re-adds victims while the pod still fits, which decides
// which pods are evicted but not whether one node fits; nominated pods are
// not modelled.
func (s *Simulator) preemptionMessage(pc *podContext, d *Diagnosis) string {
	pod := pc.pod
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == corev1.PreemptNever {
		return "preemption: not eligible due to preemptionPolicy=Never."
	}
	priority := corev1helpers.PodPriority(pod)
	if nominated := pod.Status.NominatedNodeName; nominated != "" {
		if i, ok := s.nodeIndex[nominated]; ok && d.code(i) != UnschedulableAndUnresolvable {
			for _, id := range s.nodes[i].pods {
				p := &s.pods[id]
				if p.priority < priority && terminatingByPreemption(p.pod) {
					return "preemption: not eligible due to a terminating pod on the nominated node."
				}
			}
		}
	}

	counts := map[string]int{}
	explicit := 0
	var victims []int32
	for i := range s.nodes {
		if d.code(int32(i)) != Unschedulable {
			continue
		}
		victims = victims[:0]
		for _, id := range s.nodes[i].pods {
			if s.pods[id].priority < priority {
				victims = append(victims, id)
			}
		}
		explicit++
		if len(victims) == 0 {
			counts[reasonNoVictims]++
			continue
		}
		v := pc.check(int32(i), victims)
		if v == vPass {
			return ""
		}
		for _, r := range pc.status(v, int32(i)).Reasons {
			counts[r]++
		}
	}
	if absent := len(s.nodes) - explicit; absent > 0 {
		counts[reasonPreemptionUseless] += absent
	}
	msg := fmt.Sprintf("preemption: 0/%d nodes are available:", len(s.nodes))
	if h := histogram(counts); len(h) > 0 {
		msg += " " + strings.Join(h, ", ") + "."
	}
	return msg
}

// code returns the status code node i got.
func (d *Diagnosis) code(i int32) Code {
	if d.verdicts == nil {
		return d.preFilter.Code
	}
	v := d.verdicts[i]
	switch {
	case v == vPass:
		return Success
	case v&verdictUnresolvable != 0:
		return UnschedulableAndUnresolvable
	default:
		return Unschedulable
	}
}

// terminatingByPreemption reports whether a pod is being deleted because the
// scheduler preempted it (a DisruptionTarget condition with reason
// PreemptionByScheduler).
func terminatingByPreemption(p *corev1.Pod) bool {
	if p.DeletionTimestamp == nil {
		return false
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.DisruptionTarget {
			return c.Status == corev1.ConditionTrue && c.Reason == corev1.PodReasonPreemptionByScheduler
		}
	}
	return false
}
