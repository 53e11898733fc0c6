package pdb

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Severity says how much a finding matters.
type Severity string

// Severities, from the most to the least serious.
const (
	// SeverityError: the budget blocks drains, or is broken.
	SeverityError Severity = "Error"
	// SeverityWarning: the budget probably does not do what was meant.
	SeverityWarning Severity = "Warning"
	// SeverityInfo: worth knowing before a maintenance window.
	SeverityInfo Severity = "Info"
)

func (s Severity) rank() int {
	switch s {
	case SeverityError:
		return 0
	case SeverityWarning:
		return 1
	}
	return 2
}

// FindingKind names what Lint found.
type FindingKind string

// The kinds of finding.
const (
	// FindingInvalid: the spec is invalid (Err holds the
	// *InvalidBudgetError).
	FindingInvalid FindingKind = "InvalidBudget"
	// FindingNeverAllows: with every pod healthy the budget still allows no
	// disruption (maxUnavailable 0 or 0%, minAvailable 100%, minAvailable at
	// or above the replicas, a percentage that rounds up to all of them).
	FindingNeverAllows FindingKind = "NeverAllowsDisruption"
	// FindingSingleReplica: a workload of one replica whose budget needs that
	// replica: every drain of its node blocks.
	FindingSingleReplica FindingKind = "SingleReplicaBlocked"
	// FindingNoPods: the budget selects no pod (a nil selector selects none
	// in policy/v1).
	FindingNoPods FindingKind = "SelectsNoPods"
	// FindingWholeNamespace: the empty selector selects every pod of the
	// namespace.
	FindingWholeNamespace FindingKind = "SelectsWholeNamespace"
	// FindingOverlap: pods are covered by this budget and others; the
	// eviction API refuses them with 500.
	FindingOverlap FindingKind = "OverlappingBudgets"
	// FindingUnmanagedPods: maxUnavailable or a percentage over pods
	// without a controller, which the disruption controller leaves out.
	FindingUnmanagedPods FindingKind = "UnmanagedPods"
	// FindingControllerLookup: the disruption controller cannot find the
	// scale of the pods' controllers and fails closed.
	FindingControllerLookup FindingKind = "ControllerLookupFails"
	// FindingGenerationNotObserved: the controller has not observed the
	// latest spec; evictions answer 429 until it does.
	FindingGenerationNotObserved FindingKind = "GenerationNotObserved"
	// FindingSyncFailed: the budget's status says the controller failed to
	// sync it.
	FindingSyncFailed FindingKind = "SyncFailed"
	// FindingNoDisruptionNow: the budget could allow disruptions but allows
	// none now, because too few pods are healthy.
	FindingNoDisruptionNow FindingKind = "NoDisruptionAllowedNow"
)

// Finding is one thing Lint found about a budget.
type Finding struct {
	Budget   types.NamespacedName
	Kind     FindingKind
	Severity Severity
	// Message says what is wrong and what to do about it.
	Message string
	// Pods names the pods concerned, when the finding is about pods.
	Pods []string `json:",omitempty"`
	// Budgets names the other budgets concerned (FindingOverlap).
	Budgets []string `json:",omitempty"`
	// Err is the validation error behind FindingInvalid.
	Err error `json:"-"`
}

// String formats the finding as "Error default/web: message".
func (f Finding) String() string {
	return fmt.Sprintf("%s %s: %s", f.Severity, f.Budget, f.Message)
}

// Lint examines budgets against the pods of their namespaces (pods may hold
// every pod of the cluster) and the scale of the pods' controllers, and
// returns what would surprise a person draining nodes: budgets that are
// invalid, can never allow a disruption, protect a single replica, select
// no pod or the whole namespace, overlap, count unmanaged pods, cannot be
// computed, are not observed yet, failed to sync, or allow nothing now.
// Invalid budgets are findings, never a reason to stop.
//
// scale may be nil; then each controller's replicas are taken to be the
// number of its pods among pods. Findings are ordered by budget, then by
// severity and kind. Lint judges "now" by the wall clock; LintAt takes the
// time.
func Lint(budgets []*policyv1.PodDisruptionBudget, pods []*corev1.Pod, scale ScaleFunc) []Finding {
	return LintAt(budgets, pods, scale, time.Now())
}

