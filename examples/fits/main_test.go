package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

func runFits(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// nodeRows maps each node of the first table to its FITS, SCORE and WHY
// NOT columns.
func nodeRows(t *testing.T, stdout string) map[string]string {
	t.Helper()
	rows := map[string]string{}
	in := false
	for _, line := range strings.Split(stdout, "\n") {
		switch {
		case strings.HasPrefix(line, "NODE "):
			in = true
		case in && line == "":
			return rows
		case in:
			fields := strings.Fields(line)
			rows[fields[0]] = strings.Join(fields[1:], " ")
		}
	}
	return rows
}

// TestSample runs the program as the README does. Every expectation is
// worked out from the scheduler's rules on the bundled files: the pod
// requests 1 cpu and 1Gi (its limits, defaulted into requests).
func TestSample(t *testing.T) {
	code, stdout, stderr := runFits(t)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	assert.True(t, strings.HasPrefix(stdout, "Pod shop/web-7d9c4 requests cpu 1, memory 1Gi\n"), stdout)

	// node-d: TaintToleration 100 (no PreferNoSchedule taint) x3;
	// LeastAllocated cpu 7000*100/8000 = 87, memory 31*100/32 = 96 → 91;
	// default spreading by the Service "web": raw hostname 0*ln5+2 plus
	// zone-b 1*ln4+4 = 7.39 → 7, the lowest, so 100, x2; BalancedAllocation
	// with the pod 1/8 and 1/32, std 0.047 → 95, 50+(50+95-100)/2 = 72;
	// no nginx image. 300+91+200+72 = 663.
	// node-a: 300; cpu 3000 of 4000 → 25, memory 6 of 16 → 62 → 43;
	// spreading raw 1*ln5+2 + 1*ln4+4 = 9 → 100*(9+7-9)/9 = 77, x2;
	// balanced 0.75/0.375 → 81 against 0.5/0.3125 → 90: 70; nginx held by
	// 2 of 7 nodes, 190Mi*2/7 = 54Mi → 100*(54-23)/977 = 3. Total 570.
	// node-c: its untolerated PreferNoSchedule taint makes TaintToleration
	// 0; cpu 2000 of 8000 → 75, memory 2 of 32 → 93 → 84; spreading as
	// node-a, 77 x2; balanced 0.25/0.0625 → 90 against 0.125/0.03125 → 95:
	// 72; nginx 3. Total 313.
	rows := nodeRows(t, stdout)
	assert.Equal(t, map[string]string{
		"node-a":  "yes 570",
		"node-b":  "no NodeResourcesFit: Insufficient cpu (Unschedulable)", // 3.5 of 4 cpus taken
		"node-c":  "yes 313",
		"node-d":  "yes 663",
		"gpu-1":   "no TaintToleration: node(s) had untolerated taint(s) (UnschedulableAndUnresolvable)",
		"old-1":   "no NodeUnschedulable: node(s) were unschedulable (UnschedulableAndUnresolvable)",
		"small-1": "no NodeResourcesFit: Insufficient cpu (Unschedulable)", // 200m of 1 cpu taken
	}, rows)

	assert.Contains(t, stdout, "\n3/7 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable, 2 Insufficient cpu.\n")
	assert.Contains(t, stdout, "It would go to node-d (the highest total of 3 feasible nodes):")
	assert.Contains(t, stdout, "  total                                           663\n")
	// Free cpus: node-a 2, node-c 7, node-d 8 (memory is plentiful).
	assert.True(t, strings.HasSuffix(stdout, "\n17 more copies fit: node-a 2, node-c 7, node-d 8.\n"), stdout)
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	return path
}

func TestPodThatFitsNowhere(t *testing.T) {
	pod := writeFile(t, "pod.yaml", `
apiVersion: apps/v1
kind: Deployment
metadata: {name: huge, namespace: shop}
spec:
  selector: {matchLabels: {app: huge}}
  template:
    metadata: {labels: {app: huge}}
    spec:
      containers:
      - name: c
        resources: {requests: {cpu: "32"}}
`)
	code, stdout, stderr := runFits(t, "-f", pod)
	require.Equal(t, 0, code, stderr)
	// 32 cpus exceed every node's allocatable but gpu-1's 16... which is
	// also too small: unresolvable everywhere, preemption cannot help.
	assert.Contains(t, stdout, "0/7 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable, 5 Insufficient cpu. "+
		"no new claims to deallocate, preemption: 0/7 nodes are available: 7 Preemption is not helpful for scheduling.\n")
	assert.Contains(t, stdout, "It would stay Pending: no node fits.\n")
	assert.NotContains(t, stdout, "copies fit")
}

func TestPodWithNodeName(t *testing.T) {
	pod := writeFile(t, "pod.yaml", `
apiVersion: v1
kind: Pod
metadata: {name: pinned}
spec:
  nodeName: small-1
  containers:
  - name: c
    resources: {requests: {cpu: "1"}}
`)
	code, stdout, stderr := runFits(t, "-f", pod, "-n", "shop")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "Pod shop/pinned requests cpu 1\n")
	// The kubelet checks resources: 200m of small-1's 1 cpu are taken.
	assert.Contains(t, stdout, "spec.nodeName is small-1: the scheduler never sees this pod, and the kubelet there rejects it: "+
		"OutOfcpu (Node didn't have enough resource: cpu, requested: 1000, used: 200, capacity: 1000).\n")
}

