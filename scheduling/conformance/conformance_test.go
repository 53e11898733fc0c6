package conformance

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/tools/events"
	"k8s.io/klog/v2"
	fwk "k8s.io/kube-scheduler/framework"
	"k8s.io/kubernetes/pkg/scheduler"
	internalcache "k8s.io/kubernetes/pkg/scheduler/backend/cache"
	"k8s.io/kubernetes/pkg/scheduler/framework"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
	"github.com/kubeprim/kubeprim/scheduling"
)

// realOutcome is what kube-scheduler 1.36.3 decides for a pod: the status
// of each node after its PreFilter and Filter plugins, and the
// FailedScheduling message when no node fits ("" when some node does).
type realOutcome struct {
	statuses map[string]scheduling.Status
	message  string
}

// startScheduler builds a real scheduler (scheduler.New, default profile, a
// fake clientset holding the cluster and the extra pods), and waits until
// its cache, and the snapshot it returns, hold every node and bound pod.
func startScheduler(ctx context.Context, c schedgen.Cluster, extra ...*corev1.Pod) (*scheduler.Scheduler, framework.Framework, *internalcache.Snapshot, error) {
	var objects []runtime.Object
	for _, n := range c.Nodes {
		objects = append(objects, n)
	}
	for _, ns := range c.Namespaces {
		objects = append(objects, ns)
	}
	for _, o := range c.Services {
		objects = append(objects, o)
	}
	for _, o := range c.ReplicationControllers {
		objects = append(objects, o)
	}
	for _, o := range c.ReplicaSets {
		objects = append(objects, o)
	}
	for _, o := range c.StatefulSets {
		objects = append(objects, o)
	}
	bound := 0
	for _, p := range c.Pods {
		// The scheduler's pod informer asks the API server for non-terminal
		// pods only; the fake clientset ignores field selectors.
		if p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
			continue
		}
		objects = append(objects, p)
		if p.Spec.NodeName != "" {
			bound++
		}
	}
	for _, p := range extra {
		objects = append(objects, p)
	}
	client := fake.NewClientset(objects...)
	informerFactory := scheduler.NewInformerFactory(client, 0)
	recorders := func(string) events.EventRecorderLogger { return events.NewFakeRecorder(100) }
	sched, err := scheduler.New(ctx, client, informerFactory, nil, recorders)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("scheduler.New: %w", err)
	}
	informerFactory.Start(ctx.Done())
	informerFactory.WaitForCacheSync(ctx.Done())

	// The cache fills from the informers' event handlers; a pod may arrive
	// before its node, so wait for the snapshot itself to hold every node.
	profile := sched.Profiles[corev1.DefaultSchedulerName]
	snapshot := profile.SnapshotSharedLister().(*internalcache.Snapshot)
	deadline := time.Now().Add(time.Minute)
	for {
		if err := sched.Cache.UpdateSnapshot(klog.FromContext(ctx), snapshot); err != nil {
			return nil, nil, nil, err
		}
		infos, _ := snapshot.NodeInfos().List()
		pods := 0
		for _, info := range infos {
			pods += len(info.GetPods())
		}
		if len(infos) == len(c.Nodes) && pods == bound {
			// A node's snapshot counts the nodes holding each of its images
			// as they were when the node last changed, so the nodes added
			// first count too few until they change again (in a running
			// cluster, at their next status update). Touch every node once
			// more so that all counts are current, as they are in steady
			// state.
			for _, n := range c.Nodes {
				sched.Cache.UpdateNode(klog.FromContext(ctx), n, n)
			}
			if err := sched.Cache.UpdateSnapshot(klog.FromContext(ctx), snapshot); err != nil {
				return nil, nil, nil, err
			}
			return sched, profile, snapshot, nil
		}
		if time.Now().After(deadline) {
			return nil, nil, nil, fmt.Errorf("scheduler snapshot has %d nodes and %d pods, want %d and %d", len(infos), pods, len(c.Nodes), bound)
		}
		time.Sleep(time.Millisecond)
	}
}

