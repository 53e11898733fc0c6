package pdb

import (
	"cmp"
	"slices"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Tracker accounts for a sequence of evictions, across any number of nodes,
// against one set of budgets: each eviction sees the budgets as the ones
// before it left them. It answers what the eviction endpoint would answer
// for every pod in turn, so a drain of many nodes at once can ask it before
// each eviction and never ask the cluster for more disruptions than the
// budgets allow together.
//
// An eviction the endpoint allows is recorded as the API server and the
// disruption controller record it: a budget disruption it uses decrements
// disruptionsAllowed (with the DisruptionAllowed condition turning False at
// 0) and adds the pod to disruptedPods; a pod that counted as healthy
// lowers currentHealthy; the pod is terminating from then on, so evicting
// it again is allowed without a budget check. Nothing is ever given back by
// itself: replacement pods becoming Ready are the cluster's business, seen
// through Update.
//
// A Tracker is safe for concurrent use; Evict checks and records in one
// step.
type Tracker struct {
	mu      sync.Mutex
	now     func() time.Time
	budgets []*policyv1.PodDisruptionBudget
	// selectors are the budgets' selectors, parsed once.
	selectors selectors
	evicted   map[types.NamespacedName]record
}

// record is what one eviction changed, so that Undo can give it back.
type record struct {
	budget     types.NamespacedName
	decrement  bool
	healthy    bool
	disruption metav1.Time
}

// TrackerOptions configures a Tracker. The zero value is ready to use.
type TrackerOptions struct {
	// Now is the clock that stamps disruptedPods entries and decides whether
	// old entries still hide a pod; nil means time.Now.
	Now func() time.Time
}

// Count is a budget's numbers as the Tracker sees them.
type Count struct {
	Budget             types.NamespacedName
	ExpectedPods       int32
	DesiredHealthy     int32
	CurrentHealthy     int32
	DisruptionsAllowed int32
}

// Step is one eviction of a sequence: what the endpoint answers and the
// counts of the budgets covering the pod after it.
type Step struct {
	Pod      types.NamespacedName
	Decision Decision
	Counts   []Count
}

// NewTracker returns a Tracker over copies of budgets, with their status as
// the starting point: the status the cluster holds now, or what Compute
// returns. Nil budgets are skipped; budgets are kept ordered by namespace
// and name, the order in which the API server lists them.
func NewTracker(budgets []*policyv1.PodDisruptionBudget, opts TrackerOptions) *Tracker {
	t := &Tracker{now: opts.Now, evicted: map[types.NamespacedName]record{}}
	if t.now == nil {
		t.now = time.Now
	}
	for _, budget := range budgets {
		if budget != nil {
			t.budgets = append(t.budgets, budget.DeepCopy())
		}
	}
	slices.SortFunc(t.budgets, compareBudgets)
	t.selectors = compileSelectors(t.budgets)
	return t
}

func compareBudgets(a, b *policyv1.PodDisruptionBudget) int {
	return cmp.Or(cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
}

// Check returns what the eviction endpoint would answer for pod after the
// evictions recorded so far, without recording anything.
func (t *Tracker) Check(pod *corev1.Pod) Decision {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.check(pod)
}

func (t *Tracker) check(pod *corev1.Pod) Decision {
	if pod == nil {
		return CheckEviction(nil, nil)
	}
	if _, ok := t.evicted[podKey(pod)]; ok && pod.DeletionTimestamp == nil {
		terminating := pod.DeepCopy()
		at := metav1.NewTime(t.now())
		terminating.DeletionTimestamp = &at
		pod = terminating
	}
	return checkEviction(pod, t.selectors.covering(pod))
}

// Evict checks pod and, when the endpoint would allow its eviction, records
// it. The step's counts are those of the budgets covering the pod, after
// the eviction.
func (t *Tracker) Evict(pod *corev1.Pod) Step {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.evict(pod)
}

// EvictAll evicts pods in order and returns one step per pod; a refused
// eviction does not stop the sequence.
func (t *Tracker) EvictAll(pods []*corev1.Pod) []Step {
	t.mu.Lock()
	defer t.mu.Unlock()
	steps := make([]Step, 0, len(pods))
	for _, pod := range pods {
		steps = append(steps, t.evict(pod))
	}
	return steps
}

func (t *Tracker) evict(pod *corev1.Pod) Step {
	d := t.check(pod)
	step := Step{Decision: d}
	if pod == nil {
		return step
	}
	key := podKey(pod)
	step.Pod = key
	if _, again := t.evicted[key]; d.Allowed && !again {
		rec := record{}
		if d.Decrements {
			budget := t.find(types.NamespacedName{Namespace: pod.Namespace, Name: d.Budget})
			now := t.now()
			rec.budget = types.NamespacedName{Namespace: budget.Namespace, Name: budget.Name}
			rec.decrement = true
			rec.healthy = countsAsHealthy(pod, budget.Status.DisruptedPods, now)
			rec.disruption = metav1.NewTime(now)
			t.apply(budget, pod.Name, rec, 1)
		}
		t.evicted[key] = rec
	}
	for _, name := range d.Budgets {
		step.Counts = append(step.Counts, countOf(t.find(types.NamespacedName{Namespace: pod.Namespace, Name: name})))
	}
	return step
}

// apply records (sign 1) or gives back (sign -1) one eviction on budget.
func (t *Tracker) apply(budget *policyv1.PodDisruptionBudget, pod string, rec record, sign int32) {
	status := &budget.Status
	if rec.healthy {
		status.CurrentHealthy -= sign
	}
	if !rec.decrement {
		return
	}
	status.DisruptionsAllowed -= sign
	if sign > 0 {
		if status.DisruptedPods == nil {
			status.DisruptedPods = map[string]metav1.Time{}
		}
		status.DisruptedPods[pod] = rec.disruption
	} else {
		delete(status.DisruptedPods, pod)
	}
	// The API server brings the condition in line when the count reaches 0;
	// giving back makes it positive again.
	if status.DisruptionsAllowed == 0 || (sign < 0 && status.DisruptionsAllowed == 1) {
		setAllowedCondition(status, rec.disruption.Time)
	}
}

// Undo gives back what the eviction of pod recorded, for an eviction the
// cluster then refused or that was never sent. It reports whether there was
// one to give back.
func (t *Tracker) Undo(pod *corev1.Pod) bool {
	if pod == nil {
		return false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	key := podKey(pod)
	rec, ok := t.evicted[key]
	if !ok {
		return false
	}
	delete(t.evicted, key)
	if budget := t.find(rec.budget); budget != nil && rec.decrement {
		t.apply(budget, pod.Name, rec, -1)
	}
	return true
}

// Update replaces the Tracker's copy of a budget (or adds it) with a newer
// one, such as the cluster's after earlier evictions were processed. Pods
// already evicted stay evicted, but Undo no longer gives back to this
// budget what was recorded before the update.
func (t *Tracker) Update(budget *policyv1.PodDisruptionBudget) {
	if budget == nil {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	key := types.NamespacedName{Namespace: budget.Namespace, Name: budget.Name}
	for pod, rec := range t.evicted {
		if rec.budget == key {
			t.evicted[pod] = record{}
		}
	}
	i, found := slices.BinarySearchFunc(t.budgets, budget, compareBudgets)
	if found {
		t.budgets[i] = budget.DeepCopy()
	} else {
		t.budgets = slices.Insert(t.budgets, i, budget.DeepCopy())
	}
	t.selectors = compileSelectors(t.budgets)
}

// Budgets returns copies of the budgets with the status the Tracker holds.
func (t *Tracker) Budgets() []*policyv1.PodDisruptionBudget {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]*policyv1.PodDisruptionBudget, len(t.budgets))
	for i, budget := range t.budgets {
		out[i] = budget.DeepCopy()
	}
	return out
}

// Counts returns the numbers of every budget.
func (t *Tracker) Counts() []Count {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make([]Count, len(t.budgets))
	for i, budget := range t.budgets {
		out[i] = countOf(budget)
	}
	return out
}

func (t *Tracker) find(key types.NamespacedName) *policyv1.PodDisruptionBudget {
	i, found := slices.BinarySearchFunc(t.budgets, key, func(b *policyv1.PodDisruptionBudget, key types.NamespacedName) int {
		return cmp.Or(cmp.Compare(b.Namespace, key.Namespace), cmp.Compare(b.Name, key.Name))
	})
	if !found {
		return nil
	}
	return t.budgets[i]
}

func countOf(budget *policyv1.PodDisruptionBudget) Count {
	return Count{
		Budget:             types.NamespacedName{Namespace: budget.Namespace, Name: budget.Name},
		ExpectedPods:       budget.Status.ExpectedPods,
		DesiredHealthy:     budget.Status.DesiredHealthy,
		CurrentHealthy:     budget.Status.CurrentHealthy,
		DisruptionsAllowed: budget.Status.DisruptionsAllowed,
	}
}

func podKey(pod *corev1.Pod) types.NamespacedName {
	return types.NamespacedName{Namespace: pod.Namespace, Name: pod.Name}
}
