package scheduling

import (
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/version"
	ndf "k8s.io/component-helpers/nodedeclaredfeatures"
	resourcehelper "k8s.io/component-helpers/resource"
)

// schedulerVersion is the version whose NodeDeclaredFeatures inference the
// Simulator reproduces.
var schedulerVersion = version.MustParse("1.36.3")

// podContext is what the scheduler's PreFilter plugins compute for one pod
// (its CycleState): everything about the pod the filters need, prepared once
// so that checking a node is a few comparisons.
type podContext struct {
	s   *Simulator
	pod *corev1.Pod

	// rejected is set when a PreFilter rejects the pod on every node (or
	// fails): Feasible then checks no node.
	rejected Status

	// allowed is set when the NodeAffinity PreFilter narrowed the nodes (node
	// names in matchFields); nodes outside it fail with narrowedReason, except
	// the pod's nominated node, which the scheduler checks first, with every
	// filter, whatever the list says.
	allowed        []bool
	nominated      int32
	narrowedReason string

	toleratesUnschedulable bool
	taintOK                []bool
	affinity               *nodeAffinity
	ports                  []hostPort
	requests               amounts
	// scalarReasons are "Insufficient <name>" for requests.scalars, in order.
	scalarReasons []string
	spread        *spreadState
	interPod      *interPodState
	features      *ndf.FeatureSet
}

// newPodContext runs the PreFilter stage for pod, in the default profile's
// order, stopping where the scheduler stops: at the first
// UnschedulableAndUnresolvable or Error.
func (s *Simulator) newPodContext(pod *corev1.Pod) *podContext {
	pc := &podContext{s: s, pod: pod, nominated: -1}
	if i, ok := s.nodeIndex[pod.Status.NominatedNodeName]; ok && pod.Status.NominatedNodeName != "" {
		pc.nominated = i
	}
	pc.toleratesUnschedulable = toleratesUnschedulable(pod.Spec.Tolerations)
	pc.taintOK = make([]bool, len(s.taintSets))
	for i, set := range s.taintSets {
		pc.taintOK[i] = toleratesAll(pod.Spec.Tolerations, set)
	}

	// NodeAffinity.
	pc.affinity = s.newNodeAffinity(pod)
	if names := nodeNamesFromAffinity(pod); names != nil {
		if len(names) == 0 {
			pc.rejected = Status{Code: UnschedulableAndUnresolvable, Plugin: PluginNodeAffinity, Reasons: []string{reasonAffinityTermsConflict}}
			return pc
		}
		pc.allowed = make([]bool, len(s.nodes))
		for name := range names {
			if i, ok := s.nodeIndex[name]; ok {
				pc.allowed[i] = true
			}
		}
	}

	// NodePorts.
	pc.ports = podHostPorts(pod)

	// NodeResourcesFit: the pod is not bound yet, so its spec alone counts.
	pc.requests = incomingAmounts(resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{}))
	slices.SortFunc(pc.requests.scalars, func(a, b scalarAmount) int { return strings.Compare(string(a.name), string(b.name)) })
	pc.scalarReasons = make([]string, len(pc.requests.scalars))
	for i := range pc.requests.scalars {
		sc := &pc.requests.scalars[i]
		if idx, ok := s.scalarIndex[sc.name]; ok {
			sc.index = idx
		}
		pc.scalarReasons[i] = "Insufficient " + string(sc.name)
	}

	// PodTopologySpread.
	if st, status := s.newSpreadState(pc); !status.IsSuccess() {
		pc.rejected = status
		return pc
	} else {
		pc.spread = st
	}

	// InterPodAffinity.
	if st, status := s.newInterPodState(pc); !status.IsSuccess() {
		pc.rejected = status
		return pc
	} else {
		pc.interPod = st
	}

	// NodeDeclaredFeatures.
	reqs, err := ndf.DefaultFramework.InferForPodScheduling(&ndf.PodInfo{Spec: &pod.Spec}, schedulerVersion)
	if err != nil {
		pc.rejected = Status{Code: Error, Plugin: PluginNodeDeclaredFeatures, Reasons: []string{
			`running PreFilter plugin "` + PluginNodeDeclaredFeatures + `": ` + err.Error()}}
		return pc
	}
	if !reqs.IsEmpty() {
		pc.features = &reqs
	}

	if pc.allowed != nil {
		plugins := []string{PluginNodeAffinity}
		if pc.nominated >= 0 {
			if v := pc.check(pc.nominated, nil); v != vPass {
				plugins = append(plugins, pluginNames[v.plugin()])
			}
		}
		pc.narrowedReason = narrowedReason(plugins...)
	}
	return pc
}
