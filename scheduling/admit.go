package scheduling

import (
	"fmt"
	"slices"
	"strings"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	resourcehelper "k8s.io/component-helpers/resource"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// The reasons the kubelet's predicate admission gives a rejected pod
// (pkg/kubelet/lifecycle/predicate.go), beside "OutOf<resource>" and the
// names of the scheduler plugins whose checks it runs.
const (
	AdmitOutOfCPU              = "OutOfcpu"
	AdmitOutOfMemory           = "OutOfmemory"
	AdmitOutOfEphemeralStorage = "OutOfephemeral-storage"
	AdmitOutOfPods             = "OutOfpods"
	// AdmitOutOfPrefix starts the reason for any other resource:
	// "OutOf" + the resource name.
	AdmitOutOfPrefix                    = "OutOf"
	AdmitOSSelectorMismatch             = "PodOSSelectorNodeLabelDoesNotMatch"
	AdmitOSNotSupported                 = "PodOSNotSupported"
	AdmitSupplementalGroupsNotSupported = "SupplementalGroupsPolicyNotSupported"
)

// AdmitResult is the kubelet's admission answer for a pod bound to its
// node. When Admit is false, the kubelet marks the pod Failed with Reason
// and Message as status.reason and status.message.
type AdmitResult struct {
	Admit   bool   `json:"admit"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
	// Failures are all the failed checks' reasons, in the kubelet's order
	// ("Insufficient cpu", "node(s) didn't match Pod's node affinity/selector",
	// ...); Reason and Message come from the first.
	Failures []string `json:"failures,omitempty"`
}

// Admit returns the kubelet's answer to a pod bound to the node named
// nodeName (or, when nodeName is empty, to the node its spec.nodeName
// names). Such pods never pass through the scheduler: the kubelet's
// predicate admission handler (pkg/kubelet/lifecycle/predicate.go) checks
// them instead, in this order, stopping at the first group that fails:
//
//   - the pod's kubernetes.io/os label and spec.os against the node's
//     operating system (its kubernetes.io/os label, linux when absent);
//   - supplementalGroupsPolicy Strict against the node's declared support;
//   - then all of: resources (pod count, cpu, memory, ephemeral storage and
//     scalar resources, as NodeResourcesFit checks them, with extended
//     resources the node does not advertise dropped from the containers'
//     requests), required node affinity and nodeSelector, spec.nodeName,
//     host ports, and, unless it is a static pod, untolerated NoExecute
//     taints.
//
// NoSchedule taints, spec.unschedulable, inter-pod affinity and topology
// spreading are not checked. The other pods are those of the snapshot on
// the node, without the pod itself if it is there (same namespace and
// name). The admission handlers that run before this one (eviction
// pressure, AppArmor, sysctls, declared features, node shutdown) and the
// preemption of lower-priority pods the kubelet performs to admit a
// critical pod are not modelled. Several insufficient scalar resources are
// listed in name order, where the kubelet iterates a map.
//
// The error wraps ErrNilObject or ErrUnknownNode.
func (s *Simulator) Admit(pod *corev1.Pod, nodeName string) (AdmitResult, error) {
	if pod == nil {
		return AdmitResult{}, fmt.Errorf("admit: %w", ErrNilObject)
	}
	if nodeName == "" {
		nodeName = pod.Spec.NodeName
	}
	i, ok := s.nodeIndex[nodeName]
	if !ok {
		return AdmitResult{}, fmt.Errorf("admit pod %s/%s: %w: %q", pod.Namespace, pod.Name, ErrUnknownNode, nodeName)
	}
	n := &s.nodes[i]
	node := n.node

	nodeOS := node.Labels[corev1.LabelOSStable]
	if nodeOS == "" {
		nodeOS = "linux"
	}
	if os, ok := pod.Labels[corev1.LabelOSStable]; ok && os != nodeOS {
		return admitRejection(AdmitOSSelectorMismatch, "Failed to admit pod as the `kubernetes.io/os` label doesn't match node label"), nil
	}
	if pod.Spec.OS != nil && string(pod.Spec.OS.Name) != nodeOS {
		return admitRejection(AdmitOSNotSupported, "Failed to admit pod as the OS field doesn't match node OS"), nil
	}
	if sc := pod.Spec.SecurityContext; sc != nil && sc.SupplementalGroupsPolicy != nil && *sc.SupplementalGroupsPolicy == corev1.SupplementalGroupsPolicyStrict {
		if f := node.Status.Features; f == nil || f.SupplementalGroupsPolicy == nil || !*f.SupplementalGroupsPolicy {
			return admitRejection(AdmitSupplementalGroupsNotSupported, "SupplementalGroupsPolicy=Strict is not supported in this node"), nil
		}
	}

	var others []int32
	var self []int32
	for _, id := range n.pods {
		if p := s.pods[id].pod; p.Namespace == pod.Namespace && p.Name == pod.Name {
			self = append(self, id)
			continue
		}
		others = append(others, id)
	}

	var failures []admitFailure
	failures = s.admitResources(pod, i, len(others), self, failures)
	if ok, _ := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node); !ok {
		failures = append(failures, predicateFailure(PluginNodeAffinity, reasonNodeAffinity))
	}
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != node.Name {
		failures = append(failures, predicateFailure(PluginNodeName, reasonNodeName))
	}
	if want := podHostPorts(pod); len(want) > 0 && !portsFit(s.portsWithout(n.ports, self), want) {
		failures = append(failures, predicateFailure(PluginNodePorts, reasonPorts))
	}
	if !isStaticPod(pod) {
		for k := range node.Spec.Taints {
			t := &node.Spec.Taints[k]
			if t.Effect == corev1.TaintEffectNoExecute && !corev1helpers.TolerationsTolerateTaint(logr.Discard(), pod.Spec.Tolerations, t, false) {
				failures = append(failures, predicateFailure(PluginTaintToleration, "node(s) had taints that the pod didn't tolerate"))
				break
			}
		}
	}
	if len(failures) == 0 {
		return AdmitResult{Admit: true}, nil
	}
	res := admitRejection(failures[0].reason, failures[0].message)
	for _, f := range failures {
		res.Failures = append(res.Failures, f.short)
	}
	return res, nil
}

// admitFailure is one of the kubelet's PredicateFailureReasons: the pod
// reason and message it gives when it comes first, and its GetReason.
type admitFailure struct {
	reason, message, short string
}

func predicateFailure(plugin, desc string) admitFailure {
	return admitFailure{reason: plugin, message: "Predicate " + plugin + " failed: " + desc, short: desc}
}

func insufficient(name corev1.ResourceName, requested, used, capacity int64) admitFailure {
	reason := AdmitOutOfPrefix + string(name)
	return admitFailure{
		reason: reason,
		message: fmt.Sprintf("Node didn't have enough resource: %s, requested: %d, used: %d, capacity: %d",
			name, requested, used, capacity),
		short: "Insufficient " + string(name),
	}
}

func admitRejection(reason, message string) AdmitResult {
	return AdmitResult{Reason: reason, Message: message}
}

// admitResources is noderesources.Fits for the kubelet: the pod's spec
// requests (extended resources the node lacks dropped) against the node's
// allocatable and the other pods' requests.
func (s *Simulator) admitResources(pod *corev1.Pod, i int32, otherPods int, self []int32, out []admitFailure) []admitFailure {
	n := &s.nodes[i]
	usedCPU, usedMem, usedEph := n.reqCPU, n.reqMemory, n.reqEph
	for _, id := range self {
		usedCPU -= s.pods[id].requests.milliCPU
		usedMem -= s.pods[id].requests.memory
		usedEph -= s.pods[id].requests.ephemeral
	}
	if int64(otherPods)+1 > n.allowedPods {
		out = append(out, admitFailure{reason: AdmitOutOfPods, short: "Too many pods",
			message: fmt.Sprintf("Node didn't have enough resource: pods, requested: 1, used: %d, capacity: %d", otherPods, n.allowedPods)})
	}
	r := incomingAmounts(resourcehelper.PodRequests(s.withoutMissingExtendedResources(pod, i), resourcehelper.PodResourcesOptions{}))
	if r.isEmpty() {
		return out
	}
	if r.milliCPU > 0 && r.milliCPU > n.allocCPU-usedCPU {
		out = append(out, insufficient(corev1.ResourceCPU, r.milliCPU, usedCPU, n.allocCPU))
	}
	if r.memory > 0 && r.memory > n.allocMemory-usedMem {
		out = append(out, insufficient(corev1.ResourceMemory, r.memory, usedMem, n.allocMemory))
	}
	if r.ephemeral > 0 && r.ephemeral > n.allocEph-usedEph {
		out = append(out, insufficient(corev1.ResourceEphemeralStorage, r.ephemeral, usedEph, n.allocEph))
	}
	slices.SortFunc(r.scalars, func(a, b scalarAmount) int { return strings.Compare(string(a.name), string(b.name)) })
	for _, sc := range r.scalars {
		if sc.value == 0 {
			continue
		}
		idx, ok := s.scalarIndex[sc.name]
		if !ok {
			idx = -1
		}
		alloc, used := s.scalarOnNode(idx, i, self)
		if sc.value > alloc-used {
			out = append(out, insufficient(sc.name, sc.value, used, alloc))
		}
	}
	return out
}

// withoutMissingExtendedResources is the kubelet's
// removeMissingExtendedResources: the containers' requests for extended
// resources the node does not advertise are dropped before the check.
func (s *Simulator) withoutMissingExtendedResources(pod *corev1.Pod, i int32) *corev1.Pod {
	alloc := s.nodes[i].node.Status.Allocatable
	filter := func(cs []corev1.Container) []corev1.Container {
		out := slices.Clone(cs)
		for k := range out {
			reqs := corev1.ResourceList{}
			for name, q := range out[k].Resources.Requests {
				if _, advertised := alloc[name]; isExtendedResourceName(name) && !advertised {
					continue
				}
				reqs[name] = q
			}
			out[k].Resources.Requests = reqs
		}
		return out
	}
	p := &corev1.Pod{Spec: pod.Spec}
	p.Spec.Containers = filter(pod.Spec.Containers)
	p.Spec.InitContainers = filter(pod.Spec.InitContainers)
	return p
}

// isStaticPod is the kubelet's types.IsStaticPod: the config source
// annotation names a source other than the API server.
func isStaticPod(pod *corev1.Pod) bool {
	source, ok := pod.Annotations["kubernetes.io/config.source"]
	return ok && source != "api"
}
