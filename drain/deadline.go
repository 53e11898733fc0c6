package drain

import (
	"context"
	"slices"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
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
			if res != taskGone {
				return false, timeoutErr
			}
		}
		n.mu.Lock()
		defer n.mu.Unlock()
		if len(n.errs) > 0 {
			return false, timeoutErr
		}
		return true, nil
	default:
		return false, timeoutErr
	}
}

// forceDelete deletes a pod the deadline left behind, unless it is already
// terminating, and waits for it.
func (t *podTask) forceDelete(ctx context.Context) taskResult {
	pod, ok := t.node.pods.get(string(t.ref.UID))
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
	r, n := t.node.run, t.node
	b := newBackoff(r.opts.MinRetryInterval, r.opts.MaxRetryInterval)
	r.rec.pod(t.ref, func(p *PodReport) { p.Reason = reason })
	uid := types.UID(t.ref.UID)
	for {
		if _, ok := n.pods.get(string(uid)); !ok {
			return t.gone(OutcomeGone, ReasonAlreadyGone, "gone before it was deleted")
		}
		t.attempts++
		r.rec.pod(t.ref, func(p *PodReport) { p.Attempts = t.attempts })
		r.requests.add(reqDeletePod)
		err := r.client.CoreV1().Pods(t.ref.Namespace).Delete(ctx, t.ref.Name, metav1.DeleteOptions{
			Preconditions:      &metav1.Preconditions{UID: &uid},
			GracePeriodSeconds: grace,
		})
		switch {
		case err == nil:
			r.events.emit(Event{Type: EventTerminating, Node: n.name, Pod: t.ref, Attempt: t.attempts, Message: "deleted: " + string(reason)})
			return t.waitGone(ctx, OutcomeDeleted, true)
		case apierrors.IsNotFound(err):
			return t.gone(OutcomeGone, ReasonAlreadyGone, "gone before it was deleted")
		case apierrors.IsConflict(err) && hasUIDPrecondition(err):
			return t.gone(OutcomeGone, ReasonReplaced, "replaced by a pod of the same name")
		case transient(err) || apierrors.IsConflict(err):
			wait := b.step()
			r.events.emit(Event{Type: EventRetrying, Node: n.name, Pod: t.ref, Attempt: t.attempts, Err: err, RetryAt: time.Now().Add(wait)})
			if sleep(ctx, wait) != nil {
				return t.stop()
			}
		default:
			return t.fail(err, nil)
		}
	}
}
