package drain

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// podTask is one pod to remove from a node.
type podTask struct {
	node  *nodeRun
	plan  PodPlan
	ref   PodRef
	grace *int64

	// admitted is closed once the pod has asked for admission the first
	// time (or ended without asking).
	admitted     chan struct{}
	admittedOnce sync.Once

	attempts     int
	blocked      time.Duration
	blockedSince time.Time
	blockedBy    []string
	lastMessage  string
	// deleted is set once an escalation has deleted the pod.
	deleted bool
}

func (t *podTask) markAdmitted() {
	if t.admitted != nil {
		t.admittedOnce.Do(func() { close(t.admitted) })
	}
}

// taskResult is how a pod's task ended.
type taskResult int

const (
	taskGone      taskResult = iota // removed (or was already), or completed
	taskFailed                      // gave up; error recorded
	taskRemaining                   // stopped by the deadline or cancellation
	taskLeft                        // left on the node by an escalation
)

// errMultipleBudgetsMessage is how the eviction API says that a pod has
// several budgets (pkg/registry/core/pod/storage/eviction.go).
const errMultipleBudgetsMessage = "more than one PodDisruptionBudget"

// evict removes one pod through the eviction API. It returns when the pod
// is gone, when it fails for good, or when ctx ends.
func (t *podTask) evict(ctx context.Context) taskResult {
	r, n := t.node.run, t.node
	log := logr.FromContextOrDiscard(ctx).WithValues("pod", t.ref.String(), "node", n.name)
	b := newBackoff(r.opts.MinRetryInterval, r.opts.MaxRetryInterval)
	var notBefore time.Time // Retry-After from the server
	probe := false          // ask the server even though the local view says no
	for {
		if ctx.Err() != nil {
			return t.stop()
		}
		pod, ok := n.pods.get(t.ref.key())
		if !ok {
			return t.gone(OutcomeGone, ReasonAlreadyGone, "gone before it was evicted")
		}
		if pod.DeletionTimestamp != nil {
			// Someone else is deleting it; it will be gone without us.
			t.markAdmitted()
			return t.waitGone(ctx, OutcomeGone, false)
		}
		if step, _ := t.dueEscalation(stageEvicting, pod, time.Now()); step != nil {
			t.markAdmitted()
			return t.escalate(ctx, step)
		}

		verdict := r.budgets.admit(pod, probe)
		t.markAdmitted()
		probe = false
		if !verdict.allowed {
			t.block(verdict.blocking, verdict.message, time.Now().Add(verdict.fallback))
			switch t.waitBudget(ctx, verdict.fallback, true) {
			case waitProbe:
				probe = true
			case waitStop:
				return t.stop()
			}
			continue
		}
		if wait := time.Until(notBefore); wait > 0 {
			// The server asked for this pause (Retry-After); the pod may
			// still go away or escalate meanwhile.
			r.budgets.release(verdict)
			if !t.pause(ctx, wait) {
				return t.stop()
			}
			continue
		}

		releaseSlots, ok := n.acquire(ctx, t.ref.Namespace)
		if !ok {
			r.budgets.release(verdict)
			return t.stop()
		}
		endTurn, ok := r.budgets.takeTurn(ctx, verdict)
		if !ok {
			releaseSlots()
			r.budgets.release(verdict)
			return t.stop()
		}
		t.attempts++
		r.rec.pod(t.ref, func(p *PodReport) { p.Attempts = t.attempts })
		if t.attempts == 1 {
			t.step(ActionEvict, t.plan.Reason, "")
		}
		r.events.emit(Event{Type: EventEvicting, Node: n.name, Pod: t.ref, Attempt: t.attempts, Budgets: t.plan.Budgets})
		err := r.api.evict(ctx, &policyv1.Eviction{
			ObjectMeta: metav1.ObjectMeta{Namespace: t.ref.Namespace, Name: t.ref.Name},
			DeleteOptions: &metav1.DeleteOptions{
				Preconditions:      t.ref.uidPrecondition(),
				GracePeriodSeconds: t.grace,
			},
		})
		endTurn()
		if err == nil {
			r.budgets.confirm(verdict)
			t.unblock()
			r.events.emit(Event{Type: EventTerminating, Node: n.name, Pod: t.ref, Attempt: t.attempts})
			result := t.waitGone(ctx, OutcomeEvicted, true)
			releaseSlots()
			return result
		}
		releaseSlots()
		r.budgets.release(verdict)
		log.V(1).Info("eviction refused", "attempt", t.attempts, "error", err.Error())
		if seconds, ok := apierrors.SuggestsClientDelay(err); ok {
			// A 429 or 5xx with Retry-After: the next request waits that
			// long, whatever else happens (api sends each once, so this
			// loop is what retries).
			notBefore = time.Now().Add(time.Duration(seconds) * time.Second)
		}

		switch {
		case apierrors.IsNotFound(err):
			return t.gone(OutcomeGone, ReasonAlreadyGone, "gone before it was evicted")
		case apierrors.IsConflict(err) && hasUIDPrecondition(err):
			// The name now belongs to a replacement: ours is gone.
			return t.gone(OutcomeGone, ReasonReplaced, "replaced by a pod of the same name")
		case apierrors.IsTooManyRequests(err):
			wait := retryWait(b, err)
			budgets := verdict.covering
			msg := budgetCause(err)
			if msg == "" {
				// Throttled, not blocked by a budget.
				r.events.emit(Event{Type: EventRetrying, Node: n.name, Pod: t.ref, Attempt: t.attempts, Err: err, RetryAt: time.Now().Add(wait)})
				if !t.pause(ctx, wait) {
					return t.stop()
				}
				continue
			}
			// The server refused what the local view allowed: the view is
			// behind. Look again after a budget change or the backoff.
			t.block(budgets, msg, time.Now().Add(wait))
			if t.waitBudget(ctx, wait, false) == waitStop {
				return t.stop()
			}
		case isMultipleBudgets(err):
			multiple := &MultipleBudgetsError{Budgets: verdict.covering}
			if !t.canEscalate(stageEvicting) {
				return t.fail(multiple, verdict.covering)
			}
			// The policy will end this: count it as blocked until then,
			// asking again if the budgets change.
			wait := b.step()
			t.block(verdict.covering, multiple.Error(), time.Now().Add(wait))
			if t.waitBudget(ctx, wait, false) == waitStop {
				return t.stop()
			}
		case apierrors.IsForbidden(err) && hasCause(err, corev1.NamespaceTerminatingCause):
			// The namespace is going away; its pods go with it.
			return t.waitGone(ctx, OutcomeGone, false)
		case apierrors.IsForbidden(err) && len(verdict.covering) > 0:
			// A budget in a state the server refuses to decrement
			// (negative allowance, too many unconfirmed disruptions):
			// wait for the disruption controller to catch up.
			wait := b.step()
			t.block(verdict.covering, err.Error(), time.Now().Add(wait))
			if t.waitBudget(ctx, wait, true) == waitStop {
				return t.stop()
			}
			probe = true
		case transient(err) || apierrors.IsConflict(err):
			wait := retryWait(b, err)
			r.events.emit(Event{Type: EventRetrying, Node: n.name, Pod: t.ref, Attempt: t.attempts, Err: err, RetryAt: time.Now().Add(wait)})
			if !t.pause(ctx, wait) {
				return t.stop()
			}
		default:
			return t.fail(err, nil)
		}
	}
}

