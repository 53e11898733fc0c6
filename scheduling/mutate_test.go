package scheduling

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
)

// snapshotState is everything the Simulator's answers depend on, in a form
// that compares with ==: the per-node tallies, the pods' entries, the
// anti-affinity and score groups with their indexes, and the label index
// if it was built. Scalar resources that every node has zero of are left
// out (a name, once interned, stays).
type snapshotState struct {
	Nodes       []string
	Scalars     map[string]string
	Pods        []string
	AntiGroups  []string
	AntiIndex   map[uint64][]int32
	ScoreGroups []string
	ScoreIndex  map[uint64][]int32
	LabelIndex  string
}

func stateOf(s *Simulator) snapshotState {
	var st snapshotState
	for i := range s.nodes {
		n := &s.nodes[i]
		st.Nodes = append(st.Nodes, fmt.Sprintf("%s req=%d/%d/%d nonzero=%d/%d pods=%v ports=%v unschedulable=%v taints=%d",
			n.name, n.reqCPU, n.reqMemory, n.reqEph, n.nonZeroCPU, n.nonZeroMemory, n.pods, n.ports, n.unschedulable, n.taintSet))
	}
	st.Scalars = map[string]string{}
	width := len(s.scalarNames)
	for k, name := range s.scalarNames {
		var vals []int64
		nonZero := false
		for i := range s.nodes {
			a, r := s.allocScalars[i*width+k], s.reqScalars[i*width+k]
			vals = append(vals, a, r)
			nonZero = nonZero || a != 0 || r != 0
		}
		if nonZero {
			st.Scalars[string(name)] = fmt.Sprint(vals)
		}
	}
	for id := range s.pods {
		p := &s.pods[id]
		st.Pods = append(st.Pods, fmt.Sprintf("%s/%s node=%d removed=%v anti=%v score=%v marks=%v", p.pod.Namespace, p.pod.Name, p.node, p.removed, p.antiGroups, p.scoreGroups, p.groupMarks))
	}
	for _, g := range s.antiGroups {
		st.AntiGroups = append(st.AntiGroups, fmt.Sprintf("%s %v %v", g.namespace, g.parseErr, g.nodes))
	}
	st.AntiIndex = maps.Clone(s.antiGroupIndex)
	for _, g := range s.scoreGroups {
		st.ScoreGroups = append(st.ScoreGroups, fmt.Sprintf("%s %d %v %v", g.namespace, g.weight, g.parseErr, g.nodes))
	}
	st.ScoreIndex = maps.Clone(s.scoreGroupIndex)
	if ix := s.labelIndex; ix != nil {
		keys := slices.Sorted(maps.Keys(ix.byKey))
		var postings []string
		for _, k := range keys {
			postings = append(postings, fmt.Sprintf("%s:%v:%v", k, ix.byKey[k].all, ix.byKey[k].byValue))
		}
		var groups []string
		for _, g := range ix.groups {
			groups = append(groups, fmt.Sprintf("%s %v %v", g.namespace, g.labels, g.pods))
		}
		st.LabelIndex = fmt.Sprintf("groups=%v all=%v hash=%v ns=%v keys=%v", groups, ix.all, ix.byHash, ix.byNamespace, postings)
	}
	return st
}

// answers are what the Simulator says about a few pods: every node's
// status, the message, and the scores.
func answers(s *Simulator, pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		_, d := s.Feasible(p)
		out = append(out, d.Error(), fmt.Sprint(d.Statuses()))
		scores, err := s.Scores(p)
		out = append(out, fmt.Sprint(scores, err))
	}
	return out
}

// TestRemoveAfterAssignRestores assigns a random pod to a random node of a
// random cluster and removes it again: the snapshot must be exactly as
// before, and so must every answer.
func TestRemoveAfterAssignRestores(t *testing.T) {
	rng := rand.New(rand.NewPCG(41, 42))
	for iter := range 400 {
		c := schedgen.RandomScoringCluster(rng)
		s, err := NewSimulator(c.Nodes, c.Pods)
		require.NoError(t, err)
		require.NoError(t, s.SetNamespaces(c.Namespaces))
		probes := []*corev1.Pod{schedgen.RandomScoringPod(rng), schedgen.RandomScoringPod(rng)}
		fresh, err := NewSimulator(c.Nodes, c.Pods)
		require.NoError(t, err)
		require.NoError(t, fresh.SetNamespaces(c.Namespaces))
		beforeAnswers := answers(fresh, probes)
		// With the label index built, Assign and Remove maintain it, and the
		// answers in between see the pod; without, the index stays unbuilt.
		indexed := rng.IntN(2) == 0
		if indexed {
			s.podIndex()
		}
		before := stateOf(s)

		pod := schedgen.RandomScoringPod(rng)
		pod.Name, pod.Spec.NodeName = "assigned", ""
		node := c.Nodes[rng.IntN(len(c.Nodes))].Name
		require.NoError(t, s.Assign(pod, node), "iteration %d", iter)
		assert.Empty(t, pod.Spec.NodeName, "Assign must not modify its argument")
		if indexed {
			answers(s, probes)
		}
		require.NoError(t, s.Remove(pod), "iteration %d", iter)

		require.Equal(t, before, stateOf(s), "iteration %d", iter)
		require.Equal(t, beforeAnswers, answers(s, probes), "iteration %d", iter)
	}
}

