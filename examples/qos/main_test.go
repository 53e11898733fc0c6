package main

import (
	"bytes"
	"context"
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

func runQOS(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// parseTable maps "pod/container" to its QOS and OOM_SCORE_ADJ columns of
// a table without a NODE column.
func parseTable(t *testing.T, stdout string) map[string][2]string {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	require.NotEmpty(t, lines)
	require.Equal(t, []string{"NAMESPACE", "POD", "QOS", "CONTAINER", "OOM_SCORE_ADJ"}, strings.Fields(lines[0])[:5])
	rows := map[string][2]string{}
	for _, line := range lines[1:] {
		if line == "" {
			break
		}
		fields := strings.Fields(line)
		require.GreaterOrEqual(t, len(fields), 5, "row %q", line)
		// A container label like "(sidecar)" is a field of its own, so the
		// score is the last field.
		rows[fields[1]+"/"+fields[3]] = [2]string{fields[2], fields[len(fields)-1]}
	}
	return rows
}

// TestSample runs the program as the README does, on the bundled manifest.
// Each expectation follows from the kubelet's and API server's rules with
// the default 16Gi node: Burstable is 1000 - 1000*request/16Gi.
func TestSample(t *testing.T) {
	code, stdout, stderr := runQOS(t)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	rows := parseTable(t, stdout)
	want := map[string][2]string{
		"web/app":                 {"Guaranteed", "-997"},
		"cache/redis":             {"Guaranteed", "-997"}, // limits only: defaulted requests
		"api/app":                 {"Burstable", "985"},   // 256Mi: 1000 - 15
		"api/log-shipper":         {"Burstable", "985"},   // 64Mi alone gives 997; capped at the app's
		"reports/migrate":         {"Burstable", "999"},   // no request: 1000 becomes 999
		"reports/app":             {"Burstable", "985"},   // guaranteed container, demoted pod
		"batch/worker":            {"BestEffort", "1000"},
		"analytics/worker":        {"Burstable", "922"}, // 512Mi + (2Gi-512Mi)/2 = 1280Mi: 1000 - 78
		"analytics/exporter":      {"Burstable", "954"}, // 768Mi: 1000 - 46
		"node-agent/agent":        {"Burstable", "-997"},
		"deployment/frontend/app": {"Burstable", "875"}, // 2Gi: 1000 - 125
	}
	assert.Equal(t, want, rows)
	assert.Contains(t, stdout, "16Gi")
}

func TestMemoryFlag(t *testing.T) {
	code, stdout, stderr := runQOS(t, "--memory", "64Gi")
	require.Equal(t, 0, code, stderr)
	rows := parseTable(t, stdout)
	assert.Equal(t, [2]string{"Burstable", "997"}, rows["api/app"], "256Mi of 64Gi: 1000 - 3")
	assert.Equal(t, [2]string{"Burstable", "969"}, rows["deployment/frontend/app"], "2Gi of 64Gi: 1000 - 31")
}

func TestManifestFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pods.yaml")
	require.NoError(t, os.WriteFile(path, []byte(`apiVersion: v1
kind: Pod
metadata: {name: solo}
spec:
  containers:
  - name: app
    resources:
      requests: {memory: 4Gi}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: ignored}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: ops}
spec:
  schedule: "0 0 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: job
            resources:
              limits: {cpu: "1", memory: 1Gi}
`), 0o600))

	code, stdout, stderr := runQOS(t, "-f", path, "-n", "team", "--memory", "8Gi")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, map[string][2]string{
		"solo/app":            {"Burstable", "500"}, // 4Gi of 8Gi
		"cronjob/nightly/job": {"Guaranteed", "-997"},
	}, parseTable(t, stdout))
	assert.Contains(t, stdout, "team ", "a pod without a namespace takes -n")
	assert.Contains(t, stdout, "ops ", "a namespace in the manifest stays")
}

