package drain_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
)

// failFirst makes the first n requests matching verb, resource and
// subresource fail with err; later ones reach the cluster.
func failFirst(c *fakecluster.Cluster, verb, resource, subresource string, n int32, err error) *atomic.Int32 {
	var calls atomic.Int32
	c.PrependReactor(verb, resource, func(a k8stesting.Action) (bool, runtime.Object, error) {
		if a.GetSubresource() != subresource {
			return false, nil, nil
		}
		if calls.Add(1) <= n {
			return true, nil, err
		}
		return false, nil, nil
	})
	return &calls
}

func simpleCluster(t *testing.T, opts fakecluster.Options, grace ...time.Duration) *fakecluster.Cluster {
	return new(scenario).nodes("node-a", "node-b").
		replicaSet("web", "node-a", "node-a", "node-b").
		add(minAvailable("web", 2)).
		start(t, opts, grace...)
}

func TestDrainRetriesTransientEvictionErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
	}{
		{"server timeout", apierrors.NewServerTimeout(schema.GroupResource{Resource: "pods"}, "create", 1)},
		{"internal error", apierrors.NewInternalError(errors.New("etcd leader changed"))},
		{"service unavailable", apierrors.NewServiceUnavailable("apiserver shutting down")},
		{"throttled without budget cause", apierrors.NewTooManyRequests("too many requests", 1)},
		{"connection reset", &netTimeout{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := simpleCluster(t, fakecluster.Options{ReadyDelay: 5 * time.Second})
				calls := failFirst(c, "create", "pods", "eviction", 3, tc.err)
				var ev events
				d, err := drain.New(c, drain.Options{OnEvent: ev.record})
				require.NoError(t, err)
				report, err := d.Drain(t.Context(), "node-a")
				require.NoError(t, err)
				assert.Equal(t, 2, report.Count(drain.OutcomeEvicted))
				assert.GreaterOrEqual(t, calls.Load(), int32(5), "3 failures, then 2 evictions")
				retries := ev.ofType(drain.EventRetrying)
				require.Len(t, retries, 3)
				assert.Error(t, retries[0].Err)
				assert.False(t, retries[0].RetryAt.IsZero())
				assert.Empty(t, podDeletes(c))
			})
		})
	}
}

type netTimeout struct{}

func (*netTimeout) Error() string   { return "read tcp 127.0.0.1:6443: i/o timeout" }
func (*netTimeout) Timeout() bool   { return true }
func (*netTimeout) Temporary() bool { return true }

func TestDrainFailsPodOnPermanentError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{})
		failFirst(c, "create", "pods", "eviction", 100, apierrors.NewBadRequest("eviction is not allowed here"))
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.Error(t, err)
		var evictErr *drain.EvictionError
		require.ErrorAs(t, err, &evictErr)
		assert.True(t, apierrors.IsBadRequest(evictErr.Err))
		assert.Equal(t, 2, report.Count(drain.OutcomeFailed))
		assert.False(t, report.Nodes[0].Drained)
	})
}

func TestCordonRetriesConflicts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{})
		calls := failFirst(c, "patch", "nodes", "", 2, apierrors.NewConflict(schema.GroupResource{Resource: "nodes"}, "node-a", errors.New("the object has been modified")))
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, int32(3), calls.Load())
		node, err := c.CoreV1().Nodes().Get(t.Context(), "node-a", metav1.GetOptions{})
		require.NoError(t, err)
		assert.True(t, node.Spec.Unschedulable)
		assert.True(t, report.Nodes[0].Cordoned)
		assert.Equal(t, 3, report.Requests["get node"], "re-read after each conflict")
	})
}

