package qos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

const (
	bestEffort = corev1.PodQOSBestEffort
	burstable  = corev1.PodQOSBurstable
	guaranteed = corev1.PodQOSGuaranteed
)

// computeCases are pods as a user writes them, not yet defaulted, with the
// class kube-apiserver 1.36 stores for them. Each expectation comes from the
// rules in pkg/apis/core/helper/qos and pkg/apis/core/v1/defaults.go; the
// comment says which rule decides.
var computeCases = []struct {
	name string
	pod  *corev1.Pod
	want corev1.PodQOSClass
}{
	// No cpu or memory anywhere.
	{"no resources", newPod("p", container("a", res(nil, nil))), bestEffort},
	{"no containers", newPod("p"), bestEffort},
	{"only an extended resource", newPod("p", container("a", res(nil, list("nvidia.com/gpu", "1")))), bestEffort},
	{"only ephemeral storage", newPod("p", container("a", res(list("ephemeral-storage", "1Gi"), list("ephemeral-storage", "2Gi")))), bestEffort},
	// Zero quantities do not count.
	{"zero requests and limits", newPod("p", container("a", res(list("cpu", "0", "memory", "0"), list("cpu", "0", "memory", "0")))), bestEffort},
	{"zero limits only", newPod("p", container("a", res(nil, list("cpu", "0", "memory", "0")))), bestEffort},

	// Burstable: something set, but not all equal limits.
	{"cpu request only", newPod("p", container("a", res(list("cpu", "100m"), nil))), burstable},
	{"memory limit only", newPod("p", container("a", res(nil, list("memory", "1Gi")))), burstable},
	{"requests below limits", newPod("p", container("a", res(list("cpu", "500m", "memory", "1Gi"), list("cpu", "1", "memory", "1Gi")))), burstable},
	{"cpu and memory limits, cpu request lower", newPod("p", container("a", res(list("cpu", "500m"), list("cpu", "1", "memory", "1Gi")))), burstable},
	// An explicit zero request is kept by defaulting, so that limit has no
	// equal request.
	{"explicit zero cpu request beside a cpu limit", newPod("p", container("a", res(list("cpu", "0"), list("cpu", "1", "memory", "1Gi")))), burstable},
	{"guaranteed container beside a besteffort one", newPod("p",
		container("a", guaranteedRes("1", "1Gi")),
		container("b", res(nil, nil))), burstable},
	{"guaranteed container beside a burstable one", newPod("p",
		container("a", guaranteedRes("1", "1Gi")),
		container("b", res(list("cpu", "100m", "memory", "100Mi"), list("cpu", "200m", "memory", "100Mi")))), burstable},
	// Guaranteed needs positive limits for both on every container.
	{"zero cpu limit with memory", newPod("p", container("a", res(list("memory", "1Gi"), list("cpu", "0", "memory", "1Gi")))), burstable},
	{"extended resource limit does not stand in for cpu", newPod("p", container("a", res(nil, list("memory", "1Gi", "nvidia.com/gpu", "1")))), burstable},

	// Guaranteed.
	{"requests equal limits", newPod("p", container("a", guaranteedRes("1", "1Gi"))), guaranteed},
	{"limits only, requests defaulted from them", newPod("p", container("a", res(nil, list("cpu", "1", "memory", "1Gi")))), guaranteed},
	{"limits only with a partial request equal to its limit", newPod("p", container("a", res(list("cpu", "1"), list("cpu", "1", "memory", "1Gi")))), guaranteed},
	{"equal in different notation", newPod("p", container("a", res(list("cpu", "1", "memory", "1Gi"), list("cpu", "1000m", "memory", "1073741824")))), guaranteed},
	{"three guaranteed containers", newPod("p",
		container("a", guaranteedRes("1", "1Gi")),
		container("b", guaranteedRes("250m", "256Mi")),
		container("c", res(nil, list("cpu", "100m", "memory", "64Mi")))), guaranteed},
	{"extended resources beside guaranteed cpu and memory", newPod("p", container("a", res(
		list("cpu", "1", "memory", "1Gi", "nvidia.com/gpu", "1", "ephemeral-storage", "1Gi"),
		list("cpu", "1", "memory", "1Gi", "nvidia.com/gpu", "1", "ephemeral-storage", "2Gi")))), guaranteed},
	{"ephemeral containers do not count", newPod("p", container("a", guaranteedRes("1", "1Gi")), ephemeralContainer("debug")), guaranteed},

	// Init containers and sidecars count like containers.
	{"init container without limits demotes", newPod("p",
		initContainer("init", res(nil, nil)),
		container("a", guaranteedRes("1", "1Gi"))), burstable},
	{"guaranteed init container", newPod("p",
		initContainer("init", guaranteedRes("2", "2Gi")),
		container("a", guaranteedRes("1", "1Gi"))), guaranteed},
	{"init container requests below limits", newPod("p",
		initContainer("init", res(list("cpu", "1", "memory", "1Gi"), list("cpu", "2", "memory", "1Gi"))),
		container("a", guaranteedRes("1", "1Gi"))), burstable},
	{"init container only", newPod("p", initContainer("init", res(list("memory", "1Gi"), nil))), burstable},
	{"guaranteed sidecar", newPod("p",
		sidecarContainer("proxy", guaranteedRes("100m", "64Mi")),
		container("a", guaranteedRes("1", "1Gi"))), guaranteed},
	{"raw limits-only sidecar", newPod("p",
		sidecarContainer("proxy", res(nil, list("cpu", "100m", "memory", "64Mi"))),
		container("a", guaranteedRes("1", "1Gi"))), guaranteed},
	{"sidecar without limits demotes", newPod("p",
		sidecarContainer("proxy", res(list("cpu", "100m"), nil)),
		container("a", guaranteedRes("1", "1Gi"))), burstable},
	{"besteffort sidecar demotes", newPod("p",
		sidecarContainer("proxy", res(nil, nil)),
		container("a", guaranteedRes("1", "1Gi"))), burstable},
	{"sidecar only", newPod("p", sidecarContainer("proxy", res(nil, nil))), bestEffort},

	// Pod-level resources: when spec.resources is set the containers are
	// ignored.
	{"pod-level requests equal limits", newPod("p",
		podResources(guaranteedRes("2", "2Gi")),
		container("a", res(nil, nil))), guaranteed},
	{"pod-level guaranteed over burstable containers", newPod("p",
		podResources(guaranteedRes("2", "2Gi")),
		container("a", res(list("cpu", "1"), nil))), guaranteed},
	{"pod-level limits only, requests defaulted from limits", newPod("p",
		podResources(res(nil, list("cpu", "2", "memory", "2Gi"))),
		container("a", res(nil, nil))), guaranteed},
	{"pod-level limits, requests defaulted from lower container requests", newPod("p",
		podResources(res(nil, list("cpu", "2", "memory", "2Gi"))),
		container("a", res(list("cpu", "500m"), nil))), burstable},
	{"pod-level limits, requests defaulted from container requests equal to them", newPod("p",
		podResources(res(nil, list("cpu", "2", "memory", "2Gi"))),
		container("a", res(list("cpu", "1", "memory", "1Gi"), nil)),
		container("b", res(nil, list("cpu", "1", "memory", "1Gi")))), guaranteed},
	{"pod-level limits, container zero cpu request becomes the pod request", newPod("p",
		podResources(res(nil, list("cpu", "2", "memory", "2Gi"))),
		container("a", res(list("cpu", "0"), nil))), burstable},
	{"pod-level requests only", newPod("p",
		podResources(res(list("cpu", "1", "memory", "1Gi"), nil)),
		container("a", guaranteedRes("1", "1Gi"))), burstable},
	{"pod-level cpu limit only", newPod("p",
		podResources(res(nil, list("cpu", "1"))),
		container("a", res(nil, nil))), burstable},
	{"pod-level requests below limits", newPod("p",
		podResources(res(list("cpu", "1", "memory", "1Gi"), list("cpu", "2", "memory", "1Gi"))),
		container("a", res(nil, nil))), burstable},
	{"empty pod-level resources ignore guaranteed containers", newPod("p",
		podResources(res(nil, nil)),
		container("a", guaranteedRes("1", "1Gi"))), bestEffort},
	{"pod-level extended resource only", newPod("p",
		podResources(res(nil, list("nvidia.com/gpu", "1"))),
		container("a", res(nil, nil))), bestEffort},
	// Pod-level hugepages limits bring pod-level memory requests from the
	// containers during defaulting.
	{"pod-level hugepages limit, container memory request", newPod("p",
		podResources(res(nil, list("hugepages-2Mi", "2Mi"))),
		container("a", res(list("memory", "100Mi"), list("hugepages-2Mi", "2Mi")))), burstable},
	// A container hugepages limit becomes a pod-level limit when pod-level
	// requests are set, which in turn defaults the pod-level memory request.
	{"pod-level hugepages request, container hugepages limit of another size", newPod("p",
		podResources(res(list("hugepages-2Mi", "2Mi"), nil)),
		container("a", res(list("memory", "100Mi"), list("hugepages-1Gi", "1Gi")))), burstable},
	// Sidecar maths decide the defaulted pod-level request: a sidecar runs
	// beside the init containers that start after it.
	{"pod-level limits met by init container beside an earlier sidecar", newPod("p",
		podResources(res(nil, list("cpu", "2", "memory", "1Gi"))),
		sidecarContainer("proxy", res(list("cpu", "500m", "memory", "512Mi"), nil)),
		initContainer("migrate", res(list("cpu", "1500m", "memory", "512Mi"), nil)),
		container("a", res(list("cpu", "500m", "memory", "512Mi"), nil))), guaranteed},
	{"pod-level limits not met when the sidecar starts after the init container", newPod("p",
		podResources(res(nil, list("cpu", "2", "memory", "1Gi"))),
		initContainer("migrate", res(list("cpu", "1500m", "memory", "512Mi"), nil)),
		sidecarContainer("proxy", res(list("cpu", "500m", "memory", "512Mi"), nil)),
		container("a", res(list("cpu", "500m", "memory", "512Mi"), nil))), burstable},
	{"pod-level limits met by the largest init container", newPod("p",
		podResources(res(nil, list("cpu", "2", "memory", "2Gi"))),
		initContainer("migrate", res(list("cpu", "2", "memory", "2Gi"), nil)),
		container("a", res(list("cpu", "1", "memory", "1Gi"), nil))), guaranteed},
	// After SetDefaults_Pod the API server rounds every quantity up to a
	// multiple of 1m (SetDefaults_ResourceList), which can make a request
	// equal to its limit.
	{"sub-milli cpu request rounds up to its limit", newPod("p",
		container("a", res(list("cpu", "1500u", "memory", "1Gi"), list("cpu", "2m", "memory", "1Gi")))), guaranteed},
	{"sub-milli memory request rounds up to its limit", newPod("p",
		container("a", res(list("cpu", "1", "memory", "999999500u"), list("cpu", "1", "memory", "1k")))), guaranteed},
	{"sub-milli values that stay apart", newPod("p",
		container("a", res(list("cpu", "1500u", "memory", "1Gi"), list("cpu", "3m", "memory", "1Gi")))), burstable},
	{"rounded sums of three sub-milli requests", newPod("p",
		container("a", res(list("cpu", "100u", "memory", "1Gi"), list("cpu", "1m", "memory", "1Gi"))),
		container("b", res(list("cpu", "100u", "memory", "1Gi"), list("cpu", "1m", "memory", "1Gi"))),
		container("c", res(list("cpu", "100u", "memory", "1Gi"), list("cpu", "1m", "memory", "1Gi")))), guaranteed},
	{"pod-level request rounded after defaulting from sub-milli containers", newPod("p",
		podResources(res(nil, list("cpu", "1m", "memory", "1Gi"))),
		container("a", res(list("cpu", "400u", "memory", "1Gi"), nil)),
		container("b", res(list("cpu", "400u"), nil))), guaranteed},
	// The pod's status is not an input to Compute.
	{"status is ignored", newPod("p", container("a", res(nil, nil)), statusClass(guaranteed)), bestEffort},
}

