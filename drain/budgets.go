package drain

import (
	"context"
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"

	"github.com/kubeprim/kubeprim/pdb"
)

// unreflectedExpiry bounds how long an accepted eviction is counted against
// its budget while the budget's status does not show it yet. The API server
// writes the status before it answers, so the watch shows it within moments;
// the bound only guards against an eviction that, by the time the server
// handled it, took no disruption (the pod turned unready).
const unreflectedExpiry = 30 * time.Second

// budgetView is the drain's live view of every budget in the cluster: one
// list and one watch shared by all nodes, plus the evictions this drain has
// started that the budgets' status does not show yet. Admission against it
// is atomic, so pods of several nodes never start more evictions than the
// budgets allow together: the cumulative accounting cluster-autoscaler does
// for planning, done live.
type budgetView struct {
	m *mirror[*policyv1.PodDisruptionBudget]
	// available is false when budgets could not be listed (RBAC): the
	// drain then relies on the API server's answers alone.
	available bool
	maxRetry  time.Duration

	// inflight holds admitted evictions not yet visible in their budget's
	// status, by pod (namespace/name). Guarded by m.mu.
	inflight map[string]*inflightEviction
	seq      uint64
	// admission caches, per namespace, the tracker admit asks, so that the
	// pods a budget change wakes do not each build one: it is kept current
	// by admit's own reservations and dropped on anything else that
	// changes the budgets or the evictions in flight. Guarded by m.mu.
	admission map[string]cachedTracker

	// turns holds, per budget (namespace/name), the turn of the eviction
	// being sent that uses one of its disruptions. The API server
	// decrements a budget with optimistic concurrency: a second eviction
	// of it sent meanwhile conflicts and waits 500 ms on the server before
	// trying again (EvictionsRetry), up to 20 times, then answers 504. One
	// eviction per budget at a time, answered in milliseconds, is faster;
	// budgets still go in parallel.
	turnsMu sync.Mutex
	turns   map[string]chan struct{}
}

type cachedTracker struct {
	tracker *pdb.Tracker
	// expires is when an eviction in flight it counts expires.
	expires time.Time
}

type inflightEviction struct {
	budget string // namespace/name
	// pod is the pod as it was admitted: healthy or not, as the API server
	// saw it when it decided.
	pod       *corev1.Pod
	confirmed bool
	at        time.Time
	seq       uint64
	// listSeq is the number of the last list started when the API server
	// accepted the eviction: any list numbered higher shows it.
	listSeq uint64
}

// verdict is the local answer to "may this pod be evicted now?".
type verdict struct {
	allowed bool
	// covering names the budgets covering the pod; blocking those that
	// hold it back.
	covering, blocking []string
	message            string
	// fallback is how long to wait for a budget change before asking the
	// API server anyway.
	fallback time.Duration
	// reserved is the in-flight entry taken by an allowed eviction.
	reserved *inflightEviction
	podKey   string
}

func newBudgetView(a *api, opts Options) *budgetView {
	v := &budgetView{inflight: map[string]*inflightEviction{}, admission: map[string]cachedTracker{}, maxRetry: opts.MaxRetryInterval}
	v.m = &mirror[*policyv1.PodDisruptionBudget]{
		kind: "poddisruptionbudgets",
		list: func(ctx context.Context) ([]*policyv1.PodDisruptionBudget, string, error) {
			return listBudgets(ctx, a)
		},
		watch: func(ctx context.Context, rv string) (watch.Interface, error) {
			return a.watchBudgets(ctx, metav1.ListOptions{
				ResourceVersion: rv, AllowWatchBookmarks: true,
			})
		},
		key:      func(b *policyv1.PodDisruptionBudget) string { return b.Namespace + "/" + b.Name },
		onUpdate: v.reflect,
		onRelisted: func(seq uint64) {
			clear(v.admission)
			for k, e := range v.inflight {
				if e.confirmed && e.listSeq < seq {
					delete(v.inflight, k)
				}
			}
		},
		minRetry: opts.MinRetryInterval,
		maxRetry: opts.MaxRetryInterval,
	}
	v.m.init()
	return v
}

func listBudgets(ctx context.Context, a *api) ([]*policyv1.PodDisruptionBudget, string, error) {
	opts := metav1.ListOptions{Limit: listChunk}
	var budgets []*policyv1.PodDisruptionBudget
	for {
		list, err := a.listBudgets(ctx, opts)
		if err != nil {
			return nil, "", err
		}
		for i := range list.Items {
			budgets = append(budgets, &list.Items[i])
		}
		if list.Continue == "" {
			return budgets, list.ResourceVersion, nil
		}
		opts.Continue = list.Continue
	}
}

// start lists the budgets and keeps them watched until ctx ends. An error
// leaves the view unavailable; the drain goes on without it.
func (v *budgetView) start(ctx context.Context, wg *sync.WaitGroup) error {
	if err := v.m.sync(ctx); err != nil {
		return err
	}
	v.available = true
	wg.Go(func() { v.m.run(ctx) })
	return nil
}

// reflect drops in-flight entries the budget's status now shows. Called
// under the mirror's lock.
func (v *budgetView) reflect(budget *policyv1.PodDisruptionBudget) {
	clear(v.admission)
	key := budget.Namespace + "/" + budget.Name
	for k, e := range v.inflight {
		if e.budget != key {
			continue
		}
		if _, shown := budget.Status.DisruptedPods[e.pod.Name]; shown {
			delete(v.inflight, k)
		}
	}
}

