package scheduling

import (
	"fmt"
	"math"
)

// rawScores are the score plugins' raw scores for one node, before
// normalisation, indexed by scorePlugin.
type rawScores [numScorePlugins]int64

// spreadInvalid is PodTopologySpread's invalidScore: the normalised score of
// a node its PreScore ignored (one without every topology key).
const spreadInvalid = -1

// normalizer holds what each plugin's NormalizeScore needs from the whole
// list of feasible nodes: maxima and minima of the raw scores. Applying it
// to one node's raw scores gives that node's normalised scores.
type normalizer struct {
	active [numScorePlugins]bool

	// maxTaint and maxAffinity are helper.DefaultNormalizeScore's maxCount
	// (never below 0).
	maxTaint, maxAffinity int64
	// spreadMin and spreadMax are over the nodes PodTopologySpread did not
	// ignore.
	spreadMin, spreadMax int64
	// interPodMin and interPodMax are over every feasible node.
	interPodMin, interPodMax int64
}

// newNormalizer folds the raw scores of the feasible nodes, ignored telling
// which of them PodTopologySpread's PreScore ignored.
func newNormalizer(active [numScorePlugins]bool) normalizer {
	return normalizer{
		active:      active,
		spreadMin:   math.MaxInt64,
		interPodMin: math.MaxInt64,
		interPodMax: math.MinInt64,
	}
}

// add folds in one feasible node.
func (n *normalizer) add(raw *rawScores, spreadIgnored bool) {
	n.maxTaint = max(n.maxTaint, raw[scoreTaintToleration])
	n.maxAffinity = max(n.maxAffinity, raw[scoreNodeAffinity])
	if !spreadIgnored {
		n.spreadMin = min(n.spreadMin, raw[scorePodTopologySpread])
		n.spreadMax = max(n.spreadMax, raw[scorePodTopologySpread])
	}
	n.interPodMin = min(n.interPodMin, raw[scoreInterPodAffinity])
	n.interPodMax = max(n.interPodMax, raw[scoreInterPodAffinity])
}

// apply returns a node's normalised scores, each plugin's NormalizeScore as
// kube-scheduler 1.36 writes it. Inactive plugins get 0.
func (n *normalizer) apply(raw *rawScores, spreadIgnored bool) rawScores {
	var out rawScores
	if n.active[scoreTaintToleration] {
		out[scoreTaintToleration] = defaultNormalize(raw[scoreTaintToleration], n.maxTaint, true)
	}
	if n.active[scoreNodeAffinity] {
		out[scoreNodeAffinity] = defaultNormalize(raw[scoreNodeAffinity], n.maxAffinity, false)
	}
	if n.active[scoreNodeResourcesFit] {
		out[scoreNodeResourcesFit] = raw[scoreNodeResourcesFit]
	}
	if n.active[scorePodTopologySpread] {
		// The plugin first marks ignored nodes with invalidScore, then gives
		// every node holding invalidScore 0.
		s := raw[scorePodTopologySpread]
		if spreadIgnored {
			s = spreadInvalid
		}
		switch {
		case s == spreadInvalid:
			s = 0
		case n.spreadMax == 0:
			s = maxNodeScore
		default:
			s = maxNodeScore * (n.spreadMax + n.spreadMin - s) / n.spreadMax
		}
		out[scorePodTopologySpread] = s
	}
	if n.active[scoreInterPodAffinity] {
		var f float64
		if diff := n.interPodMax - n.interPodMin; diff > 0 {
			f = float64(maxNodeScore) * (float64(raw[scoreInterPodAffinity]-n.interPodMin) / float64(diff))
		}
		out[scoreInterPodAffinity] = int64(f)
	}
	// DynamicResources scores 0 for a pod without resource claims, and its
	// normalisation keeps 0.
	if n.active[scoreBalancedAllocation] {
		out[scoreBalancedAllocation] = raw[scoreBalancedAllocation]
	}
	if n.active[scoreImageLocality] {
		out[scoreImageLocality] = raw[scoreImageLocality]
	}
	return out
}

// defaultNormalize is helper.DefaultNormalizeScore for one score, given the
// list's maxCount (the largest score, at least 0).
func defaultNormalize(score, maxCount int64, reverse bool) int64 {
	if maxCount == 0 {
		if reverse {
			return maxNodeScore
		}
		return score
	}
	score = maxNodeScore * score / maxCount
	if reverse {
		score = maxNodeScore - score
	}
	return score
}

// weigh sums the weighted normalised scores, checking each is in [0, 100]
// as the framework does before weighing them.
func (n *normalizer) weigh(norm *rawScores) (int64, error) {
	var total int64
	for p := range numScorePlugins {
		if !n.active[p] {
			continue
		}
		if norm[p] < 0 || norm[p] > maxNodeScore {
			return 0, &ScoreError{Plugin: scorePlugins[p].name, Message: fmt.Sprintf(
				"applying score defaultWeights on Score plugins: plugin %q returns an invalid score %v, it should in the range of [%v, %v] after normalizing",
				scorePlugins[p].name, norm[p], 0, maxNodeScore)}
		}
		total += norm[p] * scorePlugins[p].weight
	}
	return total, nil
}

// breakdown lists the active plugins' normalised scores.
func (n *normalizer) breakdown(norm *rawScores) []PluginScore {
	out := make([]PluginScore, 0, numScorePlugins)
	for p := range numScorePlugins {
		if n.active[p] {
			out = append(out, PluginScore{Plugin: scorePlugins[p].name, Score: norm[p], Weight: scorePlugins[p].weight})
		}
	}
	return out
}

// scoredNodes are the raw scores of a pod's feasible nodes and what
// normalises them.
type scoredNodes struct {
	feasible []int32
	raw      []rawScores
	ignored  []bool
	norm     normalizer
	totals   []int64
	// nominated is the pod's nominated node when it is feasible, else -1.
	nominated int32
}

// finish normalises and totals every node.
func (r *scoredNodes) finish() error {
	for k := range r.feasible {
		r.norm.add(&r.raw[k], r.ignored[k])
	}
	r.totals = make([]int64, len(r.feasible))
	for k := range r.feasible {
		norm := r.norm.apply(&r.raw[k], r.ignored[k])
		total, err := r.norm.weigh(&norm)
		if err != nil {
			return err
		}
		r.totals[k] = total
	}
	return nil
}

func (r *scoredNodes) nodeScore(k int, name string) NodeScore {
	norm := r.norm.apply(&r.raw[k], r.ignored[k])
	return NodeScore{Node: name, Total: r.totals[k], Plugins: r.norm.breakdown(&norm)}
}

// best returns the position of the node with the highest total (the first
// in snapshot order among equals) and how many share that total.
func (r *scoredNodes) best() (int, int) {
	best, tied := 0, 1
	for k := 1; k < len(r.totals); k++ {
		switch {
		case r.totals[k] > r.totals[best]:
			best, tied = k, 1
		case r.totals[k] == r.totals[best]:
			tied++
		}
	}
	return best, tied
}
