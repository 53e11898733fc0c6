package scheduling

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

const (
	reasonSpread             = "node(s) didn't match pod topology spread constraints"
	reasonSpreadMissingLabel = reasonSpread + " (missing required label)"
)

// spreadState is the PodTopologySpread PreFilter state: for each
// DoNotSchedule constraint, the number of matching pods per topology value
// over the eligible nodes, and the smallest such number.
type spreadState struct {
	constraints []spreadConstraint
	// eligible says, per constraint, which nodes count toward it.
	eligible [][]bool
}

type spreadConstraint struct {
	maxSkew    int32
	minDomains int32
	topo       *topologyKey
	selector   labels.Selector
	// honorAffinity and honorTaints are nodeAffinityPolicy and
	// nodeTaintsPolicy: whether nodes the pod could not go to (by its node
	// affinity, or by untolerated taints) are left out of the counts.
	honorAffinity bool
	honorTaints   bool
	// selfMatch says whether the new pod matches its own selector; it then
	// adds one to the domain it would land in.
	selfMatch bool

	// counts are the matching pods per value of topo; domains is how many
	// values the eligible nodes have; minMatch is the smallest count among
	// them (math.MaxInt32 when there is none).
	counts   []int32
	domains  int32
	minMatch int64
}

// newSpreadState is the PodTopologySpread PreFilter. It returns nil when the
// pod has no DoNotSchedule constraint: the scheduler's default constraints are
// ScheduleAnyway, so they never filter.
func (s *Simulator) newSpreadState(pc *podContext) (*spreadState, Status) {
	pod := pc.pod
	var cs []spreadConstraint
	for i := range pod.Spec.TopologySpreadConstraints {
		c := &pod.Spec.TopologySpreadConstraints[i]
		if c.WhenUnsatisfiable != corev1.DoNotSchedule {
			continue
		}
		selector, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			return nil, Status{Code: Error, Plugin: PluginPodTopologySpread, Reasons: []string{
				`running PreFilter plugin "` + PluginPodTopologySpread + `": get constraints from pod: obtaining pod's hard topology spread constraints: ` + err.Error()}}
		}
		if len(c.MatchLabelKeys) > 0 {
			selector = mergeMatchLabelKeys(selector, c.MatchLabelKeys, pod.Labels)
		}
		sc := spreadConstraint{
			maxSkew:       c.MaxSkew,
			minDomains:    1,
			topo:          s.topologyKey(c.TopologyKey),
			selector:      selector,
			honorAffinity: c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor,
			honorTaints:   c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor,
			selfMatch:     selector.Matches(labels.Set(pod.Labels)),
		}
		if c.MinDomains != nil {
			sc.minDomains = *c.MinDomains
		}
		cs = append(cs, sc)
	}
	if len(cs) == 0 {
		return nil, Status{}
	}

	// A node counts only if it has every constraint's key, and for each
	// constraint only if it passes that constraint's inclusion policies.
	eligible := make([][]bool, len(cs))
	registered := make([][]bool, len(cs))
	for c := range cs {
		eligible[c] = make([]bool, len(s.nodes))
		registered[c] = make([]bool, len(cs[c].topo.values))
		cs[c].counts = make([]int32, len(cs[c].topo.values))
	}
	for i := range s.nodes {
		if !hasAllKeys(cs, i) {
			continue
		}
		n := &s.nodes[i]
		for c := range cs {
			sc := &cs[c]
			if sc.honorAffinity && pc.affinity != nil && !pc.affinity.match(int32(i), n) {
				continue
			}
			if sc.honorTaints && n.taintSet >= 0 && !pc.taintOK[n.taintSet] {
				continue
			}
			eligible[c][i] = true
			if v := sc.topo.valueOf[i]; !registered[c][v] {
				registered[c][v] = true
				sc.domains++
			}
		}
	}

	ix := s.podIndex()
	for c := range cs {
		sc := &cs[c]
		// countPodsMatchSelector: an empty selector counts nothing.
		if sc.selector.Empty() {
			continue
		}
		for _, list := range ix.candidates(sc.selector, []string{pod.Namespace}, false) {
			for _, g := range list {
				grp := ix.groups[g]
				if grp.namespace != pod.Namespace || !sc.selector.Matches(labels.Set(grp.labels)) {
					continue
				}
				for _, id := range grp.pods {
					if p := &s.pods[id]; !p.removed && !p.terminating && eligible[c][p.node] {
						sc.counts[sc.topo.valueOf[p.node]]++
					}
				}
			}
		}
	}
	for c := range cs {
		sc := &cs[c]
		sc.minMatch = math.MaxInt32
		for v, ok := range registered[c] {
			if ok && int64(sc.counts[v]) < sc.minMatch {
				sc.minMatch = int64(sc.counts[v])
			}
		}
	}
	return &spreadState{constraints: cs, eligible: eligible}, Status{}
}

func hasAllKeys(cs []spreadConstraint, node int) bool {
	for c := range cs {
		if cs[c].topo.valueOf[node] < 0 {
			return false
		}
	}
	return true
}

// mergeMatchLabelKeys adds key=value requirements for the pod's values of
// matchLabelKeys to the selector, as the scheduler does (the API server
// already did the same at creation, which changes nothing). A nil selector
// stays one that matches nothing.
func mergeMatchLabelKeys(selector labels.Selector, keys []string, podLabels map[string]string) labels.Selector {
	matchLabels := labels.Set{}
	for _, k := range keys {
		if v, ok := podLabels[k]; ok {
			matchLabels[k] = v
		}
	}
	if len(matchLabels) == 0 {
		return selector
	}
	reqs, ok := selector.Requirements()
	if !ok {
		return selector
	}
	merged := labels.SelectorFromSet(matchLabels)
	for _, r := range reqs {
		merged = merged.Add(r)
	}
	return merged
}

// filter is the PodTopologySpread Filter for node i: the node must have every
// key, and putting the pod there must not make its domain exceed the
// smallest domain by more than maxSkew (the smallest counting as 0 while
// there are fewer domains than minDomains). Victims, in the preemption dry
// run, are taken out of the counts as the plugin's RemovePod does.
func (st *spreadState) filter(pc *podContext, i int32, victims []int32) (ok bool, missingLabel bool) {
	for c := range st.constraints {
		sc := &st.constraints[c]
		v := sc.topo.valueOf[i]
		if v < 0 {
			return false, true
		}
		count, minMatch := int64(sc.counts[v]), sc.minMatch
		if len(victims) > 0 && st.eligible[c][i] {
			if removed := st.removedMatches(pc, sc, victims); removed > 0 {
				count -= removed
				minMatch = min(minMatch, count)
			}
		}
		if sc.domains < sc.minDomains {
			minMatch = 0
		}
		self := int64(0)
		if sc.selfMatch {
			self = 1
		}
		if count+self-minMatch > int64(sc.maxSkew) {
			return false, false
		}
	}
	return true, false
}

// removedMatches counts the victims RemovePod takes out of a constraint's
// count: those in the pod's namespace whose labels match. Unlike the
// PreFilter it neither skips terminating pods nor treats an empty selector
// as matching nothing; the scheduler has the same asymmetry.
func (st *spreadState) removedMatches(pc *podContext, sc *spreadConstraint, victims []int32) int64 {
	var n int64
	for _, id := range victims {
		p := pc.s.pods[id].pod
		if p.Namespace == pc.pod.Namespace && sc.selector.Matches(labels.Set(p.Labels)) {
			n++
		}
	}
	return n
}
