package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func runDrain(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(t.Context(), args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestDefault runs the program as the README does. In the bundled cluster
// worker-1 holds two of web's six pods and web's budget keeps five up, so
// the second waits for the first one's replacement: the progress names the
// budget. Likewise api (maxUnavailable 1, two pods on worker-1).
func TestDefault(t *testing.T) {
	code, stdout, stderr := runDrain(t)
	require.Equal(t, 0, code, stderr)
	assert.Empty(t, stderr)
	assert.Contains(t, stdout, "Plan for node worker-1:")
	assert.Contains(t, stdout, "NAMESPACE    POD")
	assert.Contains(t, stdout, "node worker-1 (schedulable): 5 to evict, 0 to delete, 0 to wait for, 1 skipped, 0 blocked")
	assert.Contains(t, stdout, "budget web: The disruption budget web needs 5 healthy pods and has 5 currently")
	assert.Contains(t, stdout, "skipped  kube-system/logs-")
	assert.Contains(t, stdout, "node worker-1 drained")
	assert.Contains(t, stdout, "Report:")
	assert.Contains(t, stdout, "5 evicted, 0 deleted, 1 skipped, 0 failed or remaining")
	assert.Equal(t, 5, strings.Count(stdout, "evicted  shop/"), "one line per evicted pod")
}

func TestDryRunJSON(t *testing.T) {
	code, stdout, stderr := runDrain(t, "--dry-run", "-o", "json")
	require.Equal(t, 0, code, stderr)
	var plan struct {
		Node string `json:"node"`
		Pods []struct {
			Name   string `json:"name"`
			Action string `json:"action"`
		} `json:"pods"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &plan), stdout)
	assert.Equal(t, "worker-1", plan.Node)
	actions := map[string]int{}
	for _, p := range plan.Pods {
		actions[p.Action]++
	}
	assert.Equal(t, map[string]int{"Evict": 5, "Skip": 1}, actions)
}

func TestReportJSON(t *testing.T) {
	code, stdout, stderr := runDrain(t, "-o", "json", "--ready-delay", "0s")
	require.Equal(t, 0, code, stderr)
	var report struct {
		Nodes []struct {
			Name    string `json:"name"`
			Drained bool   `json:"drained"`
		} `json:"nodes"`
		APIRequests int `json:"apiRequests"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &report), stdout)
	require.Len(t, report.Nodes, 1)
	assert.True(t, report.Nodes[0].Drained)
	assert.Positive(t, report.APIRequests)
	assert.Contains(t, stderr, "node worker-1 drained", "progress goes to stderr with JSON")
}

// blockingCluster has a budget that allows nothing over a pod of worker-1.
const blockingCluster = `
apiVersion: v1
kind: Node
metadata: {name: worker-1}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Node
metadata: {name: worker-2}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db, namespace: shop}
spec: {maxUnavailable: 0, selector: {matchLabels: {app: db}}}
`

func TestBlockedByBudget(t *testing.T) {
	manifest := filepath.Join(t.TempDir(), "cluster.yaml")
	require.NoError(t, os.WriteFile(manifest, []byte(blockingCluster), 0o600))

	code, stdout, stderr := runDrain(t, "-f", manifest, "--dry-run")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "Blocked  BudgetExhausted")
	assert.Contains(t, stdout, "Error: budget shop/db:", "the lint finding on the budget")
	assert.Equal(t, "drain: node worker-1 cannot be drained as things are: 1 pod(s) blocked, see the plan\n", stderr)

	code, stdout, stderr = runDrain(t, "-f", manifest, "--timeout", "1s")
	assert.Equal(t, 1, code)
	assert.Contains(t, stdout, "budget db: The disruption budget db needs 2 healthy pods and has 2 currently")
	assert.Contains(t, stdout, "NOT drained")
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
	assert.Contains(t, stderr, "blocked by budgets shop/db")
}

// volumeCluster has a pod on worker-1 whose volume is attached to the node.
const volumeCluster = `
apiVersion: v1
kind: Node
metadata: {name: worker-1}
status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: Node
metadata: {name: worker-2}
status: {allocatable: {cpu: "4", memory: 16Gi, pods: "110"}, conditions: [{type: Ready, status: "True"}]}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-db}
spec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], csi: {driver: ebs.csi.aws.com, volumeHandle: vol-1}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data-db, namespace: shop}
spec: {volumeName: pv-db, accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      terminationGracePeriodSeconds: 1
      containers: [{name: db, image: postgres}]
      volumes: [{name: data, persistentVolumeClaim: {claimName: data-db}}]
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata: {name: va-db}
spec: {attacher: ebs.csi.aws.com, nodeName: worker-1, source: {persistentVolumeName: pv-db}}
`

func TestWaitForVolumeDetach(t *testing.T) {
	manifest := filepath.Join(t.TempDir(), "cluster.yaml")
	require.NoError(t, os.WriteFile(manifest, []byte(volumeCluster), 0o600))
	code, stdout, stderr := runDrain(t, "-f", manifest, "--wait-for-volume-detach")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "then waits for 1 volume attachment to detach: va-db")
	assert.Contains(t, stdout, "node worker-1: volumes detached")
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name     string
		args     []string
		wantCode int
		wantErr  string
	}{
		{"unknown output", []string{"-o", "yaml"}, 2, "drain: -o must be table or json"},
		{"unknown flag", []string{"--colour"}, 2, "flag provided but not defined: -colour"},
		{"real cluster without node", []string{"--kubeconfig", "/nonexistent"}, 2, "drain: name the node(s) to drain"},
		{"both sources", []string{"--kubeconfig", "x", "-f", "y", "n"}, 2, "drain: use either --kubeconfig or -f"},
		{"flag after node", []string{"worker-1", "--dry-run"}, 2, `drain: flags go before the node names: "--dry-run" comes after them`},
		{"unknown node", []string{"worker-9"}, 1, "drain: drain node worker-9: node not found"},
		{"missing kubeconfig", []string{"--kubeconfig", "/nonexistent/config", "node-1"}, 1, "drain: load kubeconfig"},
		{"missing manifest", []string{"-f", "/nonexistent.yaml"}, 1, "drain: open /nonexistent.yaml"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runDrain(t, tc.args...)
			assert.Equal(t, tc.wantCode, code)
			assert.Contains(t, stderr, tc.wantErr)
			if tc.wantCode != 0 {
				assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
				assert.Empty(t, stdout)
			}
		})
	}
}

func TestHelp(t *testing.T) {
	code, stdout, stderr := runDrain(t, "-h")
	assert.Equal(t, 0, code)
	assert.Empty(t, stdout)
	for _, flag := range []string{"-kubeconfig", "-f ", "-dry-run", "-o ", "-timeout", "-force", "-delete-emptydir-data", "-evict-daemonsets", "-ready-delay"} {
		assert.Contains(t, stderr, flag)
	}
}
