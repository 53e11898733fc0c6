package drain

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Action is what a drain does with a pod.
type Action string

const (
	// ActionEvict: the pod is evicted through the eviction API, which
	// honours its budgets.
	ActionEvict Action = "Evict"
	// ActionDelete: the pod is deleted, bypassing budgets. Only a caller's
	// Filter chooses this; the built-in rules never do.
	ActionDelete Action = "Delete"
	// ActionWait: the drain does not remove the pod but waits for it: a
	// terminating pod until it is gone, any other until it completes (phase
	// Succeeded or Failed) or is gone. The rules choose it for terminating
	// pods and for pods that ask to be waited for (AnnotationSafeToEvict
	// "on-completion", LabelDrain "wait-completed"); a Filter may choose it
	// for any pod.
	ActionWait Action = "Wait"
	// ActionSkip: the pod stays on the node and does not hold up the drain.
	ActionSkip Action = "Skip"
	// ActionBlocked: the pod stays on the node and the node cannot be fully
	// drained as things are (Reason says why).
	ActionBlocked Action = "Blocked"
)

// Reason says why a pod got its Action.
type Reason string

const (
	// ReasonReplicated: an ordinary controller-owned pod.
	ReasonReplicated Reason = "Replicated"
	// ReasonForced: a pod without controller, or one that opted out,
	// evicted because of Options.Force.
	ReasonForced Reason = "Forced"
	// ReasonWaitsForBudget: evictable, but only after earlier evictions of
	// this drain have been replaced, because the budget allows fewer
	// disruptions than the node has pods under it.
	ReasonWaitsForBudget Reason = "WaitsForBudget"
	// ReasonMirror: a static pod's mirror, which the API cannot remove.
	ReasonMirror Reason = "MirrorPod"
	// ReasonDaemonSet: a DaemonSet pod (Options.EvictDaemonSets is off).
	ReasonDaemonSet Reason = "DaemonSet"
	// ReasonTerminal: the pod has Succeeded or Failed and runs nothing.
	ReasonTerminal Reason = "Terminal"
	// ReasonOptedOut: the pod carries an opt-out annotation.
	ReasonOptedOut Reason = "OptedOut"
	// ReasonTerminating: the pod is already being deleted.
	ReasonTerminating Reason = "Terminating"
	// ReasonStuckTerminating: terminating for longer than
	// Options.SkipWaitForDeleteTimeout.
	ReasonStuckTerminating Reason = "StuckTerminating"
	// ReasonNoController: the pod declares no controller, so nothing would
	// recreate it (use Options.Force).
	ReasonNoController Reason = "NoController"
	// ReasonLocalStorage: the pod has emptyDir data that eviction loses (use
	// Options.DeleteEmptyDirData).
	ReasonLocalStorage Reason = "LocalStorage"
	// ReasonBudget: a budget allows no disruption now.
	ReasonBudget Reason = "BudgetExhausted"
	// ReasonMultipleBudgets: several budgets cover the pod; the eviction API
	// refuses such pods.
	ReasonMultipleBudgets Reason = "MultipleBudgets"
	// ReasonNoFit: the pod's replacement has nowhere to go when the
	// replacements of the node's leaving pods are placed together, with
	// the scheduler's filters and scoring (the message says whether it
	// would fit on its own).
	ReasonNoFit Reason = "NoFit"
	// ReasonFilter: a caller's Filter decided, without giving a reason.
	ReasonFilter Reason = "Filter"
	// ReasonAlreadyGone: the pod disappeared before the drain removed it.
	ReasonAlreadyGone Reason = "AlreadyGone"
	// ReasonReplaced: the pod's name now belongs to a replacement with
	// another UID, which the drain leaves alone.
	ReasonReplaced Reason = "Replaced"
	// ReasonWaitsForCompletion: the pod asks to be left running until it
	// completes (AnnotationSafeToEvict "on-completion", LabelDrain
	// "wait-completed"); the drain waits for that instead of evicting it.
	ReasonWaitsForCompletion Reason = "WaitsForCompletion"
	// ReasonCompleted: a pod the drain waited for completed on its own.
	ReasonCompleted Reason = "Completed"
)

// Annotations users already put on pods to keep them from being disrupted,
// and the cluster-autoscaler annotations that say a pod is safe to move.
const (
	// AnnotationSafeToEvict is cluster-autoscaler's: "false" opts the pod
	// out (unless Force); "true" lets a pod without controller or with
	// emptyDir data be evicted without Force or DeleteEmptyDirData;
	// "on-completion" (cluster-autoscaler 1.36) makes the drain wait for the
	// pod to complete instead of evicting it (unless Force).
	AnnotationSafeToEvict = "cluster-autoscaler.kubernetes.io/safe-to-evict"
	// LabelDrain is cluster-api's per-pod drain label: "skip" opts the pod
	// out (unless Force); "wait-completed" makes the drain wait for the pod
	// to complete instead of evicting it (unless Force). Values are matched
	// as cluster-api matches them: case-insensitively, "waitcompleted"
	// too; others are ignored.
	LabelDrain = "cluster.x-k8s.io/drain"
	// AnnotationSafeToEvictLocalVolumes lists, comma separated, emptyDir
	// volumes whose loss is acceptable.
	AnnotationSafeToEvictLocalVolumes = "cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes"
	// AnnotationDoNotDisrupt is Karpenter's: "true" opts the pod out; a Go
	// duration ("30m") opts it out until that long after the pod started.
	AnnotationDoNotDisrupt = "karpenter.sh/do-not-disrupt"
)