func TestBadInput(t *testing.T) {
	noPod := writeFile(t, "svc.yaml", "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n")
	notYAML := writeFile(t, "bad.yaml", "kind: [unterminated\n")
	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"missing file", []string{"-f", filepath.Join(t.TempDir(), "nope.yaml")}, 1, "fits: open "},
		{"no pod in the manifest", []string{"-f", noPod}, 1, "fits: the pod manifest has no Pod nor workload with a pod template\n"},
		{"not a manifest", []string{"-f", notYAML}, 1, "fits: read pod manifest: manifest document 0:"},
		{"a cluster without nodes", []string{"--cluster", noPod}, 1, "fits: the cluster manifest has no Node\n"},
		{"cluster and kubeconfig", []string{"--cluster", noPod, "--kubeconfig", "x"}, 2, "fits: use either --cluster or --kubeconfig, not both\n"},
		{"stray argument", []string{"pod.yaml"}, 2, "fits: unexpected argument \"pod.yaml\"; see -h\n"},
		{"unknown flag", []string{"--bogus"}, 2, "fits: flag provided but not defined: -bogus; see -h\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runFits(t, tc.args...)
			assert.Equal(t, tc.code, code)
			assert.Empty(t, stdout)
			assert.True(t, strings.HasPrefix(stderr, tc.stderr), stderr)
			if tc.code != 0 {
				assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	code, stdout, stderr := runFits(t, "-h")
	assert.Equal(t, 0, code)
	assert.Empty(t, stdout)
	for _, flag := range []string{"-f manifest", "-cluster manifest", "-kubeconfig path", "-live", "-n namespace"} {
		assert.Contains(t, stderr, flag)
	}
}

// TestLiveCluster reads a cluster through a clientset, as --kubeconfig
// does: listing Services is forbidden, which is a warning, not a failure.
func TestLiveCluster(t *testing.T) {
	alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("4Gi"), corev1.ResourcePods: resource.MustParse("10")}
	objects := []runtime.Object{
		&corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Status: corev1.NodeStatus{Allocatable: alloc}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "running", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "n1"}},
		&corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "pending", Namespace: "default"}},
	}
	client := fake.NewClientset(objects...)
	client.PrependReactor("list", "services", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("services is forbidden")
	})
	var stderr bytes.Buffer
	c, err := liveCluster(t.Context(), client, &stderr)
	require.NoError(t, err)
	assert.Len(t, c.nodes, 1)
	require.Len(t, c.pods, 1, "only bound pods")
	assert.Equal(t, "running", c.pods[0].Name)
	assert.Equal(t, "fits: warning: cannot list services (services is forbidden); scores that read them may differ from the scheduler's\n", stderr.String())

	client.PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, errors.New("nodes is forbidden")
	})
	_, err = liveCluster(t.Context(), client, &stderr)
	assert.EqualError(t, err, "list nodes: nodes is forbidden")
}
