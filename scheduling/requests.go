package scheduling

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation"
	resourcehelper "k8s.io/component-helpers/resource"
)

// The requests the scheduler assumes, for scoring only, for a container that
// sets no cpu or memory request (pkg/scheduler/util/pod_resources.go).
const (
	defaultMilliCPURequest = 100
	defaultMemoryRequest   = 200 * 1024 * 1024
)

// PodRequests returns what the scheduler charges a node for pod, computed by
// k8s.io/component-helpers/resource exactly as kube-scheduler 1.36 does:
//
//   - the maximum of the sum of the regular containers and of each init
//     container, where sidecars (init containers with restartPolicy Always)
//     run beside everything started after them, so they count on both sides;
//   - spec.overhead added on top, for every resource it names;
//   - pod-level spec.resources.requests replacing the container aggregate for
//     cpu, memory and hugepages;
//   - for a pod already bound to a node (spec.nodeName set), the in-place
//     resize status: each container (and sidecar, and the pod level) counts
//     the largest of its spec, its actuated and its allocated requests, unless
//     the resize is Infeasible.
//
// The list is the pod's view as the API server stores it: pass a raw manifest
// through ApplyDefaults first, or a container with only limits requests
// nothing. Resources the NodeResourcesFit filter ignores (names that are
// neither cpu, memory, ephemeral-storage, hugepages, extended nor
// *kubernetes.io/-prefixed) are returned as computed but never checked.
func PodRequests(pod *corev1.Pod) corev1.ResourceList {
	if pod == nil {
		return corev1.ResourceList{}
	}
	bound := pod.Spec.NodeName != ""
	return resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{
		UseStatusResources: bound,
		InPlacePodLevelResourcesVerticalScalingEnabled: bound,
	})
}

// nonZeroRequests is the scheduler's NonZeroRequested view of a bound pod:
// PodRequests with 100m cpu and 200Mi memory standing in for every container
// that leaves them unset (and, with pod-level requests, only where the pod
// level leaves them unset too). Scoring uses it; filtering does not.
func nonZeroRequests(pod *corev1.Pod, requests corev1.ResourceList) (milliCPU, memory int64) {
	podLevel := resourcehelper.IsPodLevelRequestsSet(pod)
	nonMissing := corev1.ResourceList{}
	if !podLevel {
		nonMissing[corev1.ResourceCPU] = *resource.NewMilliQuantity(defaultMilliCPURequest, resource.DecimalSI)
		nonMissing[corev1.ResourceMemory] = *resource.NewQuantity(defaultMemoryRequest, resource.DecimalSI)
	} else {
		if _, ok := requests[corev1.ResourceCPU]; !ok {
			nonMissing[corev1.ResourceCPU] = *resource.NewMilliQuantity(defaultMilliCPURequest, resource.DecimalSI)
		}
		if _, ok := requests[corev1.ResourceMemory]; !ok {
			nonMissing[corev1.ResourceMemory] = *resource.NewQuantity(defaultMemoryRequest, resource.DecimalSI)
		}
	}
	nonZero := requests
	if len(nonMissing) > 0 {
		bound := pod.Spec.NodeName != ""
		nonZero = resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{
			UseStatusResources: bound,
			InPlacePodLevelResourcesVerticalScalingEnabled: bound,
			NonMissingContainerRequests:                    nonMissing,
		})
	}
	cpu, mem := nonZero[corev1.ResourceCPU], nonZero[corev1.ResourceMemory]
	return cpu.MilliValue(), mem.Value()
}

// isScalarResourceName reports whether the scheduler tracks name beside cpu,
// memory and ephemeral-storage (pkg/scheduler/util.IsScalarResourceName):
// extended resources, hugepages, *kubernetes.io/-prefixed names and
// attachable volumes. Anything else is neither charged nor checked.
func isScalarResourceName(name corev1.ResourceName) bool {
	s := string(name)
	return isExtendedResourceName(name) ||
		strings.HasPrefix(s, corev1.ResourceHugePagesPrefix) ||
		strings.Contains(s, corev1.ResourceDefaultNamespacePrefix) ||
		strings.HasPrefix(s, corev1.ResourceAttachableVolumesPrefix)
}

// isExtendedResourceName mirrors pkg/apis/core/v1/helper.IsExtendedResourceName:
// a fully-qualified name outside the kubernetes.io/ namespace.
func isExtendedResourceName(name corev1.ResourceName) bool {
	s := string(name)
	if isNativeResource(s) || strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	return len(validation.IsQualifiedName(corev1.DefaultResourceRequestsPrefix+s)) == 0
}

func isNativeResource(s string) bool {
	return !strings.Contains(s, "/") || strings.Contains(s, corev1.ResourceDefaultNamespacePrefix)
}
