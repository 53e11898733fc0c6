package pdbtest

import (
	"context"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/pdb"
)

var (
	podsResource    = corev1.SchemeGroupVersion.WithResource("pods")
	budgetsResource = policyv1.SchemeGroupVersion.WithResource("poddisruptionbudgets")
	podKind         = corev1.SchemeGroupVersion.WithKind("Pod")
	budgetKind      = policyv1.SchemeGroupVersion.WithKind("PodDisruptionBudget")
)

// Option configures Install.
type Option func(*Server)

// WithClock sets the clock of the API server, the disruption controller
// and the kubelet that finishes terminations; nil keeps time.Now. A test
// that moves this clock forward sees graceful deletions complete and
// disruptedPods entries expire.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithScale sets how the disruption controller finds the scale of the pods'
// controllers; nil keeps the default, pdb.ClientScale over the objects of
// the fake clientset (ReplicationControllers, Deployments, ReplicaSets,
// StatefulSets). Custom resources with a /scale subresource need a ScaleFunc
// here: the fake clientset cannot serve /scale.
func WithScale(scale pdb.ScaleFunc) Option {
	return func(s *Server) {
		if scale != nil {
			s.scale = scale
		}
	}
}

// WithManualSync stops the disruption controller from keeping budget
// statuses current by itself: statuses then change only through evictions
// (as the API server changes them) and through Server.Sync. Use it to set
// up a status the controller would overwrite at once, such as an
// observedGeneration that lags.
func WithManualSync() Option {
	return func(s *Server) { s.manual = true }
}

// WithPodRemoved sets a hook called with every pod the Server removes from
// storage: deleted at once, or at the end of its graceful termination. It
// runs while the fake clientset holds its lock, so it must not call the
// clientset; it may use client.Tracker(). fakecluster uses it to replace
// evicted pods of controllers.
func WithPodRemoved(hook func(pod *corev1.Pod)) Option {
	return func(s *Server) { s.removed = hook }
}

// Server is the API server and disruption controller behaviour Install adds
// to a fake clientset. Its methods are safe for concurrent use, alongside
// the clientset's.
type Server struct {
	client  *fake.Clientset
	tracker k8stesting.ObjectTracker
	now     func() time.Time
	scale   pdb.ScaleFunc
	manual  bool
	removed func(pod *corev1.Pod)

	// mu serialises the Server's work on the tracker; the clientset's own
	// lock is held too when the work comes from a request.
	mu              sync.Mutex
	resourceVersion int64
}

