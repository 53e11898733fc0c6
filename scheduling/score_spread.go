package scheduling

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// systemDefaultSpread are kube-scheduler's default constraints
// (podtopologyspread.systemDefaultConstraints), applied, for scoring only,
// to pods without topologySpreadConstraints.
var systemDefaultSpread = []corev1.TopologySpreadConstraint{
	{TopologyKey: corev1.LabelHostname, WhenUnsatisfiable: corev1.ScheduleAnyway, MaxSkew: 3},
	{TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.ScheduleAnyway, MaxSkew: 5},
}

// spreadScore is the PodTopologySpread PreScore state: the ScheduleAnyway
// constraints (or the system defaults), the matching pods per node, and per
// constraint the matching pods per topology value over the nodes that count.
type spreadScore struct {
	constraints []softConstraint
	// requireAll is set when the pod has constraints of its own: a node
	// without every constraint's key is then ignored (scored 0). With the
	// system defaults a node missing a key is counted under the empty value.
	requireAll bool
}

type softConstraint struct {
	topo     *topologyKey
	hostname bool
	maxSkew  int32
	selector labels.Selector

	honorAffinity, honorTaints bool

	// onNode is the number of matching pods per node; perValue the number
	// per topology value ("bucket") over the nodes that count, for the values
	// the feasible nodes have (registered). The bucket of a node without the
	// key is missingBucket, which is also the bucket of the value "".
	onNode        []int32
	perValue      []int64
	registered    []bool
	missingBucket int32
	// weight is log(number of registered values + 2): the plugin's
	// topologyNormalizingWeight.
	weight float64
}

// newSpreadScore is the PodTopologySpread PreScore over the feasible nodes.
// It returns nil when the plugin skips the pod (no soft constraint, and no
// default one with a non-empty selector).
func (s *Simulator) newSpreadScore(pc *podContext, feasible []int32) (*spreadScore, error) {
	pod := pc.pod
	st := &spreadScore{requireAll: len(pod.Spec.TopologySpreadConstraints) > 0}
	if st.requireAll {
		for i := range pod.Spec.TopologySpreadConstraints {
			c := &pod.Spec.TopologySpreadConstraints[i]
			if c.WhenUnsatisfiable != corev1.ScheduleAnyway {
				continue
			}
			selector, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
			if err != nil {
				return nil, &ScoreError{Plugin: PluginPodTopologySpread, Message: `running PreScore plugin "` + PluginPodTopologySpread +
					`": calculating preScoreState: obtaining pod's soft topology spread constraints: ` + err.Error()}
			}
			if len(c.MatchLabelKeys) > 0 {
				selector = mergeMatchLabelKeys(selector, c.MatchLabelKeys, pod.Labels)
			}
			st.constraints = append(st.constraints, s.softConstraint(c, selector))
		}
	} else if selector := s.defaultSpreadSelector(pod); !selector.Empty() {
		for i := range systemDefaultSpread {
			st.constraints = append(st.constraints, s.softConstraint(&systemDefaultSpread[i], selector))
		}
	}
	if len(st.constraints) == 0 {
		return nil, nil
	}

	for c := range st.constraints {
		st.constraints[c].onNode = s.matchingPodsPerNode(pod.Namespace, st.constraints[c].selector)
	}

	// Register the values of the feasible nodes and size the domains.
	ignored := 0
	for _, i := range feasible {
		if st.ignores(i) {
			ignored++
			continue
		}
		for c := range st.constraints {
			sc := &st.constraints[c]
			if sc.hostname {
				continue
			}
			sc.registered[sc.bucket(i)] = true
		}
	}
	for c := range st.constraints {
		sc := &st.constraints[c]
		size := len(feasible) - ignored
		if !sc.hostname {
			size = 0
			for _, r := range sc.registered {
				if r {
					size++
				}
			}
		}
		sc.weight = math.Log(float64(size + 2))
	}

	// Count the matching pods of every node that counts, for the registered
	// values.
	for i := range s.nodes {
		if st.ignores(int32(i)) {
			continue
		}
		n := &s.nodes[i]
		for c := range st.constraints {
			sc := &st.constraints[c]
			if sc.honorAffinity && pc.affinity != nil && !pc.affinity.match(int32(i), n) {
				continue
			}
			if sc.honorTaints && n.taintSet >= 0 && !pc.taintOK[n.taintSet] {
				continue
			}
			if b := sc.bucket(int32(i)); sc.registered[b] {
				sc.perValue[b] += int64(sc.onNode[i])
			}
		}
	}
	return st, nil
}

// softConstraint prepares one constraint with the plugin's defaults for the
// inclusion policies (Honor node affinity, Ignore taints).
func (s *Simulator) softConstraint(c *corev1.TopologySpreadConstraint, selector labels.Selector) softConstraint {
	sc := softConstraint{
		topo:          s.topologyKey(c.TopologyKey),
		hostname:      c.TopologyKey == corev1.LabelHostname,
		maxSkew:       c.MaxSkew,
		selector:      selector,
		honorAffinity: c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor,
		honorTaints:   c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor,
	}
	sc.missingBucket = int32(len(sc.topo.values))
	for v, value := range sc.topo.values {
		if value == "" {
			sc.missingBucket = int32(v)
		}
	}
	sc.perValue = make([]int64, len(sc.topo.values)+1)
	sc.registered = make([]bool, len(sc.topo.values)+1)
	return sc
}

// bucket is the value node i counts under: its label value, or "" (the
// missing bucket) without the label.
func (sc *softConstraint) bucket(i int32) int32 {
	if v := sc.topo.valueOf[i]; v >= 0 {
		return v
	}
	return sc.missingBucket
}

// ignores reports whether the PreScore ignores node i: the pod has
// constraints of its own and the node lacks one of their keys.
func (st *spreadScore) ignores(i int32) bool {
	if !st.requireAll {
		return false
	}
	for c := range st.constraints {
		if st.constraints[c].topo.valueOf[i] < 0 {
			return true
		}
	}
	return false
}

// raw is the plugin's Score for node i: per constraint whose key the node
// has, the matching pods in its domain (on the node itself for hostname)
// times the constraint's weight, plus maxSkew - 1; summed and rounded.
func (st *spreadScore) raw(i int32) int64 {
	if st.ignores(i) {
		return 0
	}
	var score float64
	for c := range st.constraints {
		sc := &st.constraints[c]
		if sc.topo.valueOf[i] < 0 {
			continue
		}
		var count int64
		if sc.hostname {
			count = int64(sc.onNode[i])
		} else {
			count = sc.perValue[sc.bucket(i)]
		}
		score += float64(count)*sc.weight + float64(sc.maxSkew-1)
	}
	return int64(math.Round(score))
}

// matchingPodsPerNode counts per node the pods countPodsMatchSelector
// counts: in namespace, not terminating, labels matching selector (an empty
// selector matches none).
func (s *Simulator) matchingPodsPerNode(namespace string, selector labels.Selector) []int32 {
	out := make([]int32, len(s.nodes))
	if selector.Empty() {
		return out
	}
	ix := s.podIndex()
	for _, list := range ix.candidates(selector, []string{namespace}, false) {
		for _, g := range list {
			grp := ix.groups[g]
			if grp.namespace != namespace || !selector.Matches(labels.Set(grp.labels)) {
				continue
			}
			for _, id := range grp.pods {
				if p := &s.pods[id]; !p.removed && !p.terminating {
					out[p.node]++
				}
			}
		}
	}
	return out
}
