package drain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// EscalationPolicy says when the drain stops waiting for a pod and what it
// does instead, one step at a time: evict (or wait), then delete with a
// grace period, bypassing budgets, then leave the pod on the node. A step
// whose trigger is zero is never taken, so the zero policy never escalates.
// Each step taken is announced with EventEscalated and recorded in the
// pod's PodReport.Steps, with the Reason that triggered it.
//
// Karpenter's terminationGracePeriod, for example, is a policy that
// deletes each pod in time for its own grace period to end by the node's
// deadline: Delete.BeforeDeadline set to the pod's grace period, with
// Options.Timeout the node's.
type EscalationPolicy struct {
	// Delete says when to stop evicting the pod (or waiting for it to
	// complete) and delete it instead, with DeleteGracePeriod: the deletion
	// bypasses budgets. For a pod already terminating it sends the deletion
	// only if DeleteGracePeriod ends the termination sooner. It is taken at
	// most once.
	Delete EscalationTrigger
	// DeleteGracePeriod is the grace period of that deletion. Nil uses
	// Options.GracePeriod, or else the pod's own; otherwise it must be at
	// least one second, and Delete must be set.
	DeleteGracePeriod *time.Duration
	// Leave says when to stop waiting for the pod and leave it on the node:
	// its outcome is OutcomeLeft and it no longer holds up its node, whose
	// drain then ends without error but not Drained.
	Leave EscalationTrigger
}

// EscalationTrigger says when an escalation step is taken: at the first of
// the conditions that are set, while the pod is in a state where they
// apply. Zero durations are not set.
type EscalationTrigger struct {
	// Blocked is how long budgets may hold the pod back, in all, before
	// the step: the local view of the budgets or the API server refusing
	// the eviction, or several budgets covering the pod. It applies until
	// the eviction is accepted, and counts within one Drain call: a drain
	// run again counts from zero.
	Blocked time.Duration
	// Unready is how long the pod may go without being Ready, counted from
	// its Ready condition's last transition (or its start), before the
	// step: a crash-looping pod that its budget keeps from going. It
	// applies until the eviction is accepted.
	Unready time.Duration
	// Terminating is how long the pod may stay terminating, counted from
	// the start of its deletion, before the step: a kubelet that does not
	// report back.
	Terminating time.Duration
	// BeforeDeadline takes the step this long before the node's
	// Options.Timeout expires, whatever the pod is waiting for. It needs
	// Options.Timeout; a value at or above it takes the step at once.
	BeforeDeadline time.Duration
	// NodeUnreachable is how long the pod's node may be unreachable, its
	// Ready condition Unknown (the node lifecycle controller's mark for a
	// kubelet that stopped reporting), counted from that condition's last
	// transition, before the step, whatever the pod is waiting for. A pod
	// on an unreachable node never finishes terminating, since only its
	// kubelet can confirm that its containers stopped, so Leave is the step
	// this trigger is for; the drain then watches the node too (one list
	// and one watch).
	NodeUnreachable time.Duration
}

// The reasons an escalation gives, in PodReport.Reason, Step.Reason and
// Event.Reason.
const (
	// ReasonBlockedTooLong: budgets held the pod back for longer than the
	// trigger's Blocked.
	ReasonBlockedTooLong Reason = "BlockedTooLong"
	// ReasonUnreadyTooLong: the pod was not Ready for longer than the
	// trigger's Unready.
	ReasonUnreadyTooLong Reason = "UnreadyTooLong"
	// ReasonTerminatingTooLong: the pod was terminating for longer than the
	// trigger's Terminating.
	ReasonTerminatingTooLong Reason = "TerminatingTooLong"
	// ReasonDeadlineNear: the node's deadline was BeforeDeadline away.
	ReasonDeadlineNear Reason = "DeadlineNear"
	// ReasonNodeUnreachable: the pod's node was unreachable for longer
	// than the trigger's NodeUnreachable.
	ReasonNodeUnreachable Reason = "NodeUnreachable"
	// ReasonInvalidEscalation: Options.Escalation gave the pod a policy
	// that is not valid; the plan's message says what is wrong.
	ReasonInvalidEscalation Reason = "InvalidEscalation"
)

