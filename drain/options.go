package drain

import (
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Options configures a Drainer. The zero value is safe: pods are evicted
// through the eviction API (never deleted), each with its own
// terminationGracePeriodSeconds; pods without a controller and pods with
// emptyDir data block the drain instead of being removed; DaemonSet pods are
// left alone; there is no deadline other than the context's.
type Options struct {
	// Force also evicts pods that declare no controller (they are not
	// recreated anywhere) and pods that opted out of disruption with
	// cluster-autoscaler.kubernetes.io/safe-to-evict: "false" or
	// karpenter.sh/do-not-disrupt. Budgets are still honoured: Force never
	// turns an eviction into a deletion.
	Force bool

	// DeleteEmptyDirData allows evicting pods with emptyDir volumes, whose
	// data is lost. Volumes listed in the pod's
	// cluster-autoscaler.kubernetes.io/safe-to-evict-local-volumes annotation
	// never block.
	DeleteEmptyDirData bool

	// EvictDaemonSets also evicts DaemonSet pods, in the last tiers, after
	// every other pod of the node is gone. By default DaemonSet pods are
	// skipped, as kubectl drain --ignore-daemonsets does.
	EvictDaemonSets bool

	// GracePeriod overrides each pod's terminationGracePeriodSeconds for
	// evictions. Nil (the default) uses the pod's own. It must be at least one
	// second: zero would remove the pod object without waiting for the
	// kubelet (kubernetes#83307), which this package never does silently.
	GracePeriod *time.Duration

	// MaxGracePeriod caps each pod's terminationGracePeriodSeconds for
	// evictions, as cluster-autoscaler's --max-graceful-termination-sec
	// does: a pod asking for an hour gets this much instead, a pod asking
	// for less keeps its own. Zero means no cap; otherwise it must be at
	// least one second, and at least GracePeriod when both are set.
	MaxGracePeriod time.Duration

	// PodSelector, a label selector in kubectl syntax, restricts the drain to
	// the pods it matches. Empty selects every pod.
	PodSelector string

	// Filters are applied, in order, to every pod the built-in rules would
	// evict; the first one that returns a non-zero Decision decides. They run
	// without I/O and must be safe for concurrent use.
	Filters []Filter

	// Order, when set, puts each pod into an order group, drained from the
	// lowest number to the highest: a group starts once every pod of the
	// groups before it is gone (or, for a pod waited for, has completed).
	// This is cluster-api's MachineDrainRule order, and, with
	// OrderByPriority, cluster-autoscaler's --drain-priority-config. Groups
	// divide each tier and do not cross them: system-critical and DaemonSet
	// pods still go after all the others, whatever their group. Nil (the
	// default) puts every pod in group 0. It is called once per pod when a
	// node is planned, runs without I/O, and must be safe for concurrent
	// use.
	Order func(pod *corev1.Pod) int

	// Escalation, when set, gives each pod the drain evicts, deletes or
	// waits for its EscalationPolicy: when to stop waiting for its budgets,
	// its readiness or its kubelet and delete it with a grace period, and
	// when to leave it on the node. Nil (the default), like the zero
	// policy, never escalates: pods are evicted and waited for until
	// Timeout. A policy that is not valid blocks its pod in the plan
	// (ReasonInvalidEscalation, saying what is wrong), so nothing on its
	// node changes. It is called once per pod when a node is planned, runs
	// without I/O, and must be safe for concurrent use.
	Escalation func(pod *corev1.Pod) EscalationPolicy

	// Taint, when set, is added to each node when it is cordoned and removed
	// by Uncordon. Its effect must be NoSchedule or NoExecute.
	Taint *corev1.Taint

	// MaxConcurrentNodes bounds how many nodes are drained at the same time.
	// Zero drains every given node in parallel; budgets are shared across
	// nodes either way.
	MaxConcurrentNodes int

	// MaxConcurrentEvictions bounds, over all nodes, how many pods are
	// between their eviction request and their disappearance at the same
	// time. Zero means no bound beyond what the budgets allow.
	MaxConcurrentEvictions int

	// MaxConcurrentEvictionsPerNode is the same bound for each node. Zero
	// means no bound.
	MaxConcurrentEvictionsPerNode int

	// MaxConcurrentEvictionsPerNamespace is the same bound for each
	// namespace, over all nodes: a tenant loses at most this many pods at
	// a time even where its budgets would allow more, or where it has
	// none. Zero means no bound.
	MaxConcurrentEvictionsPerNamespace int

	// Timeout bounds the drain of each node, counted from the start of its
	// drain, once every node is cordoned. Zero means no deadline other than
	// the context's.
	Timeout time.Duration

	// OnTimeout says what happens to the pods still on a node when Timeout
	// expires. The zero value, TimeoutFail, stops and reports them.
	OnTimeout TimeoutPolicy

	// ForceDeleteGracePeriod is the grace period given to pods deleted by
	// TimeoutForceDelete. Nil uses each pod's own; otherwise it must be at
	// least one second.
	ForceDeleteGracePeriod *time.Duration

	// UncordonOnFailure makes a node that this drain cordoned schedulable
	// again when its drain fails or is cancelled. A node that was already
	// cordoned before the drain is left as it was.
	UncordonOnFailure bool

	// SkipWaitForDeleteTimeout treats pods that have been terminating for
	// longer than this as gone (their kubelet is likely unreachable), as
	// kubectl's --skip-wait-for-delete-timeout does. Zero waits for them.
	SkipWaitForDeleteTimeout time.Duration

	// MinRetryInterval and MaxRetryInterval bound the jittered exponential
	// backoff between retries of a failed request, and the longest a pod
	// waits for a budget change before asking the API server again. Zero
	// means 1s and 30s.
	MinRetryInterval time.Duration
	MaxRetryInterval time.Duration

	// WaitForVolumeDetach makes a node's drain end only once the CSI
	// volumes of the pods it removed are detached from the node: no
	// VolumeAttachment is left with spec.nodeName the node and
	// spec.source.persistentVolumeName a volume claimed by such a pod.
	// Turn it on when the node is deleted or its machine terminated after
	// the drain: a node that goes with volumes still attached leaves the
	// replacement pods in ContainerCreating, with FailedAttachVolume or
	// Multi-Attach errors, until the attach-detach controller gives up on
	// it (about 6 minutes). Volumes also used by pods that stay on the
	// node (DaemonSet, skipped, left) are not waited for, nor are inline
	// volumes migrated to CSI; pods PodSelector leaves out are not seen,
	// so a volume shared with one of them is waited for. The wait counts
	// against Timeout and is watched, not polled; when Timeout expires
	// before the pods are gone, OnTimeout decides and nothing more is
	// waited for. The drain then also needs list and watch on
	// volumeattachments.storage.k8s.io (cluster-wide) and get on
	// persistentvolumeclaims. False (the default) does not wait, and
	// sends no request for either.
	WaitForVolumeDetach bool

	// OnEvent, when set, receives every progress Event. Calls are
	// serialized (never concurrent) and made synchronously from the
	// goroutines of Drain, so a slow callback slows the drain.
	OnEvent func(Event)
}

// TimeoutPolicy says what a drain does with the pods left on a node when
// Options.Timeout expires.
type TimeoutPolicy int

const (
	// TimeoutFail stops evicting, reports the remaining pods and fails the
	// node's drain.
	TimeoutFail TimeoutPolicy = iota
	// TimeoutForceDelete deletes the remaining pods, bypassing their budgets,
	// with Options.ForceDeleteGracePeriod, and waits for them to be gone.
	// Each such deletion is recorded in the Report.
	TimeoutForceDelete
	// TimeoutLeave leaves the remaining pods where they are, records them as
	// left, and counts the node's drain as finished.
	TimeoutLeave
)

var timeoutPolicyNames = [...]string{"Fail", "ForceDelete", "Leave"}

// String returns the policy's name: Fail, ForceDelete or Leave.
func (p TimeoutPolicy) String() string {
	if p >= 0 && int(p) < len(timeoutPolicyNames) {
		return timeoutPolicyNames[p]
	}
	return fmt.Sprintf("TimeoutPolicy(%d)", int(p))
}

const (
	defaultMinRetryInterval = time.Second
	defaultMaxRetryInterval = 30 * time.Second
)

// validate checks the options and returns them with defaults filled in,
// together with the parsed pod selector.
func (o Options) validate() (Options, labels.Selector, error) {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &OptionsError{Field: field, Reason: fmt.Sprintf(format, args...)})
	}
	if o.GracePeriod != nil && *o.GracePeriod < time.Second {
		bad("GracePeriod", "is %v; use at least 1s, or nil for each pod's own grace period", *o.GracePeriod)
	}
	switch {
	case o.MaxGracePeriod < 0:
		bad("MaxGracePeriod", "is negative (%v); use zero for no cap", o.MaxGracePeriod)
	case o.MaxGracePeriod > 0 && o.MaxGracePeriod < time.Second:
		bad("MaxGracePeriod", "is %v; use at least 1s, or zero for no cap", o.MaxGracePeriod)
	case o.MaxGracePeriod > 0 && o.GracePeriod != nil && *o.GracePeriod > o.MaxGracePeriod:
		bad("MaxGracePeriod", "(%v) is less than GracePeriod (%v), which every pod gets; lower GracePeriod or raise the cap", o.MaxGracePeriod, *o.GracePeriod)
	}
	if o.ForceDeleteGracePeriod != nil && *o.ForceDeleteGracePeriod < time.Second {
		bad("ForceDeleteGracePeriod", "is %v; use at least 1s, or nil for each pod's own grace period", *o.ForceDeleteGracePeriod)
	}
	if o.ForceDeleteGracePeriod != nil && o.OnTimeout != TimeoutForceDelete {
		bad("ForceDeleteGracePeriod", "is set but OnTimeout is %v; it only applies to TimeoutForceDelete", o.OnTimeout)
	}
	switch o.OnTimeout {
	case TimeoutFail:
	case TimeoutForceDelete, TimeoutLeave:
		if o.Timeout == 0 {
			bad("OnTimeout", "is %v but Timeout is zero, so it would never apply; set Timeout", o.OnTimeout)
		}
	default:
		bad("OnTimeout", "is %v; use TimeoutFail, TimeoutForceDelete or TimeoutLeave", o.OnTimeout)
	}
	// In field order, so that the joined error reads the same every time.
	refuseNegative(bad, "the default",
		field[time.Duration]{"Timeout", o.Timeout},
		field[time.Duration]{"SkipWaitForDeleteTimeout", o.SkipWaitForDeleteTimeout},
		field[time.Duration]{"MinRetryInterval", o.MinRetryInterval},
		field[time.Duration]{"MaxRetryInterval", o.MaxRetryInterval})
	refuseNegative(bad, "no limit",
		field[int]{"MaxConcurrentNodes", o.MaxConcurrentNodes},
		field[int]{"MaxConcurrentEvictions", o.MaxConcurrentEvictions},
		field[int]{"MaxConcurrentEvictionsPerNode", o.MaxConcurrentEvictionsPerNode},
		field[int]{"MaxConcurrentEvictionsPerNamespace", o.MaxConcurrentEvictionsPerNamespace})
	if o.MinRetryInterval == 0 {
		o.MinRetryInterval = defaultMinRetryInterval
	}
	if o.MaxRetryInterval == 0 {
		o.MaxRetryInterval = max(defaultMaxRetryInterval, o.MinRetryInterval)
	}
	if o.MinRetryInterval > o.MaxRetryInterval {
		bad("MinRetryInterval", "(%v) is more than MaxRetryInterval (%v)", o.MinRetryInterval, o.MaxRetryInterval)
	}
	if o.Taint != nil {
		switch {
		case o.Taint.Key == "":
			bad("Taint", "has no key")
		case o.Taint.Effect != corev1.TaintEffectNoSchedule && o.Taint.Effect != corev1.TaintEffectNoExecute:
			bad("Taint", "has effect %q; use NoSchedule or NoExecute", o.Taint.Effect)
		}
	}
	for i, f := range o.Filters {
		if f == nil {
			bad("Filters", "element %d is nil", i)
		}
	}
	selector := labels.Everything()
	if o.PodSelector != "" {
		parsed, err := labels.Parse(o.PodSelector)
		if err != nil {
			bad("PodSelector", "does not parse: %v", err)
		} else {
			selector = parsed
		}
	}
	if err := errors.Join(errs...); err != nil {
		return o, nil, err
	}
	return o, selector, nil
}

// field is an option's name and value, for checks over several options.
type field[T int | time.Duration] struct {
	name  string
	value T
}

// refuseNegative reports each negative field, saying what zero means.
func refuseNegative[T int | time.Duration](bad func(field, format string, args ...any), zeroMeans string, fields ...field[T]) {
	for _, f := range fields {
		if f.value < 0 {
			bad(f.name, "is negative (%v); use zero for %s", f.value, zeroMeans)
		}
	}
}
