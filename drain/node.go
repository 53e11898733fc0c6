package drain

import (
	"context"
	"errors"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
	// node watches the node object when an escalation policy needs it.
	node nodeWatch

	// deadline is when Options.Timeout expires for the node (zero: none).
	deadline time.Time

	mu       sync.Mutex
	errs     []error
	blocking []string
	// left counts pods left on the node by an escalation.
	left int

	// volumes waits for volumes to detach (nil: Options.WaitForVolumeDetach
	// is off).
	volumes *nodeVolumes
}

func (n *nodeRun) leftOne() {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.left++
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

// acquire takes a slot of each bound on pods in flight that applies to a
// pod of the namespace: the node's, the namespace's and the overall one,
// always in that order so that two pods never wait on each other. It
// returns the function that gives them back, or false if ctx ends first.
func (n *nodeRun) acquire(ctx context.Context, namespace string) (release func(), ok bool) {
	bounds := [3]chan struct{}{n.slots, n.run.namespaceSlots(namespace), n.run.slots}
	taken := 0
	release = func() {
		for i := taken - 1; i >= 0; i-- {
			if bounds[i] != nil {
				<-bounds[i]
			}
		}
	}
	for _, slots := range bounds {
		if slots != nil {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				release()
				return nil, false
			}
		}
		taken++
	}
	return release, true
}

// drainNode drains one cordoned node and records the outcome.
func (r *run) drainNode(ctx, watchCtx context.Context, name string, cordonedByUs bool) error {
	started := time.Now()
	r.rec.node(name, func(n *NodeReport) { n.Started = started })
	n := &nodeRun{run: r, name: name, pods: r.newPodMirror(name)}
	n.volumes = n.newNodeVolumes()
	if limit := r.opts.MaxConcurrentEvictionsPerNode; limit > 0 {
		n.slots = make(chan struct{}, limit)
	}

	nodeCtx, cancel := ctx, context.CancelFunc(func() {})
	if r.opts.Timeout > 0 {
		n.deadline = started.Add(r.opts.Timeout)
		nodeCtx, cancel = context.WithDeadlineCause(ctx, n.deadline, errTimeoutCause)
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

	if err := n.watchNodeFor(nodeCtx, podCtx, tasks, &podWatch); err != nil {
		return false, err
	}
	if err := n.volumes.prepare(nodeCtx, tasks); err != nil {
		return false, err
	}
	remaining := n.runTiers(nodeCtx, tasks)
	seen := map[string]bool{}
	for _, p := range plan.Pods {
		seen[p.Ref().key()] = true
	}
	for sweep := 0; sweep < maxSweeps && len(remaining) == 0 && nodeCtx.Err() == nil && !n.hasFailed(); sweep++ {
		late := n.latePods(seen)
		if len(late) == 0 {
			break
		}
		if err := n.watchNodeFor(nodeCtx, podCtx, late, &podWatch); err != nil {
			return false, err
		}
		remaining = n.runTiers(nodeCtx, late)
	}

	n.mu.Lock()
	failures, left := errors.Join(n.errs...), n.left
	n.mu.Unlock()
	if failures != nil {
		return false, failures
	}
	if len(remaining) == 0 {
		if err := n.volumes.wait(ctx, nodeCtx); err != nil {
			return false, err
		}
		// Pods an escalation left on the node were meant to stay: the
		// drain has done what it was asked, but the node is not empty.
		return left == 0, nil
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
	if limit := n.run.opts.MaxGracePeriod; grace == nil && limit > 0 {
		if pod, ok := n.pods.get(p.Ref().key()); ok && podGrace(pod) > limit {
			grace = graceSeconds(&limit)
		}
	}
	n.run.rec.pod(p.Ref(), func(pr *PodReport) { pr.Node, pr.Tier, pr.Order = n.name, p.Tier, p.Order })
	return &podTask{node: n, plan: p, ref: p.Ref(), grace: grace}
}

// podGrace is the pod's own grace period, with the API server's default for
// a pod that has none.
func podGrace(pod *corev1.Pod) time.Duration {
	seconds := int64(corev1.DefaultTerminationGracePeriodSeconds)
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil {
		seconds = *g
	}
	return time.Duration(seconds) * time.Second
}

// group is a tier's order group: the pods that go together.
type group struct {
	tier  Tier
	order int
}

// runTiers runs the tasks tier by tier and, within a tier, order group by
// order group, all pods of a group at once; it returns the tasks left when
// it stopped (deadline, cancellation or a failure).
func (n *nodeRun) runTiers(ctx context.Context, tasks []*podTask) []*podTask {
	byGroup := map[group][]*podTask{}
	var groups []group
	for _, t := range tasks {
		g := group{t.plan.Tier, t.plan.Order}
		if _, ok := byGroup[g]; !ok {
			groups = append(groups, g)
		}
		byGroup[g] = append(byGroup[g], t)
	}
	sort.Slice(groups, func(i, j int) bool {
		if groups[i].tier != groups[j].tier {
			return groups[i].tier < groups[j].tier
		}
		return groups[i].order < groups[j].order
	})
	var remaining []*podTask
	for i, g := range groups {
		if ctx.Err() != nil || n.hasFailed() {
			for _, later := range groups[i:] {
				for _, t := range byGroup[later] {
					t.stop()
					remaining = append(remaining, t)
				}
			}
			return remaining
		}
		results := make([]taskResult, len(byGroup[g]))
		var wg sync.WaitGroup
		for j, t := range byGroup[g] {
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
				remaining = append(remaining, byGroup[g][j])
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
		pod, ok := t.node.pods.get(t.ref.key())
		if ok && pod.DeletionTimestamp == nil {
			return t.waitCompleted(ctx)
		}
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
func (n *nodeRun) latePods(seen map[string]bool) []*podTask {
	var late []*corev1.Pod
	for _, pod := range n.pods.snapshot() {
		if seen[podKey(pod)] {
			continue
		}
		seen[podKey(pod)] = true
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