// IsZero says whether the trigger is never met.
func (t EscalationTrigger) IsZero() bool { return t == EscalationTrigger{} }

// String reads like "blocked 10m0s or 1m0s before the deadline"; "" for
// the zero trigger.
func (t EscalationTrigger) String() string {
	var parts []string
	add := func(d time.Duration, format string) {
		if d > 0 {
			parts = append(parts, fmt.Sprintf(format, d))
		}
	}
	add(t.Blocked, "blocked %v")
	add(t.Unready, "unready %v")
	add(t.Terminating, "terminating %v")
	add(t.BeforeDeadline, "%v before the deadline")
	add(t.NodeUnreachable, "node unreachable %v")
	return strings.Join(parts, " or ")
}

// IsZero says whether the policy never escalates.
func (p EscalationPolicy) IsZero() bool { return p.Delete.IsZero() && p.Leave.IsZero() }

// String reads like "delete after blocked 10m0s with grace 30s; leave
// after terminating 5m0s"; "" for a policy that never escalates.
func (p EscalationPolicy) String() string {
	var parts []string
	if s := p.Delete.String(); s != "" {
		step := "delete after " + s
		if p.DeleteGracePeriod != nil {
			step += fmt.Sprintf(" with grace %v", *p.DeleteGracePeriod)
		}
		parts = append(parts, step)
	}
	if s := p.Leave.String(); s != "" {
		parts = append(parts, "leave after "+s)
	}
	return strings.Join(parts, "; ")
}

// validate checks the policy against the drain's timeout.
func (p EscalationPolicy) validate(timeout time.Duration) error {
	var errs []error
	for step, trigger := range map[string]EscalationTrigger{"Delete": p.Delete, "Leave": p.Leave} {
		for field, d := range map[string]time.Duration{
			"Blocked": trigger.Blocked, "Unready": trigger.Unready,
			"Terminating": trigger.Terminating, "BeforeDeadline": trigger.BeforeDeadline,
			"NodeUnreachable": trigger.NodeUnreachable,
		} {
			if d < 0 {
				errs = append(errs, fmt.Errorf("%s.%s is negative (%v); use zero to leave it unset", step, field, d))
			}
		}
		if trigger.BeforeDeadline > 0 && timeout == 0 {
			errs = append(errs, fmt.Errorf("%s.BeforeDeadline is set but Options.Timeout is zero, so there is no deadline; set Timeout", step))
		}
	}
	if g := p.DeleteGracePeriod; g != nil {
		if *g < time.Second {
			errs = append(errs, fmt.Errorf("DeleteGracePeriod is %v; use at least 1s, or nil for the pod's own", *g))
		}
		if p.Delete.IsZero() {
			errs = append(errs, errors.New("DeleteGracePeriod is set but Delete never fires; set a Delete trigger"))
		}
	}
	// Map iteration order must not change the message.
	msgs := make([]string, len(errs))
	for i, err := range errs {
		msgs[i] = err.Error()
	}
	slices.Sort(msgs)
	if len(msgs) == 0 {
		return nil
	}
	return errors.New(strings.Join(msgs, "; "))
}

// stage is where a pod's task stands; it decides which conditions apply.
type stage int

const (
	stageEvicting    stage = iota // not yet accepted for eviction
	stageWaiting                  // waited for to complete on its own
	stageTerminating              // terminating, by the drain or someone else
)

// escalation is a step that is due.
type escalation struct {
	action  Action // ActionDelete or ActionSkip
	reason  Reason
	message string
}

// dueEscalation returns the step due now, if any, and otherwise the time
// at which one will be due as things stand (zero: none).
func (t *podTask) dueEscalation(st stage, pod *corev1.Pod, now time.Time) (*escalation, time.Time) {
	policy := t.plan.escalation
	if policy.IsZero() {
		return nil, time.Time{}
	}
	var best *escalation
	var bestAt time.Time
	consider := func(action Action, trigger EscalationTrigger) {
		at, reason, message := t.triggerTime(st, trigger, pod)
		if at.IsZero() {
			return
		}
		if best == nil || at.Before(bestAt) {
			best, bestAt = &escalation{action: action, reason: reason, message: message}, at
		}
	}
	if !t.deleted && (st != stageTerminating || t.deleteShortens(pod, now)) {
		consider(ActionDelete, policy.Delete)
	}
	consider(ActionSkip, policy.Leave)
	if best == nil {
		return nil, time.Time{}
	}
	if !bestAt.After(now) {
		return best, time.Time{}
	}
	return nil, bestAt
}

