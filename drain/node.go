package drain

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// errTimeoutCause marks the node context's deadline, to tell it from the
// caller's.
var errTimeoutCause = errors.New("drain node timeout")

// maxSweeps bounds the extra rounds for pods that arrive on the node while
// it drains (bound to it directly, or tolerating the cordon).
const maxSweeps = 3

// nodeRun is the drain of one node.
type nodeRun struct {
	run   *run
	name  string
	pods  *mirror[*corev1.Pod]
	slots chan struct{}

	mu       sync.Mutex
	errs     []error
	blocking []string
}

func (n *nodeRun) failed(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.errs = append(n.errs, err)
}

func (n *nodeRun) noteBlocking(namespace string, budgets []string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	for _, b := range budgets {
		if key := namespace + "/" + b; !containsString(n.blocking, key) {
			n.blocking = append(n.blocking, key)
		}
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// acquire takes a slot of the node's and the overall bound on pods in
// flight; it returns false if ctx ends first.
func (n *nodeRun) acquire(ctx context.Context) bool {
	if n.slots != nil {
		select {
		case n.slots <- struct{}{}:
		case <-ctx.Done():
			return false
		}
	}
	if n.run.slots != nil {
		select {
		case n.run.slots <- struct{}{}:
		case <-ctx.Done():
			if n.slots != nil {
				<-n.slots
			}
			return false
		}
	}
	return true
}

func (n *nodeRun) release() {
	if n.run.slots != nil {
		<-n.run.slots
	}
	if n.slots != nil {
		<-n.slots
	}
}

// drainNode drains one cordoned node and records the outcome.
func (r *run) drainNode(ctx, watchCtx context.Context, name string, cordonedByUs bool) error {
	started := time.Now()
	r.rec.node(name, func(n *NodeReport) { n.Started = started })
	n := &nodeRun{run: r, name: name, pods: r.newPodMirror(name)}
	if limit := r.opts.MaxConcurrentEvictionsPerNode; limit > 0 {
		n.slots = make(chan struct{}, limit)
	}

	nodeCtx, cancel := ctx, context.CancelFunc(func() {})
	if r.opts.Timeout > 0 {
		nodeCtx, cancel = context.WithTimeoutCause(ctx, r.opts.Timeout, errTimeoutCause)
	}
	defer cancel()

	drained, err := n.drain(ctx, nodeCtx, watchCtx)
	if err != nil && r.opts.UncordonOnFailure && cordonedByUs {
		err = errors.Join(err, r.uncordon(ctx, name))
	}
	finished := time.Now()
	blocked := time.Duration(0)
	r.rec.mu.Lock()
	for _, p := range r.rec.pods {
		if p.Node == name {
			blocked += p.Blocked
		}
	}
	r.rec.mu.Unlock()
	r.rec.node(name, func(nr *NodeReport) {
		nr.Drained, nr.Finished, nr.Duration, nr.Blocked = drained, finished, finished.Sub(started), blocked
		if err != nil {
			nr.Error = err.Error()
		}
	})
	r.events.emit(Event{Type: EventDone, Node: name, Err: err})
	if err != nil {
		return &NodeError{Node: name, Err: err}
	}
	return nil
}

// drain runs the tiers. nodeCtx carries the node's deadline, ctx the
// caller's; the pod watch lives on watchCtx until drain returns.
func (n *nodeRun) drain(ctx, nodeCtx, watchCtx context.Context) (bool, error) {
	r := n.run
	if err := n.pods.sync(nodeCtx); err != nil {
		return false, err
	}
	podCtx, stopPods := context.WithCancel(watchCtx)
	var podWatch sync.WaitGroup
	podWatch.Go(func() { n.pods.run(podCtx) })
	defer func() {
		stopPods()
		podWatch.Wait()
	}()

	plan := r.planPods(n.name, n.pods.snapshot())
	r.events.emit(Event{Type: EventPlanned, Node: n.name, Plan: plan})

	var tasks []*podTask
	var blocked []PodPlan
	for _, p := range plan.Pods {
		ref := p.Ref()
		r.rec.pod(ref, func(pr *PodReport) { pr.Node, pr.Tier = n.name, p.Tier })
		switch p.Action {
		case ActionSkip:
			r.rec.pod(ref, func(pr *PodReport) { pr.Outcome, pr.Reason = OutcomeSkipped, p.Reason })
			r.events.emit(Event{Type: EventSkipped, Node: n.name, Pod: ref, Message: p.Message})
		case ActionBlocked:
			if p.Reason == ReasonBudget || p.Reason == ReasonMultipleBudgets {
				// The budgets decide at eviction time.
				tasks = append(tasks, n.task(p))
				continue
			}
			r.rec.pod(ref, func(pr *PodReport) { pr.Outcome, pr.Reason, pr.Error = OutcomeBlocked, p.Reason, p.Message })
			blocked = append(blocked, p)
		default:
			tasks = append(tasks, n.task(p))
		}
	}
	if len(blocked) > 0 {
		for _, t := range tasks {
			r.rec.pod(t.ref, func(pr *PodReport) { pr.Outcome = OutcomeRemaining })
		}
		err := &BlockedError{Node: n.name, Pods: blocked}
		return false, err
	}

	remaining := n.runTiers(nodeCtx, tasks)
	seen := map[types.UID]bool{}
	for _, p := range plan.Pods {
		seen[p.UID] = true
	}
	for sweep := 0; sweep < maxSweeps && len(remaining) == 0 && nodeCtx.Err() == nil && !n.hasFailed(); sweep++ {
		late := n.latePods(seen)
		if len(late) == 0 {
			break
		}
		remaining = n.runTiers(nodeCtx, late)
	}

	n.mu.Lock()
	failures := errors.Join(n.errs...)
	n.mu.Unlock()
	if failures != nil {
		return false, failures
	}
	if len(remaining) == 0 {
		return true, nil
	}
	if ctx.Err() != nil {
		return false, context.Cause(ctx)
	}
	if context.Cause(nodeCtx) == errTimeoutCause {
		return n.onTimeout(ctx, remaining)
	}
	return false, context.Cause(nodeCtx)
}

func (n *nodeRun) task(p PodPlan) *podTask {
	grace := graceSeconds(n.run.opts.GracePeriod)
	n.run.rec.pod(p.Ref(), func(pr *PodReport) { pr.Node, pr.Tier = n.name, p.Tier })
	return &podTask{node: n, plan: p, ref: p.Ref(), grace: grace}
}

// runTiers runs the tasks tier by tier, all pods of a tier at once, and
// returns the tasks left when it stopped (deadline, cancellation or a
// failure).
func (n *nodeRun) runTiers(ctx context.Context, tasks []*podTask) []*podTask {
	byTier := map[Tier][]*podTask{}
	var tiers []Tier
	for _, t := range tasks {
		if _, ok := byTier[t.plan.Tier]; !ok {
			tiers = append(tiers, t.plan.Tier)
		}
		byTier[t.plan.Tier] = append(byTier[t.plan.Tier], t)
	}
	sort.Slice(tiers, func(i, j int) bool { return tiers[i] < tiers[j] })
	var remaining []*podTask
	for i, tier := range tiers {
		if ctx.Err() != nil || n.hasFailed() {
			for _, later := range tiers[i:] {
				for _, t := range byTier[later] {
					t.stop()
					remaining = append(remaining, t)
				}
			}
			return remaining
		}
		results := make([]taskResult, len(byTier[tier]))
		var wg sync.WaitGroup
		for j, t := range byTier[tier] {
			// Each pod makes its first request for admission before the
			// next one starts, so that pods of one budget go in the plan's
			// order (the plan says which of them wait).
			t.admitted = make(chan struct{})
			wg.Go(func() {
				defer t.markAdmitted()
				results[j] = t.start(ctx)
			})
			<-t.admitted
		}
		wg.Wait()
		for j, res := range results {
			if res == taskRemaining {
				remaining = append(remaining, byTier[tier][j])
			}
		}
	}
	return remaining
}

func (n *nodeRun) hasFailed() bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	return len(n.errs) > 0
}

// start runs one pod's task according to its action.
func (t *podTask) start(ctx context.Context) taskResult {
	t.node.run.rec.pod(t.ref, func(p *PodReport) { p.Started = time.Now() })
	if t.plan.Action != ActionEvict {
		t.markAdmitted()
	}
	switch t.plan.Action {
	case ActionWait:
		return t.waitGone(ctx, OutcomeGone, false)
	case ActionDelete:
		return t.delete(ctx, t.grace, t.plan.Reason)
	default:
		return t.evict(ctx)
	}
}

// latePods returns tasks for pods that arrived on the node after it was
// planned. DaemonSet pods are left out: their controller puts them back on
// any node they tolerate, so evicting them again would never end.
func (n *nodeRun) latePods(seen map[types.UID]bool) []*podTask {
	var late []*corev1.Pod
	for _, pod := range n.pods.snapshot() {
		if seen[pod.UID] {
			continue
		}
		seen[pod.UID] = true
		if isDaemonSet(metav1.GetControllerOf(pod)) {
			continue
		}
		late = append(late, pod)
	}
	if len(late) == 0 {
		return nil
	}
	plan := n.run.planPods(n.name, late)
	var tasks []*podTask
	for _, p := range plan.Pods {
		switch p.Action {
		case ActionEvict, ActionDelete, ActionWait:
			tasks = append(tasks, n.task(p))
		case ActionBlocked:
			if p.Reason == ReasonBudget || p.Reason == ReasonMultipleBudgets {
				tasks = append(tasks, n.task(p))
				continue
			}
			n.run.rec.pod(p.Ref(), func(pr *PodReport) { pr.Outcome, pr.Reason, pr.Error = OutcomeBlocked, p.Reason, p.Message })
			n.failed(&BlockedError{Node: n.name, Pods: []PodPlan{p}})
		default:
			n.run.rec.pod(p.Ref(), func(pr *PodReport) { pr.Outcome, pr.Reason = OutcomeSkipped, p.Reason })
		}
	}
	return tasks
}
