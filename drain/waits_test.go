package drain_test

import (
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

// completeAfter marks the pod Succeeded after d, as its kubelet would when
// its containers exit 0.
func completeAfter(t *testing.T, c *fakecluster.Cluster, name string, d time.Duration) {
	go func() {
		time.Sleep(d)
		pod, err := c.CoreV1().Pods("default").Get(t.Context(), name, metav1.GetOptions{})
		if !assert.NoError(t, err) {
			return
		}
		pod.Status.Phase = corev1.PodSucceeded
		_, err = c.CoreV1().Pods("default").UpdateStatus(t.Context(), pod, metav1.UpdateOptions{})
		assert.NoError(t, err)
	}()
}

// TestDrainWaitsForPodsToComplete drains a node with a batch pod that asks
// to be left running until it completes, in each way users ask for it: the
// drain evicts the others, never the batch pod, and finishes when it
// completes; the critical tier starts only then, as the batch pod may need
// it.
func TestDrainWaitsForPodsToComplete(t *testing.T) {
	for _, tc := range []struct {
		name string
		mark func(*testutil.DrainPodBuilder) *testutil.DrainPodBuilder
	}{
		{"cluster-autoscaler safe-to-evict on-completion", func(b *testutil.DrainPodBuilder) *testutil.DrainPodBuilder {
			return b.Annotation(drain.AnnotationSafeToEvict, "on-completion")
		}},
		{"cluster-api drain label wait-completed", func(b *testutil.DrainPodBuilder) *testutil.DrainPodBuilder {
			return b.Labels(drain.LabelDrain, "wait-completed")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := new(scenario).nodes("node-a", "node-b").
					replicaSet("web", "node-a").
					add(
						tc.mark(testutil.DrainPod("report", "node-a").Owner("Job", "report")).Obj(),
						testutil.ReplicaSet("kube-system", "dns", 1),
						testutil.DrainPod("dns-0", "node-a").Namespace("kube-system").Owner("ReplicaSet", "dns").Priority("system-cluster-critical", 2000000000).Obj(),
					).
					start(t, fakecluster.Options{}, time.Second)
				completeAfter(t, c, "report", 10*time.Minute)
				var mu sync.Mutex
				var order []string
				var ev events
				d, err := drain.New(c, drain.Options{OnEvent: func(e drain.Event) {
					ev.record(e)
					mu.Lock()
					defer mu.Unlock()
					switch e.Type {
					case drain.EventEvicting, drain.EventWaiting, drain.EventCompleted:
						order = append(order, string(e.Type)+" "+e.Pod.Name)
					}
				}})
				require.NoError(t, err)
				start := time.Now()
				report, err := d.Drain(t.Context(), "node-a")
				require.NoError(t, err)
				assert.Equal(t, 10*time.Minute+time.Second, time.Since(start), "dns-0 goes once report completes, and takes 1 s")
				// web-0 and report are in the same tier and group: they start
				// together.
				require.Len(t, order, 4)
				assert.ElementsMatch(t, []string{"Evicting web-0", "Waiting report"}, order[:2])
				assert.Equal(t, []string{"Completed report", "Evicting dns-0"}, order[2:])
				assert.NotContains(t, evictionsOf(c), "report")
				assert.Empty(t, podDeletes(c))

				p, ok := report.Pod("default", "report")
				require.True(t, ok)
				assert.Equal(t, drain.OutcomeCompleted, p.Outcome)
				assert.Equal(t, drain.ReasonCompleted, p.Reason)
				require.Len(t, p.Steps, 1)
				assert.Equal(t, drain.ActionWait, p.Steps[0].Action)
				assert.Equal(t, drain.ReasonWaitsForCompletion, p.Steps[0].Reason)
				waiting := ev.ofType(drain.EventWaiting)
				require.Len(t, waiting, 1)
				assert.Equal(t, drain.ReasonWaitsForCompletion, waiting[0].Reason)
				assert.True(t, report.Nodes[0].Drained)
			})
		})
	}
}

// TestDrainWaitForCompletionMeetsTheTimeout leaves a pod that never
// completes to the timeout policy, as any pod still on the node.
func TestDrainWaitForCompletionMeetsTheTimeout(t *testing.T) {
	for _, tc := range []struct {
		name        string
		policy      drain.TimeoutPolicy
		wantErr     bool
		wantOutcome drain.Outcome
	}{
		{"fail", drain.TimeoutFail, true, drain.OutcomeRemaining},
		{"leave", drain.TimeoutLeave, false, drain.OutcomeLeft},
		{"force delete", drain.TimeoutForceDelete, false, drain.OutcomeDeleted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := new(scenario).nodes("node-a", "node-b").
					add(testutil.DrainPod("report", "node-a").Owner("Job", "report").Labels(drain.LabelDrain, "wait-completed").Obj()).
					start(t, fakecluster.Options{}, time.Second)
				d, err := drain.New(c, drain.Options{Timeout: time.Hour, OnTimeout: tc.policy})
				require.NoError(t, err)
				report, err := d.Drain(t.Context(), "node-a")
				if tc.wantErr {
					var timeout *drain.TimeoutError
					require.ErrorAs(t, err, &timeout)
					assert.Equal(t, "report", timeout.Remaining[0].Name)
				} else {
					require.NoError(t, err)
				}
				p, _ := report.Pod("default", "report")
				assert.Equal(t, tc.wantOutcome, p.Outcome)
				assert.Empty(t, evictionsOf(c), "never evicted")
			})
		})
	}
}

// TestDrainWaitsForPodsAFilterChooses lets a Filter ask for the wait.
func TestDrainWaitsForPodsAFilterChooses(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			add(testutil.DrainPod("train", "node-a").Owner("Job", "train").Labels("team", "ml").Obj()).
			start(t, fakecluster.Options{})
		completeAfter(t, c, "train", 3*time.Hour)
		d, err := drain.New(c, drain.Options{Filters: []drain.Filter{func(p *corev1.Pod) drain.Decision {
			if p.Labels["team"] == "ml" {
				return drain.Decision{Action: drain.ActionWait, Reason: "TrainingRun", Message: "training runs are never interrupted"}
			}
			return drain.Decision{}
		}}})
		require.NoError(t, err)
		plan, err := d.Plan(t.Context(), "node-a")
		require.NoError(t, err)
		require.Len(t, plan.Pods, 1)
		assert.Equal(t, drain.ActionWait, plan.Pods[0].Action)
		assert.Equal(t, drain.Reason("TrainingRun"), plan.Pods[0].Reason)

		start := time.Now()
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, 3*time.Hour, time.Since(start))
		p, _ := report.Pod("default", "train")
		assert.Equal(t, drain.OutcomeCompleted, p.Outcome)
		assert.Empty(t, evictionsOf(c))
	})
}
