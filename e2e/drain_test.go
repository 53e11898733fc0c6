package e2e_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/e2e/cluster"
)

// A node of 60 pods behind budgets is drained with zero downtime: a watcher
// sees every pod change throughout and no budget's healthy count ever drops
// below its minimum, no workload loses its last Ready replica, every pod is
// evicted (never deleted) and comes back Ready on another node.
func TestDrainZeroDowntime(t *testing.T) {
	s := newDrainScenario(t, "drain")
	watcher := watchBudgets(t, s)
	client, requests := countingClient(t, 50, 100)
	d, err := drain.New(client, drain.Options{})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()

	report, err := d.Drain(ctx, s.node)
	require.NoError(t, err, "report:\n%s", report)
	waitUntil(t, 2*time.Minute, "the workloads Ready elsewhere", s.settledElsewhere)
	violations, minHealthy := watcher.finish()

	assert.Empty(t, violations, "budget violations")
	require.Len(t, report.Nodes, 1)
	assert.True(t, report.Nodes[0].Drained)
	assert.True(t, report.Nodes[0].Cordoned)
	assert.Equal(t, 60, report.Count(drain.OutcomeEvicted), "every pod evicted:\n%s", report)
	node, err := kube.Client().CoreV1().Nodes().Get(t.Context(), s.node, metav1.GetOptions{})
	require.NoError(t, err)
	assert.True(t, node.Spec.Unschedulable, "the node stays cordoned")
	for _, b := range s.budgets {
		assert.GreaterOrEqual(t, minHealthy[b.Name], b.Status.DesiredHealthy, "budget %s", b.Name)
	}
	t.Logf("drained 60 pods in %s with %d API requests (report: %d), lowest healthy per budget %v",
		report.Duration.Round(time.Millisecond), requests.Load(), report.APIRequests, minHealthy)
}

// examples/drain --kubeconfig drains a node of the real cluster: it prints
// the plan and the report and exits 0 with the node empty.
func TestExamplesDrainWithKubeconfig(t *testing.T) {
	bin := buildExample(t, "drain")
	s := newSmallDrainScenario(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--kubeconfig", kube.KubeconfigPath(), s.node)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	require.NoError(t, err, "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	assert.Contains(t, stdout.String(), "Report:")
	for _, name := range s.pods {
		assert.Contains(t, stdout.String(), name, "the plan and report name every pod")
	}
	waitUntil(t, time.Minute, "the pods Ready elsewhere", s.settledElsewhere)

	// A node that does not exist: one clear line on stderr, exit code 1.
	stderr.Reset()
	cmd = exec.CommandContext(ctx, bin, "--kubeconfig", kube.KubeconfigPath(), "no-such-node")
	cmd.Stderr = &stderr
	err = cmd.Run()
	var exitErr *exec.ExitError
	require.ErrorAs(t, err, &exitErr)
	assert.NotZero(t, exitErr.ExitCode())
	assert.Contains(t, stderr.String(), "no-such-node")
}

// smallDrainScenario is one Deployment of four pods behind a budget of
// maxUnavailable 1 on a node of its own, and one spare node.
type smallDrainScenario struct {
	*drainScenario
	pods []string
}

func newSmallDrainScenario(t *testing.T) smallDrainScenario {
	t.Helper()
	s := &drainScenario{ns: newNamespace(t, "drain-example"), node: "example-src", total: 4}
	createNodes(t, cluster.Node(s.node, "8", "32Gi", 110))
	w := workload{name: "shop", kind: kindDeployment, replicas: 4, labels: map[string]string{"app": "shop"}, gracePeriod: 2, kwok: drainKwok}
	w.create(t, s.ns)
	_, err := kube.Client().PolicyV1().PodDisruptionBudgets(s.ns).Create(t.Context(), &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "shop"},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector:       &metav1.LabelSelector{MatchLabels: w.labels},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	var names []string
	waitUntil(t, time.Minute, "4 Ready pods", func(ctx context.Context) error {
		pods, err := kube.Client().CoreV1().Pods(s.ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		names = names[:0]
		for i := range pods.Items {
			if podReady(&pods.Items[i]) {
				names = append(names, pods.Items[i].Name)
			}
		}
		if len(names) != 4 {
			return fmt.Errorf("%d Ready", len(names))
		}
		return nil
	})
	createNodes(t, cluster.Node("example-dst", "8", "32Gi", 110))
	return smallDrainScenario{drainScenario: s, pods: names}
}

// buildExample builds examples/<name> of the repository this module lives in
// and returns the binary's path.
func buildExample(t *testing.T, name string) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	bin := filepath.Join(t.TempDir(), name)
	cmd := exec.CommandContext(t.Context(), "go", "build", "-o", bin, "./examples/"+name)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOWORK=off")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build ./examples/%s: %s", name, strings.TrimSpace(string(out)))
	return bin
}

// The watcher the drain tests rely on does see a violation: deleting two
// pods of a budget that allows one, bypassing the eviction API, is caught.
func TestBudgetWatcherSeesAViolation(t *testing.T) {
	s := newSmallDrainScenario(t)
	list, err := kube.Client().PolicyV1().PodDisruptionBudgets(s.ns).List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	for i := range list.Items {
		s.budgets = append(s.budgets, &list.Items[i])
	}
	s.apps = []string{"shop"}
	waitUntil(t, time.Minute, "the budget observed", func(ctx context.Context) error {
		b, err := kube.Client().PolicyV1().PodDisruptionBudgets(s.ns).Get(ctx, "shop", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if b.Status.CurrentHealthy != 4 || b.Status.DesiredHealthy != 3 {
			return fmt.Errorf("status %+v", b.Status)
		}
		s.budgets[0] = b
		return nil
	})
	watcher := watchBudgets(t, s.drainScenario)
	for _, name := range s.pods[:2] {
		require.NoError(t, kube.Client().CoreV1().Pods(s.ns).Delete(t.Context(), name, metav1.DeleteOptions{}))
	}
	waitUntil(t, 30*time.Second, "the watcher to see the deletions", func(context.Context) error {
		watcher.mu.Lock()
		defer watcher.mu.Unlock()
		if len(watcher.violations) == 0 {
			return fmt.Errorf("no violation seen")
		}
		return nil
	})
	violations, minHealthy := watcher.finish()
	assert.Contains(t, violations[0], "budget shop: 2 healthy, needs 3")
	assert.Equal(t, int32(2), minHealthy["shop"])
}
