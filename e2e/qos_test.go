package e2e_test

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sync/errgroup"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/kubeprim/kubeprim/qos"
)

// For randomized pods the API server accepts, qos.Compute of the manifest as
// sent, and of the pod as stored, equals the status.qosClass the API server
// wrote. The pods are held by a scheduling gate: the class is set at
// creation and nothing else needs to run.
func TestQoSComputeMatchesTheAPIServer(t *testing.T) {
	const pods = 240
	seed := testSeed(t)
	ns := newNamespace(t, "qos")
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	manifests := make([]*corev1.Pod, pods)
	for i := range manifests {
		manifests[i] = randomQoSPod(rng, fmt.Sprintf("p%03d", i))
	}

	var (
		mu       sync.Mutex
		accepted = map[corev1.PodQOSClass]int{}
		rejected []string
	)
	g, ctx := errgroup.WithContext(t.Context())
	g.SetLimit(8)
	for _, manifest := range manifests {
		g.Go(func() error {
			sent := manifest.DeepCopy()
			created, err := kube.Client().CoreV1().Pods(ns).Create(ctx, manifest, metav1.CreateOptions{})
			if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
				mu.Lock()
				rejected = append(rejected, manifest.Name+": "+err.Error())
				mu.Unlock()
				return nil
			}
			if err != nil {
				return err
			}
			want := created.Status.QOSClass
			assert.NotEmpty(t, want, "%s has no status.qosClass", created.Name)
			assert.Equal(t, want, qos.Compute(sent), "Compute(manifest %s) %s", sent.Name, describeResources(sent))
			assert.Equal(t, want, qos.Compute(created), "Compute(stored %s) %s", created.Name, describeResources(created))
			mu.Lock()
			accepted[want]++
			mu.Unlock()
			return nil
		})
	}
	require.NoError(t, g.Wait())
	t.Logf("seed %d: accepted %v, rejected %d", seed, accepted, len(rejected))
	for _, r := range rejected {
		t.Logf("rejected %s", r)
	}
	// The generator must exercise every class; otherwise the comparison
	// proves little.
	for _, class := range []corev1.PodQOSClass{corev1.PodQOSBestEffort, corev1.PodQOSBurstable, corev1.PodQOSGuaranteed} {
		assert.GreaterOrEqual(t, accepted[class], 10, "pods of class %s", class)
	}
	assert.Less(t, len(rejected), pods/3, "most generated pods are valid")
}

// randomQoSPod makes a pod whose class is hard to guess: one to three
// containers, sometimes init containers and sidecars, sometimes pod-level
// resources (set, or present and empty), cpu and memory each absent,
// requested, limited, or both (equal or not), with quantities that the API
// server rounds ("1500u") or that are zero. A quarter of the pods lean
// BestEffort and a quarter Guaranteed, so that every class is common.
func randomQoSPod(rng *rand.Rand, name string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			SchedulingGates:               []corev1.PodSchedulingGate{{Name: "kubeprim.dev/e2e-hold"}},
			TerminationGracePeriodSeconds: ptr.To[int64](0),
		},
	}
	lean := rng.IntN(4) // 0: BestEffort, 1: Guaranteed, else anything
	container := func(name string) corev1.Container {
		c := corev1.Container{Name: name, Image: "registry.k8s.io/pause:3.10"}
		switch lean {
		case 0:
			bestEffortResources(rng, &c.Resources)
		case 1:
			guaranteedResources(rng, &c.Resources)
		default:
			randomResources(rng, &c.Resources)
		}
		return c
	}
	for i := range 1 + rng.IntN(3) {
		pod.Spec.Containers = append(pod.Spec.Containers, container(fmt.Sprintf("c%d", i)))
	}
	if rng.IntN(3) == 0 {
		for i := range 1 + rng.IntN(2) {
			c := container(fmt.Sprintf("init%d", i))
			if rng.IntN(2) == 0 {
				c.RestartPolicy = ptr.To(corev1.ContainerRestartPolicyAlways)
			}
			pod.Spec.InitContainers = append(pod.Spec.InitContainers, c)
		}
	}
	if rng.IntN(5) == 0 {
		pod.Spec.Resources = podLevelResources(rng)
	}
	return pod
}

var (
	cpuQuantities    = []string{"0", "1500u", "100m", "250m", "500m", "1", "2"}
	memoryQuantities = []string{"0", "1", "64Mi", "128Mi", "500M", "1Gi"}
	// Pod-level values are at least the containers' sums mostly, as the API
	// server requires.
	podCPUQuantities    = []string{"100m", "8", "16"}
	podMemoryQuantities = []string{"64Mi", "8Gi", "16Gi"}
)

