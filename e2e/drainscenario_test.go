package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/utils/ptr"

	"github.com/kubeprim/kubeprim/e2e/cluster"
)

// drainScenario is a node of 60 pods of six workloads, each behind a
// budget that lets only a few go at a time, and three empty nodes for the
// replacements. Replacements take 1–3 s to become Ready and evicted pods up
// to 5 s to shut down, as kwok plays them.
type drainScenario struct {
	ns      string
	node    string
	budgets []*policyv1.PodDisruptionBudget // with the status the controller wrote before the drain
	apps    []string
	total   int // pods of all workloads
}

var drainWorkloads = []struct {
	name     string
	kind     workloadKind
	replicas int32
	budget   policyv1.PodDisruptionBudgetSpec
}{
	{"web", kindDeployment, 12, policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(2))}},
	{"api", kindDeployment, 10, policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromString("80%"))}},
	{"worker", kindDeployment, 10, policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1))}},
	{"cache", kindStatefulSet, 6, policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(5))}},
	{"batch", kindDeployment, 12, policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromString("25%"))}},
	{"front", kindDeployment, 10, policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(9))}},
}

// drainKwok: replacements start at once and become Ready 1–3 s later.
var drainKwok = map[string]string{
	"pod-create.stage.kwok.x-k8s.io/delay":        "0s",
	"pod-create.stage.kwok.x-k8s.io/jitter-delay": "0s",
	"pod-ready.stage.kwok.x-k8s.io/delay":         "1s",
	"pod-ready.stage.kwok.x-k8s.io/jitter-delay":  "3s",
}

// newDrainScenario fills a fresh node named prefix-src with the 60 pods
// (it is the only schedulable node while they are created), then adds
// prefix-dst-0..2, and returns once every budget's status is current.
func newDrainScenario(t testing.TB, prefix string) *drainScenario {
	t.Helper()
	ctx := t.Context()
	s := &drainScenario{ns: newNamespace(t, prefix), node: prefix + "-src"}
	createNodes(t, cluster.Node(s.node, "64", "256Gi", 110))
	total := int32(0)
	for _, w := range drainWorkloads {
		wl := workload{name: w.name, kind: w.kind, replicas: w.replicas, labels: map[string]string{"app": w.name}, gracePeriod: 5, kwok: drainKwok}
		wl.create(t, s.ns)
		spec := w.budget
		spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"app": w.name}}
		_, err := kube.Client().PolicyV1().PodDisruptionBudgets(s.ns).Create(ctx, &policyv1.PodDisruptionBudget{
			ObjectMeta: metav1.ObjectMeta{Name: w.name}, Spec: spec}, metav1.CreateOptions{})
		require.NoError(t, err)
		s.apps = append(s.apps, w.name)
		total += w.replicas
	}
	s.total = int(total)
	waitUntil(t, 3*time.Minute, fmt.Sprintf("%d Ready pods on %s", total, s.node), func(ctx context.Context) error {
		pods, err := kube.Client().CoreV1().Pods(s.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		ready := int32(0)
		for i := range pods.Items {
			if p := &pods.Items[i]; podReady(p) && p.Spec.NodeName == s.node {
				ready++
			}
		}
		if ready != total {
			return fmt.Errorf("%d of %d", ready, total)
		}
		return nil
	})
	for i := range 3 {
		createNodes(t, cluster.Node(fmt.Sprintf("%s-dst-%d", prefix, i), "64", "256Gi", 110))
	}
	waitUntil(t, time.Minute, "budgets observed with every pod healthy", func(ctx context.Context) error {
		list, err := kube.Client().PolicyV1().PodDisruptionBudgets(s.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		s.budgets = s.budgets[:0]
		for i := range list.Items {
			b := &list.Items[i]
			if b.Status.ObservedGeneration != b.Generation || b.Status.CurrentHealthy != b.Status.ExpectedPods || b.Status.ExpectedPods == 0 {
				return fmt.Errorf("budget %s: %+v", b.Name, b.Status)
			}
			s.budgets = append(s.budgets, b)
		}
		if len(s.budgets) != len(drainWorkloads) {
			return fmt.Errorf("%d budgets", len(s.budgets))
		}
		return nil
	})
	return s
}

// settledElsewhere reports whether the scenario's node has no pod left and every
// workload is whole and Ready again elsewhere.
func (s *drainScenario) settledElsewhere(ctx context.Context) error {
	pods, err := kube.Client().CoreV1().Pods(s.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	ready := 0
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Spec.NodeName == s.node {
			return fmt.Errorf("pod %s still on %s", p.Name, s.node)
		}
		if podReady(p) && p.DeletionTimestamp == nil {
			ready++
		}
	}
	if ready != s.total {
		return fmt.Errorf("%d of %d pods Ready", ready, s.total)
	}
	return nil
}

// budgetWatcher watches the scenario's pods during a drain and records every
// moment a budget had fewer healthy pods than it requires, or a workload had
// no Ready replica. Healthy is what the disruption controller counts: Ready
// and not being deleted.
type budgetWatcher struct {
	mu         sync.Mutex
	pods       map[string]*corev1.Pod
	budgets    []*policyv1.PodDisruptionBudget
	selectors  []labels.Selector
	apps       []string
	minHealthy map[string]int32
	violations []string
	// checking starts once the informer has listed every pod; before that
	// the counts only grow from zero.
	checking bool
	stop     context.CancelFunc
	done     chan struct{}
}

func watchBudgets(t testing.TB, s *drainScenario) *budgetWatcher {
	t.Helper()
	w := &budgetWatcher{pods: map[string]*corev1.Pod{}, budgets: s.budgets, apps: s.apps, minHealthy: map[string]int32{}, done: make(chan struct{})}
	for _, b := range s.budgets {
		sel, err := metav1.LabelSelectorAsSelector(b.Spec.Selector)
		require.NoError(t, err)
		w.selectors = append(w.selectors, sel)
		w.minHealthy[b.Name] = b.Status.CurrentHealthy
	}
	ctx, cancel := context.WithCancel(context.Background())
	w.stop = cancel
	factory := informers.NewSharedInformerFactoryWithOptions(kube.Client(), 0, informers.WithNamespace(s.ns))
	inf := factory.Core().V1().Pods().Informer()
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { w.update(obj.(*corev1.Pod), false) },
		UpdateFunc: func(_, obj any) { w.update(obj.(*corev1.Pod), false) },
		DeleteFunc: func(obj any) {
			if tomb, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = tomb.Obj
			}
			if p, ok := obj.(*corev1.Pod); ok {
				w.update(p, true)
			}
		},
	})
	require.NoError(t, err)
	factory.Start(ctx.Done())
	require.True(t, cache.WaitForCacheSync(t.Context().Done(), inf.HasSynced))
	w.mu.Lock()
	w.checking = true
	w.mu.Unlock()
	w.update(nil, false)
	go func() {
		<-ctx.Done()
		factory.Shutdown()
		close(w.done)
	}()
	return w
}