type waitOutcome int

const (
	waitRecheck waitOutcome = iota // a budget or the pod changed
	waitProbe                      // the fallback timer fired
	waitStop                       // ctx ended
)

// waitBudget waits for a budget change, the pod's disappearance, the
// fallback timer, or the end of ctx. When the timer fires it says to probe
// (ask the API server whatever the local view says) if probeOnTimer, else
// to look at the view again.
func (t *podTask) waitBudget(ctx context.Context, fallback time.Duration, probeOnTimer bool) waitOutcome {
	timer := time.NewTimer(fallback)
	defer timer.Stop()
	escalate, stopEscalate := t.escalationTimer(stageEvicting)
	defer stopEscalate()
	select {
	case <-ctx.Done():
		return waitStop
	case <-t.node.run.budgets.changes():
		return waitRecheck
	case <-t.node.pods.waitGone(t.ref.key()):
		return waitRecheck
	case <-escalate:
		return waitRecheck
	case <-timer.C:
		if probeOnTimer {
			return waitProbe
		}
		return waitRecheck
	}
}

// pause waits for d to pass, the pod to disappear or an escalation to fall
// due, and returns false if ctx ends first.
func (t *podTask) pause(ctx context.Context, d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	escalate, stopEscalate := t.escalationTimer(stageEvicting)
	defer stopEscalate()
	select {
	case <-ctx.Done():
		return false
	case <-t.node.pods.waitGone(t.ref.key()):
	case <-escalate:
	case <-timer.C:
	}
	return true
}

