package qos

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func usage(pod *corev1.Pod, workingSet string) PodUsage {
	if workingSet == "" {
		return PodUsage{Pod: pod}
	}
	q := resource.MustParse(workingSet)
	return PodUsage{Pod: pod, WorkingSet: &q}
}

func deepCopyUsage(pods []PodUsage) []PodUsage {
	if pods == nil {
		return nil
	}
	out := make([]PodUsage, len(pods))
	for i, u := range pods {
		out[i].Pod = u.Pod.DeepCopy()
		if u.WorkingSet != nil {
			q := u.WorkingSet.DeepCopy()
			out[i].WorkingSet = &q
		}
	}
	return out
}

func names(candidates []Candidate) []string {
	out := make([]string, 0, len(candidates))
	for _, c := range candidates {
		out = append(out, c.Pod.Name)
	}
	return out
}

func memoryRequest(memory string) podOption {
	return container("app", res(list("memory", memory), nil))
}

// TestEvictionOrder checks rankMemoryPressure's three keys
// (pkg/kubelet/eviction/helpers.go) and evictPod's refusal of critical pods
// (eviction_manager.go). Working sets of "" mean no stats.
func TestEvictionOrder(t *testing.T) {
	tests := []struct {
		name string
		pods []PodUsage
		want []string
	}{
		{
			name: "besteffort using little goes before burstable below its request",
			pods: []PodUsage{
				usage(newPod("burstable", memoryRequest("1Gi")), "500Mi"),
				usage(newPod("besteffort", container("app", res(nil, nil))), "10Mi"),
			},
			want: []string{"besteffort", "burstable"},
		},
		{
			name: "among pods above their requests, lower priority first",
			pods: []PodUsage{
				usage(newPod("high-big", memoryRequest("100Mi"), priorityValue(1000)), "1Gi"),
				usage(newPod("low-small", memoryRequest("100Mi"), priorityValue(10)), "101Mi"),
			},
			want: []string{"low-small", "high-big"},
		},
		{
			name: "same priority: larger use above request first",
			pods: []PodUsage{
				usage(newPod("small", memoryRequest("100Mi")), "150Mi"),
				usage(newPod("big", memoryRequest("1Gi")), "2Gi"),
				usage(newPod("medium", memoryRequest("10Mi")), "500Mi"),
			},
			want: []string{"big", "medium", "small"},
		},
		{
			name: "above request beats priority",
			pods: []PodUsage{
				usage(newPod("low-below", memoryRequest("1Gi"), priorityValue(0)), "100Mi"),
				usage(newPod("high-above", memoryRequest("100Mi"), priorityValue(1_000_000)), "200Mi"),
			},
			want: []string{"high-above", "low-below"},
		},
		{
			name: "below requests: priority, then the smaller shortfall first",
			pods: []PodUsage{
				usage(newPod("far-below", memoryRequest("1Gi")), "100Mi"),
				usage(newPod("just-below", memoryRequest("1Gi")), "1000Mi"),
				usage(newPod("low", memoryRequest("1Gi"), priorityValue(-5)), "10Mi"),
			},
			want: []string{"low", "just-below", "far-below"},
		},
		{
			name: "using exactly the request is not above it",
			pods: []PodUsage{
				usage(newPod("at", memoryRequest("1Gi")), "1Gi"),
				usage(newPod("above", memoryRequest("1Gi"), priorityValue(100)), "1025Mi"),
			},
			want: []string{"above", "at"},
		},
		{
			name: "pods without stats first, by priority",
			pods: []PodUsage{
				usage(newPod("besteffort", container("app", res(nil, nil))), "1Gi"),
				usage(newPod("nostats-high", memoryRequest("1Gi"), priorityValue(100)), ""),
				usage(newPod("nostats-low", memoryRequest("1Gi")), ""),
			},
			want: []string{"nostats-low", "nostats-high", "besteffort"},
		},
		{
			name: "critical pods last, never evicted",
			pods: []PodUsage{
				usage(newPod("node-critical", container("app", res(nil, nil)), priorityClass(SystemNodeCritical), priorityValue(2_000_001_000)), "4Gi"),
				usage(newPod("static", container("app", res(nil, nil)), annotation("kubernetes.io/config.source", "file")), "3Gi"),
				usage(newPod("cluster-critical-raw", container("app", res(nil, nil)), priorityClass(SystemClusterCritical)), "5Gi"),
				usage(newPod("guaranteed-below", container("app", guaranteedRes("1", "1Gi")), priorityValue(1000)), "100Mi"),
				usage(newPod("besteffort", container("app", res(nil, nil))), "1Mi"),
			},
			// The critical ones keep the kubelet's rank among themselves:
			// all exceed their zero requests; the static pod has priority 0.
			want: []string{"besteffort", "guaranteed-below", "static", "cluster-critical-raw", "node-critical"},
		},
		{
			name: "ties keep input order",
			pods: []PodUsage{
				usage(newPod("first", memoryRequest("100Mi")), "200Mi"),
				usage(newPod("second", memoryRequest("100Mi")), "200Mi"),
				usage(newPod("third", memoryRequest("100Mi")), "200Mi"),
			},
			want: []string{"first", "second", "third"},
		},
		{
			name: "finished pods and nil pods are left out",
			pods: []PodUsage{
				{},
				usage(newPod("done", container("app", res(nil, nil)), phase(corev1.PodSucceeded)), "1Gi"),
				usage(newPod("failed", container("app", res(nil, nil)), phase(corev1.PodFailed)), "1Gi"),
				usage(newPod("running", container("app", res(nil, nil)), phase(corev1.PodRunning)), "1Gi"),
			},
			want: []string{"running"},
		},
		{name: "no pods", pods: nil, want: []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := deepCopyUsage(tc.pods)
			got := EvictionOrder(tc.pods)
			assert.Equal(t, tc.want, names(got))
			assert.Equal(t, before, tc.pods, "EvictionOrder modified its input")
			for _, c := range got {
				assert.Equal(t, isCritical(c.Pod), c.Critical, "Critical of %s", c.Pod.Name)
			}
		})
	}
}

