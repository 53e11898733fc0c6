package drain

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/pdb"
	"github.com/kubeprim/kubeprim/scheduling"
)

// Plan says what a drain of the node would do, without changing anything,
// and always returns without waiting: every pod on the node with its
// action (evict, delete, wait, skip or blocked) and reason; for pods behind
// budgets, the budget's name and counts, with the drain's own evictions
// counted one after another (a pod whose budget the node's earlier pods use
// up waits for their replacements; one whose budget allows nothing now is
// blocked); pods no other node can take, per the scheduler's filters; and
// the budgets' lint findings.
//
// It reads the node, the node's pods, every budget, and for the fit check
// every node and pod of the cluster. When budgets cannot be listed the plan
// says so in a finding and judges pods without them.
func (d *Drainer) Plan(ctx context.Context, nodeName string) (*Plan, error) {
	if nodeName == "" {
		return nil, &OptionsError{Field: "node name", Reason: "is empty"}
	}
	r := newRun(d)
	node, err := r.getNode(ctx, nodeName)
	if err != nil {
		return nil, err
	}
	var pods []*corev1.Pod
	err = retryQuick(ctx, newBackoff(d.opts.MinRetryInterval, d.opts.MaxRetryInterval), func() error {
		var err error
		pods, _, err = listNodePods(ctx, r.api, nodeName, d.selector)
		return err
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("plan node %s: list pods: %w", nodeName, err)
	}
	var findings []Finding
	budgets, _, err := listBudgets(ctx, r.api)
	if err != nil {
		if !apierrors.IsForbidden(err) {
			return nil, fmt.Errorf("plan node %s: list budgets: %w", nodeName, err)
		}
		findings = append(findings, Finding{Severity: "Warning", Message: "budgets cannot be listed (" + err.Error() + "); the plan does not account for them"})
		budgets = nil
	}
	plan := buildPlan(nodeName, node.Spec.Unschedulable, pods, budgets, &d.opts, time.Now())

	// The fit check and the lint want the whole cluster.
	nodes, all, err := listCluster(ctx, r.api)
	if err != nil {
		logr.FromContextOrDiscard(ctx).Info("fit check and lint skipped", "node", nodeName, "error", err.Error())
		findings = append(findings, Finding{Severity: "Warning", Message: "no fit check: " + err.Error()})
		all = pods
	} else if err := checkFit(node, nodes, all, plan, pods); err != nil {
		findings = append(findings, Finding{Severity: "Warning", Message: "no fit check: " + err.Error()})
	}
	plan.Findings = append(findings, lintFindings(budgets, all, plan, pdb.ClientScale(ctx, d.client))...)
	return plan, nil
}

// listCluster lists every node and pod, for the fit check and the lint.
func listCluster(ctx context.Context, a *api) ([]corev1.Node, []*corev1.Pod, error) {
	nodes, err := a.listNodes(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("list nodes: %w", err)
	}
	list, err := a.listPods(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, nil, fmt.Errorf("list pods: %w", err)
	}
	pods := make([]*corev1.Pod, len(list.Items))
	for i := range list.Items {
		pods[i] = &list.Items[i]
	}
	return nodes.Items, pods, nil
}

// checkFit marks evictable controller-owned pods that no other node can
// take, with the scheduler's diagnosis. The node itself counts as cordoned.
// Pods are checked one by one against the cluster as it is, so several pods
// competing for the same free room may each look as if they fit.
func checkFit(node *corev1.Node, nodes []corev1.Node, all []*corev1.Pod, plan *Plan, nodePods []*corev1.Pod) error {
	snapshotNodes := make([]*corev1.Node, 0, len(nodes))
	known := map[string]bool{}
	for i := range nodes {
		n := &nodes[i]
		if n.Name == node.Name {
			n = n.DeepCopy()
			n.Spec.Unschedulable = true
		}
		snapshotNodes = append(snapshotNodes, n)
		known[n.Name] = true
	}
	var running []*corev1.Pod
	for _, p := range all {
		if known[p.Spec.NodeName] && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			running = append(running, p)
		}
	}
	sim, err := scheduling.NewSimulator(snapshotNodes, running)
	if err != nil {
		return fmt.Errorf("build scheduler snapshot: %w", err)
	}
	byUID := map[string]*corev1.Pod{}
	for _, p := range nodePods {
		byUID[string(p.UID)] = p
	}
	for i := range plan.Pods {
		p := &plan.Pods[i]
		pod := byUID[string(p.UID)]
		if p.Action != ActionEvict || pod == nil || metav1.GetControllerOf(pod) == nil || isDaemonSet(metav1.GetControllerOf(pod)) {
			continue
		}
		replacement := pod.DeepCopy()
		replacement.Spec.NodeName = ""
		replacement.Status = corev1.PodStatus{}
		if feasible, diagnosis := sim.Feasible(replacement); len(feasible) == 0 {
			p.Action, p.Reason, p.Message = ActionBlocked, ReasonNoFit, "no other node fits its replacement: "+diagnosis.Error()
		}
	}
	return nil
}

// lintFindings returns pdb.Lint's findings on the budgets that cover pods
// of the node.
func lintFindings(budgets []*policyv1.PodDisruptionBudget, pods []*corev1.Pod, plan *Plan, scale pdb.ScaleFunc) []Finding {
	relevant := map[string]bool{}
	for _, b := range plan.Budgets {
		relevant[b.Namespace+"/"+b.Name] = true
	}
	var selected []*policyv1.PodDisruptionBudget
	for _, b := range budgets {
		if relevant[b.Namespace+"/"+b.Name] {
			selected = append(selected, b)
		}
	}
	var findings []Finding
	for _, f := range pdb.Lint(selected, pods, scale) {
		findings = append(findings, Finding{
			Namespace: f.Budget.Namespace, Budget: f.Budget.Name,
			Kind: string(f.Kind), Severity: string(f.Severity), Message: f.Message,
		})
	}
	return findings
}