// block records that budgets hold the pod back and tells the caller's hook
// when the explanation changes.
func (t *podTask) block(budgets []string, message string, retryAt time.Time) {
	if t.blockedSince.IsZero() {
		t.blockedSince = time.Now()
	}
	for _, b := range budgets {
		if !slices.Contains(t.blockedBy, b) {
			t.blockedBy = append(t.blockedBy, b)
		}
	}
	if message == t.lastMessage {
		return
	}
	t.lastMessage = message
	t.node.run.events.emit(Event{Type: EventBlocked, Node: t.node.name, Pod: t.ref, Attempt: t.attempts,
		Budgets: budgets, Message: message, RetryAt: retryAt})
	t.node.noteBlocking(t.ref.Namespace, budgets)
}

// unblock closes the current blocked interval.
func (t *podTask) unblock() {
	if !t.blockedSince.IsZero() {
		t.blocked += time.Since(t.blockedSince)
		t.blockedSince = time.Time{}
	}
	t.lastMessage = ""
	t.node.run.rec.pod(t.ref, func(p *PodReport) {
		p.Blocked = t.blocked
		p.BlockedBy = slices.Clone(t.blockedBy)
	})
}

// waitGone waits for the pod to disappear from the node. Pods terminating
// longer than their grace period plus Options.SkipWaitForDeleteTimeout are
// given up on, as their kubelet is likely gone; the pod's EscalationPolicy
// may delete it with a shorter grace period, or leave it, before that.
func (t *podTask) waitGone(ctx context.Context, outcome Outcome, accepted bool) taskResult {
	r, n := t.node.run, t.node
	var skip <-chan time.Time
	if d := r.opts.SkipWaitForDeleteTimeout; d > 0 {
		grace := time.Duration(podGraceSeconds(n.pods, t.ref, t.grace)) * time.Second
		timer := time.NewTimer(grace + d)
		defer timer.Stop()
		skip = timer.C
	}
	for {
		gone := n.pods.waitGone(t.ref.key())
		var changed <-chan struct{}
		if !t.plan.escalation.IsZero() {
			// The policy's conditions depend on the pod (its deletion
			// seen by the watch, a shorter grace period): look again
			// when it changes.
			changed = n.pods.changes()
		}
		if pod, ok := n.pods.get(t.ref.key()); ok {
			if step, _ := t.dueEscalation(stageTerminating, pod, time.Now()); step != nil {
				if step.action == ActionSkip {
					return t.leave(step)
				}
				// Shorten the termination; keep waiting for it.
				t.announce(step)
				if result, sent := t.sendDelete(ctx, t.deleteGrace(), step.reason); !sent {
					return result
				}
				outcome, accepted = OutcomeDeleted, true
				continue
			}
		}
		escalate, stopEscalate := t.escalationTimer(stageTerminating)
		select {
		case <-gone:
			stopEscalate()
			if accepted {
				eventType := EventEvicted
				if outcome == OutcomeDeleted {
					eventType = EventDeleted
				}
				r.events.emit(Event{Type: eventType, Node: n.name, Pod: t.ref, Attempt: t.attempts})
			}
			reason := Reason("")
			if outcome == OutcomeGone {
				reason = ReasonTerminating
			}
			return t.gone(outcome, reason, "deleted by someone else")
		case <-escalate:
			stopEscalate()
		case <-changed:
			stopEscalate()
		case <-skip:
			stopEscalate()
			r.events.emit(Event{Type: EventSkipped, Node: n.name, Pod: t.ref, Message: "still terminating after SkipWaitForDeleteTimeout"})
			r.rec.pod(t.ref, func(p *PodReport) {
				p.Outcome, p.Reason, p.Finished = OutcomeSkipped, ReasonStuckTerminating, time.Now()
			})
			return taskGone
		case <-ctx.Done():
			stopEscalate()
			return t.stop()
		}
	}
}