// runScheduler builds a real scheduler (scheduler.New, default profile, a
// fake clientset holding the cluster), lets its cache fill from the
// informers, and runs the pod through the same steps as a scheduling cycle:
// PreFilter, Filter on every node, then SchedulePod and the PostFilter
// (preemption) plugins for the message.
func runScheduler(t *testing.T, c schedgen.Cluster, pod *corev1.Pod) realOutcome {
	t.Helper()
	ctx, cancel := context.WithCancel(klog.NewContext(t.Context(), klog.Background()))
	defer cancel()
	schedulable := pod.Spec.NodeName == ""
	var extra []*corev1.Pod
	if schedulable {
		extra = append(extra, pod) // preemption reads the pod from its lister
	}
	sched, profile, snapshot, err := startScheduler(ctx, c, extra...)
	if err != nil {
		t.Fatal(err)
	}

	// As findNodesThatFitPod: PreFilter, then the nominated node (with every
	// filter, whatever the PreFilter's node list says; the plugin rejecting
	// it joins the set the narrowed nodes' message lists), then the nodes the
	// PreFilter allows.
	out := realOutcome{statuses: map[string]scheduling.Status{}}
	state := framework.NewCycleState()
	preResult, preStatus, plugins := profile.RunPreFilterPlugins(ctx, state, pod)
	filter := func(name string) *fwk.Status {
		info, err := snapshot.NodeInfos().Get(name)
		if err != nil {
			t.Fatal(err)
		}
		return profile.RunFilterPlugins(ctx, state, pod, info)
	}
	nominated := pod.Status.NominatedNodeName
	if _, err := snapshot.NodeInfos().Get(nominated); nominated == "" || err != nil {
		nominated = ""
	}
	if preStatus.IsSuccess() && nominated != "" {
		st := filter(nominated)
		if st.IsRejected() && st.Plugin() != "" {
			plugins.Insert(st.Plugin())
		}
		out.statuses[nominated] = convert(st)
	}
	for _, n := range c.Nodes {
		switch {
		case !preStatus.IsSuccess():
			out.statuses[n.Name] = convert(preStatus)
		case n.Name == nominated:
		case preResult != nil && !preResult.AllNodes() && !preResult.NodeNames.Has(n.Name):
			out.statuses[n.Name] = scheduling.Status{Code: scheduling.UnschedulableAndUnresolvable, Plugin: scheduling.PluginNodeAffinity,
				Reasons: []string{fmt.Sprintf("node(s) didn't satisfy plugin(s) %v", sets.List(plugins))}}
		default:
			out.statuses[n.Name] = convert(filter(n.Name))
		}
	}

	if schedulable {
		podInfo, _ := framework.NewPodInfo(pod)
		cycle := framework.NewCycleState()
		_, err := sched.SchedulePod(ctx, profile, cycle, &framework.QueuedPodInfo{PodInfo: podInfo})
		var fitErr *framework.FitError
		switch {
		case errors.As(err, &fitErr):
			_, st := profile.RunPostFilterPlugins(ctx, cycle, pod, fitErr.Diagnosis.NodeToStatus)
			fitErr.Diagnosis.PostFilterMsg = st.Message()
			out.message = fitErr.Error()
		case err != nil:
			out.message = err.Error()
		}
	}
	return out
}

func convert(st *fwk.Status) scheduling.Status {
	if st.IsSuccess() {
		return scheduling.Status{Code: scheduling.Success}
	}
	codes := map[fwk.Code]scheduling.Code{
		fwk.Error:                        scheduling.Error,
		fwk.Unschedulable:                scheduling.Unschedulable,
		fwk.UnschedulableAndUnresolvable: scheduling.UnschedulableAndUnresolvable,
	}
	code, ok := codes[st.Code()]
	if !ok {
		code = scheduling.Code(100 + int(st.Code()))
	}
	return scheduling.Status{Code: code, Plugin: st.Plugin(), Reasons: st.Reasons()}
}

