package secrets

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Action is what Ensure did, or in a dry run would do, to the Secret.
type Action string

const (
	// ActionCreated: the Secret did not exist and was created.
	ActionCreated Action = "Created"
	// ActionUpdated: keys were added, regenerated or deleted, or metadata
	// changed, in one update.
	ActionUpdated Action = "Updated"
	// ActionRecreated: the Secret was deleted and created again with its
	// values, because its type or an immutable Secret's data had to change
	// and the options allowed that.
	ActionRecreated Action = "Recreated"
	// ActionUnchanged: nothing needed to change; nothing was written.
	ActionUnchanged Action = "Unchanged"
	// ActionRefused: a change was needed that the options do not allow; the
	// error says which.
	ActionRefused Action = "Refused"
)

// EnsureReport says what Ensure did, key by key, never with values. It
// marshals to JSON.
type EnsureReport struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Action    Action `json:"action"`
	// DryRun is true when nothing was written: Action is what would happen.
	DryRun bool `json:"dryRun,omitempty"`
	// Added are keys that did not exist and were written.
	Added []string `json:"added,omitempty"`
	// Kept are desired keys that existed and kept their value.
	Kept []string `json:"kept,omitempty"`
	// Drifted are kept keys whose value differs from the fixed value in the
	// desired Secret; name them in Regenerate to overwrite them.
	Drifted []string `json:"drifted,omitempty"`
	// Regenerated are keys given a new value because Regenerate named them.
	Regenerated []string `json:"regenerated,omitempty"`
	// Deleted are keys removed because Delete named them or Prune was set.
	Deleted []string `json:"deleted,omitempty"`
	// Unmanaged are keys the desired Secret does not mention, kept as found
	// (someone added them by hand, or another tool did).
	Unmanaged []string `json:"unmanaged,omitempty"`
	// MetadataChanged lists the labels, annotations and owner references
	// added or changed, as "labels[app]", "annotations[note]", "ownerReferences[uid]".
	MetadataChanged []string `json:"metadataChanged,omitempty"`
	// ImmutableSet is true when the update made the Secret immutable.
	ImmutableSet bool `json:"immutableSet,omitempty"`
	// TypeChanged is the old type when the Secret was (or would be) recreated
	// with another type.
	TypeChanged corev1.SecretType `json:"typeChanged,omitempty"`
	// Reason says why a Secret was recreated or refused.
	Reason string `json:"reason,omitempty"`
	// Attempts counts reads of the Secret: more than one means a write
	// conflicted with another writer and was retried.
	Attempts int `json:"attempts"`
	// ResourceVersion of the Secret after the write (or as read, when
	// nothing was written).
	ResourceVersion string `json:"resourceVersion,omitempty"`
}

// Changed reports whether anything was (or in a dry run would be) written.
func (r *EnsureReport) Changed() bool {
	return r.Action == ActionCreated || r.Action == ActionUpdated || r.Action == ActionRecreated
}

// EventType names an Ensure event.
type EventType string

const (
	// EventCreated: the Secret was created.
	EventCreated EventType = "Created"
	// EventUpdated: the Secret was updated.
	EventUpdated EventType = "Updated"
	// EventDeleted: the Secret was deleted to be recreated; EventCreated
	// follows when the creation succeeds.
	EventDeleted EventType = "Deleted"
	// EventUnchanged: nothing needed to change.
	EventUnchanged EventType = "Unchanged"
	// EventRetry: a write met a conflict (another writer changed, created or
	// deleted the Secret); Ensure reads it again and retries.
	EventRetry EventType = "Retry"
	// EventDryRun: a dry run found what would change; nothing was written.
	EventDryRun EventType = "DryRun"
)

// Event is one step of Ensure, for EnsureOptions.OnEvent. It names keys,
// never values.
type Event struct {
	Type      EventType
	Namespace string
	Name      string
	// Keys are the keys added, regenerated or deleted by this step.
	Keys []string
	// Attempt counts from 1.
	Attempt int
	// Err is the conflict that caused a retry.
	Err  error
	Time time.Time
}

// ImmutableError says an immutable Secret's data (or its immutability) would
// have to change. The API server forbids that; the only way is to delete and
// recreate the Secret (EnsureOptions.AllowRecreate), and pods that mount it
// must restart to see the new Secret.
type ImmutableError struct {
	Namespace, Name string
	// Keys are the keys that would change.
	Keys []string
}

// Error describes the ImmutableError.
func (e *ImmutableError) Error() string {
	what := "its immutable field would be unset"
	if len(e.Keys) > 0 {
		what = "keys " + strings.Join(e.Keys, ", ") + " would change"
	}
	return fmt.Sprintf("secrets: Secret %s/%s is immutable and %s; set AllowRecreate to delete and recreate it", e.Namespace, e.Name, what)
}

// TypeError says the Secret exists with another type. The API server forbids
// changing a type; EnsureOptions.AllowTypeChange deletes and recreates it.
type TypeError struct {
	Namespace, Name string
	Existing        corev1.SecretType
	Desired         corev1.SecretType
}

// Error describes the TypeError.
func (e *TypeError) Error() string {
	return fmt.Sprintf("secrets: Secret %s/%s has type %q, not %q; set AllowTypeChange to delete and recreate it", e.Namespace, e.Name, e.Existing, e.Desired)
}

// RecreateError says Ensure deleted a Secret to recreate it and the creation
// failed: the Secret is now absent from the cluster. Running Ensure again
// creates it, with new values for generated keys unless they are derived
// (DerivedValue).
type RecreateError struct {
	Namespace, Name string
	Err             error
}

// Error describes the RecreateError.
func (e *RecreateError) Error() string {
	return fmt.Sprintf("secrets: Secret %s/%s was deleted to be recreated, and creating it failed (it is now absent): %v", e.Namespace, e.Name, e.Err)
}

// Unwrap returns the error the RecreateError wraps.
func (e *RecreateError) Unwrap() error { return e.Err }
