package scheduling

import "errors"

// Errors NewSimulator and SetNamespaces wrap, so that callers can tell bad
// input apart with errors.Is. Several problems are reported together with
// errors.Join.
var (
	// ErrNilObject: a nil node, pod or namespace in the input.
	ErrNilObject = errors.New("nil object")
	// ErrInvalidNode: a node without a name.
	ErrInvalidNode = errors.New("invalid node")
	// ErrDuplicateNode: two nodes with the same name. The scheduler keys its
	// cache by name, so one of them would silently win.
	ErrDuplicateNode = errors.New("duplicate node")
	// ErrUnknownNode: a bound pod whose spec.nodeName is not among the nodes.
	// The scheduler would keep such a pod aside until its node appears; a
	// snapshot that lists it is usually built from inconsistent lists, so
	// NewSimulator refuses it rather than guess. Drop those pods (or add the
	// node) and try again.
	ErrUnknownNode = errors.New("pod bound to a node that is not in the snapshot")
)
