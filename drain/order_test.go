package drain_test

import (
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
)

// TestOrderByPriority checks the groups of cluster-autoscaler's
// --drain-priority-config "10000:20,1000:100,0:60" (its groupIndex, the
// kubelet's graceful-shutdown rule): a pod joins the group of the highest
// threshold at or below its priority; below the lowest threshold it joins
// the lowest group.
func TestOrderByPriority(t *testing.T) {
	withPriority := func(p *int32) *corev1.Pod { return &corev1.Pod{Spec: corev1.PodSpec{Priority: p}} }
	tests := []struct {
		name       string
		thresholds []int32
		priority   *int32
		want       int
	}{
		{"below every threshold", []int32{10000, 1000, 0}, ptr(int32(-5)), 0},
		{"no priority counts as 0", []int32{10000, 1000, 0}, nil, 0},
		{"at the lowest threshold", []int32{10000, 1000, 0}, ptr(int32(0)), 0},
		{"just below a threshold", []int32{10000, 1000, 0}, ptr(int32(999)), 0},
		{"at a threshold", []int32{10000, 1000, 0}, ptr(int32(1000)), 1},
		{"between thresholds", []int32{10000, 1000, 0}, ptr(int32(5000)), 1},
		{"at the highest", []int32{10000, 1000, 0}, ptr(int32(10000)), 2},
		{"above every threshold", []int32{10000, 1000, 0}, ptr(int32(2000000000)), 2},
		{"thresholds in any order, repeated", []int32{0, 1000, 10000, 1000}, ptr(int32(5000)), 1},
		{"no thresholds: one group", nil, ptr(int32(5000)), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, drain.OrderByPriority(tc.thresholds...)(withPriority(tc.priority)))
		})
	}
}

// TestDrainGoesOrderGroupByOrderGroup drains a storage pod only after its
// consumers (kubectl#1347's Ceph OSDs): groups run from the lowest number,
// each once the one before is gone, all pods of a group at once; the
// critical tier still comes last, whatever its group.
func TestDrainGoesOrderGroupByOrderGroup(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			replicaSet("osd", "node-a").
			replicaSet("app", "node-a", "node-a").
			add(
				testutil.ReplicaSet("kube-system", "dns", 1),
				testutil.DrainPod("dns-0", "node-a").Namespace("kube-system").Owner("ReplicaSet", "dns").
					Priority("system-cluster-critical", 2000000000).Labels("drain-order", "-10").Obj(),
			).
			start(t, fakecluster.Options{}, 10*time.Second)
		byLabel := func(p *corev1.Pod) int {
			switch {
			case p.Labels["app"] == "osd":
				return 10
			case p.Labels["drain-order"] == "-10":
				return -10
			}
			return 0
		}
		var mu sync.Mutex
		var order []string
		d, err := drain.New(c, drain.Options{Order: byLabel, OnEvent: func(e drain.Event) {
			if e.Type == drain.EventEvicting || e.Type == drain.EventEvicted {
				mu.Lock()
				order = append(order, string(e.Type)+" "+e.Pod.Name)
				mu.Unlock()
			}
		}})
		require.NoError(t, err)

		plan, err := d.Plan(t.Context(), "node-a")
		require.NoError(t, err)
		var planned []string
		for _, p := range plan.Pods {
			planned = append(planned, fmt.Sprintf("%s %s/%d", p.Name, p.Tier, p.Order))
		}
		assert.Equal(t, []string{"app-0 ordinary/0", "app-1 ordinary/0", "osd-0 ordinary/10", "dns-0 critical/-10"}, planned)
		table := plan.String()
		assert.Contains(t, table, "TIER      ORDER  ACTION")
		assert.Regexp(t, `osd-0\s+ordinary\s+10\s+Evict`, table)

		start := time.Now()
		report, err := d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, 30*time.Second, time.Since(start), "three groups of 10 s terminations")
		require.Len(t, order, 8)
		assert.ElementsMatch(t, []string{"Evicting app-0", "Evicting app-1"}, order[:2], "a group goes at once")
		assert.ElementsMatch(t, []string{"Evicted app-0", "Evicted app-1"}, order[2:4])
		assert.Equal(t, []string{"Evicting osd-0", "Evicted osd-0", "Evicting dns-0", "Evicted dns-0"}, order[4:])
		p, _ := report.Pod("default", "osd-0")
		assert.Equal(t, 10, p.Order)
	})
}

// TestDrainOrderByPriority drains low priorities first, as
// cluster-autoscaler's --drain-priority-config does.
func TestDrainOrderByPriority(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b").
			add(
				testutil.ReplicaSet("default", "batch", 1), testutil.ReplicaSet("default", "web", 1),
				testutil.DrainPod("web-0", "node-a").Owner("ReplicaSet", "web").Priority("high", 10000).Obj(),
				testutil.DrainPod("batch-0", "node-a").Owner("ReplicaSet", "batch").Priority("low", -100).Obj(),
			).
			start(t, fakecluster.Options{}, 5*time.Second)
		var mu sync.Mutex
		var evicting []string
		start := time.Now()
		d, err := drain.New(c, drain.Options{Order: drain.OrderByPriority(10000, 1000, 0), OnEvent: func(e drain.Event) {
			if e.Type == drain.EventEvicting {
				mu.Lock()
				evicting = append(evicting, fmt.Sprintf("%s@%v", e.Pod.Name, time.Since(start)))
				mu.Unlock()
			}
		}})
		require.NoError(t, err)
		_, err = d.Drain(t.Context(), "node-a")
		require.NoError(t, err)
		assert.Equal(t, []string{"batch-0@0s", "web-0@5s"}, evicting)
	})
}
