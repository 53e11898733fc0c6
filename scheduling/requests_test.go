package scheduling

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

func ctr(name string, requests corev1.ResourceList) corev1.Container {
	return corev1.Container{Name: name, Resources: corev1.ResourceRequirements{Requests: requests}}
}

func sidecar(name string, requests corev1.ResourceList) corev1.Container {
	always := corev1.ContainerRestartPolicyAlways
	c := ctr(name, requests)
	c.RestartPolicy = &always
	return c
}

func specPod(init, containers []corev1.Container, mutate ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{Spec: corev1.PodSpec{InitContainers: init, Containers: containers}}
	p.Name, p.Namespace = "p", "default"
	for _, m := range mutate {
		m(p)
	}
	return p
}

func withOverhead(list corev1.ResourceList) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.Overhead = list }
}

func withPodLevel(list corev1.ResourceList) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.Resources = &corev1.ResourceRequirements{Requests: list} }
}

// TestPodRequests checks the request maths on the cases of
// scheduling_qos.md §1.2 and §7 ("Requests"), whose expected values were
// worked out from the KEP-753 formula and checked against component-helpers.
func TestPodRequests(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want corev1.ResourceList
	}{
		{
			name: "init container larger than the sum of containers",
			pod: specPod(
				[]corev1.Container{ctr("i1", rl("cpu", "2", "memory", "1G")), ctr("i2", rl("cpu", "2", "memory", "3G"))},
				[]corev1.Container{ctr("a", rl("cpu", "2", "memory", "1G")), ctr("b", rl("cpu", "1", "memory", "1G"))}),
			want: rl("cpu", "3", "memory", "3G"),
		},
		{
			name: "sum of containers larger than the init container",
			pod: specPod([]corev1.Container{ctr("i", rl("cpu", "1500m"))},
				[]corev1.Container{ctr("a", rl("cpu", "1")), ctr("b", rl("cpu", "1"))}),
			want: rl("cpu", "2"),
		},
		{
			name: "sidecar before an init container runs beside it (website#57244)",
			pod: specPod([]corev1.Container{sidecar("s", rl("cpu", "100m")), ctr("i", rl("cpu", "200m"))},
				[]corev1.Container{ctr("a", rl("cpu", "100m"))}),
			want: rl("cpu", "300m"),
		},
		{
			name: "sidecar after an init container does not run beside it",
			pod: specPod([]corev1.Container{ctr("i", rl("cpu", "200m")), sidecar("s", rl("cpu", "100m"))},
				[]corev1.Container{ctr("a", rl("cpu", "100m"))}),
			want: rl("cpu", "200m"),
		},
		{
			name: "sidecar between two init containers",
			pod: specPod([]corev1.Container{ctr("i1", rl("cpu", "300m")), sidecar("s", rl("cpu", "100m")), ctr("i2", rl("cpu", "250m"))},
				[]corev1.Container{ctr("a", rl("cpu", "50m"))}),
			want: rl("cpu", "350m"),
		},
		{
			name: "several sidecars add up before an init container",
			pod: specPod([]corev1.Container{sidecar("s1", rl("cpu", "100m")), sidecar("s2", rl("cpu", "200m")), ctr("i", rl("cpu", "500m"))},
				[]corev1.Container{ctr("a", rl("cpu", "100m"))}),
			want: rl("cpu", "800m"),
		},
		{
			name: "sidecars only",
			pod:  specPod([]corev1.Container{sidecar("s1", rl("cpu", "100m")), sidecar("s2", rl("cpu", "50m"))}, nil),
			want: rl("cpu", "150m"),
		},
		{
			name: "a resource only an init container requests",
			pod: specPod([]corev1.Container{ctr("i", rl("cpu", "1", "example.com/foo", "2"))},
				[]corev1.Container{ctr("a", rl("cpu", "500m"))}),
			want: rl("cpu", "1", "example.com/foo", "2"),
		},
		{
			name: "overhead adds a resource no container requests",
			pod: specPod([]corev1.Container{ctr("i", rl("cpu", "200m")), sidecar("s", rl("cpu", "100m"))},
				[]corev1.Container{ctr("a", rl("cpu", "100m"))}, withOverhead(rl("cpu", "250m", "memory", "120Mi"))),
			want: rl("cpu", "450m", "memory", "120Mi"),
		},
		{
			name: "pod-level cpu overrides cpu only",
			pod: specPod(nil, []corev1.Container{ctr("a", rl("cpu", "200m", "memory", "100Mi")), ctr("b", rl("cpu", "300m", "memory", "50Mi"))},
				withPodLevel(rl("cpu", "1"))),
			want: rl("cpu", "1", "memory", "150Mi"),
		},
		{
			name: "pod-level hugepages override the containers' hugepages",
			pod: specPod(nil, []corev1.Container{ctr("a", rl("cpu", "100m", "hugepages-2Mi", "2Mi"))},
				withPodLevel(rl("hugepages-2Mi", "4Mi"))),
			want: rl("cpu", "100m", "hugepages-2Mi", "4Mi"),
		},
		{
			name: "pod-level memory with a sidecar",
			pod: specPod([]corev1.Container{sidecar("s", rl("cpu", "100m", "memory", "100Mi"))},
				[]corev1.Container{ctr("a", rl("cpu", "200m", "memory", "200Mi"))}, withPodLevel(rl("memory", "1Gi"))),
			want: rl("cpu", "300m", "memory", "1Gi"),
		},
		{
			name: "pod-level extended resource is not a pod-level resource",
			pod: specPod(nil, []corev1.Container{ctr("a", rl("cpu", "100m"))},
				withPodLevel(rl("example.com/foo", "1"))),
			want: rl("cpu", "100m"),
		},
		{
			name: "limits only, not defaulted, request nothing",
			pod:  specPod(nil, []corev1.Container{{Name: "a", Resources: corev1.ResourceRequirements{Limits: rl("cpu", "1")}}}),
			want: corev1.ResourceList{},
		},
		{
			name: "explicit zero is kept",
			pod:  specPod(nil, []corev1.Container{ctr("a", nil), ctr("b", rl("cpu", "0"))}),
			want: rl("cpu", "0"),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := PodRequests(tc.pod)
			assertSameList(t, tc.want, got)
		})
	}
}

