package drain

import (
	"context"
	"sync"
	"time"
)

// step appends to the pod's audit trail.
func (t *podTask) step(action Action, reason Reason, message string) {
	s := Step{Time: time.Now(), Action: action, Reason: reason, Message: message}
	t.node.run.rec.pod(t.ref, func(p *PodReport) { p.Steps = append(p.Steps, s) })
}

// escalate takes a due step from the evicting or waiting stage: delete the
// pod and wait for it, or leave it.
func (t *podTask) escalate(ctx context.Context, step *escalation) taskResult {
	if step.action == ActionSkip {
		return t.leave(step)
	}
	t.announce(step)
	return t.delete(ctx, t.deleteGrace(), step.reason)
}

// announce tells the caller's hook that a deletion step is taken, and
// closes the blocked interval: from now on the budgets no longer decide.
func (t *podTask) announce(step *escalation) {
	t.deleted = true
	t.unblock()
	t.node.run.events.emit(Event{Type: EventEscalated, Node: t.node.name, Pod: t.ref, Attempt: t.attempts,
		Reason: step.reason, Message: step.message + ": deleting it " + describeGrace(t.deleteGrace())})
}

// leave ends the task with the pod left on the node, as its policy says.
func (t *podTask) leave(step *escalation) taskResult {
	t.unblock()
	r := t.node.run
	r.events.emit(Event{Type: EventEscalated, Node: t.node.name, Pod: t.ref, Attempt: t.attempts,
		Reason: step.reason, Message: step.message + ": leaving it on the node"})
	t.step(ActionSkip, step.reason, step.message)
	r.rec.pod(t.ref, func(p *PodReport) { p.Outcome, p.Reason, p.Finished = OutcomeLeft, step.reason, time.Now() })
	r.events.emit(Event{Type: EventSkipped, Node: t.node.name, Pod: t.ref, Message: "left on the node: " + step.message})
	t.node.leftOne()
	return taskLeft
}

// escalationTimer returns a channel that fires when the pod's next step is
// due in the stage, as things stand, and a function that releases it. The
// channel is nil when none is due. When the node is watched, it also fires
// at the node's next change, which may make a step due (NodeUnreachable):
// the caller then looks again.
func (t *podTask) escalationTimer(st stage) (<-chan time.Time, func()) {
	pod, ok := t.node.pods.get(t.ref.key())
	if !ok {
		return nil, func() {}
	}
	nodeChanged := t.node.nodeChanges()
	step, at := t.dueEscalation(st, pod, time.Now())
	if step != nil {
		at = time.Now()
	}
	if at.IsZero() && nodeChanged == nil {
		return nil, func() {}
	}
	var due <-chan time.Time
	stopTimer := func() {}
	if !at.IsZero() {
		timer := time.NewTimer(time.Until(at))
		due, stopTimer = timer.C, func() { timer.Stop() }
	}
	if nodeChanged == nil {
		return due, stopTimer
	}
	fired := make(chan time.Time, 1)
	done := make(chan struct{})
	go func() {
		select {
		case now := <-due:
			fired <- now
		case <-nodeChanged:
			fired <- time.Now()
		case <-done:
		}
	}()
	var once sync.Once
	return fired, func() {
		once.Do(func() {
			close(done)
			stopTimer()
		})
	}
}

// canEscalate says whether the pod's policy may take a step in the stage
// by itself, without the pod changing: the conditions that count time.
func (t *podTask) canEscalate(st stage) bool {
	p := t.plan.escalation
	for _, trigger := range []EscalationTrigger{p.Delete, p.Leave} {
		switch {
		case trigger.BeforeDeadline > 0 && !t.node.deadline.IsZero():
			return true
		case trigger.NodeUnreachable > 0:
			return true
		case st == stageEvicting && (trigger.Blocked > 0 || trigger.Unready > 0):
			return true
		case st == stageTerminating && trigger.Terminating > 0:
			return true
		}
	}
	return false
}
