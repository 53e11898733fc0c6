package qos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
)

const gi = int64(1) << 30

// TestOOMScoreAdjust checks each rule of the kubelet's
// GetContainerOOMScoreAdjust (pkg/kubelet/qos/policy.go). Expected values are
// worked out by hand from 1000 − 1000·request/capacity in integer arithmetic.
func TestOOMScoreAdjust(t *testing.T) {
	burstableSidecarPod := newPod("p",
		sidecarContainer("proxy", res(list("memory", "256Mi"), nil)),
		container("a", res(list("memory", "1Gi"), nil)),
		container("b", res(list("memory", "2Gi"), nil)))
	bigSidecarPod := newPod("p",
		sidecarContainer("proxy", res(list("memory", "3Gi"), nil)),
		container("a", res(list("memory", "1Gi"), nil)))
	podLevel := newPod("p",
		podResources(res(list("cpu", "1", "memory", "2Gi"), nil)),
		container("a", res(list("memory", "512Mi"), nil)),
		container("b", res(nil, nil)))
	podLevelSidecar := newPod("p",
		podResources(res(list("cpu", "1", "memory", "2Gi"), nil)),
		sidecarContainer("proxy", res(list("memory", "256Mi"), nil)),
		container("a", res(list("memory", "512Mi"), nil)))
	always := corev1.ContainerRestartPolicyAlways

	tests := []struct {
		name      string
		pod       *corev1.Pod
		container string // name in the pod; the first container when empty
		stranger  *corev1.Container
		capacity  int64
		want      int
	}{
		// Classes.
		{name: "guaranteed", pod: newPod("p", container("a", guaranteedRes("1", "1Gi"))), capacity: 4 * gi, want: -997},
		{name: "raw limits-only guaranteed", pod: newPod("p", container("a", res(nil, list("cpu", "1", "memory", "1Gi")))), capacity: 4 * gi, want: -997},
		{name: "besteffort", pod: newPod("p", container("a", res(nil, nil))), capacity: 4 * gi, want: 1000},
		{name: "status guaranteed wins over a burstable spec", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil)), statusClass(guaranteed)), capacity: 4 * gi, want: -997},
		{name: "status besteffort wins over a burstable spec", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil)), statusClass(bestEffort)), capacity: 4 * gi, want: 1000},

		// Node-critical pods.
		{name: "system-node-critical", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil)), priorityClass(SystemNodeCritical), priorityValue(2_000_001_000)), capacity: 4 * gi, want: -997},
		{name: "system-node-critical before priority admission", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil)), priorityClass(SystemNodeCritical)), capacity: 4 * gi, want: -997},
		{name: "system-node-critical besteffort", pod: newPod("p", container("a", res(nil, nil)), priorityClass(SystemNodeCritical), priorityValue(2_000_001_000)), capacity: 4 * gi, want: -997},
		{name: "system-cluster-critical is not node-critical", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil)), priorityClass(SystemClusterCritical), priorityValue(2_000_000_000)), capacity: 4 * gi, want: 750},
		{name: "node-critical class name with a low priority is not critical", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil)), priorityClass(SystemNodeCritical), priorityValue(0)), capacity: 4 * gi, want: 750},
		{name: "static node-critical pod", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil)), priorityClass(SystemNodeCritical), priorityValue(0), annotation("kubernetes.io/config.source", "file")), capacity: 4 * gi, want: -997},
		{name: "mirror node-critical pod", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil)), priorityClass(SystemNodeCritical), priorityValue(0), annotation("kubernetes.io/config.mirror", "abc")), capacity: 4 * gi, want: -997},
		{name: "static pod without the class", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil)), annotation("kubernetes.io/config.source", "file")), capacity: 4 * gi, want: 750},
		{name: "pod from the API server is not static", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil)), priorityClass(SystemNodeCritical), priorityValue(0), annotation("kubernetes.io/config.source", "api")), capacity: 4 * gi, want: 750},

		// The Burstable formula and its clamps.
		{name: "a quarter of memory", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil))), capacity: 4 * gi, want: 750},
		{name: "no memory request clamps 1000 to 999", pod: newPod("p", container("a", res(list("cpu", "100m"), nil))), capacity: 4 * gi, want: 999},
		{name: "request below a thousandth rounds to 999", pod: newPod("p", container("a", res(list("memory", "2"), nil))), capacity: 3000, want: 999},
		{name: "request of two thousandths", pod: newPod("p", container("a", res(list("memory", "6"), nil))), capacity: 3000, want: 998},
		{name: "request exactly at 3", pod: newPod("p", container("a", res(list("memory", "997"), nil))), capacity: 1000, want: 3},
		{name: "request at 2 clamps to 3", pod: newPod("p", container("a", res(list("memory", "998"), nil))), capacity: 1000, want: 3},
		{name: "request at 4", pod: newPod("p", container("a", res(list("memory", "996"), nil))), capacity: 1000, want: 4},
		{name: "request above capacity clamps to 3", pod: newPod("p", container("a", res(list("memory", "8Gi"), nil))), capacity: 4 * gi, want: 3},
		{name: "raw memory limit counts as the request", pod: newPod("p", container("a", res(list("cpu", "100m"), list("memory", "1Gi")))), capacity: 4 * gi, want: 750},
		// 996.5 bytes is 997 once rounded up, so 3 rather than the 4 of 996.
		{name: "fractional bytes round up", pod: newPod("p", container("a", res(list("memory", "996500m"), nil))), capacity: 1000, want: 3},

		// Sidecars get no more than the smallest regular container.
		{name: "regular container a", pod: burstableSidecarPod, container: "a", capacity: 4 * gi, want: 750},
		{name: "regular container b", pod: burstableSidecarPod, container: "b", capacity: 4 * gi, want: 500},
		{name: "small sidecar takes the smallest regular container's value", pod: burstableSidecarPod, container: "proxy", capacity: 4 * gi, want: 750},
		{name: "big sidecar keeps its own lower value", pod: bigSidecarPod, container: "proxy", capacity: 4 * gi, want: 250},
		{name: "regular init container keeps its own value", pod: newPod("p",
			initContainer("init", res(list("memory", "256Mi"), nil)),
			container("a", res(list("memory", "1Gi"), nil))), container: "init", capacity: 4 * gi, want: 938},
		{name: "sidecar beside a container without memory request", pod: newPod("p",
			sidecarContainer("proxy", res(list("memory", "1Gi"), nil)),
			container("a", res(list("cpu", "1"), nil))), container: "proxy", capacity: 4 * gi, want: 750},
		{name: "restartable container not among the init containers", pod: burstableSidecarPod,
			stranger: &corev1.Container{Name: "stranger", RestartPolicy: &always, Resources: res(list("memory", "256Mi"), nil)}, capacity: 4 * gi, want: 938},
		{name: "sidecar-only pod", pod: newPod("p", sidecarContainer("proxy", res(list("memory", "1Gi"), nil))), container: "proxy", capacity: 4 * gi, want: 750},

		// Pod-level requests: the unclaimed pod memory is shared equally.
		{name: "pod-level share on a container with a request", pod: podLevel, container: "a", capacity: 4 * gi, want: 688},
		{name: "pod-level share on a container without one", pod: podLevel, container: "b", capacity: 4 * gi, want: 813},
		{name: "pod-level regular container beside a sidecar", pod: podLevelSidecar, container: "a", capacity: 4 * gi, want: 719},
		{name: "pod-level sidecar", pod: podLevelSidecar, container: "proxy", capacity: 4 * gi, want: 719},
		{name: "pod-level requests without memory", pod: newPod("p",
			podResources(res(list("cpu", "1"), nil)),
			container("a", res(list("memory", "1Gi"), nil))), capacity: 4 * gi, want: 750},
		{name: "raw pod-level memory limit defaults the pod-level request", pod: newPod("p",
			podResources(res(nil, list("memory", "2Gi"))),
			container("a", res(list("cpu", "100m"), nil))), capacity: 4 * gi, want: 500},

		// In-place resize: the kubelet uses what it allocated.
		{name: "allocated memory replaces the spec", pod: newPod("p",
			container("a", res(list("memory", "2Gi"), nil)),
			allocatedMemoryStatus("a", "1Gi")), capacity: 4 * gi, want: 750},
		{name: "allocated memory of the smallest regular container", pod: newPod("p",
			sidecarContainer("proxy", res(list("memory", "256Mi"), nil)),
			container("a", res(list("memory", "1Gi"), nil)),
			allocatedMemoryStatus("a", "2Gi")), container: "proxy", capacity: 4 * gi, want: 500},

		// Bad input.
		{name: "zero capacity", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil))), capacity: 0, want: 999},
		{name: "negative capacity", pod: newPod("p", container("a", res(list("memory", "1Gi"), nil))), capacity: -1, want: 999},
		{name: "zero capacity guaranteed", pod: newPod("p", container("a", guaranteedRes("1", "1Gi"))), capacity: 0, want: -997},
		{name: "zero capacity besteffort", pod: newPod("p", container("a", res(nil, nil))), capacity: 0, want: 1000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := tc.stranger
			if target == nil {
				target = findContainer(t, tc.pod, tc.container)
			}
			before := tc.pod.DeepCopy()
			assert.Equal(t, tc.want, OOMScoreAdjust(tc.pod, target, tc.capacity))
			assert.Equal(t, before, tc.pod, "OOMScoreAdjust modified its input")
		})
	}
}

