package drain

import (
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"

	"github.com/kubeprim/kubeprim/pdb"
)

// buildPlan classifies the node's pods and then walks the evictable ones in
// drain order against the budgets, counting each eviction the plan makes:
// a pod whose budget is used up by earlier pods of the same plan waits for
// their replacements; a pod whose budget allows nothing even before the
// drain starts is blocked, with the budget's own explanation.
func buildPlan(nodeName string, unschedulable bool, pods []*corev1.Pod, budgets []*policyv1.PodDisruptionBudget, opts *Options, now time.Time) *Plan {
	plan := &Plan{Node: nodeName, Unschedulable: unschedulable}
	byUID := map[string]*corev1.Pod{}
	for _, pod := range pods {
		c := classify(pod, opts, now)
		p := PodPlan{
			Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
			Action: c.Action, Reason: c.Reason, Message: c.Message, Tier: c.tier, Order: c.order,
		}
		if opts.Escalation != nil && (p.Action == ActionEvict || p.Action == ActionDelete || p.Action == ActionWait) {
			policy := opts.Escalation(pod)
			if err := policy.validate(opts.Timeout); err != nil {
				p.Action, p.Reason, p.Message = ActionBlocked, ReasonInvalidEscalation, "escalation policy: "+err.Error()
			} else {
				p.escalation, p.Escalation = policy, policy.String()
			}
		}
		plan.Pods = append(plan.Pods, p)
		byUID[podKey(pod)] = pod
	}
	sortPlans(plan.Pods)

	// The tracker sees the budgets as this plan's earlier evictions leave
	// them.
	tracker := pdb.NewTracker(budgets, pdb.TrackerOptions{Now: func() time.Time { return now }})
	covered := map[string]int{}
	for i := range plan.Pods {
		p := &plan.Pods[i]
		pod := byUID[p.Ref().key()]
		before := pdb.Covering(pod, budgets)
		for _, b := range before {
			p.Budgets = append(p.Budgets, b.Name)
			covered[b.Namespace+"/"+b.Name]++
		}
		if p.Action != ActionEvict || len(before) == 0 {
			continue
		}
		step := tracker.Evict(pod)
		decision := step.Decision
		switch {
		case decision.Reason == pdb.ReasonMultipleBudgets:
			p.Action, p.Reason, p.Message = ActionBlocked, ReasonMultipleBudgets, decision.Message
		case decision.Allowed:
		case pdb.CheckEviction(pod, budgets).Allowed:
			// Allowed on its own, refused after this plan's earlier
			// evictions: it waits for their replacements.
			p.Reason = ReasonWaitsForBudget
			p.Message = fmt.Sprintf("waits for earlier evictions under budget %s to be replaced: %s", decision.Budget, decision.Message)
		default:
			p.Action, p.Reason, p.Message = ActionBlocked, ReasonBudget, decision.Message
		}
	}

	for _, b := range budgets {
		key := b.Namespace + "/" + b.Name
		if covered[key] == 0 {
			continue
		}
		plan.Budgets = append(plan.Budgets, BudgetState{
			Namespace: b.Namespace, Name: b.Name,
			ExpectedPods: b.Status.ExpectedPods, DesiredHealthy: b.Status.DesiredHealthy,
			CurrentHealthy: b.Status.CurrentHealthy, DisruptionsAllowed: b.Status.DisruptionsAllowed,
			PodsOnNode: covered[key],
		})
	}
	sort.Slice(plan.Budgets, func(i, j int) bool {
		a, b := plan.Budgets[i], plan.Budgets[j]
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		return a.Name < b.Name
	})
	return plan
}

// planPods plans pods of a node being drained, against the live budgets.
func (r *run) planPods(nodeName string, pods []*corev1.Pod) *Plan {
	return buildPlan(nodeName, true, pods, r.budgets.all(), &r.opts, time.Now())
}