type quantityChoice struct {
	name corev1.ResourceName
	qs   []string
}

// randomResources sets cpu and memory each to nothing, a request, a limit,
// equal request and limit, or a request below the limit.
func randomResources(rng *rand.Rand, r *corev1.ResourceRequirements) {
	randomPair(rng, r, []quantityChoice{{corev1.ResourceCPU, cpuQuantities}, {corev1.ResourceMemory, memoryQuantities}})
	if rng.IntN(6) == 0 {
		setQuantity(&r.Requests, corev1.ResourceEphemeralStorage, "1Gi")
	}
}

func randomPair(rng *rand.Rand, r *corev1.ResourceRequirements, choices []quantityChoice) {
	for _, res := range choices {
		i := rng.IntN(len(res.qs))
		j := i + rng.IntN(len(res.qs)-i) // a limit never below the request
		switch rng.IntN(5) {
		case 0: // neither
		case 1:
			setQuantity(&r.Requests, res.name, res.qs[i])
		case 2:
			setQuantity(&r.Limits, res.name, res.qs[j])
		case 3:
			setQuantity(&r.Requests, res.name, res.qs[i])
			setQuantity(&r.Limits, res.name, res.qs[i])
		case 4:
			setQuantity(&r.Requests, res.name, res.qs[i])
			setQuantity(&r.Limits, res.name, res.qs[j])
		}
	}
}

// bestEffortResources sets nothing, zero requests, or only resources that do
// not count for the class.
func bestEffortResources(rng *rand.Rand, r *corev1.ResourceRequirements) {
	switch rng.IntN(4) {
	case 1:
		setQuantity(&r.Requests, corev1.ResourceCPU, "0")
	case 2:
		setQuantity(&r.Requests, corev1.ResourceEphemeralStorage, "1Gi")
	case 3:
		setQuantity(&r.Limits, corev1.ResourceEphemeralStorage, "2Gi")
	}
}

// guaranteedResources sets cpu and memory limits, with requests equal to
// them or left for the API server to default.
func guaranteedResources(rng *rand.Rand, r *corev1.ResourceRequirements) {
	cpu := cpuQuantities[1+rng.IntN(len(cpuQuantities)-1)]
	memory := memoryQuantities[1+rng.IntN(len(memoryQuantities)-1)]
	setQuantity(&r.Limits, corev1.ResourceCPU, cpu)
	setQuantity(&r.Limits, corev1.ResourceMemory, memory)
	if rng.IntN(2) == 0 {
		setQuantity(&r.Requests, corev1.ResourceCPU, cpu)
		setQuantity(&r.Requests, corev1.ResourceMemory, memory)
	}
}

// podLevelResources is spec.resources: empty (which still makes the pod
// level decide the class), or cpu and memory chosen like a container's.
func podLevelResources(rng *rand.Rand) *corev1.ResourceRequirements {
	r := &corev1.ResourceRequirements{}
	if rng.IntN(4) == 0 {
		return r
	}
	randomPair(rng, r, []quantityChoice{{corev1.ResourceCPU, podCPUQuantities}, {corev1.ResourceMemory, podMemoryQuantities}})
	return r
}

func setQuantity(l *corev1.ResourceList, name corev1.ResourceName, q string) {
	if *l == nil {
		*l = corev1.ResourceList{}
	}
	(*l)[name] = resource.MustParse(q)
}

func describeResources(pod *corev1.Pod) string {
	s := ""
	if pod.Spec.Resources != nil {
		s += fmt.Sprintf("pod{req %v lim %v} ", quantities(pod.Spec.Resources.Requests), quantities(pod.Spec.Resources.Limits))
	}
	for _, c := range append(append([]corev1.Container{}, pod.Spec.InitContainers...), pod.Spec.Containers...) {
		kind := ""
		if c.RestartPolicy != nil {
			kind = "(sidecar)"
		}
		s += fmt.Sprintf("%s%s{req %v lim %v} ", c.Name, kind, quantities(c.Resources.Requests), quantities(c.Resources.Limits))
	}
	return s
}

func quantities(l corev1.ResourceList) map[corev1.ResourceName]string {
	out := make(map[corev1.ResourceName]string, len(l))
	for k, v := range l {
		out[k] = v.String()
	}
	return out
}
