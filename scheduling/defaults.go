package scheduling

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/internal/poddefaults"
)

// defaultTolerationSeconds is what the DefaultTolerationSeconds admission
// plugin gives the not-ready and unreachable tolerations it adds.
const defaultTolerationSeconds int64 = 300

// ApplyDefaults changes pod, in place, into what the scheduler would see
// after the API server created it from the same manifest, as far as the
// filters care and as far as no other object is needed:
//
//   - API defaulting (pkg/apis/core/v1.SetDefaults_Pod): each container's and
//     init container's limits are copied into missing requests; pod-level
//     hugepage limits and requests are defaulted from the containers;
//     quantities finer than 1m are rounded up to 1m; with
//     hostNetwork, every container port without a hostPort gets its
//     containerPort; port protocols default to TCP; schedulerName to
//     default-scheduler;
//   - the pod strategy's mutations at creation: matchLabelKeys and
//     mismatchLabelKeys of pod (anti-)affinity terms, and matchLabelKeys of
//     topology spread constraints, become In and NotIn requirements on the
//     pod's own label values;
//   - the DefaultTolerationSeconds admission plugin: tolerations of
//     node.kubernetes.io/not-ready and unreachable NoExecute taints for 300s,
//     unless the pod tolerates them already.
//
// Admission that needs other objects is not applied: LimitRanger defaults,
// RuntimeClass overhead, and the priority of a priorityClassName. Applying
// it twice gives the same pod as applying it once. Objects read from a
// cluster are already defaulted and need none of this.
func ApplyDefaults(pod *corev1.Pod) {
	if pod == nil {
		return
	}
	spec := &pod.Spec
	poddefaults.Resources(pod)
	for _, cs := range [][]corev1.Container{spec.Containers, spec.InitContainers} {
		for i := range cs {
			for j := range cs[i].Ports {
				p := &cs[i].Ports[j]
				if spec.HostNetwork && p.HostPort == 0 {
					p.HostPort = p.ContainerPort
				}
				if p.Protocol == "" {
					p.Protocol = corev1.ProtocolTCP
				}
			}
		}
	}
	for i := range spec.EphemeralContainers {
		for j := range spec.EphemeralContainers[i].Ports {
			if p := &spec.EphemeralContainers[i].Ports[j]; p.Protocol == "" {
				p.Protocol = corev1.ProtocolTCP
			}
		}
	}
	if spec.SchedulerName == "" {
		spec.SchedulerName = corev1.DefaultSchedulerName
	}
	mergeAffinityLabelKeys(pod)
	for i := range spec.TopologySpreadConstraints {
		c := &spec.TopologySpreadConstraints[i]
		if c.LabelSelector != nil {
			applyLabelKeys(c.LabelSelector, c.MatchLabelKeys, metav1.LabelSelectorOpIn, pod.Labels)
		}
	}
	addDefaultTolerations(pod)
}

// mergeAffinityLabelKeys is the pod strategy's mutatePodAffinity.
func mergeAffinityLabelKeys(pod *corev1.Pod) {
	a := pod.Spec.Affinity
	if a == nil {
		return
	}
	apply := func(t *corev1.PodAffinityTerm) {
		if t.LabelSelector == nil || (len(t.MatchLabelKeys) == 0 && len(t.MismatchLabelKeys) == 0) {
			return // a nil selector matches nothing and stays so
		}
		applyLabelKeys(t.LabelSelector, t.MatchLabelKeys, metav1.LabelSelectorOpIn, pod.Labels)
		applyLabelKeys(t.LabelSelector, t.MismatchLabelKeys, metav1.LabelSelectorOpNotIn, pod.Labels)
	}
	if pa := a.PodAffinity; pa != nil {
		for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			apply(&pa.PreferredDuringSchedulingIgnoredDuringExecution[i].PodAffinityTerm)
		}
		for i := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			apply(&pa.RequiredDuringSchedulingIgnoredDuringExecution[i])
		}
	}
	if pa := a.PodAntiAffinity; pa != nil {
		for i := range pa.PreferredDuringSchedulingIgnoredDuringExecution {
			apply(&pa.PreferredDuringSchedulingIgnoredDuringExecution[i].PodAffinityTerm)
		}
		for i := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			apply(&pa.RequiredDuringSchedulingIgnoredDuringExecution[i])
		}
	}
}

// applyLabelKeys appends "key op (pod's value)" for each key the pod has,
// skipping requirements already present so that defaulting twice changes
// nothing.
func applyLabelKeys(sel *metav1.LabelSelector, keys []string, op metav1.LabelSelectorOperator, podLabels map[string]string) {
	for _, k := range keys {
		v, ok := podLabels[k]
		if !ok {
			continue
		}
		req := metav1.LabelSelectorRequirement{Key: k, Operator: op, Values: []string{v}}
		if !hasRequirement(sel.MatchExpressions, req) {
			sel.MatchExpressions = append(sel.MatchExpressions, req)
		}
	}
}

func hasRequirement(reqs []metav1.LabelSelectorRequirement, want metav1.LabelSelectorRequirement) bool {
	for _, r := range reqs {
		if r.Key == want.Key && r.Operator == want.Operator && len(r.Values) == 1 && r.Values[0] == want.Values[0] {
			return true
		}
	}
	return false
}

// addDefaultTolerations is the DefaultTolerationSeconds admission plugin.
func addDefaultTolerations(pod *corev1.Pod) {
	notReady, unreachable := false, false
	for _, t := range pod.Spec.Tolerations {
		noExecute := t.Effect == corev1.TaintEffectNoExecute || t.Effect == ""
		if noExecute && (t.Key == corev1.TaintNodeNotReady || t.Key == "") {
			notReady = true
		}
		if noExecute && (t.Key == corev1.TaintNodeUnreachable || t.Key == "") {
			unreachable = true
		}
	}
	seconds := defaultTolerationSeconds
	if !notReady {
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{
			Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds,
		})
	}
	if !unreachable {
		s2 := seconds
		pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{
			Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
			Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &s2,
		})
	}
}