// TestAgainstKubeScheduler runs random clusters and pods through both the
// Simulator and the real scheduler and requires the same status on every
// node and the same FailedScheduling message.
func TestAgainstKubeScheduler(t *testing.T) {
	cases := 3000
	if testing.Short() {
		cases = 100
	}
	rng := rand.New(rand.NewPCG(2026, 136))
	for i := range cases {
		c := schedgen.RandomCluster(rng)
		pod := schedgen.RandomPod(rng)
		t.Run(fmt.Sprintf("case%04d", i), func(t *testing.T) {
			compare(t, c, pod)
		})
	}
	t.Logf("%d cases, %d FailedScheduling messages compared (%d where preemption would make room)", cases, messagesCompared, preemptionHelps)
}

// TestAgainstKubeSchedulerLargerClusters does the same with up to 20 nodes
// and 150 pods, where preemption finds victims more often.
func TestAgainstKubeSchedulerLargerClusters(t *testing.T) {
	cases := 400
	if testing.Short() {
		cases = 20
	}
	rng := rand.New(rand.NewPCG(1, 36))
	for i := range cases {
		c := schedgen.RandomClusterSized(rng, 20, 150)
		pod := schedgen.RandomPod(rng)
		t.Run(fmt.Sprintf("case%04d", i), func(t *testing.T) {
			compare(t, c, pod)
		})
	}
	t.Logf("%d FailedScheduling messages compared so far (%d where preemption would make room)", messagesCompared, preemptionHelps)
}

func compare(t *testing.T, c schedgen.Cluster, pod *corev1.Pod) {
	t.Helper()
	sim, err := scheduling.NewSimulator(c.Nodes, c.Pods)
	if err != nil {
		t.Fatal(err)
	}
	if err := sim.SetNamespaces(c.Namespaces); err != nil {
		t.Fatal(err)
	}
	real := runScheduler(t, c, pod)
	fits, d := sim.Feasible(pod)
	for _, n := range c.Nodes {
		got, want := d.Status(n.Name), real.statuses[n.Name]
		if !same(got, want) {
			t.Errorf("node %s: Simulator %v, kube-scheduler %v\npod: %s", n.Name, got, want, describe(pod))
		}
	}
	if len(fits) == 0 && pod.Spec.NodeName == "" {
		messagesCompared++
		if d.PostFilterMessage() == "" {
			preemptionHelps++
		}
		if got := d.Error(); got != real.message {
			t.Errorf("message:\n  Simulator      %s\n  kube-scheduler %s\npod: %s", got, real.message, describe(pod))
		}
	}
}

// messagesCompared counts the cases where no node fit, so that a run shows
// how many FailedScheduling messages it checked.
var messagesCompared, preemptionHelps int

func same(a, b scheduling.Status) bool {
	if a.Code != b.Code || a.Plugin != b.Plugin || len(a.Reasons) != len(b.Reasons) {
		return false
	}
	ar, br := a.Reasons, b.Reasons
	if a.Plugin == scheduling.PluginNodeResourcesFit {
		ar, br = scalarsSorted(ar), scalarsSorted(br)
	}
	return slices.Equal(ar, br)
}

// scalarsSorted returns NodeResourcesFit's reasons with the "Insufficient"
// reasons of scalar resources (extended, hugepages, ...) sorted: the
// scheduler lists those in the order it ranges over a map (fitsRequest in
// noderesources/fit.go), which varies from run to run.
func scalarsSorted(reasons []string) []string {
	out := slices.Clone(reasons)
	fixed := 0
	for fixed < len(out) && slices.Contains([]string{"Too many pods", "Insufficient cpu", "Insufficient memory", "Insufficient ephemeral-storage"}, out[fixed]) {
		fixed++
	}
	slices.Sort(out[fixed:])
	return out
}

func describe(p *corev1.Pod) string {
	return fmt.Sprintf("labels=%v spec=%+v", p.Labels, p.Spec)
}