func assertSameList(t *testing.T, want, got corev1.ResourceList) {
	t.Helper()
	assert.Len(t, got, len(want), "PodRequests = %v, want %v", got, want)
	for name, q := range want {
		g, ok := got[name]
		if assert.True(t, ok, "missing %s in %v", name, got) {
			assert.Zero(t, q.Cmp(g), "%s = %s, want %s", name, g.String(), q.String())
		}
	}
}

func resized(actuated, allocated corev1.ResourceList) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Spec.NodeName = "n"
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: p.Spec.Containers[0].Name, Resources: &corev1.ResourceRequirements{Requests: actuated}, AllocatedResources: allocated,
		})
	}
}

func resizePending(reason string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{Type: corev1.PodResizePending, Status: corev1.ConditionTrue, Reason: reason})
	}
}

// TestBoundPodCharge checks what a bound pod charges its node (the
// scheduler's NodeInfo.Requested), resize status included (§7 "Existing
// pods"). The charge is read from a one-node snapshot, so it covers both the
// plain-sum path and the component-helpers path.
func TestBoundPodCharge(t *testing.T) {
	tests := []struct {
		name    string
		pod     *corev1.Pod
		wantCPU int64
	}{
		{"actuated above spec", specPod(nil, []corev1.Container{ctr("a", rl("cpu", "1"))}, resized(rl("cpu", "2"), rl("cpu", "1500m"))), 2000},
		{"allocated above spec", specPod(nil, []corev1.Container{ctr("a", rl("cpu", "1"))}, resized(rl("cpu", "1"), rl("cpu", "1500m"))), 1500},
		{"infeasible resize counts what runs", specPod(nil, []corev1.Container{ctr("a", rl("cpu", "4"))}, resized(rl("cpu", "2"), rl("cpu", "2")), resizePending(corev1.PodReasonInfeasible)), 2000},
		{"deferred resize counts the spec", specPod(nil, []corev1.Container{ctr("a", rl("cpu", "4"))}, resized(rl("cpu", "2"), rl("cpu", "2")), resizePending(corev1.PodReasonDeferred)), 4000},
		{"no status resources: the spec", specPod(nil, []corev1.Container{ctr("a", rl("cpu", "1"))}, func(p *corev1.Pod) {
			p.Spec.NodeName = "n"
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "a", AllocatedResources: rl("cpu", "3")}}
		}), 1000},
		{"status of a regular init container is ignored", specPod([]corev1.Container{ctr("i", rl("cpu", "1"))}, []corev1.Container{ctr("a", rl("cpu", "500m"))}, func(p *corev1.Pod) {
			p.Spec.NodeName = "n"
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "i", Resources: &corev1.ResourceRequirements{Requests: rl("cpu", "3")}}}
		}), 1000},
		{"status of a sidecar counts", specPod([]corev1.Container{sidecar("s", rl("cpu", "1"))}, []corev1.Container{ctr("a", rl("cpu", "500m"))}, func(p *corev1.Pod) {
			p.Spec.NodeName = "n"
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "s", Resources: &corev1.ResourceRequirements{Requests: rl("cpu", "3")}}}
		}), 3500},
		{"pod-level resize", specPod(nil, []corev1.Container{ctr("a", rl("cpu", "500m"))}, withPodLevel(rl("cpu", "1")), func(p *corev1.Pod) {
			p.Spec.NodeName = "n"
			p.Status.Resources = &corev1.ResourceRequirements{Requests: rl("cpu", "2")}
		}), 2000},
		{"overhead on the plain path", specPod(nil, []corev1.Container{ctr("a", rl("cpu", "500m")), ctr("b", rl("cpu", "250m"))}, withOverhead(rl("cpu", "100m")), func(p *corev1.Pod) { p.Spec.NodeName = "n" }), 850},
		{"sub-milli cpu adds before rounding", specPod(nil, []corev1.Container{ctr("a", rl("cpu", "500u")), ctr("b", rl("cpu", "500u"))}, func(p *corev1.Pod) { p.Spec.NodeName = "n" }), 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := NewSimulator([]*corev1.Node{makeNode("n", std())}, []*corev1.Pod{tc.pod})
			require.NoError(t, err)
			assert.Equal(t, tc.wantCPU, s.nodes[0].reqCPU)
		})
	}
}

