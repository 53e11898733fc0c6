package scheduling

import (
	"hash/maphash"
	"maps"
	"math/bits"
	"slices"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// podLabelIndex groups bound pods by namespace and labels, and finds groups
// by label and by namespace. Replicas of a workload share both, so a new
// pod's spread and affinity selectors are evaluated once per group, and only
// for groups that can match, rather than once per pod as in the scheduler.
type podLabelIndex struct {
	groups []*podGroup
	// byHash finds groups by a hash of namespace and labels.
	byHash      map[uint64][]int32
	byKey       map[string]*labelPostings
	byNamespace map[string][]int32
	all         []int32
	seed        maphash.Seed
}

// podGroup is the bound pods that share a namespace and a label set.
type podGroup struct {
	namespace string
	labels    map[string]string
	pods      []int32
}

// labelPostings are the groups carrying one label key: all of them, and by
// value.
type labelPostings struct {
	all     []int32
	byValue map[string][]int32
}

// podIndex returns the label index, building it on first use. It is safe for
// concurrent use.
func (s *Simulator) podIndex() *podLabelIndex {
	s.labelOnce.Do(func() { s.labelIndex = s.buildPodIndex() })
	return s.labelIndex
}

func (s *Simulator) buildPodIndex() *podLabelIndex {
	ix := &podLabelIndex{
		byHash:      map[uint64][]int32{},
		byKey:       map[string]*labelPostings{},
		byNamespace: map[string][]int32{},
		seed:        s.hashSeed,
	}
	for id := range s.pods {
		if !s.pods[id].removed {
			ix.add(int32(id), s.pods[id].pod.Namespace, s.pods[id].pod.Labels)
		}
	}
	return ix
}

// add puts a pod in the group of its namespace and labels.
func (ix *podLabelIndex) add(id int32, namespace string, podLabels map[string]string) {
	h := hashLabels(ix.seed, namespace, podLabels)
	for _, g := range ix.byHash[h] {
		if grp := ix.groups[g]; grp.namespace == namespace && maps.Equal(grp.labels, podLabels) {
			grp.pods = append(grp.pods, id)
			return
		}
	}
	g := int32(len(ix.groups))
	ix.groups = append(ix.groups, &podGroup{namespace: namespace, labels: podLabels, pods: []int32{id}})
	ix.byHash[h] = append(ix.byHash[h], g)
	ix.all = append(ix.all, g)
	ix.byNamespace[namespace] = append(ix.byNamespace[namespace], g)
	for k, v := range podLabels {
		p := ix.byKey[k]
		if p == nil {
			p = &labelPostings{byValue: map[string][]int32{}}
			ix.byKey[k] = p
		}
		p.all = append(p.all, g)
		p.byValue[v] = append(p.byValue[v], g)
	}
}

// hashLabels hashes a namespace and a label set, independently of the
// map's order. Groups with equal hashes are still compared in full.
func hashLabels(seed maphash.Seed, namespace string, podLabels map[string]string) uint64 {
	sum := maphash.String(seed, namespace)
	for k, v := range podLabels {
		sum += maphash.String(seed, k) ^ bits.RotateLeft64(maphash.String(seed, v), 29)
	}
	return sum
}

// candidates returns lists of group ids that together hold every group in
// one of namespaces (or in any namespace when allNamespaces) whose labels
// match sel, each group at most once; callers still check each group. It
// picks the smallest source among the namespaces' groups and the groups
// carrying the key of one of the selector's In, =, Exists, Gt or Lt
// requirements.
func (ix *podLabelIndex) candidates(sel labels.Selector, namespaces []string, allNamespaces bool) [][]int32 {
	reqs, selectable := sel.Requirements()
	if !selectable {
		return nil // labels.Nothing()
	}
	var best [][]int32
	bestSize := -1
	consider := func(lists [][]int32) {
		n := 0
		for _, l := range lists {
			n += len(l)
		}
		if bestSize < 0 || n < bestSize {
			best, bestSize = lists, n
		}
	}
	if allNamespaces {
		consider([][]int32{ix.all})
	} else {
		var lists [][]int32
		seen := make([]string, 0, len(namespaces))
		for _, ns := range namespaces {
			if slices.Contains(seen, ns) {
				continue
			}
			seen = append(seen, ns)
			lists = append(lists, ix.byNamespace[ns])
		}
		consider(lists)
	}
	for i := range reqs {
		r := &reqs[i]
		p := ix.byKey[r.Key()]
		switch r.Operator() {
		case selection.In, selection.Equals, selection.DoubleEquals:
			if p == nil {
				return nil // nobody has the key, so nobody matches
			}
			var lists [][]int32
			values := r.ValuesUnsorted()
			slices.Sort(values)
			for _, v := range slices.Compact(values) {
				lists = append(lists, p.byValue[v])
			}
			consider(lists)
		case selection.Exists, selection.GreaterThan, selection.LessThan:
			if p == nil {
				return nil
			}
			consider([][]int32{p.all})
		}
	}
	return best
}
