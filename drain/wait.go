package drain

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// waitCompleted waits, without evicting it, for a pod that asked to be
// left running until it completes: until its phase is Succeeded or Failed,
// or it is gone. Its EscalationPolicy may delete it or leave it first.
func (t *podTask) waitCompleted(ctx context.Context) taskResult {
	r, n := t.node.run, t.node
	uid := t.ref.key()
	t.step(ActionWait, t.plan.Reason, t.plan.Message)
	r.events.emit(Event{Type: EventWaiting, Node: n.name, Pod: t.ref, Reason: t.plan.Reason, Message: t.plan.Message})
	for {
		// Take the channel before looking, so no change is missed.
		changed := n.pods.changes()
		pod, ok := n.pods.get(uid)
		switch {
		case !ok:
			return t.gone(OutcomeGone, ReasonAlreadyGone, "gone while the drain waited for it to complete")
		case pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed:
			r.rec.pod(t.ref, func(p *PodReport) {
				p.Outcome, p.Reason, p.Finished = OutcomeCompleted, ReasonCompleted, time.Now()
			})
			r.events.emit(Event{Type: EventCompleted, Node: n.name, Pod: t.ref, Message: "phase " + string(pod.Status.Phase)})
			return taskGone
		case pod.DeletionTimestamp != nil:
			// Someone else is deleting it.
			return t.waitGone(ctx, OutcomeGone, false)
		}
		if step, _ := t.dueEscalation(stageWaiting, pod, time.Now()); step != nil {
			return t.escalate(ctx, step)
		}
		escalate, stopEscalate := t.escalationTimer(stageWaiting)
		select {
		case <-changed:
		case <-escalate:
		case <-ctx.Done():
			stopEscalate()
			return t.stop()
		}
		stopEscalate()
	}
}