// LintAt is Lint at the time now, which decides which disruptedPods entries
// of a budget's status still hide a pod (as in Compute), and so whether a
// budget allows a disruption at that time.
func LintAt(budgets []*policyv1.PodDisruptionBudget, pods []*corev1.Pod, scale ScaleFunc, now time.Time) []Finding {
	if scale == nil {
		scale = podCountScale(pods)
	}
	var findings []Finding
	for _, budget := range budgets {
		if budget != nil {
			findings = append(findings, lintBudget(budget, pods, scale, now)...)
		}
	}
	findings = append(findings, lintOverlaps(budgets, pods)...)
	slices.SortStableFunc(findings, func(a, b Finding) int {
		return cmp.Or(
			cmp.Compare(a.Budget.Namespace, b.Budget.Namespace),
			cmp.Compare(a.Budget.Name, b.Budget.Name),
			cmp.Compare(a.Severity.rank(), b.Severity.rank()),
			cmp.Compare(a.Kind, b.Kind),
		)
	})
	return findings
}

func lintBudget(budget *policyv1.PodDisruptionBudget, pods []*corev1.Pod, scale ScaleFunc, now time.Time) []Finding {
	key := types.NamespacedName{Namespace: budget.Namespace, Name: budget.Name}
	var findings []Finding
	add := func(kind FindingKind, severity Severity, format string, args ...any) *Finding {
		findings = append(findings, Finding{Budget: key, Kind: kind, Severity: severity, Message: fmt.Sprintf(format, args...)})
		return &findings[len(findings)-1]
	}

	for _, err := range flatten(validateSpec(budget)) {
		var invalid *InvalidBudgetError
		if errors.As(err, &invalid) {
			message := invalid.Field + ": " + invalid.Reason
			if invalid.Value != "" {
				message = invalid.Field + " " + invalid.Value + ": " + invalid.Reason
			}
			add(FindingInvalid, SeverityError, "%s", message).Err = invalid
		}
	}
	findings = append(findings, lintStatus(key, budget)...)

	if _, err := metav1.LabelSelectorAsSelector(budget.Spec.Selector); err != nil {
		return findings // reported as invalid; nothing is selected
	}
	result := evaluate(budget, pods, scale, now)
	switch {
	case budget.Spec.Selector == nil:
		add(FindingNoPods, SeverityWarning, "spec.selector is null, which in policy/v1 selects no pods, so the budget protects nothing; use {} to select every pod of the namespace, or match the workload's labels")
	case len(result.selected) == 0:
		add(FindingNoPods, SeverityWarning, "selector %s matches no pod in namespace %s, so the budget protects nothing; check the labels", metav1.FormatLabelSelector(budget.Spec.Selector), budget.Namespace)
	case len(budget.Spec.Selector.MatchLabels) == 0 && len(budget.Spec.Selector.MatchExpressions) == 0:
		add(FindingWholeNamespace, SeverityInfo, "the empty selector covers every pod of namespace %s (%d now); any other budget there overlaps it", budget.Namespace, len(result.selected))
	}

	if result.scaled && len(result.unmanaged) > 0 {
		names := podNames(result.unmanaged)
		severity, consequence := SeverityWarning, "expectedPods leaves them out"
		if len(result.unmanaged) == len(result.selected) {
			severity, consequence = SeverityError, "expectedPods stays 0 and the budget never allows a disruption"
		}
		add(FindingUnmanagedPods, severity, "%s (%s) %s no controller, and with %s the disruption controller counts only the replicas of controllers: %s; set minAvailable to an integer to count every pod",
			counted(len(names), "pod"), listNames(names), verb(len(names), "has", "have"), specName(budget), consequence).Pods = names
	}
	var invalid *InvalidBudgetError
	if result.sync != nil && errors.As(result.sync.Err, &invalid) {
		return findings // reported as invalid
	}
	if result.sync != nil {
		add(FindingControllerLookup, SeverityError, "the disruption controller cannot compute the budget (%s) and fails closed: every eviction under it answers 429; fix the pods' controllers or use an integer minAvailable", result.sync.Message)
		return findings
	}
	findings = append(findings, lintNeverAllows(key, budget, result, scale)...)
	return findings
}

