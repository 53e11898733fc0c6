package pdb

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/types"
)

// ErrNoController is what a ScaleFunc returns (wrapped) when no controller
// answers for a pod's controller reference: the object is gone, or its UID is
// not the one the reference names. Compute turns it into the disruption
// controller's own message, `found no controllers for pod "name"`.
var ErrNoController = errors.New("found no controllers")

// InvalidBudgetError says what is wrong with a budget's spec: a field the API
// server would reject, or a combination the disruption controller cannot work
// with. Field is the JSON path of the offending field (spec.minAvailable,
// spec.selector, …), Value what it holds, Reason what is wrong and what to do.
type InvalidBudgetError struct {
	Budget types.NamespacedName
	Field  string
	Value  string
	Reason string
}

// Error implements error.
func (e *InvalidBudgetError) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("budget %s: %s: %s", e.Budget, e.Field, e.Reason)
	}
	return fmt.Sprintf("budget %s: %s %s: %s", e.Budget, e.Field, e.Value, e.Reason)
}

// SyncError reports that the disruption controller cannot compute a budget's
// status and fails closed: it writes disruptionsAllowed 0 and the condition
// DisruptionAllowed=False with reason SyncFailed. Message is the condition's
// message exactly as the controller writes it; Err is the cause (it may be an
// *InvalidBudgetError, or what the ScaleFunc returned).
type SyncError struct {
	Budget  types.NamespacedName
	Message string
	Err     error
}

// Error implements error.
func (e *SyncError) Error() string {
	return fmt.Sprintf("budget %s fails closed: %s", e.Budget, e.Message)
}

// Unwrap returns the cause.
func (e *SyncError) Unwrap() error { return e.Err }
