package scheduling

import (
	"fmt"
	"slices"
)

// verdict is the outcome of checking one node, packed into a word so that
// Feasible records it without allocating: zero passes; otherwise the low
// bits name the rejecting plugin and reason, and for NodeResourcesFit the
// high bits say which resources are short.
type verdict uint64

// The plugins (and PreFilter outcomes) a verdict can name.
const (
	vPass verdict = iota
	vNodeUnschedulable
	vNodeName
	vTaintToleration
	vNodeAffinity
	vNodePorts
	vNodeResourcesFit
	vPodTopologySpread
	vInterPodAffinity
	vNodeDeclaredFeatures
	// vNarrowed: a PreFilter (NodeAffinity's matchFields) left the node out.
	vNarrowed
)

const (
	verdictPluginMask           = 0xf
	verdictReasonShift          = 4
	verdictReasonMask           = 0xf
	verdictUnresolvable verdict = 1 << 8
	verdictFitShift             = 9

	// The NodeResourcesFit bits, from verdictFitShift up: pods, cpu, memory,
	// ephemeral-storage, then the pod's scalar requests in name order. A pod
	// with more scalar requests than fit shares the last bit among the rest,
	// and the reasons for those are worked out again when the status is read.
	fitPods      = 0
	fitCPU       = 1
	fitMemory    = 2
	fitEphemeral = 3
	fitScalar0   = 4
	fitBits      = 64 - verdictFitShift
	fitOverflow  = fitBits - 1
)

func (v verdict) plugin() verdict { return v & verdictPluginMask }
func (v verdict) reason() int     { return int(v>>verdictReasonShift) & verdictReasonMask }
func (v verdict) fitMask() uint64 { return uint64(v >> verdictFitShift) }

func reject(plugin verdict, reason int, unresolvable bool) verdict {
	v := plugin | verdict(reason)<<verdictReasonShift
	if unresolvable {
		v |= verdictUnresolvable
	}
	return v
}

// pluginNames maps verdict plugins to their kube-scheduler names.
var pluginNames = [...]string{
	vNodeUnschedulable:    PluginNodeUnschedulable,
	vNodeName:             PluginNodeName,
	vTaintToleration:      PluginTaintToleration,
	vNodeAffinity:         PluginNodeAffinity,
	vNodePorts:            PluginNodePorts,
	vNodeResourcesFit:     PluginNodeResourcesFit,
	vPodTopologySpread:    PluginPodTopologySpread,
	vInterPodAffinity:     PluginInterPodAffinity,
	vNodeDeclaredFeatures: PluginNodeDeclaredFeatures,
	vNarrowed:             PluginNodeAffinity,
}

// reasonsOf is, per plugin, its reason strings by reason index, taken from
// the plugins' sources in k8s.io/kubernetes v1.36.3.
var reasonsOf = [...][]string{
	vNodeUnschedulable:    {reasonUnschedulable},
	vNodeName:             {reasonNodeName},
	vTaintToleration:      {reasonUntoleratedTaints},
	vNodeAffinity:         {reasonNodeAffinity},
	vNodePorts:            {reasonPorts},
	vPodTopologySpread:    {reasonSpread, reasonSpreadMissingLabel},
	vInterPodAffinity:     {"", reasonPodAffinity, reasonPodAntiAffinity, reasonExistingAntiAffinity},
	vNodeDeclaredFeatures: {reasonDeclaredFeatures},
}

const (
	reasonUnschedulable    = "node(s) were unschedulable"
	reasonNodeName         = "node(s) didn't match the requested node name"
	reasonDeclaredFeatures = "node(s) didn't match Pod's required features"
)

// narrowedReason is the framework's status for the nodes a PreFilter's node
// list leaves out, naming the plugins that returned a list (NodeAffinity is
// the only default one) and, because the scheduler records them in the same
// set before it writes this message, the plugin that rejected the pod's
// nominated node.
func narrowedReason(plugins ...string) string {
	slices.Sort(plugins)
	return fmt.Sprintf("node(s) didn't satisfy plugin(s) %v", slices.Compact(plugins))
}

// status spells out a verdict for node i.
func (pc *podContext) status(v verdict, i int32) Status {
	if v == vPass {
		return Status{Code: Success}
	}
	st := Status{Code: Unschedulable, Plugin: pluginNames[v.plugin()]}
	if v&verdictUnresolvable != 0 {
		st.Code = UnschedulableAndUnresolvable
	}
	switch v.plugin() {
	case vNodeResourcesFit:
		st.Reasons = pc.fitReasons(v.fitMask(), i)
		return st
	case vNarrowed:
		st.Reasons = []string{pc.narrowedReason}
		return st
	}
	st.Reasons = []string{reasonsOf[v.plugin()][v.reason()]}
	return st
}

// fitReasons lists the "Too many pods" and "Insufficient <resource>"
// reasons in the order the plugin checks them.
func (pc *podContext) fitReasons(mask uint64, i int32) []string {
	var out []string
	if mask&(1<<fitPods) != 0 {
		out = append(out, "Too many pods")
	}
	if mask&(1<<fitCPU) != 0 {
		out = append(out, "Insufficient cpu")
	}
	if mask&(1<<fitMemory) != 0 {
		out = append(out, "Insufficient memory")
	}
	if mask&(1<<fitEphemeral) != 0 {
		out = append(out, "Insufficient ephemeral-storage")
	}
	for j := range pc.requests.scalars {
		bit := fitScalar0 + j
		if bit >= fitOverflow {
			if mask&(1<<fitOverflow) != 0 && pc.scalarShort(j, i, nil) {
				out = append(out, pc.scalarReasons[j])
			}
			continue
		}
		if mask&(1<<bit) != 0 {
			out = append(out, pc.scalarReasons[j])
		}
	}
	return out
}
