package drain_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

// scenario builds a cluster for a test.
type scenario struct {
	objs []runtime.Object
}

func (s *scenario) add(objs ...runtime.Object) *scenario {
	s.objs = append(s.objs, objs...)
	return s
}

func (s *scenario) nodes(names ...string) *scenario {
	for _, n := range names {
		s.add(testutil.DrainNode(n))
	}
	return s
}

// replicaSet adds a ReplicaSet "app" with one pod per entry of nodes, named
// app-0, app-1, ..., labelled app=<app>.
func (s *scenario) replicaSet(app string, nodes ...string) *scenario {
	s.add(testutil.ReplicaSet("default", app, int32(len(nodes))))
	for i, n := range nodes {
		s.add(testutil.DrainPod(fmt.Sprintf("%s-%d", app, i), n).Owner("ReplicaSet", app).Labels("app", app).Obj())
	}
	return s
}

// statefulSet adds a StatefulSet with pods app-0... on the nodes.
func (s *scenario) statefulSet(app string, nodes ...string) *scenario {
	sts := testutil.StatefulSet("default", app, int32(len(nodes)))
	s.add(sts)
	for i, n := range nodes {
		s.add(testutil.DrainPod(fmt.Sprintf("%s-%d", app, i), n).Owner("StatefulSet", app).Labels("app", app).Obj())
	}
	return s
}

func minAvailable(name string, n int, selector ...string) *policyv1.PodDisruptionBudget {
	v := intstr.FromInt32(int32(n))
	return pdbWith(name, &v, nil, selector...)
}

func maxUnavailable(name string, n int, selector ...string) *policyv1.PodDisruptionBudget {
	v := intstr.FromInt32(int32(n))
	return pdbWith(name, nil, &v, selector...)
}

// pdbWith selects app=name unless key, value pairs are given.
func pdbWith(name string, minAvail, maxUnavail *intstr.IntOrString, selector ...string) *policyv1.PodDisruptionBudget {
	labels := map[string]string{"app": name}
	if len(selector) > 0 {
		labels = map[string]string{}
		for i := 0; i+1 < len(selector); i += 2 {
			labels[selector[i]] = selector[i+1]
		}
	}
	return &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MinAvailable: minAvail, MaxUnavailable: maxUnavail,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
		},
	}
}

// start runs the cluster; a grace period, when given, goes to every pod
// without one, so that evicted pods stay terminating that long (pdbtest's
// kubelet takes the whole grace period).
func (s *scenario) start(t *testing.T, opts fakecluster.Options, grace ...time.Duration) *fakecluster.Cluster {
	t.Helper()
	for _, obj := range s.objs {
		if pod, ok := obj.(*corev1.Pod); ok && len(grace) > 0 && pod.Spec.TerminationGracePeriodSeconds == nil {
			seconds := int64(grace[0] / time.Second)
			pod.Spec.TerminationGracePeriodSeconds = &seconds
		}
	}
	c, err := fakecluster.NewWithOptions(opts, s.objs...)
	require.NoError(t, err)
	t.Cleanup(c.Close)
	return c
}

// budgetGuard watches every budget for the whole test and records each
// status in which fewer pods are healthy than the budget requires, and
// every time a workload has fewer Ready, non-terminating pods than its
// budget's minimum: the two ways a drain can break a budget.
type budgetGuard struct {
	mu         sync.Mutex
	violations []string
	statuses   int
	stop       func()
	done       chan struct{}
}

func guardBudgets(t *testing.T, c *fakecluster.Cluster) *budgetGuard {
	t.Helper()
	w, err := c.PolicyV1().PodDisruptionBudgets("").Watch(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	g := &budgetGuard{stop: w.Stop, done: make(chan struct{})}
	go func() {
		defer close(g.done)
		for ev := range w.ResultChan() {
			b, ok := ev.Object.(*policyv1.PodDisruptionBudget)
			if !ok || ev.Type == watch.Deleted {
				continue
			}
			g.mu.Lock()
			g.statuses++
			if b.Status.CurrentHealthy < b.Status.DesiredHealthy && b.Status.ObservedGeneration >= b.Generation && b.Status.ExpectedPods > 0 {
				g.violations = append(g.violations, fmt.Sprintf("budget %s: %d healthy, needs %d", b.Name, b.Status.CurrentHealthy, b.Status.DesiredHealthy))
			}
			g.mu.Unlock()
		}
	}()
	t.Cleanup(g.close)
	return g
}

func (g *budgetGuard) close() {
	g.stop()
	<-g.done
}

// check stops the guard and fails the test on any violation.
func (g *budgetGuard) check(t *testing.T) {
	t.Helper()
	g.close()
	g.mu.Lock()
	defer g.mu.Unlock()
	require.NotZero(t, g.statuses, "the guard saw no budget status")
	require.Empty(t, g.violations, "budget violated")
}

// podDeletes returns the DELETE requests made on pods: a drain that could
// evict must never send one.
func podDeletes(c *fakecluster.Cluster) []string {
	var out []string
	for _, a := range c.Actions() {
		if d, ok := a.(k8stesting.DeleteActionImpl); ok && d.Resource.Resource == "pods" {
			out = append(out, d.Namespace+"/"+d.Name)
		}
	}
	return out
}

// evictionsOf returns the pods named in eviction requests, in order.
func evictionsOf(c *fakecluster.Cluster) []string {
	var out []string
	for _, a := range c.Actions() {
		if cr, ok := a.(k8stesting.CreateActionImpl); ok && cr.Subresource == "eviction" {
			out = append(out, cr.Object.(*policyv1.Eviction).Name)
		}
	}
	return out
}

// podsOn lists the pods bound to a node.
func podsOn(t *testing.T, c *fakecluster.Cluster, node string) []corev1.Pod {
	t.Helper()
	list, err := c.CoreV1().Pods("").List(t.Context(), metav1.ListOptions{FieldSelector: "spec.nodeName=" + node})
	require.NoError(t, err)
	return list.Items
}

// events records a drain's events.
type events struct {
	mu  sync.Mutex
	all []drain.Event
}

func (e *events) record(ev drain.Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.all = append(e.all, ev)
}

func (e *events) ofType(typ drain.EventType) []drain.Event {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []drain.Event
	for _, ev := range e.all {
		if ev.Type == typ {
			out = append(out, ev)
		}
	}
	return out
}

// evictionUIDs returns the UID preconditions of the eviction requests.
func evictionUIDs(c *fakecluster.Cluster) []string {
	var out []string
	for _, a := range c.Actions() {
		cr, ok := a.(k8stesting.CreateActionImpl)
		if !ok || cr.Subresource != "eviction" {
			continue
		}
		e := cr.Object.(*policyv1.Eviction)
		if e.DeleteOptions != nil && e.DeleteOptions.Preconditions != nil && e.DeleteOptions.Preconditions.UID != nil {
			out = append(out, string(*e.DeleteOptions.Preconditions.UID))
		} else {
			out = append(out, "")
		}
	}
	return out
}

func countOf(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}