func TestDrainSurvivesClosingWatches(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{ReadyDelay: 5 * time.Second}, time.Second)
		// Every watch of pods and budgets ends at once, three times each:
		// the drain lists again and goes on.
		var podWatches, budgetWatches atomic.Int32
		c.PrependWatchReactor("pods", func(k8stesting.Action) (bool, watch.Interface, error) {
			if podWatches.Add(1) <= 3 {
				return true, watch.NewEmptyWatch(), nil
			}
			return false, nil, nil
		})
		c.PrependWatchReactor("poddisruptionbudgets", func(k8stesting.Action) (bool, watch.Interface, error) {
			if budgetWatches.Add(1) <= 3 {
				return true, watch.NewEmptyWatch(), nil
			}
			return false, nil, nil
		})
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, 2, report.Count(drain.OutcomeEvicted))
		assert.Empty(t, podsOn(t, c, "node-a"))
		assert.GreaterOrEqual(t, report.Requests["list pods"], 4, "one list, then one per closed watch")
		assert.GreaterOrEqual(t, report.Requests["list poddisruptionbudgets"], 4)
	})
}

func TestDrainWatchFailingToOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{ReadyDelay: 5 * time.Second})
		var calls atomic.Int32
		c.PrependWatchReactor("*", func(k8stesting.Action) (bool, watch.Interface, error) {
			if calls.Add(1) <= 4 {
				return true, nil, apierrors.NewServiceUnavailable("watch cache not ready")
			}
			return false, nil, nil
		})
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, 2, report.Count(drain.OutcomeEvicted))
	})
}

func TestDrainCancelledMidwayLeavesConsistentStateAndContinues(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b", "node-c").
			replicaSet("web", "node-a", "node-a", "node-a", "node-b", "node-c").
			add(maxUnavailable("web", 1)).
			start(t, fakecluster.Options{ReadyDelay: 10 * time.Second}, 2*time.Second)
		guard := guardBudgets(t, c)
		ctx, cancel := context.WithCancel(t.Context())
		d, err := drain.New(c, drain.Options{OnEvent: func(e drain.Event) {
			if e.Type == drain.EventEvicted {
				cancel()
			}
		}})
		require.NoError(t, err)
		first, err := d.Drain(ctx, "node-a")
		require.ErrorIs(t, err, context.Canceled)

		// What was done is reported, nothing is half done: one pod evicted,
		// the others still on the node, untouched, and the node cordoned.
		assert.Equal(t, 1, first.Count(drain.OutcomeEvicted))
		assert.Equal(t, 2, first.Count(drain.OutcomeRemaining))
		assert.NotEmpty(t, first.Error)
		for _, p := range podsOn(t, c, "node-a") {
			assert.Nil(t, p.DeletionTimestamp, "pod %s untouched", p.Name)
		}
		node, err := c.CoreV1().Nodes().Get(t.Context(), "node-a", metav1.GetOptions{})
		require.NoError(t, err)
		assert.True(t, node.Spec.Unschedulable)

		// Running again continues where it stopped.
		d, err = drain.New(c, drain.Options{})
		require.NoError(t, err)
		second, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, 2, second.Count(drain.OutcomeEvicted))
		assert.False(t, second.Nodes[0].Cordoned, "already cordoned")
		assert.Zero(t, second.Requests["patch node"])
		assert.Empty(t, podsOn(t, c, "node-a"))
		guard.check(t)
	})
}

func TestDrainUncordonsOnFailureOnlyWhatItCordoned(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b", "node-c").
			replicaSet("db", "node-a", "node-b", "node-c").
			add(maxUnavailable("db", 0)).
			start(t, fakecluster.Options{})
		// node-b is cordoned before the drain; node-a is not.
		_, err := drain.Cordon(t.Context(), c, "node-b", drain.CordonOptions{})
		require.NoError(t, err)
		var ev events
		d, err := drain.New(c, drain.Options{Timeout: time.Minute, UncordonOnFailure: true, OnEvent: ev.record})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a", "node-b")
		require.ErrorIs(t, err, drain.ErrTimeout)
		for _, tc := range []struct {
			node          string
			unschedulable bool
		}{{"node-a", false}, {"node-b", true}} {
			node, err := c.CoreV1().Nodes().Get(t.Context(), tc.node, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, tc.unschedulable, node.Spec.Unschedulable, tc.node)
		}
		require.Len(t, report.Nodes, 2)
		assert.True(t, report.Nodes[0].Uncordoned)
		assert.False(t, report.Nodes[1].Uncordoned)
		assert.Len(t, ev.ofType(drain.EventUncordoned), 1)
	})
}

