package drain_test

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

func TestDrainEvictsTierByTier(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			add(
				testutil.ReplicaSet("default", "web", 1), testutil.ReplicaSet("kube-system", "dns", 1),
				testutil.DaemonSet("default", "agent"),
				testutil.DrainPod("web-0", "node-a").Owner("ReplicaSet", "web").Labels("app", "web").Obj(),
				testutil.DrainPod("dns-0", "node-a").Namespace("kube-system").Owner("ReplicaSet", "dns").Priority("system-cluster-critical", 2000000000).Obj(),
				testutil.DrainPod("agent-0", "node-a").Owner("DaemonSet", "agent").Obj(),
			).
			start(t, fakecluster.Options{}, 5*time.Second)
		var mu sync.Mutex
		var order []string
		d, err := drain.New(c, drain.Options{
			EvictDaemonSets: true,
			Taint:           &corev1.Taint{Key: "example.com/maintenance", Effect: corev1.TaintEffectNoSchedule},
			OnEvent: func(e drain.Event) {
				if e.Type == drain.EventEvicting || e.Type == drain.EventEvicted {
					mu.Lock()
					order = append(order, string(e.Type)+" "+e.Pod.Name)
					mu.Unlock()
				}
			},
		})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		// Each tier starts once the one before is gone.
		assert.Equal(t, []string{"Evicting web-0", "Evicted web-0", "Evicting dns-0", "Evicted dns-0", "Evicting agent-0", "Evicted agent-0"}, order)
		p, _ := report.Pod("kube-system", "dns-0")
		assert.Equal(t, drain.TierCritical, p.Tier)
		p, _ = report.Pod("default", "agent-0")
		assert.Equal(t, drain.TierDaemonSet, p.Tier)
		// The DaemonSet does not tolerate the drain's taint, so its pod does
		// not come back.
		assert.Empty(t, podsOn(t, c, "node-a"))
	})
}

func TestDrainSkipsWhatItMustNotTouch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			replicaSet("web", "node-a").
			add(
				testutil.DaemonSet("default", "agent"),
				testutil.DrainPod("agent-0", "node-a").Owner("DaemonSet", "agent").Obj(),
				testutil.DrainPod("etcd-node-a", "node-a").Namespace("kube-system").Mirror().Obj(),
				testutil.DrainPod("job-done", "node-a").Owner("Job", "batch").Phase(corev1.PodSucceeded).Obj(),
				testutil.DrainPod("keep", "node-a").Owner("ReplicaSet", "keep").Annotation(drain.AnnotationSafeToEvict, "false").Obj(),
				testutil.DrainPod("pinned", "node-a").Owner("ReplicaSet", "pinned").Annotation(drain.AnnotationDoNotDisrupt, "true").Obj(),
			).
			start(t, fakecluster.Options{})
		var ev events
		d, err := drain.New(c, drain.Options{OnEvent: ev.record})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, []string{"web-0"}, evictionsOf(c))
		for name, reason := range map[string]drain.Reason{
			"agent-0": drain.ReasonDaemonSet, "etcd-node-a": drain.ReasonMirror, "job-done": drain.ReasonTerminal,
			"keep": drain.ReasonOptedOut, "pinned": drain.ReasonOptedOut,
		} {
			var found bool
			for _, p := range report.Pods {
				if p.Name == name {
					found = true
					assert.Equal(t, drain.OutcomeSkipped, p.Outcome, name)
					assert.Equal(t, reason, p.Reason, name)
				}
			}
			assert.True(t, found, name)
		}
		assert.Len(t, ev.ofType(drain.EventSkipped), 5)
		assert.True(t, report.Nodes[0].Drained)
	})
}

func TestDrainForceEvictsOptedOutAndUnreplicatedPods(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			add(
				testutil.DrainPod("bare", "node-a").Obj(),
				testutil.DrainPod("keep", "node-a").Owner("ReplicaSet", "keep").Annotation(drain.AnnotationSafeToEvict, "false").Obj(),
			).
			start(t, fakecluster.Options{})
		d, err := drain.New(c, drain.Options{Force: true})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{"bare", "keep"}, evictionsOf(c))
		assert.Equal(t, 2, report.Count(drain.OutcomeEvicted))
		assert.Empty(t, podDeletes(c), "Force still evicts")
	})
}

