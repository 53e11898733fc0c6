package drain_test

import (
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/scheduling"
)

// Plan's fit check places the node's replacements together: two pods that
// each fit alone on the only other node, which has room for one, cannot
// both go. Nodes have 4 CPUs; each pod asks for 3.
func TestPlanFitIsCumulative(t *testing.T) {
	big := func(name string) *testutil.DrainPodBuilder {
		return testutil.DrainPod(name, "node-a").Owner("ReplicaSet", "big").Requests("3", "1Gi")
	}
	type want struct {
		action  drain.Action
		reason  drain.Reason
		message string // a substring
	}
	tests := []struct {
		name string
		objs []runtime.Object
		want map[string]want
	}{
		{
			name: "two pods that each fit alone compete for one node's room",
			objs: []runtime.Object{big("big-0").Obj(), big("big-1").Obj()},
			want: map[string]want{
				"big-0": {drain.ActionEvict, drain.ReasonReplicated, "ReplicaSet big"},
				"big-1": {drain.ActionBlocked, drain.ReasonNoFit,
					"fits 1 other node(s) on its own, but not once the replacements placed before it have taken their room: 0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable."},
			},
		},
		{
			name: "the higher priority goes first, as in the scheduler's queue",
			objs: []runtime.Object{big("big-0").Obj(), big("big-1").Priority("high", 1000).Obj()},
			want: map[string]want{
				"big-0": {drain.ActionBlocked, drain.ReasonNoFit, "0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable."},
				"big-1": {drain.ActionEvict, drain.ReasonReplicated, "ReplicaSet big"},
			},
		},
		{
			name: "a pod that fits nowhere even alone says so",
			objs: []runtime.Object{big("big-0").Requests("5", "1Gi").Obj()},
			want: map[string]want{
				"big-0": {drain.ActionBlocked, drain.ReasonNoFit, "no other node fits its replacement: 0/2 nodes are available: 1 Insufficient cpu, 1 node(s) were unschedulable."},
			},
		},
		{
			// What stays on the node takes no room elsewhere, whatever
			// order the pods come in.
			name: "pods the drain leaves take no room elsewhere",
			objs: []runtime.Object{
				big("a-opted-out").Annotation(drain.AnnotationSafeToEvict, "false").Obj(),
				testutil.DaemonSet("default", "agent"),
				testutil.DrainPod("a-agent", "node-a").Owner("DaemonSet", "agent").Requests("3", "1Gi").Obj(),
				testutil.DrainPod("b-bare", "node-a").Requests("3", "1Gi").Obj(),
				big("big-0").Obj(),
			},
			want: map[string]want{
				"a-opted-out": {drain.ActionSkip, drain.ReasonOptedOut, "safe-to-evict"},
				"a-agent":     {drain.ActionSkip, drain.ReasonDaemonSet, "DaemonSet agent"},
				"b-bare":      {drain.ActionBlocked, drain.ReasonNoController, "use Force"},
				"big-0":       {drain.ActionEvict, drain.ReasonReplicated, "ReplicaSet big"},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := new(scenario).nodes("node-a", "node-b").add(testutil.ReplicaSet("default", "big", 2)).add(tc.objs...).
					start(t, fakecluster.Options{})
				d, err := drain.New(c, drain.Options{})
				require.NoError(t, err)
				plan, err := d.Plan(t.Context(), "node-a")
				require.NoError(t, err)
				require.Len(t, plan.Pods, len(tc.want))
				for _, p := range plan.Pods {
					w, ok := tc.want[p.Name]
					require.True(t, ok, "unexpected pod %s", p.Name)
					assert.Equal(t, w.action, p.Action, p.Name)
					assert.Equal(t, w.reason, p.Reason, p.Name)
					assert.Contains(t, p.Message, w.message, p.Name)
				}
			})
		})
	}
}

// Plan reads the cluster once: one list of nodes, one of pods, one of
// budgets, and nothing per pod.
func TestPlanListsOnce(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := new(scenario).nodes("node-a", "node-b", "node-c").
			replicaSet("web", "node-a", "node-a", "node-a", "node-b").add(maxUnavailable("web", 1)).
			start(t, fakecluster.Options{})
		d, err := drain.New(c, drain.Options{})
		require.NoError(t, err)
		c.ClearActions()
		_, err = d.Plan(t.Context(), "node-a")
		require.NoError(t, err)
		reads := map[string]int{}
		for _, a := range c.Actions() {
			if r := a.GetResource().Resource; r == "nodes" || r == "pods" || r == "poddisruptionbudgets" {
				reads[a.GetVerb()+" "+r]++
			}
		}
		assert.Equal(t, map[string]int{"list nodes": 1, "list pods": 1, "list poddisruptionbudgets": 1}, reads)
	})
}