// TestRounding checks the scheduler's integer units: MilliValue rounds a
// sub-milli cpu up, Value rounds fractional bytes up, for the pod being
// scheduled.
func TestRounding(t *testing.T) {
	a := incomingAmounts(rl("cpu", "500u", "memory", "1500m", "ephemeral-storage", "2", "example.com/gpu", "0.5"))
	assert.Equal(t, int64(1), a.milliCPU)
	assert.Equal(t, int64(2), a.memory)
	assert.Equal(t, int64(2), a.ephemeral)
	require.Len(t, a.scalars, 1)
	assert.Equal(t, int64(1), a.scalars[0].value)

	// Exactly at the boundary: 1m of 1m fits, 1001u does not.
	s, err := NewSimulator([]*corev1.Node{makeNode("n", rl("cpu", "1m", "memory", "1", "pods", "1"))}, nil)
	require.NoError(t, err)
	assert.True(t, s.Filter(makePod("p", req("cpu", "1m")), "n").IsSuccess())
	assert.Equal(t, []string{"Insufficient cpu"}, s.Filter(makePod("p", req("cpu", "1001u")), "n").Reasons)
	assert.Equal(t, []string{"Insufficient memory"}, s.Filter(makePod("p", req("memory", "1001m")), "n").Reasons)
}

