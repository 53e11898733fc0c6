package fakecluster

import (
	"fmt"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/pdb/pdbtest"
)

// Options configures a Cluster. The zero value makes replacement pods
// Ready as soon as they are created, and terminating pods take their whole
// grace period.
type Options struct {
	// ReadyDelay is how long a pod created by the cluster's controllers
	// (a replacement, a workload's pod) runs before it turns Ready.
	ReadyDelay time.Duration

	// Termination says how long a deleted pod's containers take to stop
	// and whether its kubelet reports back (pdbtest.WithTermination): a pod
	// goes after the shorter of that time and its grace period, or never
	// while its kubelet is unreachable, until a deletion with a grace
	// period of 0. Nil: every pod takes its whole grace period.
	Termination pdbtest.TerminationFunc

	// DetachDelay is how long after a pod is gone the VolumeAttachments of
	// its claims' volumes on its node are deleted (unless another pod on
	// the node uses the claim), as the attach-detach controller and the
	// CSI attacher do. Zero: at once.
	DetachDelay time.Duration
}

// Cluster is an in-memory cluster: a fake clientset plus the parts of the
// control plane the plain fake lacks. Use it as a kubernetes.Interface.
//
// Every write must go through the client (or the Cluster's methods); writes
// straight to Tracker() bypass the controllers and the watch history.
//
// A Cluster runs one goroutine for its timers; Close ends it and every open
// watch. Create it inside a testing/synctest bubble to run its timers on the
// bubble's fake clock, and Close it before the bubble ends.
type Cluster struct {
	*fake.Clientset

	opts    Options
	tracker k8stesting.ObjectTracker
	server  *pdbtest.Server
	front   *k8stesting.SimpleReactor
	clock   *clock

	// mu guards everything below, and serializes the controllers.
	mu       sync.Mutex
	feeds    map[schema.GroupVersionResource]watch.Interface
	log      []event
	rv       uint64
	lastRV   map[objectKey]uint64
	store    map[schema.GroupVersionResource]map[types.NamespacedName]runtime.Object
	changed  *sync.Cond
	watchers map[*watcher]bool
	closed   bool
	seq      uint64
	// managed holds the pods the cluster created, whose status it drives.
	managed map[types.UID]bool
	// unplaced holds replacement pods no node could take yet.
	unplaced map[types.NamespacedName]bool
	// placement is the scheduler's view, for placing new pods.
	placement placement
	// wakeups holds the times a sync is already scheduled for.
	wakeups map[time.Time]bool
}

type objectKey struct {
	gvr schema.GroupVersionResource
	types.NamespacedName
}

// New returns a cluster holding the objects, with the zero Options.
func New(objects ...runtime.Object) (*Cluster, error) {
	return NewWithOptions(Options{}, objects...)
}

// NewWithOptions returns a cluster holding the objects. Objects the fake
// cannot hold (an unknown kind, a duplicate name) give an error. Budgets'
// statuses are computed at once, as the disruption controller would.
func NewWithOptions(opts Options, objects ...runtime.Object) (*Cluster, error) {
	if opts.ReadyDelay < 0 {
		return nil, fmt.Errorf("fakecluster options: negative ReadyDelay %v", opts.ReadyDelay)
	}
	if opts.DetachDelay < 0 {
		return nil, fmt.Errorf("fakecluster options: negative DetachDelay %v", opts.DetachDelay)
	}
	// NewClientset's tracker manages fields and rebuilds a REST mapper on
	// every write, which made a 60-pod drain 20 times slower; the cluster
	// needs no managed fields, so it uses the plain tracker.
	cs := fake.NewSimpleClientset()
	c := &Cluster{
		Clientset: cs,
		opts:      opts,
		tracker:   cs.Tracker(),
		feeds:     map[schema.GroupVersionResource]watch.Interface{},
		lastRV:    map[objectKey]uint64{},
		store:     map[schema.GroupVersionResource]map[types.NamespacedName]runtime.Object{},
		watchers:  map[*watcher]bool{},
		managed:   map[types.UID]bool{},
		unplaced:  map[types.NamespacedName]bool{},
		wakeups:   map[time.Time]bool{},
	}
	c.changed = sync.NewCond(&c.mu)
	// pdbtest answers evictions and pod deletions as the API server does,
	// plays the kubelet that ends graceful terminations, and keeps budget
	// statuses current; the cluster's own reactor goes in front of it.
	c.server = pdbtest.Install(cs, pdbtest.WithTermination(opts.Termination))

	for i, obj := range objects {
		if obj == nil {
			return nil, fmt.Errorf("fakecluster: object %d is nil", i)
		}
		obj = obj.DeepCopyObject()
		if m, err := meta.Accessor(obj); err == nil {
			// What the API server fills on create, for objects from a
			// manifest.
			if m.GetUID() == "" {
				m.SetUID(c.uidLocked())
			}
			if created := m.GetCreationTimestamp(); created.IsZero() {
				m.SetCreationTimestamp(metav1.NewTime(time.Now().Truncate(time.Second)))
			}
		}
		if err := c.tracker.Add(obj); err != nil {
			return nil, fmt.Errorf("fakecluster: object %d: %w", i, err)
		}
	}
	// The tracker's watchers panic past 100 undelivered events, so they
	// are opened after the initial objects, which are read by listing, and
	// drained after every change.
	for _, gvr := range watchedResources {
		w, err := c.tracker.Watch(gvr, "")
		if err != nil {
			c.stopFeeds()
			return nil, fmt.Errorf("fakecluster: watch %s: %w", gvr.Resource, err)
		}
		c.feeds[gvr] = w
	}
	c.mu.Lock()
	err := c.loadInitialLocked()
	c.mu.Unlock()
	if err != nil {
		c.stopFeeds()
		return nil, err
	}
	c.clock = newClock()
	go c.clock.run()
	c.installReactors()
	c.mu.Lock()
	c.absorbLocked()
	c.mu.Unlock()
	return c, nil
}

// Tracker returns the object tracker behind the client. Writing to it
// directly bypasses the controllers and the watch history; use the client.
func (c *Cluster) Tracker() k8stesting.ObjectTracker { return c.tracker }

// Close stops the cluster's goroutine and ends every open watch. The client
// still answers afterwards, without controllers. Close is idempotent.
func (c *Cluster) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	c.changed.Broadcast()
	c.mu.Unlock()
	c.clock.stop()
	c.stopFeeds()
}

func (c *Cluster) stopFeeds() {
	for _, w := range c.feeds {
		w.Stop()
	}
}

// after runs fn with the cluster locked after d, unless the cluster is
// closed by then. The clientset's lock is taken first, as a request takes
// it: pdbtest writes to the tracker while serving requests, and a write of
// ours in between would be lost to its read-modify-write.
func (c *Cluster) after(d time.Duration, fn func()) {
	c.clock.after(d, func() {
		c.Clientset.Lock()
		defer c.Clientset.Unlock()
		c.mu.Lock()
		defer c.mu.Unlock()
		if c.closed {
			return
		}
		fn()
		c.absorbLocked()
	})
}

// nextSeq returns a number unique in this cluster, for names and UIDs.
func (c *Cluster) nextSeq() uint64 {
	c.seq++
	return c.seq
}