// trackerLocked returns a pdb.Tracker over the budgets of a namespace (all
// of them for ""), with the evictions in flight recorded, so that it
// answers as the API server will once it has written them. Called under
// the mirror's lock.
func (v *budgetView) trackerLocked(namespace string, now time.Time) *pdb.Tracker {
	var budgets []*policyv1.PodDisruptionBudget
	for _, budget := range v.m.items {
		if namespace == "" || budget.Namespace == namespace {
			budgets = append(budgets, budget)
		}
	}
	tracker := pdb.NewTracker(budgets, pdb.TrackerOptions{})
	pending := make([]*inflightEviction, 0, len(v.inflight))
	for k, e := range v.inflight {
		if e.confirmed && now.Sub(e.at) > unreflectedExpiry {
			delete(v.inflight, k)
			continue
		}
		if namespace == "" || e.pod.Namespace == namespace {
			pending = append(pending, e)
		}
	}
	// Replay in admission order, as the API server saw them.
	sort.Slice(pending, func(i, j int) bool { return pending[i].seq < pending[j].seq })
	for _, e := range pending {
		tracker.Evict(e.pod)
	}
	return tracker
}

// admissionLocked returns the tracker of the namespace for admit, from the
// cache when it is still exact.
func (v *budgetView) admissionLocked(namespace string, now time.Time) *pdb.Tracker {
	if c, ok := v.admission[namespace]; ok && !now.After(c.expires) {
		return c.tracker
	}
	c := cachedTracker{tracker: v.trackerLocked(namespace, now), expires: now.Add(unreflectedExpiry)}
	for _, e := range v.inflight {
		if at := e.at.Add(unreflectedExpiry); e.confirmed && e.pod.Namespace == namespace && at.Before(c.expires) {
			c.expires = at
		}
	}
	v.admission[namespace] = c
	return c.tracker
}

// admit decides whether the pod may be evicted now and, if the eviction
// would use a disruption, reserves it until release or confirm. With probe
// set the server is asked whatever the local view says (nothing is
// reserved then).
func (v *budgetView) admit(pod *corev1.Pod, probe bool) verdict {
	if !v.available {
		return verdict{allowed: true}
	}
	v.m.mu.Lock()
	defer v.m.mu.Unlock()
	now := time.Now()
	tracker := v.admissionLocked(pod.Namespace, now)
	decision := tracker.Check(pod)
	out := verdict{covering: decision.Budgets, message: decision.Message, podKey: pod.Namespace + "/" + pod.Name}
	if decision.Allowed || probe || decision.Reason == pdb.ReasonMultipleBudgets {
		// Several budgets: the API server refuses with a 500 that names
		// none; one request makes that answer authoritative and the error
		// then names them.
		out.allowed = true
		if decision.Allowed && decision.Decrements {
			v.seq++
			e := &inflightEviction{budget: pod.Namespace + "/" + decision.Budget, pod: pod.DeepCopy(), at: now, seq: v.seq}
			v.inflight[out.podKey] = e
			out.reserved = e
			tracker.Evict(pod) // as trackerLocked would replay it
		}
		return out
	}
	if decision.Budget != "" {
		out.blocking = []string{decision.Budget}
	}
	out.fallback = v.maxRetry
	if !v.m.watching {
		// The view may be stale: ask the server sooner.
		out.fallback = min(v.maxRetry, 5*time.Second)
	}
	return out
}

// takeTurn waits until no other eviction that uses a disruption of the
// same budget is being sent, and returns the function that ends the turn;
// ok is false if ctx ends first. Evictions that use no disruption take no
// turn.
func (v *budgetView) takeTurn(ctx context.Context, vd verdict) (done func(), ok bool) {
	if vd.reserved == nil {
		return func() {}, true
	}
	v.turnsMu.Lock()
	if v.turns == nil {
		v.turns = map[string]chan struct{}{}
	}
	turn, exists := v.turns[vd.reserved.budget]
	if !exists {
		turn = make(chan struct{}, 1)
		v.turns[vd.reserved.budget] = turn
	}
	v.turnsMu.Unlock()
	select {
	case turn <- struct{}{}:
		return func() { <-turn }, true
	case <-ctx.Done():
		return nil, false
	}
}

// release undoes a reservation whose eviction was refused.
func (v *budgetView) release(vd verdict) {
	if vd.reserved == nil {
		return
	}
	v.m.mu.Lock()
	defer v.m.mu.Unlock()
	clear(v.admission)
	if v.inflight[vd.podKey] == vd.reserved {
		delete(v.inflight, vd.podKey)
	}
}

// confirm records that the API server accepted the eviction; the entry
// stays until the budget's status shows it.
func (v *budgetView) confirm(vd verdict) {
	if vd.reserved == nil {
		return
	}
	v.m.mu.Lock()
	defer v.m.mu.Unlock()
	clear(v.admission) // the entry's expiry starts now
	vd.reserved.confirmed = true
	vd.reserved.at = time.Now()
	vd.reserved.listSeq = v.m.listStarts
}

// changes returns a channel closed at the next budget change. Without a
// view it never closes; waiters then rely on their timers.
func (v *budgetView) changes() <-chan struct{} {
	if !v.available {
		return nil
	}
	return v.m.changes()
}

// all returns every budget as the API server will hold it once this
// drain's evictions in flight are written.
func (v *budgetView) all() []*policyv1.PodDisruptionBudget {
	if !v.available {
		return nil
	}
	v.m.mu.Lock()
	defer v.m.mu.Unlock()
	return v.trackerLocked("", time.Now()).Budgets()
}
