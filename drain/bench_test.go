package drain_test

import (
	"context"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
)

// sixtyPods is the e2e benchmark's scenario on fakecluster: node-a runs 60
// pods of six ReplicaSets of 12 replicas (10 of each on node-a), each
// behind a budget with maxUnavailable 1; three more nodes take the
// replacements.
func sixtyPods() *scenario {
	s := new(scenario).nodes("node-a", "node-b", "node-c", "node-d")
	for i := range 6 {
		app := fmt.Sprintf("app%d", i)
		nodes := []string{"node-b", "node-c"}
		for range 10 {
			nodes = append(nodes, "node-a")
		}
		s.replicaSet(app, nodes...).add(maxUnavailable(app, 1))
	}
	return s
}

// TestDrainSixtyPodsReactsToBudgetsAtOnce pins down why the drain beats
// kubectl's fixed 5 s retry: each budget lets one pod go at a time, and the
// next one goes the moment the previous replacement is Ready, so the drain
// takes ten rounds of (termination + readiness), with one eviction request
// per pod and no polling.
func TestDrainSixtyPodsReactsToBudgetsAtOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const terminate, ready = time.Second, 2 * time.Second
		c := sixtyPods().start(t, fakecluster.Options{ReadyDelay: ready}, terminate)
		guard := guardBudgets(t, c)
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, 60, report.Count(drain.OutcomeEvicted))
		// A replacement is created when its pod starts terminating, so a
		// round lasts ready (the budget frees up) and the last pod's
		// termination follows.
		assert.LessOrEqual(t, report.Duration, 10*ready+terminate)
		assert.Equal(t, 60, report.Requests["create eviction"], "no eviction refused")
		assert.LessOrEqual(t, report.APIRequests, 60+8)
		guard.check(t)
		t.Logf("60 pods: %v, %d requests %v", report.Duration, report.APIRequests, report.Requests)
	})
}

// BenchmarkDrainSixtyPods measures the drain's own cost (fakecluster with no
// delays): time and allocations per drain of 60 pods behind budgets, and
// the API requests it sends.
func BenchmarkDrainSixtyPods(b *testing.B) {
	var requests, evictions int
	for b.Loop() {
		b.StopTimer()
		c, err := fakecluster.New(sixtyPods().objs...)
		if err != nil {
			b.Fatal(err)
		}
		d, err := drain.New(c, drain.Options{})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		report, err := d.Drain(context.Background(), "node-a")
		b.StopTimer()
		if err != nil {
			b.Fatal(err)
		}
		requests += report.APIRequests
		evictions += report.Requests["create eviction"]
		c.Close()
		b.StartTimer()
	}
	b.ReportMetric(float64(requests)/float64(b.N), "requests/op")
	b.ReportMetric(float64(evictions)/float64(b.N), "evictions/op")
}
