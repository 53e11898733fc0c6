package drain

import (
	"encoding/json"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// EventType says what happened.
type EventType string

// The event types, in the order a pod usually goes through them.
const (
	// EventPlanned: a node's pods were listed and classified; Event.Plan
	// holds the plan.
	EventPlanned EventType = "Planned"
	// EventCordoned: the node was marked unschedulable (Message says whether
	// it already was).
	EventCordoned EventType = "Cordoned"
	// EventUncordoned: the node was made schedulable again.
	EventUncordoned EventType = "Uncordoned"
	// EventEvicting: an eviction request is being sent (Attempt counts them).
	EventEvicting EventType = "Evicting"
	// EventBlocked: a budget does not allow the eviction now. Budgets names
	// it, Message carries the API server's or the local explanation, RetryAt
	// is the latest time of the next attempt (a budget change comes first).
	EventBlocked EventType = "Blocked"
	// EventRetrying: a request failed for a reason that may pass (timeout,
	// server error, throttling); Err says which, RetryAt when it is retried.
	EventRetrying EventType = "Retrying"
	// EventTerminating: the pod has been accepted for eviction or deletion
	// and is terminating.
	EventTerminating EventType = "Terminating"
	// EventEvicted: the evicted pod is gone.
	EventEvicted EventType = "Evicted"
	// EventDeleted: a pod the drain deleted (a Filter's choice, an
	// escalation, the timeout policy) is gone.
	EventDeleted EventType = "Deleted"
	// EventWaiting: the drain waits for a pod to complete on its own
	// instead of evicting it; Reason and Message say why.
	EventWaiting EventType = "Waiting"
	// EventCompleted: a pod the drain waited for has completed.
	EventCompleted EventType = "Completed"
	// EventEscalated: a pod's EscalationPolicy took a step; Reason says
	// which condition was met, Message what the drain does now (delete
	// the pod, with which grace period, or leave it).
	EventEscalated EventType = "Escalated"
	// EventSkipped: the pod stays on the node (Message says why).
	EventSkipped EventType = "Skipped"
	// EventFailed: the drain gave up on a pod; Err says why.
	EventFailed EventType = "Failed"
	// EventWaitingForVolumes: a node's pods are gone and the drain waits
	// for their volumes to detach (Options.WaitForVolumeDetach);
	// VolumeAttachments names the attachments still there, Message with
	// their volumes. It comes again when that list changes.
	EventWaitingForVolumes EventType = "WaitingForVolumes"
	// EventVolumesDetached: every attachment waited for is gone;
	// VolumeAttachments names them all.
	EventVolumesDetached EventType = "VolumesDetached"

	// EventDone: a node's drain finished, once per node; Err is set when it
	// failed.
	EventDone EventType = "Done"
)

// PodRef names one pod instance; the UID tells a pod from a same-named
// replacement.
type PodRef struct {
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	UID       types.UID `json:"uid,omitempty"`
}

// String returns namespace/name.
func (r PodRef) String() string { return r.Namespace + "/" + r.Name }

// key identifies the pod instance inside a drain: its UID, or, for a pod
// that has none (objects made for a fake clientset), its name, which no
// UID can collide with.
func (r PodRef) key() string {
	if r.UID != "" {
		return string(r.UID)
	}
	return "name:" + r.Namespace + "/" + r.Name
}

// podKey is PodRef.key for a pod object.
func podKey(pod *corev1.Pod) string {
	return PodRef{Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID}.key()
}

// uidPrecondition makes a delete or eviction apply only to this instance
// of the pod, not to a same-named replacement; a pod without UID gets none.
func (r PodRef) uidPrecondition() *metav1.Preconditions {
	if r.UID == "" {
		return nil
	}
	uid := r.UID
	return &metav1.Preconditions{UID: &uid}
}

// NamespacedName returns the pod's namespace and name.
func (r PodRef) NamespacedName() types.NamespacedName {
	return types.NamespacedName{Namespace: r.Namespace, Name: r.Name}
}

// Event is one step of a drain, given to Options.OnEvent.
type Event struct {
	Type EventType
	Time time.Time
	Node string
	// Pod is zero for node-level events.
	Pod PodRef
	// Attempt counts eviction requests for the pod, starting at 1.
	Attempt int
	// Budgets names the budgets (in the pod's namespace) that block or
	// cover the pod.
	Budgets []string
	// RetryAt is when a blocked or failed request is retried at the latest.
	RetryAt time.Time
	// Reason is set on EventWaiting and EventEscalated.
	Reason  Reason
	Message string
	Err     error
	// Plan is set on EventPlanned.
	Plan *Plan

	// VolumeAttachments is set on EventWaitingForVolumes and
	// EventVolumesDetached.
	VolumeAttachments []string
}

// MarshalJSON renders Err as its message.
func (e Event) MarshalJSON() ([]byte, error) {
	type out struct {
		Type    EventType  `json:"type"`
		Time    time.Time  `json:"time"`
		Node    string     `json:"node,omitempty"`
		Pod     *PodRef    `json:"pod,omitempty"`
		Attempt int        `json:"attempt,omitempty"`
		Budgets []string   `json:"budgets,omitempty"`
		RetryAt *time.Time `json:"retryAt,omitempty"`
		Reason  Reason     `json:"reason,omitempty"`
		Message string     `json:"message,omitempty"`
		Err     string     `json:"error,omitempty"`
		Plan    *Plan      `json:"plan,omitempty"`

		VolumeAttachments []string `json:"volumeAttachments,omitempty"`
	}
	o := out{Type: e.Type, Time: e.Time, Node: e.Node, Attempt: e.Attempt, Budgets: e.Budgets, Reason: e.Reason, Message: e.Message, Plan: e.Plan}
	o.VolumeAttachments = e.VolumeAttachments
	if e.Pod != (PodRef{}) {
		o.Pod = &e.Pod
	}
	if !e.RetryAt.IsZero() {
		o.RetryAt = &e.RetryAt
	}
	if e.Err != nil {
		o.Err = e.Err.Error()
	}
	return json.Marshal(o)
}

// emitter serializes calls to the caller's hook.
type emitter struct {
	mu sync.Mutex
	fn func(Event)
}

func (e *emitter) emit(ev Event) {
	if e == nil || e.fn == nil {
		return
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.fn(ev)
}
