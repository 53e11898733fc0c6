// Package scheduling answers "why is this pod Pending, and where would it
// fit?" the way kube-scheduler 1.36 answers it, without running a scheduler:
// the requests the scheduler charges a node for a pod, and every filter of
// the default profile that needs no volume or DRA object, with the
// scheduler's own plugin names, reason strings and FailedScheduling message.
//
// # Requests
//
// PodRequests is k8s.io/component-helpers/resource.PodRequests called as the
// scheduler calls it: max(sum of containers, each init container) with
// sidecars counted on both sides, overhead added, pod-level requests
// overriding, and the in-place resize status for pods already bound.
// ApplyDefaults turns a raw manifest into the pod the API server would store
// (limits copied into requests, host ports under hostNetwork, label keys
// merged into selectors, default tolerations), which matters: a container
// with only limits requests nothing until it is defaulted.
//
// # Filters
//
// NewSimulator takes a snapshot of nodes and the pods bound to them (and
// SetNamespaces the namespaces, which namespaceSelectors need).
// Simulator.Filter checks one node and Simulator.Feasible every node, running
// in kube-scheduler's order NodeUnschedulable, NodeName, TaintToleration,
// NodeAffinity, NodePorts, NodeResourcesFit, PodTopologySpread,
// InterPodAffinity and NodeDeclaredFeatures, after the PreFilter stage of the
// same plugins (which can reject the pod on every node, or narrow the nodes
// to those named in matchFields). A Status names the first plugin that
// rejects a node, as the scheduler reports it, with its reasons and whether
// preemption could help (Unschedulable) or not
// (UnschedulableAndUnresolvable), or that the scheduler could not evaluate
// the pod at all (Error, as for a malformed topology spread selector; other
// malformed selectors and affinity terms fail exactly where the scheduler
// fails them). A Diagnosis counts the reasons over the
// nodes, and its Error method returns the FailedScheduling message,
// including the default preemption plugin's part, worked out by the same dry
// run the scheduler does (evict every lower-priority pod and filter again).
//
// Feasible checks every node, where the scheduler stops after enough
// feasible ones in a large cluster (and tries a nominated node first), so
// "which nodes fit" is exact; which one the scheduler would pick is a
// question of scoring.
//
// Bad input is reported, never panicked on: NewSimulator refuses nil
// objects, nameless or duplicate nodes and pods bound to nodes it was not
// given, with errors that errors.Is matches (ErrDuplicateNode, ...); a node
// without allocatable gets the scheduler's "Too many pods".
//
// # What it does not do
//
// It does not model volumes (VolumeRestrictions, NodeVolumeLimits,
// VolumeBinding, VolumeZone), dynamic resource allocation (DynamicResources,
// DRA-backed extended resources are checked like any extended resource),
// nominated pods, scheduling gates, scheduler names, extenders, or a
// scheduler configuration other than the default profile (no
// ignoredResources, no addedAffinity, no custom default spread constraints).
// Pods with spec.nodeName set never reach the scheduler; the kubelet admits
// them by other rules. Admission that needs other objects (LimitRanger,
// RuntimeClass overhead, PriorityClass) is not applied: objects read from a
// cluster already carry its results.
//
// Where the scheduler's order is random, the Simulator picks one: the
// "Insufficient" reasons for several extended resources are sorted by name
// (the scheduler iterates a map).
//
// # Invariants
//
//   - Feasible(pod) returns exactly the nodes for which Filter(pod, node)
//     succeeds, and Diagnosis.Status(node) equals Filter(pod, node).
//   - Checking a node allocates nothing: the per-node work is done by
//     NewSimulator and the per-pod work before the nodes are checked.
//   - Inputs are never modified, except by ApplyDefaults, whose purpose that
//     is.
//
// # Concurrency
//
// A Simulator's Filter and Feasible, and a Diagnosis's methods, are safe for
// concurrent use. SetNamespaces modifies the Simulator and must not run
// concurrently with anything else.
package scheduling