func TestDrainRefusesToStartWithBlockedPods(t *testing.T) {
	tests := []struct {
		name   string
		pod    *corev1.Pod
		reason drain.Reason
		opts   drain.Options
	}{
		{"no controller", testutil.DrainPod("bare", "node-a").Obj(), drain.ReasonNoController, drain.Options{}},
		{"emptyDir data", testutil.DrainPod("cache", "node-a").Owner("ReplicaSet", "cache").EmptyDir("scratch").Obj(), drain.ReasonLocalStorage, drain.Options{}},
		{"caller filter", testutil.DrainPod("db", "node-a").Owner("ReplicaSet", "db").Labels("tier", "data").Obj(), "ManualOnly", drain.Options{
			Filters: []drain.Filter{func(p *corev1.Pod) drain.Decision {
				if p.Labels["tier"] == "data" {
					return drain.Decision{Action: drain.ActionBlocked, Reason: "ManualOnly", Message: "data pods are moved by hand"}
				}
				return drain.Decision{}
			}},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := new(scenario).nodes("node-a", "node-b").replicaSet("web", "node-a").add(tc.pod).start(t, fakecluster.Options{})
				d, err := drain.New(c, tc.opts)
				require.NoError(t, err)
				report, err := d.Drain(t.Context(), "node-a")
				var blocked *drain.BlockedError
				require.ErrorAs(t, err, &blocked)
				require.Len(t, blocked.Pods, 1)
				assert.Equal(t, tc.reason, blocked.Pods[0].Reason)
				assert.Empty(t, evictionsOf(c), "nothing evicted from a node that cannot be drained")
				p, _ := report.Pod("default", tc.pod.Name)
				assert.Equal(t, drain.OutcomeBlocked, p.Outcome)
				web, _ := report.Pod("default", "web-0")
				assert.Equal(t, drain.OutcomeRemaining, web.Outcome)
			})
		})
	}
}

func TestDrainDeletesWhatAFilterChoosesToDelete(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			replicaSet("scratch", "node-a").
			add(maxUnavailable("scratch", 0)).
			start(t, fakecluster.Options{}, time.Second)
		d, err := drain.New(c, drain.Options{Filters: []drain.Filter{func(p *corev1.Pod) drain.Decision {
			return drain.Decision{Action: drain.ActionDelete, Reason: "Scratch", Message: "scratch pods may go"}
		}}})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, []string{"default/scratch-0"}, podDeletes(c))
		assert.Empty(t, evictionsOf(c))
		p, _ := report.Pod("default", "scratch-0")
		assert.Equal(t, drain.OutcomeDeleted, p.Outcome)
		for _, a := range c.Actions() {
			if del, ok := a.(k8stesting.DeleteActionImpl); ok {
				require.NotNil(t, del.DeleteOptions.Preconditions)
				assert.Equal(t, "uid-scratch-0", string(*del.DeleteOptions.Preconditions.UID))
			}
		}
	})
}

func TestDrainWaitsForTerminatingPods(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{}, 30*time.Second)
		// Someone else is already deleting web-0, with a 30 s grace period.
		require.NoError(t, c.CoreV1().Pods("default").Delete(t.Context(), "web-0", metav1.DeleteOptions{}))
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		start := time.Now()
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, 30*time.Second, time.Since(start))
		assert.Equal(t, []string{"web-1"}, evictionsOf(c), "the terminating pod is waited for, not evicted again")
		p, _ := report.Pod("default", "web-0")
		assert.Equal(t, drain.OutcomeGone, p.Outcome)
		assert.Equal(t, drain.ReasonTerminating, p.Reason)
	})
}

