package scheduling

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
)

// TestFeasibleEqualsFilter checks, on random clusters, that Feasible returns
// exactly the nodes Filter passes, that the Diagnosis gives each node the
// status Filter gives it, and that both agree with the plain oracle.
func TestFeasibleEqualsFilter(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for iter := range 1500 {
		c := schedgen.RandomCluster(rng)
		s, err := NewSimulator(c.Nodes, c.Pods)
		require.NoError(t, err)
		require.NoError(t, s.SetNamespaces(c.Namespaces))
		o := newOracle(c.Nodes, c.Pods, c.Namespaces)
		for range 3 {
			pod := schedgen.RandomPod(rng)
			fits, d := s.Feasible(pod)
			var want []string
			for _, n := range c.Nodes {
				st := s.Filter(pod, n.Name)
				if st.IsSuccess() {
					want = append(want, n.Name)
				}
				require.Equal(t, normalize(st), normalize(d.Status(n.Name)), "iteration %d node %s", iter, n.Name)
				require.Equal(t, normalize(o.filter(pod, n.Name)), normalize(st), "iteration %d node %s\npod: %s", iter, n.Name, describe(pod))
			}
			require.Equal(t, want, nonNil(fits), "iteration %d", iter)
			require.NotEmpty(t, d.Error())
		}
	}
}

func nonNil(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

func describe(p *corev1.Pod) string { return fmt.Sprintf("%+v labels=%v", p.Spec, p.Labels) }

// TestConcurrentReads runs Feasible and Filter from several goroutines on
// one Simulator; with -race this checks the lazy indexes are safe.
func TestConcurrentReads(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	c := schedgen.RandomCluster(rng)
	for len(c.Pods) < 10 {
		c = schedgen.RandomCluster(rng)
	}
	s, err := NewSimulator(c.Nodes, c.Pods)
	require.NoError(t, err)
	pods := make([]*corev1.Pod, 8)
	for i := range pods {
		pods[i] = schedgen.RandomPod(rng)
		pods[i].Spec.TopologySpreadConstraints = append(pods[i].Spec.TopologySpreadConstraints, zoneSpread(1, selector("app", "web")))
	}
	want := make([][]string, len(pods))
	done := make(chan int)
	for i := range pods {
		go func() {
			fits, _ := s.Feasible(pods[i])
			want[i] = fits
			done <- i
		}()
	}
	for range pods {
		<-done
	}
	for i, p := range pods {
		fits, _ := s.Feasible(p)
		assert.Equal(t, want[i], fits)
	}
}