// update records a pod change (nil: none) and checks every budget and
// workload.
func (w *budgetWatcher) update(p *corev1.Pod, deleted bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch {
	case p == nil:
	case deleted:
		delete(w.pods, p.Name)
	default:
		w.pods[p.Name] = p
	}
	if !w.checking {
		return
	}
	for i, b := range w.budgets {
		healthy := int32(0)
		for _, q := range w.pods {
			if w.selectors[i].Matches(labels.Set(q.Labels)) && q.DeletionTimestamp == nil && podReady(q) {
				healthy++
			}
		}
		if healthy < w.minHealthy[b.Name] {
			w.minHealthy[b.Name] = healthy
		}
		if healthy < b.Status.DesiredHealthy {
			w.violations = append(w.violations, fmt.Sprintf("%s budget %s: %d healthy, needs %d",
				time.Now().Format("15:04:05.000"), b.Name, healthy, b.Status.DesiredHealthy))
		}
	}
	for _, app := range w.apps {
		ready := 0
		for _, q := range w.pods {
			if q.Labels["app"] == app && podReady(q) && q.DeletionTimestamp == nil {
				ready++
			}
		}
		if ready == 0 {
			w.violations = append(w.violations, fmt.Sprintf("%s workload %s has no Ready replica", time.Now().Format("15:04:05.000"), app))
		}
	}
}

// finish stops the watch and returns the violations and each budget's
// lowest healthy count.
func (w *budgetWatcher) finish() ([]string, map[string]int32) {
	w.stop()
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.violations, w.minHealthy
}

// countingClient is a clientset whose every HTTP request to the API server
// is counted.
func countingClient(t testing.TB, qps float32, burst int) (kubernetes.Interface, *atomic.Int64) {
	t.Helper()
	cfg := kube.Config()
	cfg.QPS, cfg.Burst = qps, burst
	var n atomic.Int64
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			n.Add(1)
			return rt.RoundTrip(r)
		})
	})
	client, err := kubernetes.NewForConfig(cfg)
	require.NoError(t, err)
	return client, &n
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