func TestDrainGivesUpOnPodsStuckTerminating(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		// node-a's kubelet is unreachable, so web-0 stays terminating. With
		// SkipWaitForDeleteTimeout the drain stops waiting after the grace
		// period plus the timeout.
		stuck := testutil.DrainPod("web-0", "node-a").Owner("ReplicaSet", "web").Labels("app", "web").Grace(3600).Obj()
		c := new(scenario).nodes("node-a", "node-b").
			add(testutil.ReplicaSet("default", "web", 1), stuck).
			start(t, fakecluster.Options{Termination: unreachableKubelet("node-a")})
		d, err := drain.New(c, drain.Options{GracePeriod: ptr(10 * time.Second), SkipWaitForDeleteTimeout: 20 * time.Second})
		require.NoError(t, err)
		start := time.Now()
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, 30*time.Second, time.Since(start), "grace 10s (GracePeriod) + 20s")
		p, _ := report.Pod("default", "web-0")
		assert.Equal(t, drain.OutcomeSkipped, p.Outcome)
		assert.Equal(t, drain.ReasonStuckTerminating, p.Reason)
	})
}

func TestDrainTimeoutPolicies(t *testing.T) {
	tests := []struct {
		name        string
		policy      drain.TimeoutPolicy
		wantErr     bool
		wantOutcome drain.Outcome
		wantDeletes []string
	}{
		{"fail", drain.TimeoutFail, true, drain.OutcomeRemaining, nil},
		{"force delete", drain.TimeoutForceDelete, false, drain.OutcomeDeleted, []string{"default/db-0"}},
		{"leave", drain.TimeoutLeave, false, drain.OutcomeLeft, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := new(scenario).nodes("node-a", "node-b").
					replicaSet("db", "node-a", "node-b").
					add(maxUnavailable("db", 0)).
					start(t, fakecluster.Options{}, 5*time.Second)
				opts := drain.Options{Timeout: time.Minute, OnTimeout: tc.policy}
				if tc.policy == drain.TimeoutForceDelete {
					opts.ForceDeleteGracePeriod = ptr(5 * time.Second)
				}
				d, err := drain.New(c, opts)
				require.NoError(t, err)
				report, err := d.Drain(t.Context(), "node-a")
				if tc.wantErr {
					assert.ErrorIs(t, err, drain.ErrTimeout)
				} else {
					assert.NoError(t, err)
				}
				p, _ := report.Pod("default", "db-0")
				assert.Equal(t, tc.wantOutcome, p.Outcome)
				assert.Equal(t, tc.wantDeletes, podDeletes(c))
				for _, a := range c.Actions() {
					if del, ok := a.(k8stesting.DeleteActionImpl); ok {
						assert.Equal(t, int64(5), *del.DeleteOptions.GracePeriodSeconds)
						assert.Equal(t, "uid-db-0", string(*del.DeleteOptions.Preconditions.UID))
					}
				}
			})
		})
	}
}

func TestDrainBoundsConcurrentEvictions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts drain.Options
		want time.Duration
	}{
		{"unbounded", drain.Options{}, 10 * time.Second},
		{"two overall", drain.Options{MaxConcurrentEvictions: 2}, 30 * time.Second},
		{"three per node", drain.Options{MaxConcurrentEvictionsPerNode: 3}, 20 * time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// Six pods without budget, each taking 10 s to terminate.
				c := new(scenario).nodes("node-a", "node-b").
					replicaSet("web", "node-a", "node-a", "node-a", "node-a", "node-a", "node-a").
					start(t, fakecluster.Options{}, 10*time.Second)
				d, err := drain.New(c, tc.opts)
				require.NoError(t, err)
				start := time.Now()
				_, err = d.Drain(t.Context(), "node-a")
				require.NoError(t, err)
				assert.Equal(t, tc.want, time.Since(start))
			})
		})
	}
}