// Tier orders evictions on a node: a tier starts once every pod of the
// tiers before it is gone.
type Tier int

const (
	// TierOrdinary holds every pod not in a later tier.
	TierOrdinary Tier = iota
	// TierCritical holds system-critical pods (priority at or above
	// system-cluster-critical's 2000000000), which serve the others.
	TierCritical
	// TierDaemonSet holds DaemonSet pods, with Options.EvictDaemonSets.
	TierDaemonSet
	// TierCriticalDaemonSet holds system-critical DaemonSet pods.
	TierCriticalDaemonSet
)

var tierNames = [...]string{"ordinary", "critical", "daemonset", "critical-daemonset"}

// String returns the tier's name.
func (t Tier) String() string {
	if t >= 0 && int(t) < len(tierNames) {
		return tierNames[t]
	}
	return fmt.Sprintf("Tier(%d)", int(t))
}

// MarshalText renders the tier by name.
func (t Tier) MarshalText() ([]byte, error) { return []byte(t.String()), nil }

// UnmarshalText reads a tier by name, so a Plan or Report read back from
// JSON has the tiers it was written with.
func (t *Tier) UnmarshalText(text []byte) error {
	for i, name := range tierNames {
		if string(text) == name {
			*t = Tier(i)
			return nil
		}
	}
	return fmt.Errorf("unknown drain tier %q: want one of %s", text, strings.Join(tierNames[:], ", "))
}

// systemCriticalPriority is the priority of system-cluster-critical, the
// bound above which the kubelet treats a pod as critical.
const systemCriticalPriority = 2000000000

var criticalClasses = map[string]bool{"system-cluster-critical": true, "system-node-critical": true}

// Decision is a Filter's verdict on one pod. The zero Decision means "no
// opinion".
type Decision struct {
	Action  Action
	Reason  Reason
	Message string
}

// Filter inspects a pod that the built-in rules would evict and may decide
// otherwise: skip it, block the drain on it, wait for it to complete
// (ActionWait), or delete it instead. It returns the zero Decision to leave
// the pod to the next filter.
type Filter func(pod *corev1.Pod) Decision

// classification is the outcome of the built-in rules and the filters for
// one pod, before budgets are considered.
type classification struct {
	Decision
	tier  Tier
	order int
}

// classify applies the built-in rules, in the order that lets a pod's most
// specific property decide, then the caller's filters. It does no I/O.
func classify(pod *corev1.Pod, opts *Options, now time.Time) classification {
	tier, order := tierOf(pod), 0
	if opts.Order != nil {
		order = opts.Order(pod)
	}
	decide := func(a Action, r Reason, format string, args ...any) classification {
		return classification{Decision{Action: a, Reason: r, Message: fmt.Sprintf(format, args...)}, tier, order}
	}
	if _, ok := pod.Annotations[corev1.MirrorPodAnnotationKey]; ok {
		return decide(ActionSkip, ReasonMirror, "static pod managed by the kubelet")
	}
	if pod.DeletionTimestamp != nil {
		terminating := now.Sub(pod.DeletionTimestamp.Time)
		if opts.SkipWaitForDeleteTimeout > 0 && terminating > opts.SkipWaitForDeleteTimeout {
			return decide(ActionSkip, ReasonStuckTerminating, "terminating since %s, longer than %v", pod.DeletionTimestamp.UTC().Format(time.RFC3339), opts.SkipWaitForDeleteTimeout)
		}
		return decide(ActionWait, ReasonTerminating, "already terminating")
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return decide(ActionSkip, ReasonTerminal, "phase %s", pod.Status.Phase)
	}
	controller := metav1.GetControllerOf(pod)
	if isDaemonSet(controller) {
		if !opts.EvictDaemonSets {
			return decide(ActionSkip, ReasonDaemonSet, "DaemonSet %s", controller.Name)
		}
	}
	safeToEvict := pod.Annotations[AnnotationSafeToEvict] == "true"
	forced := "" // why the pod would stay but for Force
	if why := optedOut(pod, now); why != "" && !safeToEvict {
		if !opts.Force {
			return decide(ActionSkip, ReasonOptedOut, "%s", why)
		}
		forced = why
	} else if why := waitsForCompletion(pod); why != "" {
		if !opts.Force {
			return decide(ActionWait, ReasonWaitsForCompletion, "%s: waits for it to complete", why)
		}
		forced = why
	}
	result := decide(ActionEvict, ReasonReplicated, "")
	if controller != nil {
		result.Message = controller.Kind + " " + controller.Name
	}
	if forced != "" {
		// Force overrides the pod's wish, not the other rules: emptyDir
		// data still needs DeleteEmptyDirData.
		result = decide(ActionEvict, ReasonForced, "%s, evicted because of Force", forced)
	}
	if isDaemonSet(controller) {
		// The DaemonSet recreates its pod wherever it still tolerates the
		// node, emptyDir or not; local data is no reason to hold it back.
		return runFilters(pod, opts, result)
	}
	if controller == nil && !safeToEvict {
		if !opts.Force {
			return decide(ActionBlocked, ReasonNoController, "no controller would recreate it; use Force")
		}
		result = decide(ActionEvict, ReasonForced, "%s", joinMessage(forced, "no controller would recreate it; evicted because of Force"))
	}
	if volumes := unsafeEmptyDirs(pod); len(volumes) > 0 && !safeToEvict {
		if !opts.DeleteEmptyDirData {
			return decide(ActionBlocked, ReasonLocalStorage, "emptyDir %s would be lost; use DeleteEmptyDirData", strings.Join(volumes, ", "))
		}
		result.Message = joinMessage(result.Message, "emptyDir "+strings.Join(volumes, ", ")+" will be lost")
	}
	return runFilters(pod, opts, result)
}