func TestCompute(t *testing.T) {
	for _, tc := range computeCases {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.pod.DeepCopy()
			assert.Equal(t, tc.want, Compute(tc.pod), "Compute(raw)")
			assert.True(t, equality.Semantic.DeepEqual(raw, tc.pod), "Compute modified its input")

			defaulted := apiDefaulted(tc.pod)
			assert.Equal(t, tc.want, Compute(defaulted), "Compute(defaulted)")
			assert.Equal(t, tc.want, oracleCompute(tc.pod), "the literal model disagrees with the expectation")
		})
	}
}

// TestComputeComparesSums pins down that, like ComputePodQOS, Compute
// compares the pod's summed requests with its summed limits rather than each
// container's. Only pods the API server rejects (a request above its limit)
// can tell the two apart, but the fuzz model relies on the same rule.
func TestComputeComparesSums(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want corev1.PodQOSClass
	}{
		{"request above limit balanced by one below", newPod("p",
			container("a", res(list("cpu", "2", "memory", "1Gi"), list("cpu", "1", "memory", "1Gi"))),
			container("b", res(list("cpu", "1", "memory", "1Gi"), list("cpu", "2", "memory", "1Gi")))), guaranteed},
		{"request above limit unbalanced", newPod("p",
			container("a", res(list("cpu", "2", "memory", "1Gi"), list("cpu", "1", "memory", "1Gi")))), burstable},
		{"negative quantities do not count", newPod("p",
			container("a", res(list("cpu", "-1", "memory", "-1Gi"), list("cpu", "-1")))), bestEffort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Compute(tc.pod))
			assert.Equal(t, tc.want, oracleCompute(tc.pod))
		})
	}
}

