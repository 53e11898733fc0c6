package scheduling

import (
	"strconv"
	"strings"
)

// Code says whether a pod passed a filter and, when it did not, whether
// preemption could change that. The values and names are those of
// kube-scheduler's framework status codes.
type Code int

// The codes a Status carries. Their order and names follow
// k8s.io/kube-scheduler/framework.Code.
const (
	// Success means the pod passes.
	Success Code = iota
	// Error means the scheduler could not evaluate the pod at all (for
	// example a topology spread constraint with a malformed selector); the
	// scheduler records a SchedulerError rather than an Unschedulable pod.
	Error
	// Unschedulable means the pod does not fit, but removing pods from the
	// node (preemption) might make it fit.
	Unschedulable
	// UnschedulableAndUnresolvable means the pod does not fit and no
	// preemption on that node can change it.
	UnschedulableAndUnresolvable
)

// String returns the code's name as kube-scheduler spells it.
func (c Code) String() string {
	switch c {
	case Success:
		return "Success"
	case Error:
		return "Error"
	case Unschedulable:
		return "Unschedulable"
	case UnschedulableAndUnresolvable:
		return "UnschedulableAndUnresolvable"
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}

// The kube-scheduler names of the plugins whose filters the Simulator runs,
// in the order the default profile runs them.
const (
	PluginNodeUnschedulable    = "NodeUnschedulable"
	PluginNodeName             = "NodeName"
	PluginTaintToleration      = "TaintToleration"
	PluginNodeAffinity         = "NodeAffinity"
	PluginNodePorts            = "NodePorts"
	PluginNodeResourcesFit     = "NodeResourcesFit"
	PluginPodTopologySpread    = "PodTopologySpread"
	PluginInterPodAffinity     = "InterPodAffinity"
	PluginNodeDeclaredFeatures = "NodeDeclaredFeatures"
)

// Status is the outcome of filtering one pod against one node: the code, the
// plugin that rejected the pod (empty on success) and the reasons in the
// scheduler's own words, such as "Insufficient cpu".
//
// Like the scheduler, the Simulator reports only the first plugin that
// rejects a node, in the default profile's order, even when later plugins
// would reject it too.
type Status struct {
	Code    Code
	Plugin  string
	Reasons []string
}

// IsSuccess reports whether the pod passes.
func (s Status) IsSuccess() bool { return s.Code == Success }

// IsRejected reports whether the pod was found not to fit (Unschedulable or
// UnschedulableAndUnresolvable), as opposed to passing or an Error.
func (s Status) IsRejected() bool {
	return s.Code == Unschedulable || s.Code == UnschedulableAndUnresolvable
}

// Message joins the reasons with ", ", as the scheduler's Status.Message does.
func (s Status) Message() string { return strings.Join(s.Reasons, ", ") }

// String returns "Plugin: reasons (Code)", or "Success".
func (s Status) String() string {
	if s.IsSuccess() {
		return s.Code.String()
	}
	var b strings.Builder
	if s.Plugin != "" {
		b.WriteString(s.Plugin)
		b.WriteString(": ")
	}
	b.WriteString(s.Message())
	b.WriteString(" (")
	b.WriteString(s.Code.String())
	b.WriteString(")")
	return b.String()
}

func (s Status) clone() Status {
	s.Reasons = append([]string(nil), s.Reasons...)
	return s
}
