package drain

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// OrderByPriority returns an Options.Order that groups pods by priority the
// way cluster-autoscaler's --drain-priority-config (and the kubelet's
// graceful shutdown by pod priority) does: each threshold starts a group,
// lower priorities are drained first, a pod joins the group of the highest
// threshold at or below its priority, and pods below every threshold join
// the lowest group. A pod without spec.priority has priority 0. For
// "10000:20,1000:100,0:60" the thresholds are 10000, 1000 and 0, in any
// order; the grace periods have no counterpart here (see GracePeriod and
// EscalationPolicy.DeleteGracePeriod).
func OrderByPriority(thresholds ...int32) func(pod *corev1.Pod) int {
	sorted := slices.Clone(thresholds)
	slices.Sort(sorted)
	sorted = slices.Compact(sorted)
	return func(pod *corev1.Pod) int {
		priority := int32(0)
		if pod.Spec.Priority != nil {
			priority = *pod.Spec.Priority
		}
		// The number of thresholds at or below the priority, less one.
		group, _ := slices.BinarySearch(sorted, priority)
		if group < len(sorted) && sorted[group] == priority {
			group++
		}
		return max(group-1, 0)
	}
}
