package scheduling

// scorer is what the default profile's PreScore plugins compute for one pod
// over its feasible nodes: everything the Score plugins need, so that
// scoring a node is arithmetic on prepared numbers.
type scorer struct {
	pc *podContext
	// active says which plugins score the pod; the others' PreScore
	// skipped it.
	active [numScorePlugins]bool

	preferCounts []int64
	preferred    []preferredTerm
	// fitCPU and fitMemory are the pod's requests as NodeResourcesFit
	// scores them, balancedCPU and balancedMemory as BalancedAllocation
	// does.
	fitCPU, fitMemory           int64
	balancedCPU, balancedMemory int64
	imageSums                   []int64
	containers                  int
	spread                      *spreadScore
	interPod                    *interPodScore
}

// preScore runs the PreScore plugins in the default profile's order,
// returning the first failure as the scheduler reports it.
func (pc *podContext) preScore(feasible []int32) (*scorer, error) {
	s, pod := pc.s, pc.pod
	sc := &scorer{pc: pc}

	// TaintToleration never skips.
	sc.active[scoreTaintToleration] = true
	sc.preferCounts = s.preferNoScheduleCounts(pod)

	// NodeAffinity skips a pod without preferred terms.
	terms, present, err := s.preferredNodeAffinity(pod)
	if err != nil {
		return nil, &ScoreError{Plugin: PluginNodeAffinity, Message: `running PreScore plugin "` + PluginNodeAffinity + `": ` + err.Error()}
	}
	sc.preferred, sc.active[scoreNodeAffinity] = terms, present

	// NodeResourcesFit never skips.
	sc.active[scoreNodeResourcesFit] = true
	sc.fitCPU, sc.fitMemory = fitScoreRequests(pod)

	// PodTopologySpread skips a pod without soft (or default) constraints.
	spread, err := s.newSpreadScore(pc, feasible)
	if err != nil {
		return nil, err
	}
	sc.spread, sc.active[scorePodTopologySpread] = spread, spread != nil

	// InterPodAffinity skips when no term added to any topology value.
	sc.interPod = s.newInterPodScore(pc)
	sc.active[scoreInterPodAffinity] = sc.interPod != nil

	// DynamicResources has no PreScore; without claims it scores 0.
	sc.active[scoreDynamicResources] = true

	// BalancedAllocation skips a pod that requests no cpu and no memory.
	sc.balancedCPU, sc.balancedMemory = balancedScoreRequests(pod)
	sc.active[scoreBalancedAllocation] = sc.balancedCPU != 0 || sc.balancedMemory != 0

	// ImageLocality has no PreScore.
	sc.active[scoreImageLocality] = true
	sc.imageSums = s.imageSums(pod)
	sc.containers = len(pod.Spec.InitContainers) + len(pod.Spec.Containers)
	return sc, nil
}

// raw returns the Score plugins' raw scores for node i (0 for the plugins
// that skip).
func (sc *scorer) raw(i int32) rawScores {
	s := sc.pc.s
	n := &s.nodes[i]
	var r rawScores
	if n.preferSet >= 0 {
		r[scoreTaintToleration] = sc.preferCounts[n.preferSet]
	}
	if sc.active[scoreNodeAffinity] {
		r[scoreNodeAffinity] = preferredScore(sc.preferred, i, n)
	}
	r[scoreNodeResourcesFit] = s.leastAllocated(i, sc.fitCPU, sc.fitMemory)
	if sc.spread != nil {
		r[scorePodTopologySpread] = sc.spread.raw(i)
	}
	if sc.interPod != nil {
		r[scoreInterPodAffinity] = sc.interPod.raw(i)
	}
	if sc.active[scoreBalancedAllocation] {
		r[scoreBalancedAllocation] = s.balancedAllocation(i, sc.balancedCPU, sc.balancedMemory)
	}
	var sum int64
	if sc.imageSums != nil {
		sum = sc.imageSums[i]
	}
	r[scoreImageLocality] = imageLocalityScore(sum, sc.containers)
	return r
}

// spreadIgnored reports whether PodTopologySpread's PreScore ignored node i.
func (sc *scorer) spreadIgnored(i int32) bool {
	return sc.spread != nil && sc.spread.ignores(i)
}