func TestDrainBoundsEvictionsPerNamespace(t *testing.T) {
	for _, tc := range []struct {
		name     string
		perNS    int
		want     time.Duration
		inFlight int
	}{
		{"unbounded", 0, 10 * time.Second, 3},
		{"one per namespace", 1, 30 * time.Second, 1},
		{"two per namespace", 2, 20 * time.Second, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				// Three pods in each of two namespaces, each taking 10 s to
				// terminate, and no budget.
				s := new(scenario).nodes("node-a", "node-b")
				for _, ns := range []string{"team-a", "team-b"} {
					s.add(testutil.ReplicaSet(ns, "web", 3))
					for i := range 3 {
						s.add(testutil.DrainPod(fmt.Sprintf("web-%d", i), "node-a").Namespace(ns).UID(ns+"-web-"+fmt.Sprint(i)).
							Owner("ReplicaSet", "web").Labels("app", "web").Obj())
					}
				}
				c := s.start(t, fakecluster.Options{}, 10*time.Second)
				var mu sync.Mutex
				inFlight, most := map[string]int{}, map[string]int{}
				d, err := drain.New(c, drain.Options{MaxConcurrentEvictionsPerNamespace: tc.perNS, OnEvent: func(e drain.Event) {
					mu.Lock()
					defer mu.Unlock()
					switch e.Type {
					case drain.EventTerminating:
						inFlight[e.Pod.Namespace]++
						most[e.Pod.Namespace] = max(most[e.Pod.Namespace], inFlight[e.Pod.Namespace])
					case drain.EventEvicted:
						inFlight[e.Pod.Namespace]--
					}
				}})
				require.NoError(t, err)
				start := time.Now()
				report, err := d.Drain(t.Context(), "node-a")
				require.NoError(t, err)
				assert.Equal(t, tc.want, time.Since(start), "the two namespaces drain side by side")
				assert.Equal(t, map[string]int{"team-a": tc.inFlight, "team-b": tc.inFlight}, most)
				assert.Equal(t, 6, report.Count(drain.OutcomeEvicted))
			})
		})
	}
}

func TestDrainCapsGracePeriods(t *testing.T) {
	minute := time.Minute
	for _, tc := range []struct {
		name      string
		opts      drain.Options
		wantGrace map[string]*int64 // per pod, the eviction's grace period
		wantAfter time.Duration
	}{
		{"each pod's own", drain.Options{}, map[string]*int64{"slow": nil, "quick": nil}, 10 * time.Minute},
		{"slow pod capped", drain.Options{MaxGracePeriod: 2 * time.Minute}, map[string]*int64{"slow": ptr(int64(120)), "quick": nil}, 2 * time.Minute},
		{"override under the cap", drain.Options{GracePeriod: &minute, MaxGracePeriod: 2 * time.Minute}, map[string]*int64{"slow": ptr(int64(60)), "quick": ptr(int64(60))}, time.Minute},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := new(scenario).nodes("node-a", "node-b").add(
					testutil.ReplicaSet("default", "web", 2),
					testutil.DrainPod("slow", "node-a").Owner("ReplicaSet", "web").Labels("app", "web").Grace(600).Obj(),
					testutil.DrainPod("quick", "node-a").Owner("ReplicaSet", "web").Labels("app", "web").Grace(30).Obj(),
				).start(t, fakecluster.Options{})
				d, err := drain.New(c, tc.opts)
				require.NoError(t, err)
				start := time.Now()
				_, err = d.Drain(t.Context(), "node-a")
				require.NoError(t, err)
				assert.Equal(t, tc.wantAfter, time.Since(start))
				got := map[string]*int64{}
				for _, a := range c.Actions() {
					if cr, ok := a.(k8stesting.CreateActionImpl); ok && cr.Subresource == "eviction" {
						eviction := cr.Object.(*policyv1.Eviction)
						got[eviction.Name] = eviction.DeleteOptions.GracePeriodSeconds
					}
				}
				assert.Equal(t, tc.wantGrace, got)
			})
		})
	}
}

