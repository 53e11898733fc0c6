package scheduling

import (
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// The kube-scheduler names of the plugins that only score (the filters'
// names above also name their score plugins).
const (
	PluginNodeResourcesBalancedAllocation = "NodeResourcesBalancedAllocation"
	PluginImageLocality                   = "ImageLocality"
	PluginDynamicResources                = "DynamicResources"
)

// maxNodeScore is the framework's MaxNodeScore: every plugin's score lies in
// [0, maxNodeScore] after normalisation.
const maxNodeScore = 100

// scorePlugin indexes the default profile's score plugins in the order the
// framework runs them (the MultiPoint order of the default profile).
type scorePlugin int

const (
	scoreTaintToleration scorePlugin = iota
	scoreNodeAffinity
	scoreNodeResourcesFit
	scorePodTopologySpread
	scoreInterPodAffinity
	scoreDynamicResources
	scoreBalancedAllocation
	scoreImageLocality
	numScorePlugins
)

// scorePlugins names each score plugin and gives its weight in the default
// profile (pkg/scheduler/apis/config/v1/default_plugins.go).
var scorePlugins = [numScorePlugins]struct {
	name   string
	weight int64
}{
	scoreTaintToleration:    {PluginTaintToleration, 3},
	scoreNodeAffinity:       {PluginNodeAffinity, 2},
	scoreNodeResourcesFit:   {PluginNodeResourcesFit, 1},
	scorePodTopologySpread:  {PluginPodTopologySpread, 2},
	scoreInterPodAffinity:   {PluginInterPodAffinity, 2},
	scoreDynamicResources:   {PluginDynamicResources, 2},
	scoreBalancedAllocation: {PluginNodeResourcesBalancedAllocation, 1},
	scoreImageLocality:      {PluginImageLocality, 1},
}

// PluginScore is one score plugin's part of a node's total.
type PluginScore struct {
	// Plugin is the plugin's kube-scheduler name.
	Plugin string `json:"plugin"`
	// Score is the plugin's score for the node after normalisation, from 0
	// to 100.
	Score int64 `json:"score"`
	// Weight is the plugin's weight in the default profile.
	Weight int64 `json:"weight"`
}

// Weighted returns Score times Weight, what the plugin adds to the total.
func (p PluginScore) Weighted() int64 { return p.Score * p.Weight }

// NodeScore is a feasible node's total score and its parts.
type NodeScore struct {
	Node string `json:"node"`
	// Total is the sum of the plugins' weighted scores.
	Total int64 `json:"total"`
	// Plugins are the plugins that scored the pod, in the order the
	// scheduler runs them. Plugins whose PreScore skips the pod (as
	// NodeAffinity does for a pod without preferred terms) are absent, as
	// they are from the scheduler's list.
	Plugins []PluginScore `json:"plugins"`
}

// Decision is where the scheduler would bind a pod, and why there.
type Decision struct {
	// Node is a node with the highest total score; among several, the first
	// in snapshot order (the scheduler picks one of them at random). When the
	// pod's status.nominatedNodeName names a feasible node, it is that node,
	// as the scheduler then binds there without scoring.
	Node string `json:"node"`
	// Score is Node's total: the weighted sum of the default score plugins,
	// normalised over all of the pod's feasible nodes.
	Score int64 `json:"score"`
	// Plugins is Node's score per plugin.
	Plugins []PluginScore `json:"plugins"`
	// Feasible is the number of nodes that passed every filter.
	Feasible int `json:"feasible"`
	// Tied is the number of feasible nodes with the highest total, Node's
	// included (so 1 when the choice was not a tie).
	Tied int `json:"tied"`
	// Nominated reports that Node is the pod's nominated node, chosen
	// because it is feasible rather than because of its score.
	Nominated bool `json:"nominated,omitempty"`
}

// ScoreError is returned by Schedule and Scores when the scheduler's
// PreScore or Score stage fails for the pod (for example a malformed label
// selector in a ScheduleAnyway topology spread constraint, which the filters
// never read). The scheduler records it as a scheduling error, not as an
// unschedulable pod. Error returns the scheduler's message.
type ScoreError struct {
	// Plugin is the plugin that failed.
	Plugin string
	// Message is the scheduler's error text.
	Message string
}

// Error describes the ScoreError.
func (e *ScoreError) Error() string { return e.Message }

// Schedule returns the node kube-scheduler 1.36 would bind pod to: it runs
// the filters on every node (as Feasible does), then the default profile's
// PreScore, Score and NormalizeScore stages over the feasible nodes with the
// default weights (TaintToleration 3, NodeAffinity 2, NodeResourcesFit 1
// with LeastAllocated over cpu and memory, PodTopologySpread 2,
// InterPodAffinity 2, DynamicResources 2, NodeResourcesBalancedAllocation 1,
// ImageLocality 1), and picks a node with the highest total.
//
// Ties are broken deterministically: the first tied node in snapshot order
// (the order NewSimulator was given the nodes) wins, where the scheduler
// picks at random. Unlike the scheduler, which scores no node when only one
// is feasible and stops filtering after enough feasible nodes in a large
// cluster, the Simulator always scores every feasible node, so the
// breakdown is always there.
//
// When no node fits, the error is the Diagnosis (errors.As finds it); when
// the scoring stage fails, a *ScoreError. A nil pod is an error.
func (s *Simulator) Schedule(pod *corev1.Pod) (Decision, error) {
	r, err := s.scoreAll(pod)
	if err != nil {
		return Decision{}, err
	}
	return r.decision(s), nil
}

// decision picks the node: the nominated one if it is feasible, else the
// first with the highest total.
func (r *scoredNodes) decision(s *Simulator) Decision {
	k, tied := r.best()
	d := Decision{Feasible: len(r.feasible), Tied: tied}
	if r.nominated >= 0 {
		k, _ = slices.BinarySearch(r.feasible, r.nominated)
		d.Nominated = true
	}
	ns := r.nodeScore(k, s.nodes[r.feasible[k]].name)
	d.Node, d.Score, d.Plugins = ns.Node, ns.Total, ns.Plugins
	return d
}

// Scores returns every feasible node's total score for pod and its parts,
// in snapshot order, as Schedule computes them. The error is the Diagnosis
// when no node fits, or a *ScoreError.
func (s *Simulator) Scores(pod *corev1.Pod) ([]NodeScore, error) {
	r, err := s.scoreAll(pod)
	if err != nil {
		return nil, err
	}
	out := make([]NodeScore, len(r.feasible))
	for k, i := range r.feasible {
		out[k] = r.nodeScore(k, s.nodes[i].name)
	}
	return out, nil
}

// scoreAll filters every node and scores the feasible ones.
func (s *Simulator) scoreAll(pod *corev1.Pod) (*scoredNodes, error) {
	if pod == nil {
		return nil, fmt.Errorf("schedule: %w", ErrNilObject)
	}
	pc, d, feasible := s.filterAll(pod)
	if len(feasible) == 0 {
		return nil, d
	}
	sc, err := pc.preScore(feasible)
	if err != nil {
		return nil, err
	}
	r := &scoredNodes{
		feasible:  feasible,
		raw:       make([]rawScores, len(feasible)),
		ignored:   make([]bool, len(feasible)),
		norm:      newNormalizer(sc.active),
		nominated: -1,
	}
	for k, i := range feasible {
		r.raw[k] = sc.raw(i)
		r.ignored[k] = sc.spreadIgnored(i)
	}
	if err := r.finish(); err != nil {
		return nil, err
	}
	if pc.nominated >= 0 && d.verdicts[pc.nominated] == vPass {
		r.nominated = pc.nominated
	}
	return r, nil
}

// filterAll runs the PreFilter and Filter stages on every node, as Feasible
// does, and returns the feasible nodes' indexes.
func (s *Simulator) filterAll(pod *corev1.Pod) (*podContext, Diagnosis, []int32) {
	d := Diagnosis{numNodes: len(s.nodes)}
	if len(s.nodes) == 0 {
		return nil, d, nil
	}
	pc := s.newPodContext(pod)
	d.pc = pc
	if !pc.rejected.IsSuccess() {
		d.preFilter = pc.rejected
		if pc.rejected.Code != Error {
			d.postFilter = s.postFilterMessage(pc, &d)
		}
		return pc, d, nil
	}
	d.verdicts = make([]verdict, len(s.nodes))
	var feasible []int32
	for i := range s.nodes {
		v := pc.check(int32(i), nil)
		d.verdicts[i] = v
		if v == vPass {
			d.feasible++
		}
	}
	if d.feasible == 0 {
		d.postFilter = s.postFilterMessage(pc, &d)
		return pc, d, nil
	}
	feasible = make([]int32, 0, d.feasible)
	for i, v := range d.verdicts {
		if v == vPass {
			feasible = append(feasible, int32(i))
		}
	}
	return pc, d, feasible
}
