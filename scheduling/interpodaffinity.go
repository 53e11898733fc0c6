package scheduling

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

const (
	reasonPodAffinity          = "node(s) didn't match pod affinity rules"
	reasonPodAntiAffinity      = "node(s) didn't match pod anti-affinity rules"
	reasonExistingAntiAffinity = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// interPodState is the InterPodAffinity PreFilter state. The scheduler keeps
// three maps from (topology key, value) to a count; here each key has a
// slice indexed by the interned value, and terms sharing a key share it, as
// they share map entries in the scheduler.
type interPodState struct {
	affinity []podTerm
	anti     []podTerm
	// existingAnti are the counts of bound pods' anti-affinity terms that
	// match the new pod, per key.
	existingAnti []*keyCounts
	// existingByKey finds existingAnti by topology key; nsLabels are the
	// labels of the new pod's namespace. The preemption dry run needs both.
	existingByKey map[string]*keyCounts
	nsLabels      labels.Set

	// affinityPairs, antiPairs and existingPairs are how many (key, value)
	// pairs have a positive count: the sizes of the scheduler's maps.
	affinityPairs int
	antiPairs     int
	existingPairs int
	// selfMatch says whether the pod matches all its own affinity terms,
	// which lets the first pod of a group land anywhere ("first pod" rule).
	selfMatch bool
}

type podTerm struct {
	affinityTerm
	counts *keyCounts
}

type keyCounts struct {
	topo   *topologyKey
	counts []int32
}

// newInterPodState is the InterPodAffinity PreFilter. It returns nil when
// nothing can reject the pod: it has no required (anti-)affinity and no bound
// pod's anti-affinity matches it.
func (s *Simulator) newInterPodState(pc *podContext) (*interPodState, Status) {
	pod := pc.pod
	affinity, anti, err := parseIncomingTerms(pod)
	if err != nil {
		return nil, Status{Code: UnschedulableAndUnresolvable, Plugin: PluginInterPodAffinity, Reasons: []string{fmt.Sprintf("parsing pod: %+v", err)}}
	}
	for _, terms := range [][]affinityTerm{affinity, anti} {
		for i := range terms {
			s.resolveNamespaceSelector(&terms[i])
		}
	}
	st := &interPodState{}
	var nsLabels labels.Set
	if l, ok := s.namespaces[pod.Namespace]; ok {
		nsLabels = labels.Merge(l, nil)
	}

	existing := map[string]*keyCounts{}
	for _, g := range s.antiGroups {
		if g.parseErr || len(g.nodes) == 0 || !g.term.matches(pod.Namespace, pod.Labels, nsLabels) {
			continue
		}
		kc := s.keyCountsFor(existing, g.term.topologyKey)
		for node, n := range g.nodes {
			st.existingPairs += kc.add(node, n)
		}
	}
	for _, kc := range existing {
		st.existingAnti = append(st.existingAnti, kc)
	}
	st.existingByKey, st.nsLabels = existing, nsLabels

	if len(affinity) > 0 || len(anti) > 0 {
		ix := s.podIndex()
		affinityKeys := map[string]*keyCounts{}
		for _, t := range affinity {
			st.affinity = append(st.affinity, podTerm{affinityTerm: t, counts: s.keyCountsFor(affinityKeys, t.topologyKey)})
		}
		antiKeys := map[string]*keyCounts{}
		for _, t := range anti {
			st.anti = append(st.anti, podTerm{affinityTerm: t, counts: s.keyCountsFor(antiKeys, t.topologyKey)})
		}
		if len(st.affinity) > 0 {
			first := &st.affinity[0]
			for _, list := range ix.candidates(first.selector, first.namespaces, first.nsSelector.Matches(labels.Set(nil))) {
				for _, g := range list {
					grp := ix.groups[g]
					if !matchesAll(st.affinity, grp.namespace, grp.labels) {
						continue
					}
					for _, id := range grp.pods {
						if p := &s.pods[id]; !p.removed {
							for i := range st.affinity {
								st.affinityPairs += st.affinity[i].counts.add(p.node, 1)
							}
						}
					}
				}
			}
		}
		for i := range st.anti {
			t := &st.anti[i]
			for _, list := range ix.candidates(t.selector, t.namespaces, t.nsSelector.Matches(labels.Set(nil))) {
				for _, g := range list {
					grp := ix.groups[g]
					if !t.matches(grp.namespace, grp.labels, nil) {
						continue
					}
					for _, id := range grp.pods {
						if p := &s.pods[id]; !p.removed {
							st.antiPairs += t.counts.add(p.node, 1)
						}
					}
				}
			}
		}
		st.selfMatch = matchesAll(st.affinity, pod.Namespace, pod.Labels)
	}

	if st.existingPairs == 0 && len(st.affinity) == 0 && len(st.anti) == 0 {
		return nil, Status{}
	}
	return st, Status{}
}

// parseIncomingTerms parses the new pod's affinity the way framework.NewPodInfo
// does: all four lists, so that a malformed preferred term rejects the pod as
// well. It returns the required affinity and anti-affinity terms.
func parseIncomingTerms(pod *corev1.Pod) (affinity, anti []affinityTerm, err error) {
	var errs []error
	a := pod.Spec.Affinity
	affinity, err = affinityTerms(pod, requiredAffinityTerms(a))
	if err != nil {
		errs = append(errs, fmt.Errorf("requiredAffinityTerms: %w", err))
	}
	anti, err = affinityTerms(pod, requiredAntiAffinityTerms(a))
	if err != nil {
		errs = append(errs, fmt.Errorf("requiredAntiAffinityTerms: %w", err))
	}
	var preferred, preferredAnti []corev1.WeightedPodAffinityTerm
	if a != nil && a.PodAffinity != nil {
		preferred = a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	}
	if a != nil && a.PodAntiAffinity != nil {
		preferredAnti = a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
	}
	if err := parseWeighted(pod, preferred); err != nil {
		errs = append(errs, fmt.Errorf("preferredAffinityTerms: %w", err))
	}
	if err := parseWeighted(pod, preferredAnti); err != nil {
		errs = append(errs, fmt.Errorf("preferredAntiAffinityTerms: %w", err))
	}
	return affinity, anti, utilerrors.NewAggregate(errs)
}

func parseWeighted(pod *corev1.Pod, terms []corev1.WeightedPodAffinityTerm) error {
	for i := range terms {
		if _, err := newAffinityTerm(pod, &terms[i].PodAffinityTerm); err != nil {
			return err
		}
	}
	return nil
}

// resolveNamespaceSelector adds to a new pod's term the namespaces its
// namespaceSelector selects, as the scheduler's PreFilter does. Like the
// scheduler (which assigns labels.Nothing() to a copy), it leaves the
// selector in place, where it is matched against no labels: a selector made
// only of NotIn or DoesNotExist requirements therefore selects every
// namespace.
func (s *Simulator) resolveNamespaceSelector(t *affinityTerm) {
	if t.nsSelector.Empty() {
		return
	}
	for name, l := range s.namespaces {
		if t.nsSelector.Matches(labels.Set(l)) {
			t.namespaces = append(t.namespaces, name)
		}
	}
}

func matchesAll(terms []podTerm, namespace string, podLabels map[string]string) bool {
	if len(terms) == 0 {
		return false
	}
	for i := range terms {
		if !terms[i].matches(namespace, podLabels, nil) {
			return false
		}
	}
	return true
}

func (s *Simulator) keyCountsFor(m map[string]*keyCounts, key string) *keyCounts {
	kc, ok := m[key]
	if !ok {
		t := s.topologyKey(key)
		kc = &keyCounts{topo: t, counts: make([]int32, len(t.values))}
		m[key] = kc
	}
	return kc
}

// add counts n more at the value of node, if the node has the key, and
// returns how many pairs became positive (0 or 1).
func (kc *keyCounts) add(node int32, n int32) int {
	v := kc.topo.valueOf[node]
	if v < 0 {
		return 0
	}
	was := kc.counts[v]
	kc.counts[v] += n
	if was <= 0 && kc.counts[v] > 0 {
		return 1
	}
	return 0
}

// positive reports whether the node's value has a positive count; ok is false
// when the node does not have the key.
func (kc *keyCounts) positive(node int32) (positive, ok bool) {
	v := kc.topo.valueOf[node]
	if v < 0 {
		return false, false
	}
	return kc.counts[v] > 0, true
}

// filter is the InterPodAffinity Filter for node i, returning the reason
// index: 0 passes, 1 affinity, 2 anti-affinity, 3 existing pods'
// anti-affinity. Victims, in the preemption dry run, are taken out of the
// counts as the plugin's RemovePod does.
func (st *interPodState) filter(pc *podContext, i int32, victims []int32) int {
	if len(victims) > 0 {
		return st.filterWithout(pc, i, victims)
	}
	podsExist := true
	for t := range st.affinity {
		pos, ok := st.affinity[t].counts.positive(i)
		if !ok {
			return 1
		}
		if !pos {
			podsExist = false
		}
	}
	if !podsExist && !(st.affinityPairs == 0 && st.selfMatch) {
		return 1
	}
	if st.antiPairs > 0 {
		for t := range st.anti {
			if pos, _ := st.anti[t].counts.positive(i); pos {
				return 2
			}
		}
	}
	if st.existingPairs > 0 {
		for _, kc := range st.existingAnti {
			if pos, _ := kc.positive(i); pos {
				return 3
			}
		}
	}
	return 0
}

// filterWithout is filter with the victims' contributions taken back. All
// victims are on node i, so every count they change is at node i's values.
func (st *interPodState) filterWithout(pc *podContext, i int32, victims []int32) int {
	s := pc.s
	dec := map[*keyCounts]int32{}
	for _, id := range victims {
		p := &s.pods[id]
		if matchesAll(st.affinity, p.pod.Namespace, p.pod.Labels) {
			for t := range st.affinity {
				dec[st.affinity[t].counts]++
			}
		}
		for t := range st.anti {
			if st.anti[t].matches(p.pod.Namespace, p.pod.Labels, nil) {
				dec[st.anti[t].counts]++
			}
		}
		for _, g := range p.antiGroups {
			grp := s.antiGroups[g]
			if kc := st.existingByKey[grp.term.topologyKey]; kc != nil && grp.term.matches(pc.pod.Namespace, pc.pod.Labels, st.nsLabels) {
				dec[kc]++
			}
		}
	}
	// at returns the count at node i after the removals; lost says whether a
	// positive pair dropped out of its map.
	at := func(kc *keyCounts) (count int32, hasKey bool) {
		v := kc.topo.valueOf[i]
		if v < 0 {
			return 0, false
		}
		return kc.counts[v] - dec[kc], true
	}
	pairs := func(total int, kcs []*keyCounts) int {
		for _, kc := range kcs {
			if v := kc.topo.valueOf[i]; v >= 0 && kc.counts[v] > 0 && kc.counts[v]-dec[kc] == 0 {
				total--
			}
		}
		return total
	}
	affinityPairs := pairs(st.affinityPairs, distinctCounts(st.affinity))
	podsExist := true
	for t := range st.affinity {
		c, ok := at(st.affinity[t].counts)
		if !ok {
			return 1
		}
		if c <= 0 {
			podsExist = false
		}
	}
	if !podsExist && !(affinityPairs == 0 && st.selfMatch) {
		return 1
	}
	if pairs(st.antiPairs, distinctCounts(st.anti)) > 0 {
		for t := range st.anti {
			if c, ok := at(st.anti[t].counts); ok && c > 0 {
				return 2
			}
		}
	}
	if pairs(st.existingPairs, st.existingAnti) > 0 {
		for _, kc := range st.existingAnti {
			if c, ok := at(kc); ok && c > 0 {
				return 3
			}
		}
	}
	return 0
}

func distinctCounts(terms []podTerm) []*keyCounts {
	var out []*keyCounts
	for t := range terms {
		if !slices.Contains(out, terms[t].counts) {
			out = append(out, terms[t].counts)
		}
	}
	return out
}