func TestOOMScoreAdjustNil(t *testing.T) {
	burstable := newPod("p", container("a", res(list("memory", "1Gi"), nil)))
	assert.Equal(t, 1000, OOMScoreAdjust(nil, nil, 4*gi), "nil pod")
	assert.Equal(t, 1000, OOMScoreAdjust(nil, &burstable.Spec.Containers[0], 4*gi), "nil pod, container")
	assert.Equal(t, 999, OOMScoreAdjust(burstable, nil, 4*gi), "nil container counts as one without requests")
	assert.Equal(t, -997, OOMScoreAdjust(newPod("p", container("a", guaranteedRes("1", "1Gi"))), nil, 4*gi), "nil container of a guaranteed pod")
}

// TestOOMScoreAdjustHugeValues checks that quantities beyond int64 and
// products that overflow do not panic and stay in range.
func TestOOMScoreAdjustHugeValues(t *testing.T) {
	for _, memory := range []string{"8Ei", "1e30", "9223372036854775807"} {
		t.Run(memory, func(t *testing.T) {
			pod := newPod("p", container("a", res(list("memory", memory), nil)))
			got := OOMScoreAdjust(pod, &pod.Spec.Containers[0], 4*gi)
			assert.GreaterOrEqual(t, got, OOMScoreAdjBurstableMin)
			assert.LessOrEqual(t, got, OOMScoreAdjBurstableMax)
		})
	}
}

func findContainer(t *testing.T, pod *corev1.Pod, name string) *corev1.Container {
	t.Helper()
	if name == "" {
		require.NotEmpty(t, pod.Spec.Containers)
		return &pod.Spec.Containers[0]
	}
	for i := range pod.Spec.InitContainers {
		if pod.Spec.InitContainers[i].Name == name {
			return &pod.Spec.InitContainers[i]
		}
	}
	for i := range pod.Spec.Containers {
		if pod.Spec.Containers[i].Name == name {
			return &pod.Spec.Containers[i]
		}
	}
	require.FailNow(t, "no container "+name)
	return nil
}
