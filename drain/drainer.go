package drain

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
)

// Drainer drains nodes with one client and one set of options. It holds the
// client (never a context) and is safe for concurrent use; each Plan or
// Drain call is independent.
type Drainer struct {
	client   kubernetes.Interface
	opts     Options
	selector labels.Selector
}

// New validates the options and returns a Drainer. Invalid options give an
// error matching ErrInvalidOptions (one *OptionsError per problem, joined)
// and no Drainer.
func New(client kubernetes.Interface, opts Options) (*Drainer, error) {
	if client == nil {
		return nil, &OptionsError{Field: "client", Reason: "is nil"}
	}
	valid, selector, err := opts.validate()
	if err != nil {
		return nil, err
	}
	return &Drainer{client: client, opts: valid, selector: selector}, nil
}

// Drain cordons the nodes, then evicts their pods, many nodes at once,
// never starting evictions that the budgets, taken together, cannot allow.
// It returns when every node is drained, has failed, or ctx ends; no
// goroutine outlives the call. The Report is never nil: it says what was
// done even when Drain fails or is cancelled, and calling Drain again with
// the same nodes continues where it stopped.
//
// Node names are checked, and every node is read, before anything changes:
// an empty, repeated or unknown name fails the whole call (ErrNodeNotFound
// for an unknown one).
func (d *Drainer) Drain(ctx context.Context, nodeNames ...string) (*Report, error) {
	r := newRun(d)
	started := time.Now()
	err := r.drain(ctx, nodeNames)
	rep := r.rec.build(r.requests)
	rep.Started, rep.Finished = started, time.Now()
	rep.Duration = rep.Finished.Sub(started)
	if err != nil {
		rep.Error = err.Error()
	}
	return rep, err
}

// run is the state of one Drain call.
type run struct {
	*Drainer
	requests *requestCounter
	api      *api
	rec      *recorder
	events   *emitter
	budgets  *budgetView
	// slots bounds pods in flight over all nodes (nil: no bound).
	slots chan struct{}
	// nsSlots bounds pods in flight per namespace, created as namespaces
	// are met (nil map: no bound).
	nsMu    sync.Mutex
	nsSlots map[string]chan struct{}
	// volumes watches VolumeAttachments (Options.WaitForVolumeDetach; nil
	// when off).
	volumes *volumeWatch
}

func newRun(d *Drainer) *run {
	requests := &requestCounter{}
	r := &run{
		Drainer:  d,
		requests: requests,
		api:      newAPI(d.client, requests),
		rec:      newRecorder(),
		events:   &emitter{fn: d.opts.OnEvent},
	}
	if n := d.opts.MaxConcurrentEvictions; n > 0 {
		r.slots = make(chan struct{}, n)
	}
	if d.opts.MaxConcurrentEvictionsPerNamespace > 0 {
		r.nsSlots = map[string]chan struct{}{}
	}
	return r
}

// namespaceSlots returns the bound on pods in flight in the namespace, or
// nil when there is none.
func (r *run) namespaceSlots(namespace string) chan struct{} {
	if r.nsSlots == nil {
		return nil
	}
	r.nsMu.Lock()
	defer r.nsMu.Unlock()
	slots, ok := r.nsSlots[namespace]
	if !ok {
		slots = make(chan struct{}, r.opts.MaxConcurrentEvictionsPerNamespace)
		r.nsSlots[namespace] = slots
	}
	return slots
}

func checkNodeNames(names []string) error {
	if len(names) == 0 {
		return &OptionsError{Field: "node names", Reason: "are missing; name at least one node"}
	}
	seen := map[string]bool{}
	for _, name := range names {
		if name == "" {
			return &OptionsError{Field: "node names", Reason: "include an empty name"}
		}
		if seen[name] {
			return &OptionsError{Field: "node names", Reason: fmt.Sprintf("name %s twice", name)}
		}
		seen[name] = true
	}
	return nil
}