func TestComputeNil(t *testing.T) {
	assert.Equal(t, bestEffort, Compute(nil))
}

func TestClass(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want corev1.PodQOSClass
	}{
		{"nil pod", nil, bestEffort},
		{"no status: computed", newPod("p", container("a", guaranteedRes("1", "1Gi"))), guaranteed},
		{"status wins over the spec", newPod("p", container("a", guaranteedRes("1", "1Gi")), statusClass(burstable)), burstable},
		{"status besteffort on a guaranteed spec", newPod("p", container("a", guaranteedRes("1", "1Gi")), statusClass(bestEffort)), bestEffort},
		{"status guaranteed on an empty spec", newPod("p", container("a", res(nil, nil)), statusClass(guaranteed)), guaranteed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Class(tc.pod))
		})
	}
}

// TestWithDefaults holds the package's defaulting, used by the kubelet-side
// rules, to the literal model.
func TestWithDefaults(t *testing.T) {
	for _, tc := range computeCases {
		t.Run(tc.name, func(t *testing.T) {
			got := withDefaults(tc.pod)
			want := apiDefaulted(tc.pod)
			require.True(t, equality.Semantic.DeepEqual(want, got), "withDefaults(%s) = %+v, want %+v", tc.name, got.Spec, want.Spec)
		})
	}
}
