package e2e_test

import (
	"context"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	kubectldrain "k8s.io/kubectl/pkg/drain"

	"github.com/kubeprim/kubeprim/drain"
)

type drainResult struct {
	wall       time.Duration
	requests   int64
	violations []string
}

// drainFunc drains node with client, as one tool does it.
type drainFunc func(ctx context.Context, client kubernetes.Interface, node string) error

// BenchmarkDrain drains the same 60-pod, budget-constrained node twice on
// fresh nodes: with kubeprim's drain, configured as examples/drain
// configures it (client at 50 QPS), and with k8s.io/kubectl/pkg/drain
// configured as the kubectl drain command configures it (client-go's default
// 5 QPS, a 5 s retry delay after a refused eviction, chunks of 500). It
// reports both wall times, both request counts and the budget violations a
// watcher saw; `make bench-e2e` runs it once.
func BenchmarkDrain(b *testing.B) {
	var kubeprim, kubectl drainResult
	b.Run("kubeprim", func(b *testing.B) { kubeprim = benchDrain(b, "bench-kp", 50, 100, kubeprimDrain) })
	b.Run("kubectl", func(b *testing.B) { kubectl = benchDrain(b, "bench-kc", 0, 0, kubectlDrain) })
	if kubectl.wall == 0 || kubeprim.wall == 0 {
		return
	}
	out := os.Stdout
	fmt.Fprintf(out, "\ndrain of one node, 60 pods behind 6 budgets:\n")
	fmt.Fprintf(out, "  %-10s %10s %10s %12s\n", "tool", "wall", "requests", "violations")
	for _, r := range []struct {
		name string
		drainResult
	}{{"kubeprim", kubeprim}, {"kubectl", kubectl}} {
		fmt.Fprintf(out, "  %-10s %10s %10d %12d\n", r.name, r.wall.Round(10*time.Millisecond), r.requests, len(r.violations))
	}
	fmt.Fprintf(out, "  kubeprim/kubectl: time %.2f, requests %.2f (target: time <= 0.50, requests <= 1.00, no violations)\n\n",
		kubeprim.wall.Seconds()/kubectl.wall.Seconds(), float64(kubeprim.requests)/float64(kubectl.requests))
}

func benchDrain(b *testing.B, prefix string, qps float32, burst int, run drainFunc) drainResult {
	var total drainResult
	for i := range b.N {
		b.StopTimer()
		s := newDrainScenario(b, fmt.Sprintf("%s-%d", prefix, i))
		watcher := watchBudgets(b, s)
		client, requests := countingClient(b, qps, burst)
		ctx, cancel := context.WithTimeout(b.Context(), 10*time.Minute)
		b.StartTimer()
		start := time.Now()
		err := run(ctx, client, s.node)
		wall := time.Since(start)
		b.StopTimer()
		cancel()
		require.NoError(b, err)
		n := requests.Load()
		waitUntil(b, 2*time.Minute, "the workloads Ready elsewhere", s.settledElsewhere)
		violations, _ := watcher.finish()
		total.wall += wall
		total.requests += n
		total.violations = append(total.violations, violations...)
		for _, v := range violations {
			b.Errorf("violation: %s", v)
		}
	}
	total.wall /= time.Duration(b.N)
	total.requests /= int64(b.N)
	b.ReportMetric(total.wall.Seconds(), "s/drain")
	b.ReportMetric(float64(total.requests), "requests/drain")
	b.ReportMetric(float64(len(total.violations)), "violations")
	return total
}

func kubeprimDrain(ctx context.Context, client kubernetes.Interface, node string) error {
	d, err := drain.New(client, drain.Options{})
	if err != nil {
		return err
	}
	_, err = d.Drain(ctx, node)
	return err
}

// kubectlDrain is what `kubectl drain NODE` runs: get the node, cordon it,
// list its pods, evict them all at once retrying refused ones every 5 s,
// and poll each until it is gone.
func kubectlDrain(ctx context.Context, client kubernetes.Interface, node string) error {
	helper := &kubectldrain.Helper{
		Ctx:                  ctx,
		Client:               client,
		GracePeriodSeconds:   -1,
		EvictErrorRetryDelay: 5 * time.Second,
		ChunkSize:            500,
		Out:                  io.Discard,
		ErrOut:               io.Discard,
	}
	n, err := client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if err := kubectldrain.RunCordonOrUncordon(helper, n, true); err != nil {
		return err
	}
	return kubectldrain.RunNodeDrain(helper, node)
}
