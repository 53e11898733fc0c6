package drain

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

var (
	// ErrInvalidOptions is matched (errors.Is) by every OptionsError.
	ErrInvalidOptions = errors.New("invalid drain options")
	// ErrNodeNotFound is matched by the error of a drain or plan whose node
	// does not exist.
	ErrNodeNotFound = errors.New("node not found")
	// ErrTimeout is matched by the error of a node whose Options.Timeout
	// expired with pods left on it.
	ErrTimeout = errors.New("drain timeout expired")
)

// OptionsError says which option is wrong and how to fix it.
type OptionsError struct {
	Field  string
	Reason string
}

// Error describes the OptionsError.
func (e *OptionsError) Error() string {
	return fmt.Sprintf("drain option %s %s", e.Field, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidOptions) true.
func (e *OptionsError) Is(target error) bool { return target == ErrInvalidOptions }

// NodeError is the error of one node's drain.
type NodeError struct {
	Node string
	Err  error
}

// Error describes the NodeError.
func (e *NodeError) Error() string { return fmt.Sprintf("drain node %s: %v", e.Node, e.Err) }

// Unwrap returns the error the NodeError wraps.
func (e *NodeError) Unwrap() error { return e.Err }

// BlockedError lists pods that the drain may not remove with the options it
// was given (no controller without Force, emptyDir data without
// DeleteEmptyDirData, a caller's Filter). Nothing is evicted from a node with
// such pods, as kubectl drain does, so that a node is never left half
// drained for a reason known in advance.
type BlockedError struct {
	Node string
	Pods []PodPlan
}

// Error describes the BlockedError.
func (e *BlockedError) Error() string {
	byReason := map[string][]string{}
	for _, p := range e.Pods {
		key := string(p.Reason)
		if p.Message != "" {
			key += " (" + p.Message + ")"
		}
		byReason[key] = append(byReason[key], p.Namespace+"/"+p.Name)
	}
	keys := make([]string, 0, len(byReason))
	for k := range byReason {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %s", k, strings.Join(byReason[k], ", ")))
	}
	return "cannot remove pods: " + strings.Join(parts, "; ")
}

// EvictionError is the final error of one pod's eviction.
type EvictionError struct {
	Pod types.NamespacedName
	// Budgets names the budgets involved, when the failure is theirs.
	Budgets []string
	Err     error
}

// Error describes the EvictionError.
func (e *EvictionError) Error() string {
	if len(e.Budgets) > 0 {
		return fmt.Sprintf("evict pod %s (budgets %s): %v", e.Pod, strings.Join(e.Budgets, ", "), e.Err)
	}
	return fmt.Sprintf("evict pod %s: %v", e.Pod, e.Err)
}

// Unwrap returns the error the EvictionError wraps.
func (e *EvictionError) Unwrap() error { return e.Err }

// MultipleBudgetsError reports a pod covered by several budgets, which the
// eviction API refuses with a 500 that does not name them.
type MultipleBudgetsError struct {
	Budgets []string
}

// Error describes the MultipleBudgetsError.
func (e *MultipleBudgetsError) Error() string {
	if len(e.Budgets) == 0 {
		return "pod is covered by more than one disruption budget, which the eviction API refuses; the budgets could not be listed"
	}
	return fmt.Sprintf("pod is covered by %d disruption budgets (%s), which the eviction API refuses; make them select disjoint pods",
		len(e.Budgets), strings.Join(e.Budgets, ", "))
}

// TimeoutError reports the pods left on a node when Options.Timeout expired.
type TimeoutError struct {
	Timeout   time.Duration
	Remaining []types.NamespacedName
	// Blocking names the budgets that were still blocking remaining pods.
	Blocking []string
}

// Error describes the TimeoutError.
func (e *TimeoutError) Error() string {
	names := make([]string, 0, len(e.Remaining))
	for _, n := range e.Remaining {
		names = append(names, n.String())
	}
	msg := fmt.Sprintf("timeout of %v expired with %d pods left (%s)", e.Timeout, len(e.Remaining), strings.Join(names, ", "))
	if len(e.Blocking) > 0 {
		msg += "; blocked by budgets " + strings.Join(e.Blocking, ", ")
	}
	return msg
}

// Is makes errors.Is(err, ErrTimeout) true.
func (e *TimeoutError) Is(target error) bool { return target == ErrTimeout }
