package conformance

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/kubeprim/kubeprim/qos"
	"github.com/kubeprim/kubeprim/scheduling"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/kubernetes/pkg/api/legacyscheme"
	v1resource "k8s.io/kubernetes/pkg/api/v1/resource"
	api "k8s.io/kubernetes/pkg/apis/core"
	qoshelper "k8s.io/kubernetes/pkg/apis/core/helper/qos"
	_ "k8s.io/kubernetes/pkg/apis/core/install"
	kubeletqos "k8s.io/kubernetes/pkg/kubelet/qos"
)

// Quantities and resource names of the random pods.
var qvals = []string{"0", "1m", "100m", "1", "1500u", "128Mi", "1Gi", "2Gi", "3"}
var qnames = []corev1.ResourceName{"cpu", "memory", "hugepages-2Mi", "ephemeral-storage", "example.com/gpu"}

// rlist is a random resource list, nil a quarter of the time.
func rlist(rng *rand.Rand) corev1.ResourceList {
	if rng.IntN(4) == 0 {
		return nil
	}
	out := corev1.ResourceList{}
	for _, n := range qnames {
		w := 2
		if n != "cpu" && n != "memory" {
			w = 6
		}
		if rng.IntN(w) == 0 {
			out[n] = resource.MustParse(qvals[rng.IntN(len(qvals))])
		}
	}
	return out
}

// rres is random requirements, requests equal to limits a third of the time.
func rres(rng *rand.Rand) corev1.ResourceRequirements {
	r := corev1.ResourceRequirements{Requests: rlist(rng), Limits: rlist(rng)}
	if rng.IntN(3) == 0 { // make equal
		r.Requests = r.Limits.DeepCopy()
	}
	return r
}

// randomQoSPod is a raw pod manifest with random resources.
func randomQoSPod(rng *rand.Rand) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}
	always := corev1.ContainerRestartPolicyAlways
	for i := range 1 + rng.IntN(3) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%d", i), Resources: rres(rng)})
	}
	for i := range rng.IntN(3) {
		c := corev1.Container{Name: fmt.Sprintf("i%d", i), Resources: rres(rng)}
		if rng.IntN(2) == 0 {
			c.RestartPolicy = &always
		}
		p.Spec.InitContainers = append(p.Spec.InitContainers, c)
	}
	if rng.IntN(3) == 0 {
		r := rres(rng)
		p.Spec.Resources = &r
	}
	if rng.IntN(4) == 0 {
		p.Spec.Overhead = rlist(rng)
	}
	if rng.IntN(8) == 0 {
		p.Spec.PriorityClassName = "system-node-critical"
		pr := int32(2000001000)
		p.Spec.Priority = &pr
	}
	return p
}

// TestQoSAgainstUpstream holds the qos package, and the resource defaulting
// of scheduling.ApplyDefaults, to the Kubernetes code they follow, on random
// raw pods (limits without requests, zero and sub-milli quantities, sidecars,
// pod-level resources, hugepages, overhead): the API server's defaulting and
// ComputePodQOS, the kubelet's GetContainerOOMScoreAdjust and the eviction
// manager's GetResourceRequestQuantity. Invalid pods whose pod-level memory
// request is below the containers' make the kubelet's formula exceed 1000;
// OOMScoreAdjust clamps those, so they are not compared.
func TestQoSAgainstUpstream(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 9))
	fails := 0
	for i := range 20000 {
		raw := randomQoSPod(rng)
		def := raw.DeepCopy()
		legacyscheme.Scheme.Default(def)
		internal := &api.Pod{}
		if err := legacyscheme.Scheme.Convert(def, internal, nil); err != nil {
			t.Fatal(err)
		}
		want := qoshelper.ComputePodQOS(internal)
		got := qos.Compute(raw)
		if string(want) != string(got) && fails < 20 {
			fails++
			t.Errorf("case %d: Compute %s, upstream %s\nraw %+v\nres %+v", i, got, want, raw.Spec.Containers, raw.Spec.Resources)
		}
		sd := raw.DeepCopy()
		if rng.IntN(3) == 0 {
			sd.Spec.HostNetwork = true
			def.Spec.HostNetwork = true
			sd.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080}, {ContainerPort: 9, HostPort: 10, Protocol: "UDP"}}
			def2 := sd.DeepCopy()
			legacyscheme.Scheme.Default(def2)
			def = def2
		}
		scheduling.ApplyDefaults(sd)
		for j := range def.Spec.Containers {
			if !apiequality.Semantic.DeepEqual(def.Spec.Containers[j].Resources, sd.Spec.Containers[j].Resources) || !apiequality.Semantic.DeepEqual(def.Spec.Containers[j].Ports, sd.Spec.Containers[j].Ports) {
				t.Errorf("case %d: defaults differ container %d:\n ours %+v %+v\n upstream %+v %+v", i, j, sd.Spec.Containers[j].Resources, sd.Spec.Containers[j].Ports, def.Spec.Containers[j].Resources, def.Spec.Containers[j].Ports)
			}
		}
		for j := range def.Spec.InitContainers {
			if !apiequality.Semantic.DeepEqual(def.Spec.InitContainers[j].Resources, sd.Spec.InitContainers[j].Resources) {
				t.Errorf("case %d: defaults differ init %d", i, j)
			}
		}
		if !apiequality.Semantic.DeepEqual(def.Spec.Resources, sd.Spec.Resources) || !apiequality.Semantic.DeepEqual(def.Spec.Overhead, sd.Spec.Overhead) {
			t.Errorf("case %d: pod-level defaults differ:\n ours %+v\n upstream %+v", i, sd.Spec.Resources, def.Spec.Resources)
		}
		wq := v1resource.GetResourceRequestQuantity(def, corev1.ResourceMemory)
		gq := qos.EvictionOrder([]qos.PodUsage{{Pod: raw}})[0].Request
		if wq.Cmp(gq) != 0 && fails < 20 {
			fails++
			t.Errorf("case %d: eviction request %s, upstream %s\nraw %+v\nres %+v\noverhead %v", i, gq.String(), wq.String(), raw.Spec.Containers, raw.Spec.Resources, raw.Spec.Overhead)
		}
		// OOM
		def.Status.QOSClass = corev1.PodQOSClass(want)
		for _, capacity := range []int64{1 << 30, 4 << 30, 1000, 3} {
			all := append(append([]corev1.Container{}, def.Spec.Containers...), def.Spec.InitContainers...)
			rawAll := append(append([]corev1.Container{}, raw.Spec.Containers...), raw.Spec.InitContainers...)
			for j := range all {
				w := kubeletqos.GetContainerOOMScoreAdjust(def, &all[j], capacity)
				g := qos.OOMScoreAdjust(raw, &rawAll[j], capacity)
				if w != g && w <= 1000 && fails < 20 {
					fails++
					t.Errorf("case %d container %s cap %d: OOMScoreAdjust %d, upstream %d\nraw containers %+v\ninit %+v\nres %+v", i, all[j].Name, capacity, g, w, raw.Spec.Containers, raw.Spec.InitContainers, raw.Spec.Resources)
				}
			}
		}
	}
}