// TestClusterRows runs the cluster path on the fake clientset: status wins
// for the class, and each pod uses its node's memory capacity.
func TestClusterRows(t *testing.T) {
	burstable := func(name, node string, status corev1.PodQOSClass) *corev1.Pod {
		return &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "shop"},
			Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{
				Name:      "app",
				Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("1Gi")}},
			}}},
			Status: corev1.PodStatus{QOSClass: status},
		}
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "small"},
		Status:     corev1.NodeStatus{Capacity: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("4Gi")}},
	}
	client := fake.NewClientset(node,
		burstable("on-small", "small", corev1.PodQOSBurstable),
		burstable("pending", "", ""),
		burstable("stored-guaranteed", "small", corev1.PodQOSGuaranteed))

	var stderr bytes.Buffer
	rows, err := clusterRows(t.Context(), client, "", 16<<30, &stderr)
	require.NoError(t, err)
	got := map[string]row{}
	for _, r := range rows {
		got[r.pod] = r
	}
	assert.Equal(t, 750, got["on-small"].oomScoreAdj, "1Gi of the node's 4Gi")
	assert.Equal(t, 938, got["pending"].oomScoreAdj, "1Gi of the default 16Gi")
	assert.Equal(t, corev1.PodQOSGuaranteed, got["stored-guaranteed"].class, "status.qosClass wins")
	assert.Equal(t, -997, got["stored-guaranteed"].oomScoreAdj)
	assert.Empty(t, stderr.String())

	t.Run("nodes forbidden", func(t *testing.T) {
		client.PrependReactor("list", "nodes", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, errors.New("forbidden")
		})
		var stderr bytes.Buffer
		rows, err := clusterRows(context.Background(), client, "shop", 16<<30, &stderr)
		require.NoError(t, err)
		require.Len(t, rows, 3)
		for _, r := range rows {
			if r.pod == "on-small" {
				assert.Equal(t, 938, r.oomScoreAdj, "falls back to --memory")
			}
		}
		assert.Contains(t, stderr.String(), "cannot list nodes")
	})

	t.Run("table has a node column", func(t *testing.T) {
		var out bytes.Buffer
		require.NoError(t, printTable(&out, rows, true))
		assert.Contains(t, out.String(), "NODE")
		assert.Contains(t, out.String(), "<none>")
	})
}

func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.yaml")
	require.NoError(t, os.WriteFile(broken, []byte("apiVersion: v1\nkind: Pod\nspec: [not, a, map]\n"), 0o600))
	empty := filepath.Join(dir, "empty.yaml")
	require.NoError(t, os.WriteFile(empty, []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), 0o600))

	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"missing file", []string{"-f", filepath.Join(dir, "nope.yaml")}, 1, "no such file"},
		{"not a pod", []string{"-f", broken}, 1, "manifest"},
		{"bad memory", []string{"--memory", "lots"}, 2, "--memory"},
		{"zero memory", []string{"--memory", "0"}, 2, "more than zero"},
		{"both sources", []string{"-f", empty, "--kubeconfig", "x"}, 2, "either"},
		{"unknown flag", []string{"--nope"}, 2, "nope"},
		{"stray argument", []string{"pods"}, 2, "unexpected argument"},
		{"missing kubeconfig", []string{"--kubeconfig", filepath.Join(dir, "nope")}, 1, "kubeconfig"},
		{"no pods", []string{"-f", empty}, 0, "no pods found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runQOS(t, tc.args...)
			assert.Equal(t, tc.wantCode, code)
			assert.Contains(t, stderr, tc.wantErr)
			assert.Empty(t, stdout)
			if tc.wantCode != 0 {
				assert.Equal(t, 1, strings.Count(strings.TrimSpace(stderr), "\n")+1, "one line on stderr: %q", stderr)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	code, stdout, stderr := runQOS(t, "-h")
	assert.Equal(t, 0, code)
	assert.Empty(t, stdout)
	for _, flag := range []string{"-f", "-kubeconfig", "-n", "-memory"} {
		assert.Contains(t, stderr, flag)
	}
}

// TestStdinList reads a kubectl-style List from stdin, as
// `kubectl get deploy -o yaml | go run ./examples/qos -f -` does.
func TestStdinList(t *testing.T) {
	reader, writer, err := os.Pipe()
	require.NoError(t, err)
	saved := os.Stdin
	os.Stdin = reader
	t.Cleanup(func() { os.Stdin = saved; _ = reader.Close() })
	_, err = writer.WriteString(`apiVersion: v1
kind: List
items:
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: web, namespace: prod}
  spec:
    selector: {matchLabels: {app: web}}
    template:
      metadata: {labels: {app: web}}
      spec:
        containers:
        - name: app
          resources:
            requests: {cpu: 100m}
`)
	require.NoError(t, err)
	require.NoError(t, writer.Close())

	code, stdout, stderr := runQOS(t, "-f", "-")
	require.Equal(t, 0, code, stderr)
	assert.Equal(t, map[string][2]string{"deployment/web/app": {"Burstable", "999"}}, parseTable(t, stdout))
}
