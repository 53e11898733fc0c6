package drain

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/internal/testutil"
)

func TestClassify(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	pod := func(name string) *testutil.DrainPodBuilder { return testutil.DrainPod(name, "node-a") }
	rs := func(name string) *testutil.DrainPodBuilder { return pod(name).Owner("ReplicaSet", "web-1") }
	started := func(b *testutil.DrainPodBuilder, at time.Time) *corev1.Pod {
		p := b.Obj()
		st := metav1.NewTime(at)
		p.Status.StartTime = &st
		return p
	}
	skipFilter := func(p *corev1.Pod) Decision {
		if p.Labels["role"] == "canary" {
			return Decision{Action: ActionSkip, Message: "canaries stay"}
		}
		return Decision{}
	}
	deleteFilter := func(p *corev1.Pod) Decision {
		return Decision{Action: ActionDelete, Reason: "Scratch", Message: "scratch pod"}
	}

	tests := []struct {
		name       string
		pod        *corev1.Pod
		opts       Options
		wantAction Action
		wantReason Reason
		wantTier   Tier
	}{
		{name: "replicated pod is evicted", pod: rs("a").Obj(), wantAction: ActionEvict, wantReason: ReasonReplicated},
		{name: "mirror pod is skipped even with Force", pod: pod("a").Mirror().Obj(), opts: Options{Force: true}, wantAction: ActionSkip, wantReason: ReasonMirror},
		{name: "terminating pod is waited for", pod: rs("a").Terminating(now.Add(-time.Minute)).Obj(), wantAction: ActionWait, wantReason: ReasonTerminating},
		{name: "pod terminating longer than SkipWaitForDeleteTimeout is skipped",
			pod: rs("a").Terminating(now.Add(-time.Minute)).Obj(), opts: Options{SkipWaitForDeleteTimeout: 30 * time.Second},
			wantAction: ActionSkip, wantReason: ReasonStuckTerminating},
		{name: "pod terminating for less than SkipWaitForDeleteTimeout is waited for",
			pod: rs("a").Terminating(now.Add(-10 * time.Second)).Obj(), opts: Options{SkipWaitForDeleteTimeout: 30 * time.Second},
			wantAction: ActionWait, wantReason: ReasonTerminating},
		{name: "succeeded pod is skipped", pod: rs("a").Phase(corev1.PodSucceeded).Obj(), wantAction: ActionSkip, wantReason: ReasonTerminal},
		{name: "failed bare pod is skipped, not blocked", pod: pod("a").Phase(corev1.PodFailed).Obj(), wantAction: ActionSkip, wantReason: ReasonTerminal},
		{name: "DaemonSet pod is skipped", pod: pod("a").Owner("DaemonSet", "agent").Obj(), wantAction: ActionSkip, wantReason: ReasonDaemonSet, wantTier: TierDaemonSet},
		{name: "DaemonSet pod is evicted last with EvictDaemonSets, emptyDir or not",
			pod: pod("a").Owner("DaemonSet", "agent").EmptyDir("cache").Obj(), opts: Options{EvictDaemonSets: true},
			wantAction: ActionEvict, wantReason: ReasonReplicated, wantTier: TierDaemonSet},
		{name: "critical DaemonSet pod goes in the very last tier",
			pod: pod("a").Owner("DaemonSet", "cni").Priority("system-node-critical", 2000001000).Obj(), opts: Options{EvictDaemonSets: true},
			wantAction: ActionEvict, wantReason: ReasonReplicated, wantTier: TierCriticalDaemonSet},
		{name: "pod without controller blocks", pod: pod("a").Obj(), wantAction: ActionBlocked, wantReason: ReasonNoController},
		{name: "pod without controller is evicted with Force", pod: pod("a").Obj(), opts: Options{Force: true}, wantAction: ActionEvict, wantReason: ReasonForced},
		{name: "pod owned by a non-controller reference counts as without controller",
			pod: func() *corev1.Pod {
				p := pod("a").Obj()
				p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "x", UID: "u"}}
				return p
			}(), wantAction: ActionBlocked, wantReason: ReasonNoController},
		{name: "safe-to-evict true lets a bare pod go without Force",
			pod: pod("a").Annotation(AnnotationSafeToEvict, "true").Obj(), wantAction: ActionEvict, wantReason: ReasonReplicated},
		{name: "emptyDir blocks", pod: rs("a").EmptyDir("scratch").Obj(), wantAction: ActionBlocked, wantReason: ReasonLocalStorage},
		{name: "emptyDir is evicted with DeleteEmptyDirData", pod: rs("a").EmptyDir("scratch").Obj(), opts: Options{DeleteEmptyDirData: true}, wantAction: ActionEvict, wantReason: ReasonReplicated},
		{name: "emptyDir listed in safe-to-evict-local-volumes does not block",
			pod: rs("a").EmptyDir("cache").Annotation(AnnotationSafeToEvictLocalVolumes, "logs, cache").Obj(), wantAction: ActionEvict, wantReason: ReasonReplicated},
		{name: "emptyDir not listed in safe-to-evict-local-volumes still blocks",
			pod: rs("a").EmptyDir("cache").EmptyDir("data").Annotation(AnnotationSafeToEvictLocalVolumes, "cache").Obj(), wantAction: ActionBlocked, wantReason: ReasonLocalStorage},
		{name: "safe-to-evict false opts out", pod: rs("a").Annotation(AnnotationSafeToEvict, "false").Obj(), wantAction: ActionSkip, wantReason: ReasonOptedOut},
		{name: "safe-to-evict false is evicted with Force", pod: rs("a").Annotation(AnnotationSafeToEvict, "false").Obj(), opts: Options{Force: true}, wantAction: ActionEvict, wantReason: ReasonForced},
		{name: "do-not-disrupt true opts out", pod: rs("a").Annotation(AnnotationDoNotDisrupt, "true").Obj(), wantAction: ActionSkip, wantReason: ReasonOptedOut},
		{name: "do-not-disrupt duration still running opts out",
			pod: started(rs("a").Annotation(AnnotationDoNotDisrupt, "30m"), now.Add(-10*time.Minute)), wantAction: ActionSkip, wantReason: ReasonOptedOut},
		{name: "do-not-disrupt duration expired does not",
			pod: started(rs("a").Annotation(AnnotationDoNotDisrupt, "30m"), now.Add(-time.Hour)), wantAction: ActionEvict, wantReason: ReasonReplicated},
		{name: "do-not-disrupt invalid value is ignored, as Karpenter ignores it",
			pod: rs("a").Annotation(AnnotationDoNotDisrupt, "yes please").Obj(), wantAction: ActionEvict, wantReason: ReasonReplicated},
		{name: "do-not-disrupt false is not an opt-out", pod: rs("a").Annotation(AnnotationDoNotDisrupt, "false").Obj(), wantAction: ActionEvict, wantReason: ReasonReplicated},
		{name: "system-cluster-critical pod is in the critical tier",
			pod: rs("a").Priority("system-cluster-critical", 2000000000).Obj(), wantAction: ActionEvict, wantReason: ReasonReplicated, wantTier: TierCritical},
		{name: "priority at the critical bound without the class name is critical",
			pod: rs("a").Priority("custom", 2000000000).Obj(), wantAction: ActionEvict, wantReason: ReasonReplicated, wantTier: TierCritical},
		{name: "high user priority is ordinary", pod: rs("a").Priority("high", 1000000000).Obj(), wantAction: ActionEvict, wantReason: ReasonReplicated},
		{name: "caller filter skips", pod: rs("a").Labels("role", "canary").Obj(), opts: Options{Filters: []Filter{skipFilter}}, wantAction: ActionSkip, wantReason: ReasonFilter},
		{name: "caller filter without opinion leaves the pod", pod: rs("a").Obj(), opts: Options{Filters: []Filter{skipFilter}}, wantAction: ActionEvict, wantReason: ReasonReplicated},
		{name: "caller filter may choose deletion", pod: rs("a").Obj(), opts: Options{Filters: []Filter{deleteFilter}}, wantAction: ActionDelete, wantReason: "Scratch"},
		{name: "caller filters do not see pods the rules skip", pod: pod("a").Mirror().Obj(), opts: Options{Filters: []Filter{deleteFilter}}, wantAction: ActionSkip, wantReason: ReasonMirror},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := classify(tc.pod, &tc.opts, now)
			assert.Equal(t, tc.wantAction, got.Action, "action (message %q)", got.Message)
			assert.Equal(t, tc.wantReason, got.Reason, "reason (message %q)", got.Message)
			assert.Equal(t, tc.wantTier, got.tier, "tier")
		})
	}
}

func TestClassifyDoesNotModifyThePod(t *testing.T) {
	pod := testutil.DrainPod("a", "node-a").Owner("ReplicaSet", "web-1").EmptyDir("x").Obj()
	before := pod.DeepCopy()
	classify(pod, &Options{DeleteEmptyDirData: true}, time.Now())
	assert.Equal(t, before, pod)
}
