package scheduling

import (
	"strconv"
	"strings"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
)

const reasonUntoleratedTaints = "node(s) had untolerated taint(s)"

// internTaintSet returns the index of the node's list of NoSchedule and
// NoExecute taints among the distinct lists seen so far, or -1 when it has
// none. PreferNoSchedule taints only matter for scoring.
func internTaintSet(sets *[][]corev1.Taint, index map[string]int32, taints []corev1.Taint) int32 {
	var b strings.Builder
	var kept []corev1.Taint
	for _, t := range taints {
		if !doNotSchedule(&t) {
			continue
		}
		kept = append(kept, t)
		writeField(&b, t.Key)
		writeField(&b, t.Value)
		writeField(&b, string(t.Effect))
	}
	if len(kept) == 0 {
		return -1
	}
	key := b.String()
	if i, ok := index[key]; ok {
		return i
	}
	i := int32(len(*sets))
	*sets = append(*sets, kept)
	index[key] = i
	return i
}

// doNotSchedule is the scheduler's DoNotScheduleTaintsFilterFunc.
func doNotSchedule(t *corev1.Taint) bool {
	return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
}

// toleratesAll reports whether tolerations tolerate every taint, with the
// matching of component-helpers (TaintTolerationComparisonOperators is alpha
// and off in 1.36, so Lt and Gt tolerations match nothing).
func toleratesAll(tolerations []corev1.Toleration, taints []corev1.Taint) bool {
	for i := range taints {
		if !corev1helpers.TolerationsTolerateTaint(logr.Discard(), tolerations, &taints[i], false) {
			return false
		}
	}
	return true
}

// toleratesUnschedulable is the NodeUnschedulable plugin's test: does the pod
// tolerate node.kubernetes.io/unschedulable:NoSchedule?
func toleratesUnschedulable(tolerations []corev1.Toleration) bool {
	return corev1helpers.TolerationsTolerateTaint(logr.Discard(), tolerations, &corev1.Taint{
		Key:    corev1.TaintNodeUnschedulable,
		Effect: corev1.TaintEffectNoSchedule,
	}, false)
}

// writeField appends a length-prefixed string, so that concatenated fields
// cannot be confused with one another.
func writeField(b *strings.Builder, s string) {
	b.WriteString(strconv.Itoa(len(s)))
	b.WriteByte(':')
	b.WriteString(s)
}
