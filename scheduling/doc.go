// Package scheduling answers "why is this pod Pending, where would it go,
// how many more fit, and if I drain these nodes does everything still fit?"
// the way kube-scheduler 1.36 answers it, without running a scheduler: the
// requests the scheduler charges a node for a pod; every filter of the
// default profile that needs no volume or DRA object, with the scheduler's
// own plugin names, reason strings and FailedScheduling message; the default
// scoring; placement of many pods; and the kubelet's admission of pods that
// bypass the scheduler.
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
// # Scoring
//
// Simulator.Schedule picks the node the scheduler would bind a pod to, and
// Simulator.Scores gives every feasible node's total and its parts. They run
// the default profile's PreScore, Score and NormalizeScore stages over the
// feasible nodes with the default weights: TaintToleration (3, untolerated
// PreferNoSchedule taints), NodeAffinity (2, preferred terms),
// NodeResourcesFit (1, LeastAllocated over cpu and memory with 100m and
// 200Mi for containers that request none), PodTopologySpread (2,
// ScheduleAnyway constraints, or the system default ones for pods the
// Services and controllers given to SetWorkloads select), InterPodAffinity
// (2, preferred terms both ways and the existing pods' required affinity
// with weight 1), DynamicResources (2, 0 without claims),
// NodeResourcesBalancedAllocation (1) and ImageLocality (1). A plugin whose
// PreScore skips the pod is absent from the breakdown, as from the
// scheduler's. Ties go to the first node in snapshot order (the scheduler
// picks at random); a feasible nominated node wins without scoring, as in
// the scheduler. Unlike the scheduler, a single feasible node is scored too.
//
// # Placement and what-if questions
//
// Assign and Remove change the snapshot one pod at a time (Remove right
// after Assign restores it exactly). Place schedules and binds many pods in
// order, as the scheduler's queue would, and reports where each went or the
// FailedScheduling message of those that fit nowhere; replicas of one shape
// are placed incrementally, recomputing only the node that changed.
// Capacity counts how many more copies of a pod fit, node by node, as Place
// would place them. Drainable cordons nodes, takes off the pods a drain
// evicts (all but mirror, DaemonSet and terminating pods: DrainExemption),
// places their replacements, highest priority first, and reports which fit
// nowhere; the snapshot is restored afterwards.
//
// # Pods with spec.nodeName
//
// Such pods never reach the scheduler. Simulator.Admit gives the kubelet's
// predicate admission answer instead: OS, resources (extended resources the
// node does not advertise dropped), required node affinity, node name, host
// ports and untolerated NoExecute taints, with the kubelet's OutOf<resource>
// reasons and messages. NewSimulator counts them on their node like any
// bound pod.
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
// Place does not preempt. Admit models the kubelet's predicate handler
// only: not the eviction manager's pressure admission, AppArmor, sysctls,
// declared features, nor the eviction of lower-priority pods to admit a
// critical one. ImageLocality counts each image's nodes as the scheduler's
// cache does in steady state (a freshly started scheduler can count too few
// until each node updates). Admission that needs other objects
// (LimitRanger, RuntimeClass overhead, PriorityClass) is not applied:
// objects read from a cluster already carry its results.
//
// Where the scheduler's order is random, the Simulator picks one: the
// "Insufficient" reasons for several extended resources are sorted by name
// (the scheduler and the kubelet iterate a map), and score ties go to the
// first node in snapshot order.
//
// # Invariants
//
//   - Feasible(pod) returns exactly the nodes for which Filter(pod, node)
//     succeeds, and Diagnosis.Status(node) equals Filter(pod, node).
//   - Checking a node allocates nothing: the per-node work is done by
//     NewSimulator and the per-pod work before the nodes are checked.
//   - Schedule picks a node with the highest total of Scores; Place binds
//     each pod where Schedule would at that point, so never where a filter
//     rejects it, and never beyond a node's allocatable; Capacity equals
//     the number of copies Place binds; Drainable equals placing the
//     evicted pods one by one on the drained snapshot.
//   - Remove after Assign leaves the snapshot exactly as before; Capacity
//     and Drainable leave it as they found it.
//   - Inputs are never modified, except by ApplyDefaults, whose purpose that
//     is; Assign and Place keep copies of the pods they bind.
//
// # Concurrency
//
// Reads are safe for concurrent use: Filter, Feasible, Schedule, Scores,
// Admit, NodeNames and a Diagnosis's methods. Everything that changes the
// snapshot, even for a while, must not run concurrently with anything else:
// SetNamespaces, SetWorkloads, Assign, Remove, Place, Capacity and
// Drainable. A Diagnosis describes the snapshot it came from; after a
// change, compute it again.
package scheduling
