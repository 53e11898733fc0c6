package scheduling

import (
	"errors"
	"maps"

	"k8s.io/apimachinery/pkg/api/equality"

	corev1 "k8s.io/api/core/v1"
)

// Placement is where Place put one pod, or why it could not.
type Placement struct {
	// Pod is the pod's namespace/name.
	Pod string `json:"pod"`
	// Node is where the pod was bound; empty when it fits nowhere.
	Node string `json:"node,omitempty"`
	// Score is Node's total score (see Decision.Score).
	Score int64 `json:"score,omitempty"`
	// Message, when the pod was not placed, is why: the FailedScheduling
	// message the scheduler would record at that point, or the scoring
	// error.
	Message string `json:"message,omitempty"`
	// Reasons, when no node fits, counts the nodes per reason, as in the
	// message.
	Reasons map[string]int `json:"reasons,omitempty"`
}

// Placed reports whether the pod was bound to a node.
func (p Placement) Placed() bool { return p.Node != "" }

// PlaceResult is the outcome of Place: one Placement per pod, in order.
type PlaceResult struct {
	Placements []Placement `json:"placements"`
	// Placed and Unplaced count the pods bound and not bound.
	Placed   int `json:"placed"`
	Unplaced int `json:"unplaced"`
}

// Place schedules pods one after another, as the scheduler takes them from
// its queue, binding each to the node Schedule picks before the next one is
// scheduled, so that later pods see the earlier ones (their requests, ports,
// spreading and affinity). A pod that fits nowhere is left out, with the
// reason, and the next one is tried. Place never binds a pod to a node whose
// filters reject it, so no node is ever charged beyond its allocatable by
// Place.
//
// The placed pods stay in the snapshot (as if Assign had been called for
// each); Remove takes them out again. Place does not run preemption: a pod
// that only fits by evicting lower-priority pods is reported as not placed,
// with the message that says so. It must not run concurrently with any
// other method.
func (s *Simulator) Place(pods []*corev1.Pod) PlaceResult {
	res := PlaceResult{Placements: make([]Placement, len(pods))}
	p := s.newPlacer()
	for k, pod := range pods {
		pl := &res.Placements[k]
		if pod == nil {
			pl.Message = "nil pod"
			res.Unplaced++
			continue
		}
		pl.Pod = pod.Namespace + "/" + pod.Name
		node, score, err := p.place(pod)
		if err != nil {
			pl.Message = err.Error()
			var d Diagnosis
			if errors.As(err, &d) {
				pl.Reasons = d.Reasons()
			}
			res.Unplaced++
			continue
		}
		pl.Node, pl.Score = s.nodes[node].name, score
		res.Placed++
	}
	return res
}

// placer schedules and binds pods one at a time. Replicas of a workload
// share a shape (spec, labels, namespace, owners), and for most shapes
// binding one copy changes the answers for the next copy on that node
// only: then the placer keeps the copy's filter verdicts, raw scores and
// totals for every node and, after each bind, recomputes them for the node
// that changed, instead of filtering and scoring every node again. The
// outcome is the same as Schedule's; a test checks it on random clusters.
type placer struct {
	s     *Simulator
	cache *shapeCache
	// spare is a discarded cache whose per-node slices the next one reuses.
	spare *shapeCache
}

func (s *Simulator) newPlacer() *placer { return &placer{s: s} }

// place schedules pod and binds it to the chosen node.
func (p *placer) place(pod *corev1.Pod) (int32, int64, error) {
	s := p.s
	if p.cache == nil || !sameShape(p.cache.pod, pod) {
		if p.cache != nil {
			p.spare = p.cache
		}
		p.cache = s.newShapeCache(pod, p.spare)
	}
	if c := p.cache; c != nil {
		if k := c.best(); k >= 0 {
			s.bind(pod, k)
			score := c.totals[k]
			if !c.update(k) {
				p.spare, p.cache = c, nil
			}
			return k, score, nil
		}
		// No node fits: the full path writes the Diagnosis.
	}
	r, err := s.scoreAll(pod)
	if err != nil {
		return -1, 0, err
	}
	d := r.decision(s)
	node := s.nodeIndex[d.Node]
	s.bind(pod, node)
	return node, d.Score, nil
}