func runFilters(pod *corev1.Pod, opts *Options, result classification) classification {
	for _, f := range opts.Filters {
		d := f(pod)
		if d.Action == "" || d.Action == ActionEvict {
			continue
		}
		if d.Reason == "" {
			d.Reason = ReasonFilter
		}
		result.Decision = d
		return result
	}
	return result
}

func joinMessage(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

func isDaemonSet(ref *metav1.OwnerReference) bool {
	return ref != nil && ref.Kind == "DaemonSet" && strings.HasPrefix(ref.APIVersion, "apps/")
}

func tierOf(pod *corev1.Pod) Tier {
	critical := criticalClasses[pod.Spec.PriorityClassName] ||
		(pod.Spec.Priority != nil && *pod.Spec.Priority >= systemCriticalPriority)
	daemon := isDaemonSet(metav1.GetControllerOf(pod))
	switch {
	case daemon && critical:
		return TierCriticalDaemonSet
	case daemon:
		return TierDaemonSet
	case critical:
		return TierCritical
	}
	return TierOrdinary
}

// optedOut returns why the pod's annotations keep it from being disrupted,
// or "" when they do not. An invalid do-not-disrupt value is ignored, as
// Karpenter ignores it.
func optedOut(pod *corev1.Pod, now time.Time) string {
	if pod.Annotations[AnnotationSafeToEvict] == "false" {
		return AnnotationSafeToEvict + `: "false"`
	}
	if value, ok := pod.Labels[LabelDrain]; ok && strings.EqualFold(value, "skip") {
		return fmt.Sprintf("label %s: %q", LabelDrain, value)
	}
	value, ok := pod.Annotations[AnnotationDoNotDisrupt]
	if !ok {
		return ""
	}
	if value == "true" {
		return AnnotationDoNotDisrupt + `: "true"`
	}
	d, err := time.ParseDuration(value)
	if err != nil || d <= 0 {
		return ""
	}
	start := pod.CreationTimestamp.Time
	if pod.Status.StartTime != nil {
		start = pod.Status.StartTime.Time
	}
	if until := start.Add(d); now.Before(until) {
		return fmt.Sprintf("%s: %q until %s", AnnotationDoNotDisrupt, value, until.UTC().Format(time.RFC3339))
	}
	return ""
}

// unsafeEmptyDirs lists the pod's emptyDir volumes not declared safe to lose.
func unsafeEmptyDirs(pod *corev1.Pod) []string {
	safe := map[string]bool{}
	for _, name := range strings.Split(pod.Annotations[AnnotationSafeToEvictLocalVolumes], ",") {
		if name = strings.TrimSpace(name); name != "" {
			safe[name] = true
		}
	}
	var names []string
	for _, v := range pod.Spec.Volumes {
		if v.EmptyDir != nil && !safe[v.Name] {
			names = append(names, v.Name)
		}
	}
	return names
}

// waitsForCompletion returns why the pod asks to be left running until it
// completes, or "" when it does not.
func waitsForCompletion(pod *corev1.Pod) string {
	if pod.Annotations[AnnotationSafeToEvict] == "on-completion" {
		return AnnotationSafeToEvict + `: "on-completion"`
	}
	if value, ok := pod.Labels[LabelDrain]; ok && strings.EqualFold(strings.Replace(value, "-", "", 1), "waitcompleted") {
		return fmt.Sprintf("label %s: %q", LabelDrain, value)
	}
	return ""
}
