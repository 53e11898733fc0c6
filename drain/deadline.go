package drain

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReasonTimeout marks pods deleted or left by the timeout policy.
const ReasonTimeout Reason = "Timeout"

// onTimeout applies Options.OnTimeout to the pods left when the node's
// deadline expired. ctx is the caller's context, still live.
func (n *nodeRun) onTimeout(ctx context.Context, remaining []*podTask) (bool, error) {
	r := n.run
	n.mu.Lock()
	blocking := slices.Clone(n.blocking)
	n.mu.Unlock()
	timeoutErr := &TimeoutError{Timeout: r.opts.Timeout, Blocking: blocking}
	for _, t := range remaining {
		timeoutErr.Remaining = append(timeoutErr.Remaining, t.ref.NamespacedName())
	}
	switch r.opts.OnTimeout {
	case TimeoutLeave:
		for _, t := range remaining {
			t.step(ActionSkip, ReasonTimeout, "left on the node when the timeout expired")
			r.rec.pod(t.ref, func(p *PodReport) { p.Outcome, p.Reason, p.Finished = OutcomeLeft, ReasonTimeout, time.Now() })
			r.events.emit(Event{Type: EventSkipped, Node: n.name, Pod: t.ref, Message: "left on the node: " + timeoutErr.Error()})
		}
		return false, nil
	case TimeoutForceDelete:
		results := make([]taskResult, len(remaining))
		var wg sync.WaitGroup
		for i, t := range remaining {
			wg.Go(func() { results[i] = t.forceDelete(ctx) })
		}
		wg.Wait()
		for _, res := range results {
			if res == taskFailed || res == taskRemaining {
				return false, timeoutErr
			}
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		if len(n.errs) > 0 {
			return false, timeoutErr
		}
		// A pod an escalation left keeps the node from being drained.
		return n.left == 0, nil
	default:
		return false, timeoutErr
	}
}

// forceDelete deletes a pod the deadline left behind, unless it is already
// terminating, and waits for it.
func (t *podTask) forceDelete(ctx context.Context) taskResult {
	pod, ok := t.node.pods.get(t.ref.key())
	if !ok {
		return t.gone(OutcomeGone, ReasonAlreadyGone, "gone before the timeout policy applied")
	}
	if pod.DeletionTimestamp != nil {
		return t.waitGone(ctx, OutcomeDeleted, true)
	}
	return t.delete(ctx, graceSeconds(t.node.run.opts.ForceDeleteGracePeriod), ReasonTimeout)
}

// delete removes the pod with DELETE (bypassing budgets), with a UID
// precondition, and waits for it to be gone.
func (t *podTask) delete(ctx context.Context, grace *int64, reason Reason) taskResult {
	if result, sent := t.sendDelete(ctx, grace, reason); !sent {
		return result
	}
	return t.waitGone(ctx, OutcomeDeleted, true)
}

// sendDelete sends the deletion until the API server accepts it (sent) or
// the task ends otherwise (result).
func (t *podTask) sendDelete(ctx context.Context, grace *int64, reason Reason) (result taskResult, sent bool) {
	r, n := t.node.run, t.node
	b := newBackoff(r.opts.MinRetryInterval, r.opts.MaxRetryInterval)
	r.rec.pod(t.ref, func(p *PodReport) { p.Reason = reason })
	for {
		if _, ok := n.pods.get(t.ref.key()); !ok {
			return t.gone(OutcomeGone, ReasonAlreadyGone, "gone before it was deleted"), false
		}
		t.attempts++
		r.rec.pod(t.ref, func(p *PodReport) { p.Attempts = t.attempts })
		err := r.api.deletePod(ctx, t.ref.Namespace, t.ref.Name, metav1.DeleteOptions{
			Preconditions:      t.ref.uidPrecondition(),
			GracePeriodSeconds: grace,
		})
		switch {
		case err == nil:
			t.step(ActionDelete, reason, describeGrace(grace))
			r.events.emit(Event{Type: EventTerminating, Node: n.name, Pod: t.ref, Attempt: t.attempts, Message: "deleted: " + string(reason)})
			return taskGone, true
		case apierrors.IsNotFound(err):
			return t.gone(OutcomeGone, ReasonAlreadyGone, "gone before it was deleted"), false
		case apierrors.IsConflict(err) && hasUIDPrecondition(err):
			return t.gone(OutcomeGone, ReasonReplaced, "replaced by a pod of the same name"), false
		case transient(err) || apierrors.IsConflict(err):
			wait := retryWait(b, err)
			r.events.emit(Event{Type: EventRetrying, Node: n.name, Pod: t.ref, Attempt: t.attempts, Err: err, RetryAt: time.Now().Add(wait)})
			if sleep(ctx, wait) != nil {
				return t.stop(), false
			}
		default:
			return t.fail(err, nil), false
		}
	}
}

func describeGrace(grace *int64) string {
	if grace == nil {
		return "with the pod's own grace period"
	}
	return fmt.Sprintf("with a grace period of %ds", *grace)
}