// TestRemoveAndAssignBack removes a pod given to NewSimulator (not the last
// one, so its entry stays, marked removed) and assigns it back: the answers
// are those of the original snapshot. Removing a pod answers as a snapshot
// built without it.
func TestRemoveAndAssignBack(t *testing.T) {
	rng := rand.New(rand.NewPCG(43, 44))
	for iter := range 300 {
		c := schedgen.RandomScoringCluster(rng)
		var bound []*corev1.Pod
		for _, p := range c.Pods {
			if countsOnNode(p) {
				bound = append(bound, p)
			}
		}
		if len(bound) == 0 {
			continue
		}
		s, err := NewSimulator(c.Nodes, c.Pods)
		require.NoError(t, err)
		probes := []*corev1.Pod{schedgen.RandomScoringPod(rng), schedgen.RandomScoringPod(rng)}
		original := answers(s, probes)

		victim := bound[rng.IntN(len(bound))]
		require.NoError(t, s.Remove(victim), "iteration %d", iter)
		without, err := NewSimulator(c.Nodes, slices.DeleteFunc(slices.Clone(c.Pods), func(p *corev1.Pod) bool { return p == victim }))
		require.NoError(t, err)
		require.Equal(t, answers(without, probes), answers(s, probes), "iteration %d: removed %s", iter, victim.Name)

		require.NoError(t, s.Assign(victim, victim.Spec.NodeName), "iteration %d", iter)
		require.Equal(t, original, answers(s, probes), "iteration %d", iter)
	}
}

func TestAssignRemoveErrors(t *testing.T) {
	s, err := NewSimulator([]*corev1.Node{makeNode("a", std()), makeNode("b", std())},
		[]*corev1.Pod{makePod("web", on("a"))})
	require.NoError(t, err)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"assign nil", s.Assign(nil, "a"), ErrNilObject},
		{"assign to an unknown node", s.Assign(makePod("p"), "z"), ErrUnknownNode},
		{"assign a pod bound elsewhere", s.Assign(makePod("p", on("b")), "a"), ErrInvalidPod},
		{"assign a finished pod", s.Assign(makePod("p", phase(corev1.PodSucceeded)), "a"), ErrInvalidPod},
		{"assign a pod already there", s.Assign(makePod("web"), "b"), ErrPodExists},
		{"remove nil", s.Remove(nil), ErrNilObject},
		{"remove an unknown pod", s.Remove(makePod("nope")), ErrPodNotFound},
		{"remove from the wrong node", s.Remove(makePod("web", on("b"))), ErrPodNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.ErrorIs(t, tc.err, tc.want)
		})
	}
}

func TestAssignCharges(t *testing.T) {
	s, err := NewSimulator([]*corev1.Node{makeNode("a", rl("cpu", "2", "memory", "4Gi", "pods", "110"))}, nil)
	require.NoError(t, err)
	first := makePod("first", req("cpu", "1500m"), hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80}))
	require.True(t, s.Filter(first, "a").IsSuccess())
	require.NoError(t, s.Assign(first, "a"))
	second := makePod("second", req("cpu", "1"))
	assert.Equal(t, "NodeResourcesFit: Insufficient cpu (Unschedulable)", s.Filter(second, "a").String())
	third := makePod("third", hostPorts(corev1.ContainerPort{ContainerPort: 80, HostPort: 80}))
	assert.Equal(t, PluginNodePorts, s.Filter(third, "a").Plugin)
	require.NoError(t, s.Remove(makePod("first")))
	assert.True(t, s.Filter(second, "a").IsSuccess())
	assert.True(t, s.Filter(third, "a").IsSuccess())
}