// TestNonZeroRequests checks the scoring view: 100m and 200Mi stand in for
// missing (not zero) container requests.
func TestNonZeroRequests(t *testing.T) {
	pod := specPod(nil, []corev1.Container{ctr("a", nil), ctr("b", rl("cpu", "0"))}, func(p *corev1.Pod) { p.Spec.NodeName = "n" })
	_, cpu, mem := boundPodAmounts(pod)
	assert.Equal(t, int64(100), cpu)
	assert.Equal(t, int64(2*200*1024*1024), mem)

	// With pod-level requests, only what the pod level leaves unset.
	pod = specPod(nil, []corev1.Container{ctr("a", nil)}, withPodLevel(rl("cpu", "2")), func(p *corev1.Pod) { p.Spec.NodeName = "n" })
	_, cpu, mem = boundPodAmounts(pod)
	assert.Equal(t, int64(2000), cpu)
	assert.Equal(t, int64(200*1024*1024), mem)
}

// TestPlainSumAgreesWithComponentHelpers checks the snapshot's shortcut for
// pods whose requests are a plain sum against component-helpers on random
// pods: the same Requested and NonZeroRequested.
func TestPlainSumAgreesWithComponentHelpers(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	quantities := []string{"0", "1", "500u", "1m", "100m", "1.5", "3", "128Mi", "1G", "1500m", "7"}
	names := []corev1.ResourceName{"cpu", "memory", "ephemeral-storage", "example.com/gpu", "hugepages-2Mi", "pods", "foo", "kubernetes.io/bar"}
	randomList := func() corev1.ResourceList {
		if rng.IntN(4) == 0 {
			return nil
		}
		out := corev1.ResourceList{}
		for range rng.IntN(4) {
			out[names[rng.IntN(len(names))]] = resource.MustParse(quantities[rng.IntN(len(quantities))])
		}
		return out
	}
	for i := range 2000 {
		pod := specPod(nil, nil, func(p *corev1.Pod) { p.Spec.NodeName = "n" })
		for c := range 1 + rng.IntN(3) {
			pod.Spec.Containers = append(pod.Spec.Containers, ctr("c"+string(rune('a'+c)), randomList()))
		}
		if rng.IntN(3) == 0 {
			pod.Spec.Overhead = randomList()
		}
		require.True(t, simpleRequests(pod))
		got, gotCPU, gotMem := boundPodAmounts(pod)

		list := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{UseStatusResources: true, InPlacePodLevelResourcesVerticalScalingEnabled: true})
		want := boundAmounts(list)
		wantCPU, wantMem := nonZeroRequests(pod, list)
		assert.Equal(t, want.milliCPU, got.milliCPU, "pod %d cpu", i)
		assert.Equal(t, want.memory, got.memory, "pod %d memory", i)
		assert.Equal(t, want.ephemeral, got.ephemeral, "pod %d ephemeral", i)
		assert.ElementsMatch(t, want.scalars, got.scalars, "pod %d scalars", i)
		assert.Equal(t, wantCPU, gotCPU, "pod %d non-zero cpu", i)
		assert.Equal(t, wantMem, gotMem, "pod %d non-zero memory", i)
	}
}

func TestIsScalarResourceName(t *testing.T) {
	tests := map[corev1.ResourceName]bool{
		"example.com/gpu":               true,
		"hugepages-2Mi":                 true,
		"kubernetes.io/batteries":       true,
		"attachable-volumes-csi-foo":    true,
		"cpu":                           false,
		"pods":                          false,
		"foo":                           false,
		"requests.example.com/gpu":      false,
		"example.com/in valid":          false,
		"deviceclass.resource.k8s.io/x": true,
	}
	for name, want := range tests {
		t.Run(string(name), func(t *testing.T) {
			assert.Equal(t, want, isScalarResourceName(name))
		})
	}
}