func podGraceSeconds(pods *mirror[*corev1.Pod], ref PodRef, override *int64) int64 {
	if override != nil {
		return *override
	}
	if pod, ok := pods.get(ref.key()); ok && pod.Spec.TerminationGracePeriodSeconds != nil {
		return *pod.Spec.TerminationGracePeriodSeconds
	}
	return corev1.DefaultTerminationGracePeriodSeconds
}

func (t *podTask) gone(outcome Outcome, reason Reason, message string) taskResult {
	t.unblock()
	t.node.run.rec.pod(t.ref, func(p *PodReport) {
		p.Outcome, p.Finished = outcome, time.Now()
		if reason != "" {
			p.Reason = reason
		}
	})
	if outcome == OutcomeGone {
		t.node.run.events.emit(Event{Type: EventSkipped, Node: t.node.name, Pod: t.ref, Message: message})
	}
	return taskGone
}

func (t *podTask) fail(err error, budgets []string) taskResult {
	t.unblock()
	err = &EvictionError{Pod: t.ref.NamespacedName(), Budgets: budgets, Err: err}
	t.node.run.rec.pod(t.ref, func(p *PodReport) {
		p.Outcome, p.Error, p.Finished = OutcomeFailed, err.Error(), time.Now()
	})
	t.node.run.events.emit(Event{Type: EventFailed, Node: t.node.name, Pod: t.ref, Attempt: t.attempts, Budgets: budgets, Err: err})
	t.node.failed(err)
	return taskFailed
}

// stop records a pod left when the drain stopped; the node decides what
// happens to it.
func (t *podTask) stop() taskResult {
	t.unblock()
	t.node.run.rec.pod(t.ref, func(p *PodReport) { p.Outcome = OutcomeRemaining })
	return taskRemaining
}

// budgetCause returns the message of the DisruptionBudget cause of a 429,
// or "" when the 429 is plain throttling.
func budgetCause(err error) string {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return ""
	}
	for _, c := range status.Status().Details.Causes {
		if c.Type == policyv1.DisruptionBudgetCause {
			return c.Message
		}
	}
	if msg := status.Status().Message; strings.Contains(msg, "disruption budget") {
		return msg
	}
	return ""
}

func hasCause(err error, cause metav1.CauseType) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Details == nil {
		return false
	}
	for _, c := range status.Status().Details.Causes {
		if c.Type == cause {
			return true
		}
	}
	return false
}

// hasUIDPrecondition tells a 409 for our UID precondition from a conflict
// the server would retry itself.
func hasUIDPrecondition(err error) bool {
	msg := err.Error()
	return strings.Contains(msg, "UID") && strings.Contains(strings.ToLower(msg), "precondition")
}

func isMultipleBudgets(err error) bool {
	var status apierrors.APIStatus
	return errors.As(err, &status) && status.Status().Code == 500 &&
		strings.Contains(status.Status().Message, errMultipleBudgetsMessage)
}

// graceSeconds converts Options.GracePeriod for DeleteOptions.
func graceSeconds(d *time.Duration) *int64 {
	if d == nil {
		return nil
	}
	s := int64((*d + time.Second - 1) / time.Second)
	return &s
}
