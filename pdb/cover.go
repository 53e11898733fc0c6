package pdb

import (
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Covering returns the budgets among budgets that cover pod, in the order
// given, as the eviction endpoint selects them: a budget of the pod's
// namespace whose policy/v1 selector matches the pod's labels. An empty
// selector ({}) covers every pod of the namespace; a nil selector covers
// none; a selector that does not parse covers none (the API server skips
// it; Lint reports it). Nil budgets are skipped.
func Covering(pod *corev1.Pod, budgets []*policyv1.PodDisruptionBudget) []*policyv1.PodDisruptionBudget {
	if pod == nil {
		return nil
	}
	var covering []*policyv1.PodDisruptionBudget
	for _, budget := range budgets {
		if Covers(budget, pod) {
			covering = append(covering, budget)
		}
	}
	return covering
}

// selectors holds budgets with their selectors parsed once, for the callers
// that match many pods against the same budgets. A selector that does not
// parse is nil and matches nothing.
type selectors struct {
	budgets   []*policyv1.PodDisruptionBudget
	selectors []labels.Selector
}

func compileSelectors(budgets []*policyv1.PodDisruptionBudget) selectors {
	s := selectors{budgets: budgets, selectors: make([]labels.Selector, len(budgets))}
	for i, budget := range budgets {
		if budget == nil {
			continue
		}
		if selector, err := metav1.LabelSelectorAsSelector(budget.Spec.Selector); err == nil {
			s.selectors[i] = selector
		}
	}
	return s
}

// covering is Covering with the parsed selectors.
func (s selectors) covering(pod *corev1.Pod) []*policyv1.PodDisruptionBudget {
	var covering []*policyv1.PodDisruptionBudget
	podLabels := labels.Set(pod.Labels)
	for i, budget := range s.budgets {
		if s.selectors[i] != nil && budget.Namespace == pod.Namespace && s.selectors[i].Matches(podLabels) {
			covering = append(covering, budget)
		}
	}
	return covering
}

// Covers reports whether budget covers pod, with the rules of Covering.
func Covers(budget *policyv1.PodDisruptionBudget, pod *corev1.Pod) bool {
	if budget == nil || pod == nil || budget.Namespace != pod.Namespace {
		return false
	}
	selector, err := metav1.LabelSelectorAsSelector(budget.Spec.Selector)
	if err != nil {
		return false
	}
	return selector.Matches(labels.Set(pod.Labels))
}
