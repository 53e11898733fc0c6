package pdb

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Validate checks budget's spec the way the API server validates a
// policy/v1 PodDisruptionBudget, and one thing more: a budget with neither
// minAvailable nor maxUnavailable, which the API server accepts but which
// never allows a disruption. Every problem is an *InvalidBudgetError naming
// the budget; several are joined with errors.Join. A nil budget is an error.
func Validate(budget *policyv1.PodDisruptionBudget) error {
	if budget == nil {
		return errors.New("validate budget: nil budget")
	}
	return validateSpec(budget)
}

func validateSpec(budget *policyv1.PodDisruptionBudget) error {
	key := types.NamespacedName{Namespace: budget.Namespace, Name: budget.Name}
	spec := budget.Spec
	var errs []error
	switch {
	case spec.MinAvailable != nil && spec.MaxUnavailable != nil:
		errs = append(errs, &InvalidBudgetError{Budget: key, Field: "spec",
			Reason: "minAvailable and maxUnavailable cannot be both set; keep one (the disruption controller would use maxUnavailable)"})
	case spec.MinAvailable == nil && spec.MaxUnavailable == nil:
		errs = append(errs, &InvalidBudgetError{Budget: key, Field: "spec",
			Reason: "neither minAvailable nor maxUnavailable is set, so the budget never allows a disruption; set one of them"})
	}
	if spec.MinAvailable != nil {
		errs = append(errs, validateIntOrPercent(key, "spec.minAvailable", *spec.MinAvailable)...)
	}
	if spec.MaxUnavailable != nil {
		errs = append(errs, validateIntOrPercent(key, "spec.maxUnavailable", *spec.MaxUnavailable)...)
	}
	if _, err := metav1.LabelSelectorAsSelector(spec.Selector); err != nil {
		errs = append(errs, invalidSelector(key, budget, err))
	}
	if policy := spec.UnhealthyPodEvictionPolicy; policy != nil &&
		*policy != policyv1.IfHealthyBudget && *policy != policyv1.AlwaysAllow {
		errs = append(errs, &InvalidBudgetError{Budget: key, Field: "spec.unhealthyPodEvictionPolicy", Value: strconv.Quote(string(*policy)),
			Reason: fmt.Sprintf("supported values are %q and %q", policyv1.AlwaysAllow, policyv1.IfHealthyBudget)})
	}
	return errors.Join(errs...)
}

// validPercent is the API server's IsValidPercent.
var validPercent = regexp.MustCompile(`^[0-9]+%$`)

// validateIntOrPercent is the API server's ValidatePositiveIntOrPercent and
// IsNotMoreThan100Percent.
func validateIntOrPercent(key types.NamespacedName, field string, value intstr.IntOrString) []error {
	switch value.Type {
	case intstr.Int:
		if value.IntVal < 0 {
			return []error{&InvalidBudgetError{Budget: key, Field: field, Value: value.String(),
				Reason: "must be greater than or equal to 0"}}
		}
	case intstr.String:
		if !validPercent.MatchString(value.StrVal) {
			return []error{&InvalidBudgetError{Budget: key, Field: field, Value: strconv.Quote(value.StrVal),
				Reason: "must be an integer or a percentage such as \"50%\""}}
		}
		if percent, _ := strconv.Atoi(strings.TrimSuffix(value.StrVal, "%")); percent > 100 {
			return []error{&InvalidBudgetError{Budget: key, Field: field, Value: strconv.Quote(value.StrVal),
				Reason: "must not be greater than 100%"}}
		}
	default:
		return []error{&InvalidBudgetError{Budget: key, Field: field, Value: value.String(),
			Reason: "must be an integer or a percentage such as \"50%\""}}
	}
	return nil
}

func invalidSelector(key types.NamespacedName, budget *policyv1.PodDisruptionBudget, err error) *InvalidBudgetError {
	return &InvalidBudgetError{Budget: key, Field: "spec.selector", Value: metav1.FormatLabelSelector(budget.Spec.Selector),
		Reason: fmt.Sprintf("does not parse (%v); fix the selector, until then the eviction API ignores the budget and the disruption controller fails closed", err)}
}

func invalidNumber(key types.NamespacedName, field string, value *intstr.IntOrString, err error) *InvalidBudgetError {
	return &InvalidBudgetError{Budget: key, Field: field, Value: strconv.Quote(value.String()),
		Reason: fmt.Sprintf("does not parse (%v); use an integer or a percentage such as \"50%%\"", err)}
}