// lintStatus looks at what the disruption controller last wrote.
func lintStatus(key types.NamespacedName, budget *policyv1.PodDisruptionBudget) []Finding {
	var findings []Finding
	if budget.Status.ObservedGeneration < budget.Generation {
		findings = append(findings, Finding{Budget: key, Kind: FindingGenerationNotObserved, Severity: SeverityWarning,
			Message: fmt.Sprintf("the disruption controller has not observed generation %d (observed %d); every eviction under the budget answers 429 until it does; check that kube-controller-manager runs the disruption controller",
				budget.Generation, budget.Status.ObservedGeneration)})
	}
	condition := apimeta.FindStatusCondition(budget.Status.Conditions, policyv1.DisruptionAllowedCondition)
	if condition != nil && condition.Reason == policyv1.SyncFailedReason {
		findings = append(findings, Finding{Budget: key, Kind: FindingSyncFailed, Severity: SeverityError,
			Message: fmt.Sprintf("the status says the disruption controller failed to sync the budget (%s), so it allows no disruption; fix the cause, often a pod controller without a /scale subresource", condition.Message)})
	}
	return findings
}

// lintNeverAllows finds budgets that allow nothing even with every pod
// healthy, and budgets that allow nothing now only because pods are not.
func lintNeverAllows(key types.NamespacedName, budget *policyv1.PodDisruptionBudget, result evaluation, scale ScaleFunc) []Finding {
	spec := budget.Spec
	if spec.MinAvailable != nil && spec.MaxUnavailable != nil {
		spec.MinAvailable = nil // the controller uses maxUnavailable
	}
	finding := func(kind FindingKind, format string, args ...any) []Finding {
		return []Finding{{Budget: key, Kind: kind, Severity: SeverityError, Message: fmt.Sprintf(format, args...)}}
	}
	switch {
	case spec.MaxUnavailable != nil && isZero(*spec.MaxUnavailable):
		return finding(FindingNeverAllows, "maxUnavailable %s never allows a voluntary disruption, so every drain of a node running its pods blocks; allow at least 1", spec.MaxUnavailable.String())
	case spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.String && spec.MinAvailable.StrVal == "100%":
		return finding(FindingNeverAllows, "minAvailable 100%% never allows a voluntary disruption, so every drain of a node running its pods blocks; use maxUnavailable 1 or a lower percentage")
	}
	if len(result.selected) == 0 {
		return nil
	}

	replicas, desired := result.status.ExpectedPods, result.status.DesiredHealthy
	if spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.Int {
		// The controller counts pods for an integer minAvailable; the
		// workload's replicas are what the budget is measured against once
		// every pod is back.
		if scaled, _, err := expectedScale(key, result.selected, scale); err == nil && len(unmanagedOf(result.selected)) == 0 {
			replicas = scaled
		}
	}
	if replicas > 0 && desired >= replicas {
		what := fmt.Sprintf("%s needs %d of %d replicas healthy", specName(budget), desired, replicas)
		if spec.MinAvailable != nil && spec.MinAvailable.Type == intstr.String || spec.MaxUnavailable != nil && spec.MaxUnavailable.Type == intstr.String {
			what += " (percentages round up)"
		}
		if replicas == 1 {
			return finding(FindingSingleReplica, "the workload has a single replica and %s, so every drain of its node blocks; scale it to 2 or more, or use maxUnavailable 1 if a short outage is acceptable", what)
		}
		return finding(FindingNeverAllows, "%s, so it never allows a voluntary disruption and every drain of a node running its pods blocks; lower it below the replicas", what)
	}
	if result.status.DisruptionsAllowed == 0 && result.status.ExpectedPods > 0 {
		return []Finding{{Budget: key, Kind: FindingNoDisruptionNow, Severity: SeverityInfo,
			Message: fmt.Sprintf("allows no disruption now: needs %d healthy pods and has %d; drains of nodes running its pods wait until more are Ready",
				result.status.DesiredHealthy, result.status.CurrentHealthy)}}
	}
	return nil
}