func TestDrainEvictsPodsArrivingDuringTheDrain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{}, 10*time.Second)
		d, err := drain.New(c, drain.Options{OnEvent: func(e drain.Event) {
			if e.Type == drain.EventTerminating && e.Pod.Name == "web-0" {
				// A pod bound straight to the node bypasses the cordon.
				late := testutil.DrainPod("late", "node-a").Owner("ReplicaSet", "web").Labels("app", "late").Obj()
				late.UID = ""
				go func() {
					_, err := c.CoreV1().Pods("default").Create(t.Context(), late, metav1.CreateOptions{})
					assert.NoError(t, err)
				}()
			}
		}})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Contains(t, evictionsOf(c), "late")
		assert.Empty(t, podsOn(t, c, "node-a"))
		p, _ := report.Pod("default", "late")
		assert.Equal(t, drain.OutcomeEvicted, p.Outcome)
	})
}

func TestReportCountsEveryRequest(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b", "node-c").
			replicaSet("web", "node-a", "node-a", "node-a", "node-b").
			add(maxUnavailable("web", 1)).
			start(t, fakecluster.Options{ReadyDelay: 3 * time.Second}, time.Second)
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, len(c.Actions()), report.APIRequests, "the drain was the only client")
		sum := 0
		for _, n := range report.Requests {
			sum += n
		}
		assert.Equal(t, report.APIRequests, sum)
		// kubectl drain would poll each pod every second and retry every
		// blocked pod every 5 s; here: node get+patch, one list and one watch
		// each for pods and budgets, and one eviction per pod.
		assert.Equal(t, 2+2+2+3, report.APIRequests)
	})
}

func TestPlanAndReportMarshalToJSON(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{})
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		plan, err := d.Plan(t.Context(), "node-a")
		require.NoError(t, err)
		data, err := json.Marshal(plan)
		require.NoError(t, err)
		var decoded map[string]any
		require.NoError(t, json.Unmarshal(data, &decoded))
		assert.Equal(t, "node-a", decoded["node"])
		pods := decoded["pods"].([]any)
		require.Len(t, pods, 2)
		assert.Equal(t, "Evict", pods[0].(map[string]any)["action"])
		assert.Equal(t, "ordinary", pods[0].(map[string]any)["tier"])

		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		data, err = json.Marshal(report)
		require.NoError(t, err)
		decoded = nil
		require.NoError(t, json.Unmarshal(data, &decoded))
		assert.Equal(t, float64(report.APIRequests), decoded["apiRequests"])
		assert.Equal(t, report.Duration.String(), decoded["duration"])
		first := decoded["pods"].([]any)[0].(map[string]any)
		assert.Equal(t, "Evicted", first["outcome"])
		assert.Equal(t, "default", first["namespace"])
		assert.Contains(t, first, "blocked")

		ev, err := json.Marshal(drain.Event{Type: drain.EventFailed, Pod: drain.PodRef{Namespace: "ns", Name: "p"}, Err: assert.AnError})
		require.NoError(t, err)
		assert.JSONEq(t, `{"type":"Failed","time":"0001-01-01T00:00:00Z","pod":{"namespace":"ns","name":"p"},"error":"`+assert.AnError.Error()+`"}`, string(ev))
		ev, err = json.Marshal(drain.Event{Type: drain.EventEscalated, Reason: drain.ReasonBlockedTooLong, Message: "held back"})
		require.NoError(t, err)
		assert.JSONEq(t, `{"type":"Escalated","time":"0001-01-01T00:00:00Z","reason":"BlockedTooLong","message":"held back"}`, string(ev))

		// The audit trail and the order group are in the pod's report.
		step := drain.Step{Time: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC), Action: drain.ActionDelete, Reason: drain.ReasonDeadlineNear, Message: "with a grace period of 30s"}
		data, err = json.Marshal(drain.PodReport{PodRef: drain.PodRef{Namespace: "ns", Name: "p"}, Order: 2, Steps: []drain.Step{step}})
		require.NoError(t, err)
		decoded = nil
		require.NoError(t, json.Unmarshal(data, &decoded))
		assert.Equal(t, float64(2), decoded["order"])
		assert.Equal(t, []any{map[string]any{"time": "2026-05-01T12:00:00Z", "action": "Delete", "reason": "DeadlineNear", "message": "with a grace period of 30s"}}, decoded["steps"])
	})
}

