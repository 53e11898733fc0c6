package scheduling

import (
	"slices"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

// podLabelIndex finds bound pods by label and by namespace, so that a new
// pod's topology spread and affinity terms look only at pods that can match
// instead of at every pod, as the scheduler does.
type podLabelIndex struct {
	byKey       map[string]*labelPostings
	byNamespace map[string][]int32
	all         []int32
}

// labelPostings are the pods carrying one label key: all of them, and by
// value.
type labelPostings struct {
	all     []int32
	byValue map[string][]int32
}

// podIndex returns the label index, building it on first use. It is safe for
// concurrent use.
func (s *Simulator) podIndex() *podLabelIndex {
	s.labelOnce.Do(func() {
		ix := &podLabelIndex{
			byKey:       map[string]*labelPostings{},
			byNamespace: map[string][]int32{},
			all:         make([]int32, 0, len(s.pods)),
		}
		for id := range s.pods {
			if !s.pods[id].removed {
				ix.add(int32(id), s.pods[id].pod.Namespace, s.pods[id].pod.Labels)
			}
		}
		s.labelIndex = ix
	})
	return s.labelIndex
}

func (ix *podLabelIndex) add(id int32, namespace string, podLabels map[string]string) {
	ix.all = append(ix.all, id)
	ix.byNamespace[namespace] = append(ix.byNamespace[namespace], id)
	for k, v := range podLabels {
		p := ix.byKey[k]
		if p == nil {
			p = &labelPostings{byValue: map[string][]int32{}}
			ix.byKey[k] = p
		}
		p.all = append(p.all, id)
		p.byValue[v] = append(p.byValue[v], id)
	}
}

// candidates returns lists of pod ids that together hold every live pod in
// one of namespaces (or in any namespace when allNamespaces) whose labels
// match sel, each pod at most once; callers still check each candidate. It
// picks the smallest source among the namespaces' pods and the pods carrying
// the key of one of the selector's In, = or Exists requirements.
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
			values = slices.Compact(values)
			for _, v := range values {
				lists = append(lists, p.byValue[v])
			}
			consider(lists)
		case selection.Exists:
			if p == nil {
				return nil
			}
			consider([][]int32{p.all})
		}
	}
	return best
}