func TestDrainBadNodeNamesChangeNothing(t *testing.T) {
	tests := []struct {
		name    string
		nodes   []string
		wantErr error
	}{
		{"unknown node", []string{"node-a", "node-x"}, drain.ErrNodeNotFound},
		{"empty name", []string{"node-a", ""}, drain.ErrInvalidOptions},
		{"repeated name", []string{"node-a", "node-a"}, drain.ErrInvalidOptions},
		{"no name", nil, drain.ErrInvalidOptions},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := simpleCluster(t, fakecluster.Options{})
				d, err := drain.New(c, drain.Options{})
				require.NoError(t, err)
				report, err := d.Drain(t.Context(), tc.nodes...)
				require.ErrorIs(t, err, tc.wantErr)
				require.NotNil(t, report)
				for _, a := range c.Actions() {
					assert.Contains(t, []string{"get", "list", "watch"}, a.GetVerb(), "nothing written: %v", a)
				}
			})
		})
	}
}

func TestDrainWithoutPermissionToListBudgets(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{ReadyDelay: 5 * time.Second})
		failFirst(c, "list", "poddisruptionbudgets", "", 1000, apierrors.NewForbidden(schema.GroupResource{Group: "policy", Resource: "poddisruptionbudgets"}, "", errors.New("RBAC")))
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err, "the API server's answers alone are enough")
		assert.Equal(t, 2, report.Count(drain.OutcomeEvicted))
		assert.Empty(t, podDeletes(c))
	})
}

func TestDrainListFailureFailsNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{})
		failFirst(c, "list", "pods", "", 1000, apierrors.NewInternalError(errors.New("etcd unavailable")))
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.Error(t, err)
		var nodeErr *drain.NodeError
		require.ErrorAs(t, err, &nodeErr)
		assert.Equal(t, "node-a", nodeErr.Node)
		assert.True(t, apierrors.IsInternalError(err))
		assert.False(t, report.Nodes[0].Drained)
		for _, name := range []string{"web-0", "web-1"} {
			pod, err := c.CoreV1().Pods("default").Get(t.Context(), name, metav1.GetOptions{})
			require.NoError(t, err)
			assert.Equal(t, corev1.PodRunning, pod.Status.Phase)
			assert.Nil(t, pod.DeletionTimestamp)
		}
	})
}

func TestDrainHonoursRetryAfter(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{})
		// The API server's answer while a budget's new spec is not observed
		// yet: 429, cause DisruptionBudget, Retry-After 10 s.
		notObserved := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10)
		notObserved.ErrStatus.Details.Causes = []metav1.StatusCause{{Type: "DisruptionBudget", Message: "The disruption budget web is still being processed by the server."}}
		failFirst(c, "create", "pods", "eviction", 1, notObserved)
		var ev events
		d, err := drain.New(c, drain.Options{OnEvent: ev.record})
		require.NoError(t, err)
		start := time.Now()
		_, err = d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		// The other pod may be held back by the budget meanwhile; the one
		// that met the 429 is blocked with its cause until Retry-After.
		var blocked *drain.Event
		for _, e := range ev.ofType(drain.EventBlocked) {
			if e.Message == "The disruption budget web is still being processed by the server." {
				blocked = &e
				break
			}
		}
		require.NotNil(t, blocked, "the 429's cause is reported")
		assert.Equal(t, start.Add(10*time.Second), blocked.RetryAt)
		var attempts []time.Duration
		for _, e := range ev.ofType(drain.EventEvicting) {
			if e.Pod == blocked.Pod {
				attempts = append(attempts, e.Time.Sub(start))
			}
		}
		require.Len(t, attempts, 2)
		assert.GreaterOrEqual(t, attempts[1], 10*time.Second, "not retried before Retry-After")
	})
}
