// Package qos answers a platform engineer's questions about a pod's quality
// of service: which class is it, which of its containers does the kernel
// kill first when the node runs out of memory, and in what order does the
// kubelet evict pods under memory pressure — exactly as Kubernetes 1.36
// does, from the same rules.
//
//   - Compute gives the class the API server writes into status.qosClass
//     when it creates the pod (BestEffort, Burstable or Guaranteed); Class
//     reads status.qosClass first, as the kubelet and kubectl do.
//   - OOMScoreAdjust gives the oom_score_adj the kubelet sets for a
//     container.
//   - EvictionOrder ranks pods, with memory usage figures the caller
//     supplies, as the kubelet's eviction manager does under memory
//     pressure.
//
// # Raw manifests
//
// The API server defaults a pod before it classifies it: a container limit
// without a request becomes the request too, pod-level limits fill in
// missing pod-level requests, and every quantity is rounded up to a
// multiple of 1m ("1500u" of cpu is stored as "2m"). Every function here reads pods the same way,
// so a manifest that has never been applied gets the answers its stored
// copy will get, and an already-stored pod gets the same answers again.
// A limits-only pod is therefore Guaranteed, not Burstable. Admission
// plugins are not modelled, with one exception: a pod that names a system
// priority class but carries no priority gets the priority the Priority
// admission plugin gives it. LimitRanger defaults from the namespace's
// LimitRanges are unknown here; a pod created where one applies can come
// out in a different class.
//
// # Feature gates
//
// The rules are those of Kubernetes 1.36 with its default feature gates:
// sidecar containers (GA), pod-level resources (beta, on since 1.34) and
// in-place resize (GA). When spec.resources is set, the pod-level values
// alone decide the class, even when they are empty; the package takes no
// switches to model clusters that turn these gates off.
//
// # What it does not do
//
// The package does not read node or cgroup state: the caller passes the
// node's memory capacity and each pod's working set. It does not model
// PID or disk pressure ranking, the kubelet's admission of pods under
// pressure, or the kernel's oom_score beyond the adjustment.
//
// # Invariants and concurrency
//
// Functions never modify their arguments, never panic on nil or
// out-of-range input (each documents its answer), and keep no state; they
// are safe for concurrent use. Compute does not allocate for pods whose
// quantities fit in 64 bits.
package qos