// lintOverlaps reports, for every budget, the pods it shares with others.
func lintOverlaps(budgets []*policyv1.PodDisruptionBudget, pods []*corev1.Pod) []Finding {
	type overlap struct {
		pods   []string
		others map[string]bool
	}
	overlaps := map[types.NamespacedName]*overlap{}
	compiled := compileSelectors(budgets)
	for _, pod := range pods {
		if pod == nil {
			continue
		}
		covering := compiled.covering(pod)
		if len(covering) < 2 {
			continue
		}
		for _, budget := range covering {
			key := types.NamespacedName{Namespace: budget.Namespace, Name: budget.Name}
			o := overlaps[key]
			if o == nil {
				o = &overlap{others: map[string]bool{}}
				overlaps[key] = o
			}
			o.pods = append(o.pods, pod.Name)
			for _, other := range covering {
				if other != budget {
					o.others[other.Name] = true
				}
			}
		}
	}
	var findings []Finding
	for key, o := range overlaps {
		others := make([]string, 0, len(o.others))
		for name := range o.others {
			others = append(others, name)
		}
		slices.Sort(others)
		slices.Sort(o.pods)
		findings = append(findings, Finding{Budget: key, Kind: FindingOverlap, Severity: SeverityError, Pods: o.pods, Budgets: others,
			Message: fmt.Sprintf("%s (%s) %s also covered by %s %s; the eviction API refuses (500) pods covered by more than one budget, so drains of their nodes block; make the selectors disjoint",
				counted(len(o.pods), "pod"), listNames(o.pods), verb(len(o.pods), "is", "are"), verb(len(others), "budget", "budgets"), listNames(others))})
	}
	return findings
}

// podCountScale is the fallback ScaleFunc of Lint: a controller's replicas
// are its pods among pods.
func podCountScale(pods []*corev1.Pod) ScaleFunc {
	counts := map[types.UID]int32{}
	for _, pod := range pods {
		if pod == nil {
			continue
		}
		if ref := metav1.GetControllerOf(pod); ref != nil {
			counts[ref.UID]++
		}
	}
	return func(_ string, ref metav1.OwnerReference) (Scale, error) {
		return Scale{Controller: ref.UID, Replicas: counts[ref.UID]}, nil
	}
}

func unmanagedOf(pods []*corev1.Pod) []*corev1.Pod {
	var out []*corev1.Pod
	for _, pod := range pods {
		if metav1.GetControllerOf(pod) == nil {
			out = append(out, pod)
		}
	}
	return out
}

func isZero(v intstr.IntOrString) bool {
	if v.Type == intstr.Int {
		return v.IntVal == 0
	}
	return validPercent.MatchString(v.StrVal) && strings.TrimLeft(strings.TrimSuffix(v.StrVal, "%"), "0") == ""
}

func specName(budget *policyv1.PodDisruptionBudget) string {
	if v := budget.Spec.MaxUnavailable; v != nil {
		return "maxUnavailable " + v.String()
	}
	if v := budget.Spec.MinAvailable; v != nil {
		return "minAvailable " + v.String()
	}
	return "no minAvailable or maxUnavailable"
}

func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		return joined.Unwrap()
	}
	return []error{err}
}

func podNames(pods []*corev1.Pod) []string {
	names := make([]string, len(pods))
	for i, pod := range pods {
		names[i] = pod.Name
	}
	slices.Sort(names)
	return names
}

// listNames names up to three items and counts the rest.
func listNames(names []string) string {
	const shown = 3
	if len(names) <= shown {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:shown], ", "), len(names)-shown)
}

// counted counts things: "1 pod", "3 pods".
func counted(n int, thing string) string {
	return fmt.Sprintf("%d %s", n, verb(n, thing, thing+"s"))
}

// verb picks the singular or plural form.
func verb(n int, singular, plural string) string {
	if n == 1 {
		return singular
	}
	return plural
}
