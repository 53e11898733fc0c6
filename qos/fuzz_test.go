package qos

import (
	"fmt"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// fuzzReader turns fuzz bytes into choices; past the end it reads zeros.
type fuzzReader struct {
	data []byte
}

func (r *fuzzReader) next() byte {
	if len(r.data) == 0 {
		return 0
	}
	b := r.data[0]
	r.data = r.data[1:]
	return b
}

func (r *fuzzReader) choose(n int) int { return int(r.next()) % n }

var fuzzResourceNames = []corev1.ResourceName{
	corev1.ResourceCPU, corev1.ResourceMemory, "hugepages-2Mi", "hugepages-1Gi",
	"nvidia.com/gpu", corev1.ResourceEphemeralStorage,
}

var fuzzSuffixes = []string{"", "m", "n", "k", "Mi", "Gi", "M", "Ei", "e30"}

// quantity draws a quantity: zero, small, fractional, negative or beyond
// int64, in any notation.
func (r *fuzzReader) quantity() resource.Quantity {
	value := int64(r.next())<<8 | int64(r.next())
	switch r.choose(8) {
	case 0:
		value = 0
	case 1:
		value = -value
	}
	text := fmt.Sprintf("%d%s", value, fuzzSuffixes[r.choose(len(fuzzSuffixes))])
	if r.choose(6) == 0 {
		text = fmt.Sprintf("%d.%d", value, r.next())
	}
	q, err := resource.ParseQuantity(text)
	if err != nil {
		return resource.Quantity{}
	}
	return q
}

// resourceList draws a list; nil, empty and filled lists are all possible.
func (r *fuzzReader) resourceList() corev1.ResourceList {
	n := r.choose(5)
	if n == 0 {
		if r.choose(2) == 0 {
			return nil
		}
		return corev1.ResourceList{}
	}
	out := corev1.ResourceList{}
	for range n {
		out[fuzzResourceNames[r.choose(len(fuzzResourceNames))]] = r.quantity()
	}
	return out
}

// requirements draws requests and limits; equal lists and limits-only
// lists, the shapes of Guaranteed pods, are drawn often.
func (r *fuzzReader) requirements() corev1.ResourceRequirements {
	requests := r.resourceList()
	switch r.choose(4) {
	case 0:
		return corev1.ResourceRequirements{Requests: requests, Limits: requests.DeepCopy()}
	case 1:
		return corev1.ResourceRequirements{Limits: requests}
	}
	return corev1.ResourceRequirements{Requests: requests, Limits: r.resourceList()}
}

func (r *fuzzReader) container(name string, init bool) corev1.Container {
	c := corev1.Container{Name: name, Resources: r.requirements()}
	if init && r.choose(2) == 0 {
		always := corev1.ContainerRestartPolicyAlways
		c.RestartPolicy = &always
	}
	return c
}

func fuzzPod(data []byte) *corev1.Pod {
	r := &fuzzReader{data: data}
	pod := newPod("fuzz")
	for i := range r.choose(4) {
		pod.Spec.InitContainers = append(pod.Spec.InitContainers, r.container(fmt.Sprintf("init-%d", i), true))
	}
	for i := range r.choose(4) {
		pod.Spec.Containers = append(pod.Spec.Containers, r.container(fmt.Sprintf("app-%d", i), false))
	}
	switch r.choose(3) {
	case 1:
		pod.Spec.Resources = &corev1.ResourceRequirements{}
	case 2:
		requirements := r.requirements()
		pod.Spec.Resources = &requirements
	}
	if r.choose(2) == 0 {
		pod.Spec.Overhead = r.resourceList()
	}
	switch r.choose(4) {
	case 1:
		pod.Spec.PriorityClassName = SystemNodeCritical
	case 2:
		p := int32(r.next()) << 24
		pod.Spec.Priority = &p
	}
	return pod
}

// FuzzCompute draws pods with random resource lists. Compute never panics
// and agrees with the literal model of the API server; Class honours any
// status; the kubelet-side functions never panic and stay in range.
func FuzzCompute(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 2, 1, 0, 1, 2, 3, 5, 1, 4, 2, 3, 1})
	f.Add([]byte{1, 3, 4, 0, 0, 1, 2, 4, 1, 1, 0, 3, 4, 1, 1, 0, 5, 2, 2, 0, 0})
	f.Add([]byte{3, 3, 2, 1, 7, 9, 4, 2, 0, 200, 100, 3, 3, 1, 0, 0, 2, 2, 2, 8, 2, 1, 1, 1, 1})
	f.Add([]byte("pod-level resources with hugepages and sidecars, limits only"))
	f.Fuzz(func(t *testing.T, data []byte) {
		pod := fuzzPod(data)
		before := pod.DeepCopy()

		got := Compute(pod)
		if want := oracleCompute(pod); got != want {
			t.Fatalf("Compute = %s, the API server's model says %s, for spec %+v", got, want, pod.Spec)
		}
		if !reflect.DeepEqual(before, pod) {
			t.Fatalf("Compute modified its input")
		}
		if again := Compute(apiDefaulted(pod)); again != got {
			t.Fatalf("Compute(defaulted) = %s, Compute(raw) = %s", again, got)
		}

		if class := Class(pod); class != got {
			t.Fatalf("Class without status = %s, Compute = %s", class, got)
		}
		for _, status := range []corev1.PodQOSClass{got, corev1.PodQOSBestEffort, corev1.PodQOSBurstable, corev1.PodQOSGuaranteed, "Unknown"} {
			withStatus := pod.DeepCopy()
			withStatus.Status.QOSClass = status
			if class := Class(withStatus); class != status {
				t.Fatalf("Class = %s with status %s", class, status)
			}
		}

		capacity := []int64{4 << 30, 1000, 0, -1}[len(data)%4]
		for _, containers := range [][]corev1.Container{pod.Spec.Containers, pod.Spec.InitContainers} {
			for i := range containers {
				adjust := OOMScoreAdjust(pod, &containers[i], capacity)
				if adjust < OOMScoreAdjGuaranteed || adjust > OOMScoreAdjBestEffort {
					t.Fatalf("OOMScoreAdjust = %d, out of range", adjust)
				}
			}
		}
		_ = OOMScoreAdjust(pod, nil, capacity)
		q := resource.MustParse("100Mi")
		EvictionOrder([]PodUsage{{Pod: pod, WorkingSet: &q}, {Pod: pod}})
		if !reflect.DeepEqual(before, pod) {
			t.Fatalf("the kubelet-side functions modified their input")
		}
	})
}