// TestEvictionRequest checks the memory request the eviction manager
// compares usage with (GetResourceRequestQuantity).
func TestEvictionRequest(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want string
	}{
		{"besteffort", newPod("p", container("a", res(nil, nil))), "0"},
		{"containers add up", newPod("p", memoryRequest("100Mi"), container("b", res(list("memory", "200Mi"), nil))), "300Mi"},
		{"raw limit counts as the request", newPod("p", container("a", res(nil, list("memory", "1Gi")))), "1Gi"},
		{"sidecars add to containers", newPod("p", sidecarContainer("proxy", res(list("memory", "100Mi"), nil)), memoryRequest("100Mi")), "200Mi"},
		{"a larger init container decides", newPod("p", initContainer("init", res(list("memory", "1Gi"), nil)), memoryRequest("100Mi")), "1Gi"},
		{"overhead is added to a request", newPod("p", memoryRequest("100Mi"), overhead(list("memory", "50Mi"))), "150Mi"},
		{"overhead is not added to nothing", newPod("p", container("a", res(nil, nil)), overhead(list("memory", "50Mi"))), "0"},
		{"pod-level memory request", newPod("p", podResources(res(list("cpu", "1", "memory", "2Gi"), nil)), memoryRequest("100Mi")), "2Gi"},
		{"pod-level limits default the pod-level request", newPod("p", podResources(res(nil, list("cpu", "1", "memory", "2Gi"))), container("a", res(nil, nil))), "2Gi"},
		// Quirk of GetResourceRequestQuantity: with pod-level resources set
		// the containers are skipped, so no pod-level memory means 0.
		{"pod-level requests without memory skip the containers", newPod("p", podResources(res(list("cpu", "1"), nil)), memoryRequest("1Gi")), "0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := EvictionOrder([]PodUsage{usage(tc.pod, "1Gi")})
			require.Len(t, got, 1)
			want := resource.MustParse(tc.want)
			assert.Zero(t, want.Cmp(got[0].Request), "Request = %s, want %s", got[0].Request.String(), tc.want)

			above := resource.MustParse("1Gi")
			above.Sub(want)
			assert.Zero(t, above.Cmp(got[0].AboveRequest), "AboveRequest = %s, want %s", got[0].AboveRequest.String(), above.String())
			use := resource.MustParse("1Gi")
			assert.Equal(t, use.Cmp(want) > 0, got[0].ExceedsRequest)
		})
	}
}

func TestEvictionOrderPriorityField(t *testing.T) {
	got := EvictionOrder([]PodUsage{
		usage(newPod("set", priorityValue(42)), "1Mi"),
		usage(newPod("unset"), "1Mi"),
		usage(newPod("node-critical-raw", priorityClass(SystemNodeCritical)), "1Mi"),
	})
	require.Len(t, got, 3)
	byName := map[string]Candidate{}
	for _, c := range got {
		byName[c.Pod.Name] = c
	}
	assert.Equal(t, int32(42), byName["set"].Priority)
	assert.Equal(t, int32(0), byName["unset"].Priority)
	assert.Equal(t, SystemCriticalPriority+1000, byName["node-critical-raw"].Priority)
	assert.True(t, byName["node-critical-raw"].Critical)
}