// Install gives client the eviction semantics of a Kubernetes 1.36 API
// server, with a disruption controller keeping budget statuses current,
// and returns the Server that does it. Call it once per clientset, before
// the code under test runs; reactors the test prepends afterwards run first.
//
// What changes, for pods and policy/v1 PodDisruptionBudgets:
//
//   - Evictions (PolicyV1().Evictions(ns).Evict, CoreV1().Pods(ns).EvictV1
//     and the v1beta1 forms) answer as the eviction endpoint does (see
//     pdb.CheckEviction): 201 and the pod deleted, 429 with the
//     DisruptionBudget cause and Retry-After, 500 for several budgets, 403,
//     404, 409 when a UID or resourceVersion precondition does not match,
//     422 for ignoreStoreReadErrorWithClusterBreakingPotential. An allowed
//     eviction decrements the budget's disruptionsAllowed and records the
//     pod in disruptedPods before deleting it, and adds the pod's
//     DisruptionTarget condition. Dry runs change nothing. Unlike client-go
//     against a real server, nothing retries a 429 that carries
//     Retry-After.
//   - Deleting a pod (by eviction or Delete) follows the API server's
//     graceful deletion: the grace period is the request's, else the pod's
//     terminationGracePeriodSeconds, and 0 for a pod that is unscheduled or
//     has finished; negative means 1. With 0 and no finalizers the pod is
//     removed at once; otherwise it gets deletionTimestamp (now + grace) and
//     deletionGracePeriodSeconds, and a kubelet removes it when the clock
//     reaches deletionTimestamp and no finalizer is left. A second delete
//     may only shorten the grace period. UID and resourceVersion
//     preconditions answer 409.
//   - Every object written gets a UID (when it has none) and a new
//     resourceVersion; an update carrying a stale resourceVersion answers
//     409. Budgets get metadata.generation 1 on create and +1 on each spec
//     change; updates of a budget keep its status and status updates keep
//     its spec, as the API server does. Pods take spec and status in any
//     write, since the fake has no kubelet to own the status.
//   - Budget statuses are kept current the way the disruption controller
//     keeps them (pdb.Compute), with no lag: before every request on pods or
//     budgets (so that time-based changes are seen) and after every write.
//
// Objects seeded with fake.NewClientset or client.Tracker() get their UID
// and resourceVersion on the next request. Other resources, watches and
// policy/v1beta1 budgets are left to the fake clientset.
func Install(client *fake.Clientset, opts ...Option) *Server {
	s := &Server{client: client, tracker: client.Tracker(), now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	if s.scale == nil {
		s.scale = pdb.ClientScale(context.Background(), s.workloads())
	}
	client.PrependReactor("*", "*", s.react)
	return s
}

// workloads is a clientset that reads the same objects as the one the
// Server is installed on without taking its lock, so the disruption
// controller can look up controllers while a request is being served.
func (s *Server) workloads() *fake.Clientset {
	view := fake.NewClientset()
	view.PrependReactor("*", "*", k8stesting.ObjectReaction(s.tracker))
	view.PrependReactor("get", "resource", func(k8stesting.Action) (bool, runtime.Object, error) {
		// Discovery answers from view.Resources: mirror the installed
		// clientset's, which the test may set at any time.
		view.Resources = s.client.Resources
		return false, nil, nil
	})
	return view
}

// Now returns the time of the Server's clock.
func (s *Server) Now() time.Time { return s.now() }

// Sync runs the kubelet's and the disruption controller's work now, as
// every request does: it removes pods whose graceful termination is over
// and rewrites the status of every budget that is not current. It returns
// the errors of budgets the controller fails closed on (*pdb.SyncError),
// joined; their fail-closed status is written all the same.
func (s *Server) Sync() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishTerminations()
	return s.syncBudgets()
}

func (s *Server) react(action k8stesting.Action) (bool, runtime.Object, error) {
	resource := action.GetResource()
	if resource != podsResource && resource != budgetsResource {
		return false, nil, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.catchUp()

	switch verb, sub := action.GetVerb(), action.GetSubresource(); {
	case resource == podsResource && verb == "create" && sub == "eviction":
		err := s.evict(action)
		s.afterWrite()
		return true, nil, err
	case resource == podsResource && verb == "delete" && sub == "":
		del := action.(k8stesting.DeleteAction)
		err := s.deletePod(del.GetNamespace(), del.GetName(), del.GetDeleteOptions(), false)
		s.afterWrite()
		return true, nil, err
	case (verb == "create" && sub == "") || verb == "update" || verb == "patch":
		obj, err := s.write(action)
		s.afterWrite()
		return true, obj, err
	}
	// Reads, deletes of budgets and the rest: the fake's own reactor, on
	// objects that are now current.
	return false, nil, nil
}

// catchUp does what the kubelet and the disruption controller would have
// done by now.
func (s *Server) catchUp() {
	s.normalize()
	s.finishTerminations()
	if !s.manual {
		_ = s.syncBudgets()
	}
}

func (s *Server) afterWrite() {
	if !s.manual {
		_ = s.syncBudgets()
	}
}

// nextResourceVersion returns a resourceVersion greater than any given so
// far.
func (s *Server) nextResourceVersion() string {
	s.resourceVersion++
	return strconv.FormatInt(s.resourceVersion, 10)
}

// stamp returns the Server's clock as the API server stores times: to the
// second.
func (s *Server) stamp() time.Time {
	return s.now().Truncate(time.Second)
}