func TestPlanAndReportReadBackFromJSON(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := simpleCluster(t, fakecluster.Options{ReadyDelay: 3 * time.Second})
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		plan, err := d.Plan(t.Context(), "node-a")
		require.NoError(t, err)
		data, err := json.Marshal(plan)
		require.NoError(t, err)
		var planBack drain.Plan
		require.NoError(t, json.Unmarshal(data, &planBack))
		again, err := json.Marshal(planBack)
		require.NoError(t, err)
		assert.JSONEq(t, string(data), string(again))
		require.Len(t, planBack.Pods, len(plan.Pods))
		for i := range plan.Pods {
			assert.Equal(t, plan.Pods[i].Tier, planBack.Pods[i].Tier)
		}

		// The second pod waits for the first one's replacement, so the
		// report carries non-zero durations to read back.
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		require.Positive(t, report.Duration)
		data, err = json.Marshal(report)
		require.NoError(t, err)
		var reportBack drain.Report
		require.NoError(t, json.Unmarshal(data, &reportBack))
		again, err = json.Marshal(reportBack)
		require.NoError(t, err)
		assert.JSONEq(t, string(data), string(again))
		assert.Equal(t, report.Duration, reportBack.Duration)
		require.Len(t, reportBack.Nodes, 1)
		assert.Equal(t, report.Nodes[0].Duration, reportBack.Nodes[0].Duration)
		assert.Equal(t, report.Nodes[0].Blocked, reportBack.Nodes[0].Blocked)
		require.Len(t, reportBack.Pods, len(report.Pods))
		for i := range report.Pods {
			assert.Equal(t, report.Pods[i].Blocked, reportBack.Pods[i].Blocked)
			assert.Equal(t, report.Pods[i].Outcome, reportBack.Pods[i].Outcome)
		}
	})
}

func TestReadingJSONRefusesUnknownTiersAndBadDurations(t *testing.T) {
	var plan drain.Plan
	err := json.Unmarshal([]byte(`{"pods":[{"tier":"platinum"}]}`), &plan)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown drain tier "platinum"`)
	var report drain.Report
	require.Error(t, json.Unmarshal([]byte(`{"duration":"soon"}`), &report))
	require.Error(t, json.Unmarshal([]byte(`{"nodes":[{"blocked":12}]}`), &report))
}

func ptr[T any](v T) *T { return &v }

func TestDrainEvictsUnhealthyPodsAsTheirPolicyAllows(t *testing.T) {
	tests := []struct {
		name     string
		policy   policyv1.UnhealthyPodEvictionPolicyType
		wantWait bool
	}{
		// The budget needs both pods and web-0 is not Ready. AlwaysAllow
		// lets the unready pod go at once. IfHealthyBudget does so only for
		// a healthy budget (1 healthy < 2 needed: not), so the eviction
		// needs a disruption the budget does not have, and the drain times
		// out.
		{"AlwaysAllow", policyv1.AlwaysAllow, false},
		{"IfHealthyBudget", policyv1.IfHealthyBudget, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				budget := minAvailable("web", 2)
				budget.Spec.UnhealthyPodEvictionPolicy = &tc.policy
				c := new(scenario).nodes("node-a", "node-b").
					add(testutil.ReplicaSet("default", "web", 2),
						testutil.DrainPod("web-0", "node-a").Owner("ReplicaSet", "web").Labels("app", "web").NotReady().Obj(),
						testutil.DrainPod("web-1", "node-b").Owner("ReplicaSet", "web").Labels("app", "web").Obj(),
						budget).
					start(t, fakecluster.Options{})
				d, err := drain.New(c, drain.Options{Timeout: time.Minute})
				require.NoError(t, err)
				report, err := d.Drain(t.Context(), "node-a")
				p, _ := report.Pod("default", "web-0")
				if tc.wantWait {
					assert.ErrorIs(t, err, drain.ErrTimeout)
					assert.Equal(t, drain.OutcomeRemaining, p.Outcome)
					return
				}
				require.NoError(t, err)
				assert.Equal(t, drain.OutcomeEvicted, p.Outcome)
				assert.Zero(t, p.Blocked)
			})
		})
	}
}