// shapeCache is one pod shape's verdict, raw scores and total per node.
type shapeCache struct {
	pod      *corev1.Pod
	pc       *podContext
	sc       *scorer
	verdicts []verdict
	raw      []rawScores
	totals   []int64
	norm     normalizer
}

// newShapeCache filters and scores every node for pod, or returns nil when
// the shape does not qualify: binding a copy must change no other node's
// verdict or score, so the pod may have no pod affinity or anti-affinity
// (required or preferred), no topology spreading (hard, soft or default),
// and no nominated node. It reuses reuse's slices, if given.
func (s *Simulator) newShapeCache(pod *corev1.Pod, reuse *shapeCache) *shapeCache {
	if a := pod.Spec.Affinity; a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil) {
		return nil
	}
	if pod.Status.NominatedNodeName != "" || len(s.nodes) == 0 {
		return nil
	}
	pc := s.newPodContext(pod)
	if !pc.rejected.IsSuccess() || pc.spread != nil {
		return nil
	}
	c := &shapeCache{pod: pod, pc: pc}
	if reuse != nil && len(reuse.verdicts) == len(s.nodes) {
		c.verdicts, c.raw, c.totals = reuse.verdicts, reuse.raw, reuse.totals
		clear(c.raw)
	} else {
		c.verdicts, c.raw, c.totals = make([]verdict, len(s.nodes)), make([]rawScores, len(s.nodes)), make([]int64, len(s.nodes))
	}
	var feasible []int32
	for i := range s.nodes {
		c.verdicts[i] = pc.check(int32(i), nil)
		if c.verdicts[i] == vPass {
			feasible = append(feasible, int32(i))
		}
	}
	sc, err := pc.preScore(feasible)
	if err != nil || sc.spread != nil {
		return nil
	}
	c.sc = sc
	for _, i := range feasible {
		c.raw[i] = sc.raw(i)
	}
	if !c.renormalize() {
		return nil
	}
	return c
}

// renormalize computes the normalisation over the feasible nodes and every
// feasible node's total. It reports false if a score is out of range (the
// full path then reports the error).
func (c *shapeCache) renormalize() bool {
	c.norm = c.normalizer()
	for i, v := range c.verdicts {
		if v != vPass {
			continue
		}
		if !c.total(int32(i)) {
			return false
		}
	}
	return true
}

func (c *shapeCache) normalizer() normalizer {
	n := newNormalizer(c.sc.active)
	for i, v := range c.verdicts {
		if v == vPass {
			n.add(&c.raw[i], false)
		}
	}
	return n
}

func (c *shapeCache) total(i int32) bool {
	norm := c.norm.apply(&c.raw[i], false)
	t, err := c.norm.weigh(&norm)
	c.totals[i] = t
	return err == nil
}

// best returns the feasible node with the highest total, the first in
// snapshot order among equals, or -1.
func (c *shapeCache) best() int32 {
	best := int32(-1)
	for i, v := range c.verdicts {
		if v == vPass && (best < 0 || c.totals[i] > c.totals[best]) {
			best = int32(i)
		}
	}
	return best
}

// update recomputes node i after a copy was bound to it. Only the
// resource scores and the verdict can have changed; the normalisation
// changes only if the node dropped out of the feasible set. It reports
// false if the cache cannot go on.
func (c *shapeCache) update(i int32) bool {
	was := c.verdicts[i]
	c.verdicts[i] = c.pc.check(i, nil)
	if c.verdicts[i] == vPass {
		c.raw[i] = c.sc.raw(i)
	}
	if (was == vPass) != (c.verdicts[i] == vPass) {
		if n := c.normalizer(); n != c.norm {
			return c.renormalize()
		}
	}
	if c.verdicts[i] == vPass {
		return c.total(i)
	}
	return true
}

// sameShape reports whether two pods are scheduled alike: same namespace,
// labels, owners, spec and status.
func sameShape(a, b *corev1.Pod) bool {
	if a == b {
		return true
	}
	return a.Namespace == b.Namespace && maps.Equal(a.Labels, b.Labels) &&
		equality.Semantic.DeepEqual(a.OwnerReferences, b.OwnerReferences) &&
		equality.Semantic.DeepEqual(a.Spec, b.Spec) && equality.Semantic.DeepEqual(a.Status, b.Status)
}
