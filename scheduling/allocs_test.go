package scheduling

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
)

// TestFeasibleAllocatesNothingPerNode checks that the allocations of
// Feasible do not grow with the number of nodes checked: ten times the
// nodes, the same count. The race detector's runtime allocates a few times
// on its own, so with it the counts may differ a little (one allocation per
// node would make 1350 more).
func TestFeasibleAllocatesNothingPerNode(t *testing.T) {
	allocs := func(nodes int) float64 {
		ns, pods := schedgen.BenchCluster(nodes, 2)
		s, err := NewSimulator(ns, pods)
		require.NoError(t, err)
		pod := schedgen.BenchPod()
		fits, _ := s.Feasible(pod) // first use builds the shared per-key tables
		require.NotEmpty(t, fits)
		return testing.AllocsPerRun(20, func() { s.Feasible(pod) })
	}
	small, large := allocs(150), allocs(1500)
	if raceEnabled {
		assert.InDelta(t, small, large, 10, "allocations per Feasible: %v with 150 nodes, %v with 1500", small, large)
		return
	}
	assert.Equal(t, small, large, "allocations per Feasible: %v with 150 nodes, %v with 1500", small, large)
}