func (r *run) drain(ctx context.Context, nodeNames []string) error {
	log := logr.FromContextOrDiscard(ctx)
	if err := checkNodeNames(nodeNames); err != nil {
		return err
	}
	// Read every node first, so that an unknown name changes nothing.
	nodes := make([]*corev1.Node, len(nodeNames))
	for i, name := range nodeNames {
		node, err := r.getNode(ctx, name)
		if err != nil {
			return err
		}
		nodes[i] = node
	}

	// The budgets are watched for the whole call, shared by every node, so
	// that evictions across nodes are counted against the same budgets.
	watchCtx, stopWatches := context.WithCancel(ctx)
	var watches sync.WaitGroup
	defer func() {
		stopWatches()
		watches.Wait()
	}()
	r.budgets = newBudgetView(r.api, r.opts)
	if err := r.budgets.start(watchCtx, &watches); err != nil {
		log.Info("budgets cannot be listed; evictions will rely on the API server's answers alone", "error", err.Error())
	}
	if err := r.startVolumeWatch(watchCtx, &watches, nodeNames); err != nil {
		return err
	}

	// Cordon every node before evicting anything, so that no evicted pod
	// lands on a node about to be drained.
	cordoned := make([]bool, len(nodes))
	for i, node := range nodes {
		changed, err := setCordon(ctx, r.api, node.Name, true, r.opts.Taint, node)
		if err != nil {
			r.rec.node(node.Name, func(n *NodeReport) { n.Error = err.Error() })
			r.events.emit(Event{Type: EventDone, Node: node.Name, Err: err})
			return errors.Join(&NodeError{Node: node.Name, Err: err}, r.undoCordons(ctx, nodes[:i], cordoned[:i]))
		}
		cordoned[i] = changed
		r.rec.node(node.Name, func(n *NodeReport) { n.Cordoned = changed })
		msg := "cordoned"
		if !changed {
			msg = "already cordoned"
		}
		r.events.emit(Event{Type: EventCordoned, Node: node.Name, Message: msg})
	}

	g := &errgroup.Group{}
	if n := r.opts.MaxConcurrentNodes; n > 0 {
		g.SetLimit(n)
	}
	errs := make([]error, len(nodes))
	for i, node := range nodes {
		g.Go(func() error {
			errs[i] = r.drainNode(ctx, watchCtx, node.Name, cordoned[i])
			return nil
		})
	}
	_ = g.Wait()
	return errors.Join(errs...)
}

// undoCordons uncordons the nodes this call cordoned when it stops before
// draining, if the options ask for it.
func (r *run) undoCordons(ctx context.Context, nodes []*corev1.Node, cordoned []bool) error {
	if !r.opts.UncordonOnFailure {
		return nil
	}
	var errs []error
	for i, node := range nodes {
		if cordoned[i] {
			errs = append(errs, r.uncordon(ctx, node.Name))
		}
	}
	return errors.Join(errs...)
}

// uncordon runs even when ctx is cancelled (the drain's failure may be that
// cancellation), bounded by its own short timeout.
func (r *run) uncordon(ctx context.Context, nodeName string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if _, err := setCordon(ctx, r.api, nodeName, false, r.opts.Taint, nil); err != nil {
		return fmt.Errorf("uncordon node %s: %w", nodeName, err)
	}
	r.rec.node(nodeName, func(n *NodeReport) { n.Uncordoned = true })
	r.events.emit(Event{Type: EventUncordoned, Node: nodeName})
	return nil
}

// sortPlans orders pods as the drain handles them: by tier, then order
// group, then namespace and name.
func sortPlans(pods []PodPlan) {
	sort.Slice(pods, func(i, j int) bool {
		a, b := pods[i], pods[j]
		if a.Tier != b.Tier {
			return a.Tier < b.Tier
		}
		if a.Order != b.Order {
			return a.Order < b.Order
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
}
