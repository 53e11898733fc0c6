package scheduling

import (
	"hash/maphash"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// hardPodAffinityWeight is InterPodAffinity's default HardPodAffinityWeight:
// what an existing pod's required affinity term that matches the new pod
// adds to the score of the nodes in its topology domain.
const hardPodAffinityWeight = 1

// scoreGroup is one distinct weighted affinity term of bound pods that
// InterPodAffinity scoring reads (their required affinity terms with the
// hard weight, their preferred affinity terms with their weight, and their
// preferred anti-affinity terms with the weight negated), with how many
// times each node holds it.
type scoreGroup struct {
	raw       *corev1.PodAffinityTerm
	namespace string
	weight    int64
	// hash is the group's key in scoreGroupIndex.
	hash uint64

	term     affinityTerm
	parseErr bool
	nodes    map[int32]int32
}

// groupScoreTerms records a bound pod's scoring terms and returns their
// groups, one entry per term. As the scheduler's PodInfo, each of the three
// lists is dropped whole when one of its terms does not parse.
func (s *Simulator) groupScoreTerms(pod *corev1.Pod, node int32) []int32 {
	a := pod.Spec.Affinity
	if a == nil || (a.PodAffinity == nil && a.PodAntiAffinity == nil) {
		return nil
	}
	var ids []int32
	addList := func(terms []corev1.PodAffinityTerm, weights func(int) int64) {
		start := len(ids)
		for i := range terms {
			id := s.scoreGroupOf(pod, &terms[i], weights(i))
			if s.scoreGroups[id].parseErr {
				ids = ids[:start]
				return
			}
			ids = append(ids, id)
		}
	}
	addList(requiredAffinityTerms(a), func(int) int64 { return hardPodAffinityWeight })
	if a.PodAffinity != nil {
		terms := a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution
		addList(weightedTerms(terms), func(i int) int64 { return int64(terms[i].Weight) })
	}
	if a.PodAntiAffinity != nil {
		terms := a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
		addList(weightedTerms(terms), func(i int) int64 { return -int64(terms[i].Weight) })
	}
	for _, id := range ids {
		s.scoreGroups[id].nodes[node]++
	}
	return ids
}

func weightedTerms(terms []corev1.WeightedPodAffinityTerm) []corev1.PodAffinityTerm {
	if len(terms) == 0 {
		return nil
	}
	out := make([]corev1.PodAffinityTerm, len(terms))
	for i := range terms {
		out[i] = terms[i].PodAffinityTerm
	}
	return out
}

// scoreGroupOf finds or creates the group of a weighted term.
func (s *Simulator) scoreGroupOf(pod *corev1.Pod, t *corev1.PodAffinityTerm, weight int64) int32 {
	h := hashTerm(s.hashSeed, pod.Namespace, t) ^ maphash.Comparable(s.hashSeed, weight)
	for _, id := range s.scoreGroupIndex[h] {
		if g := s.scoreGroups[id]; g.weight == weight && sameTerm(g.namespace, g.raw, pod.Namespace, t) {
			return id
		}
	}
	raw := *t // the caller's term may be a copy that does not outlive the call
	g := &scoreGroup{raw: &raw, namespace: pod.Namespace, weight: weight, hash: h, nodes: map[int32]int32{}}
	if parsed, err := newAffinityTerm(pod, t); err != nil {
		g.parseErr = true
	} else {
		g.term = parsed
	}
	id := int32(len(s.scoreGroups))
	s.scoreGroups = append(s.scoreGroups, g)
	s.scoreGroupIndex[h] = append(s.scoreGroupIndex[h], id)
	return id
}

// interPodScore is the InterPodAffinity PreScore state: per topology key,
// the score each value adds to the nodes that carry it.
type interPodScore struct {
	keys []*keyScore
	// used is set once a term has added to some value (even if the sums
	// cancel out): the scheduler's topologyScore map is then not empty, so
	// the plugin scores and normalises instead of skipping.
	used bool
}

type keyScore struct {
	topo *topologyKey
	sums []int64
}

// newInterPodScore is the InterPodAffinity PreScore: for every bound pod,
// the new pod's preferred affinity (+weight) and anti-affinity (-weight)
// terms that match it, and its own required affinity (+1), preferred
// affinity (+weight) and preferred anti-affinity (-weight) terms that match
// the new pod, each adding to the value of the bound pod's node for the
// term's topology key. It returns nil when nothing was added (the plugin
// skips the pod).
func (s *Simulator) newInterPodScore(pc *podContext) *interPodScore {
	pod := pc.pod
	st := &interPodScore{}
	byKey := map[string]*keyScore{}
	add := func(key string, node int32, delta int64) {
		t := s.topologyKey(key)
		v := t.valueOf[node]
		if v < 0 {
			return
		}
		ks := byKey[key]
		if ks == nil {
			ks = &keyScore{topo: t, sums: make([]int64, len(t.values))}
			byKey[key] = ks
			st.keys = append(st.keys, ks)
		}
		ks.sums[v] += delta
		st.used = true
	}

	// The new pod's preferred terms against the bound pods (matched, as in
	// the scheduler, with no namespace labels).
	if a := pod.Spec.Affinity; a != nil {
		var preferred, preferredAnti []corev1.WeightedPodAffinityTerm
		if a.PodAffinity != nil {
			preferred = a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution
		}
		if a.PodAntiAffinity != nil {
			preferredAnti = a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
		}
		for _, list := range []struct {
			terms []corev1.WeightedPodAffinityTerm
			sign  int64
		}{{preferred, 1}, {preferredAnti, -1}} {
			for i := range list.terms {
				t, err := newAffinityTerm(pod, &list.terms[i].PodAffinityTerm)
				if err != nil {
					continue // the PreFilter has rejected such a pod already
				}
				s.resolveNamespaceSelector(&t)
				delta := list.sign * int64(list.terms[i].Weight)
				s.forEachMatchingPod(&t, func(p *podInfo) { add(t.topologyKey, p.node, delta) })
			}
		}
	}

	// The bound pods' terms against the new pod.
	var nsLabels labels.Set
	if l, ok := s.namespaces[pod.Namespace]; ok {
		nsLabels = labels.Merge(l, nil)
	}
	for _, g := range s.scoreGroups {
		if g.parseErr || len(g.nodes) == 0 || !g.term.matches(pod.Namespace, pod.Labels, nsLabels) {
			continue
		}
		for node, n := range g.nodes {
			add(g.term.topologyKey, node, g.weight*int64(n))
		}
	}
	if !st.used {
		return nil
	}
	return st
}

// forEachMatchingPod calls f for every bound pod a term of the new pod
// matches.
func (s *Simulator) forEachMatchingPod(t *affinityTerm, f func(*podInfo)) {
	ix := s.podIndex()
	for _, list := range ix.candidates(t.selector, t.namespaces, t.nsSelector.Matches(labels.Set(nil))) {
		for _, g := range list {
			grp := ix.groups[g]
			if !t.matches(grp.namespace, grp.labels, nil) {
				continue
			}
			for _, id := range grp.pods {
				if p := &s.pods[id]; !p.removed {
					f(p)
				}
			}
		}
	}
}

// raw is the plugin's Score for node i: the sums of the values it carries.
func (st *interPodScore) raw(i int32) int64 {
	var score int64
	for _, ks := range st.keys {
		if v := ks.topo.valueOf[i]; v >= 0 {
			score += ks.sums[v]
		}
	}
	return score
}