// The pods a drain leaves on the node by its built-in rules are the ones
// scheduling.DrainExemption names, for the same reason; every other pod is
// evicted when the options allow what kubectl drain --force
// --delete-emptydir-data allows, as DrainExemption assumes.
func TestPlanAgreesWithDrainExemption(t *testing.T) {
	now := time.Now()
	notController := testutil.DrainPod("ds-not-controller", "node-a").Owner("DaemonSet", "agent").Obj()
	notController.OwnerReferences[0].Controller = nil
	foreignDaemonSet := testutil.DrainPod("foreign-daemonset", "node-a").Owner("DaemonSet", "agent").Obj()
	foreignDaemonSet.OwnerReferences[0].APIVersion = "example.com/v1"
	pods := []*corev1.Pod{
		testutil.DrainPod("mirror", "node-a").Mirror().Owner("Node", "node-a").Obj(),
		testutil.DrainPod("mirror-terminating", "node-a").Mirror().Terminating(now).Obj(),
		testutil.DrainPod("daemonset", "node-a").Owner("DaemonSet", "agent").Obj(),
		testutil.DrainPod("daemonset-succeeded", "node-a").Owner("DaemonSet", "agent").Phase(corev1.PodSucceeded).Obj(),
		testutil.DrainPod("daemonset-terminating", "node-a").Owner("DaemonSet", "agent").Terminating(now).Obj(),
		notController,
		foreignDaemonSet,
		testutil.DrainPod("terminating", "node-a").Owner("ReplicaSet", "web").Terminating(now).Obj(),
		testutil.DrainPod("succeeded", "node-a").Owner("Job", "batch").Phase(corev1.PodSucceeded).Obj(),
		testutil.DrainPod("failed", "node-a").Phase(corev1.PodFailed).Obj(),
		testutil.DrainPod("replicated", "node-a").Owner("ReplicaSet", "web").Obj(),
		testutil.DrainPod("bare", "node-a").Obj(),
		testutil.DrainPod("scratch", "node-a").Owner("ReplicaSet", "web").EmptyDir("tmp").Obj(),
		testutil.DrainPod("opted-out", "node-a").Owner("ReplicaSet", "web").Annotation(drain.AnnotationDoNotDisrupt, "true").Obj(),
	}
	// The drain's reason for each of DrainExemption's answers.
	reasons := map[string]drain.Reason{
		scheduling.ExemptMirror:      drain.ReasonMirror,
		scheduling.ExemptDaemonSet:   drain.ReasonDaemonSet,
		scheduling.ExemptTerminating: drain.ReasonTerminating,
		scheduling.ExemptFinished:    drain.ReasonTerminal,
	}
	synctest.Test(t, func(t *testing.T) {
		s := new(scenario).nodes("node-a", "node-b").add(testutil.ReplicaSet("default", "web", 1), testutil.DaemonSet("default", "agent"))
		for _, pod := range pods {
			s.add(pod)
		}
		c := s.start(t, fakecluster.Options{})
		d, err := drain.New(c, drain.Options{Force: true, DeleteEmptyDirData: true})
		require.NoError(t, err)
		plan, err := d.Plan(t.Context(), "node-a")
		require.NoError(t, err)
		require.Len(t, plan.Pods, len(pods))
		byName := map[string]drain.PodPlan{}
		for _, p := range plan.Pods {
			byName[p.Name] = p
		}
		for _, pod := range pods {
			p := byName[pod.Name]
			exemption := scheduling.DrainExemption(pod)
			if exemption == "" {
				assert.Equal(t, drain.ActionEvict, p.Action, "%s: %s", pod.Name, p.Message)
				continue
			}
			assert.Equal(t, reasons[exemption], p.Reason, pod.Name)
			assert.Contains(t, []drain.Action{drain.ActionSkip, drain.ActionWait}, p.Action, pod.Name)
		}
	})
}