// triggerTime is when the trigger's first condition that applies in the
// stage is met, with the reason and a message; zero when none applies.
func (t *podTask) triggerTime(st stage, trigger EscalationTrigger, pod *corev1.Pod) (time.Time, Reason, string) {
	var at time.Time
	var reason Reason
	var message string
	consider := func(when time.Time, r Reason, m string) {
		if at.IsZero() || when.Before(at) {
			at, reason, message = when, r, m
		}
	}
	if d := trigger.Blocked; d > 0 && st == stageEvicting && !t.blockedSince.IsZero() {
		consider(t.blockedSince.Add(d-t.blocked), ReasonBlockedTooLong, fmt.Sprintf("held back by budgets for %v", d))
	}
	if d := trigger.Unready; d > 0 && st == stageEvicting {
		if since, unready := unreadySince(pod); unready {
			consider(since.Add(d), ReasonUnreadyTooLong, fmt.Sprintf("not Ready for %v", d))
		}
	}
	if d := trigger.Terminating; d > 0 && st == stageTerminating && pod.DeletionTimestamp != nil {
		consider(deletionStart(pod).Add(d), ReasonTerminatingTooLong, fmt.Sprintf("terminating for %v", d))
	}
	if d := trigger.BeforeDeadline; d > 0 && !t.node.deadline.IsZero() {
		consider(t.node.deadline.Add(-d), ReasonDeadlineNear, fmt.Sprintf("%v before the node's deadline", d))
	}
	if d := trigger.NodeUnreachable; d > 0 {
		if since, unreachable := t.node.unreachableSince(); unreachable {
			consider(since.Add(d), ReasonNodeUnreachable, fmt.Sprintf("node %s unreachable for %v", t.node.name, d))
		}
	}
	return at, reason, message
}

// deleteGrace is the grace period of an escalation's deletion.
func (t *podTask) deleteGrace() *int64 {
	if g := t.plan.escalation.DeleteGracePeriod; g != nil {
		return graceSeconds(g)
	}
	return t.grace
}

// deleteShortens says whether deleting the terminating pod with the
// escalation's grace period would end its termination sooner: the API
// server only ever shortens a pending deletion.
func (t *podTask) deleteShortens(pod *corev1.Pod, now time.Time) bool {
	if pod.DeletionTimestamp == nil {
		return true
	}
	grace := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if g := t.deleteGrace(); g != nil {
		grace = *g
	} else if pod.Spec.TerminationGracePeriodSeconds != nil {
		grace = *pod.Spec.TerminationGracePeriodSeconds
	}
	end := deletionStart(pod).Add(time.Duration(grace) * time.Second)
	if end.Before(now) {
		end = now
	}
	return end.Before(pod.DeletionTimestamp.Time)
}

// deletionStart is when the pod's deletion began: its deletionTimestamp
// less its grace period.
func deletionStart(pod *corev1.Pod) time.Time {
	start := pod.DeletionTimestamp.Time
	if g := pod.DeletionGracePeriodSeconds; g != nil {
		start = start.Add(-time.Duration(*g) * time.Second)
	}
	return start
}

// unreadySince says whether the pod is not Ready and since when: its Ready
// condition's last transition, else its start, else its creation.
func unreadySince(pod *corev1.Pod) (time.Time, bool) {
	for _, c := range pod.Status.Conditions {
		if c.Type != corev1.PodReady {
			continue
		}
		if c.Status == corev1.ConditionTrue {
			return time.Time{}, false
		}
		if !c.LastTransitionTime.IsZero() {
			return c.LastTransitionTime.Time, true
		}
	}
	if pod.Status.StartTime != nil {
		return pod.Status.StartTime.Time, true
	}
	return pod.CreationTimestamp.Time, true
}
