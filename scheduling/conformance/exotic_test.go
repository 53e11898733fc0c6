package conformance

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

var exoticNames = []corev1.ResourceName{"ephemeral-storage", "hugepages-2Mi", "example.com/gpu", "memory", "cpu"}
var exoticVals = []string{"0", "1", "100m", "1Gi", "2Gi", "512Mi", "1u"}

// exoticList is a random resource list over cpu, memory, ephemeral storage,
// hugepages and an extended resource.
func exoticList(rng *rand.Rand) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, n := range exoticNames {
		if rng.IntN(3) == 0 {
			out[n] = resource.MustParse(exoticVals[rng.IntN(len(exoticVals))])
		}
	}
	return out
}

// exoticPod gives p exotic requests, pod-level resources, a sidecar, resize
// status (when bound) and overhead, each at random.
func exoticPod(rng *rand.Rand, p *corev1.Pod) {
	always := corev1.ContainerRestartPolicyAlways
	if rng.IntN(2) == 0 {
		p.Spec.Containers[0].Resources.Requests = exoticList(rng)
	}
	if rng.IntN(4) == 0 {
		p.Spec.Resources = &corev1.ResourceRequirements{Requests: exoticList(rng)}
		if p.Spec.NodeName != "" && rng.IntN(2) == 0 {
			p.Status.Resources = &corev1.ResourceRequirements{Requests: exoticList(rng)}
			p.Status.AllocatedResources = exoticList(rng)
		}
	}
	if rng.IntN(4) == 0 {
		p.Spec.InitContainers = append(p.Spec.InitContainers, corev1.Container{Name: "sc", RestartPolicy: &always, Resources: corev1.ResourceRequirements{Requests: exoticList(rng)}})
		if p.Spec.NodeName != "" && rng.IntN(2) == 0 {
			p.Status.InitContainerStatuses = []corev1.ContainerStatus{{Name: "sc", Resources: &corev1.ResourceRequirements{Requests: exoticList(rng)}, AllocatedResources: exoticList(rng)}}
		}
	}
	if rng.IntN(5) == 0 {
		p.Spec.Overhead = exoticList(rng)
	}
}

// exoticCluster gives the nodes ephemeral storage and hugepages and every
// pod exotic resources, at random.
func exoticCluster(rng *rand.Rand, c schedgen.Cluster) {
	for _, n := range c.Nodes {
		if n.Status.Allocatable == nil {
			continue
		}
		if rng.IntN(2) == 0 {
			n.Status.Allocatable["ephemeral-storage"] = resource.MustParse(exoticVals[rng.IntN(len(exoticVals))])
		}
		if rng.IntN(2) == 0 {
			n.Status.Allocatable["hugepages-2Mi"] = resource.MustParse(exoticVals[rng.IntN(len(exoticVals))])
		}
	}
	for _, p := range c.Pods {
		exoticPod(rng, p)
	}
}

// TestExoticResourcesAgainstKubeScheduler adds to the random clusters what
// schedgen does not generate: ephemeral storage and hugepages on nodes and
// pods, pod-level requests with resize status, sidecars with resize status,
// overhead naming any resource. Filters and scores must agree.
func TestExoticResourcesAgainstKubeScheduler(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for i := range 400 {
		c := schedgen.RandomCluster(rng)
		exoticCluster(rng, c)
		pod := schedgen.RandomPod(rng)
		exoticPod(rng, pod)
		t.Run(fmt.Sprintf("f%04d", i), func(t *testing.T) { compare(t, c, pod) })
	}
	for i := range 300 {
		c := schedgen.RandomScoringCluster(rng)
		exoticCluster(rng, c)
		pod := schedgen.RandomScoringPod(rng)
		exoticPod(rng, pod)
		t.Run(fmt.Sprintf("s%04d", i), func(t *testing.T) { compareScores(t, c, pod) })
	}
}
