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
	"k8s.io/apimachinery/pkg/labels"

	"github.com/kubeprim/kubeprim/pdb"
)

// Plan says what a drain of the node would do, without changing anything,
// and always returns without waiting: every pod on the node with its
// action (evict, delete, wait, skip or blocked) and reason; for pods behind
// budgets, the budget's name and counts, with the drain's own evictions
// counted one after another (a pod whose budget the node's earlier pods use
// up waits for their replacements; one whose budget allows nothing now is
// blocked); the pods whose replacements would have nowhere to go when the
// node's pods are placed together, per the scheduler's filters and
// scoring; and the budgets' lint findings.
//
// It lists every node, every pod and every budget once: the node, its
// pods, the fit check and the lint all come from those lists. When nodes
// cannot be listed (RBAC), it reads the node alone and says in a finding
// that there is no fit check; when budgets cannot be listed, the plan says
// so in a finding and judges pods without them.
func (d *Drainer) Plan(ctx context.Context, nodeName string) (*Plan, error) {
	if nodeName == "" {
		return nil, &OptionsError{Field: "node name", Reason: "is empty"}
	}
	r := newRun(d)
	b := newBackoff(d.opts.MinRetryInterval, d.opts.MaxRetryInterval)
	var findings []Finding
	var nodes []*corev1.Node
	err := retryQuick(ctx, b, func() error {
		var err error
		nodes, err = listNodes(ctx, r.api)
		return err
	}, nil)
	var node *corev1.Node
	switch {
	case err == nil:
		for _, n := range nodes {
			if n.Name == nodeName {
				node = n
			}
		}
		if node == nil {
			return nil, &NodeError{Node: nodeName, Err: ErrNodeNotFound}
		}
	case apierrors.IsForbidden(err):
		logr.FromContextOrDiscard(ctx).Info("fit check skipped", "node", nodeName, "error", err.Error())
		findings = append(findings, Finding{Severity: "Warning", Message: "no fit check: nodes cannot be listed (" + err.Error() + ")"})
		nodes = nil
		if node, err = r.getNode(ctx, nodeName); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("plan node %s: list nodes: %w", nodeName, err)
	}
	var all []*corev1.Pod
	err = retryQuick(ctx, b, func() error {
		var err error
		all, err = listAllPods(ctx, r.api)
		return err
	}, nil)
	if err != nil {
		return nil, fmt.Errorf("plan node %s: list pods: %w", nodeName, err)
	}
	var pods []*corev1.Pod
	for _, pod := range all {
		if pod.Spec.NodeName == nodeName && d.selector.Matches(labels.Set(pod.Labels)) {
			pods = append(pods, pod)
		}
	}
	budgets, _, err := listBudgets(ctx, r.api)
	if err != nil {
		if !apierrors.IsForbidden(err) {
			return nil, fmt.Errorf("plan node %s: list budgets: %w", nodeName, err)
		}
		findings = append(findings, Finding{Severity: "Warning", Message: "budgets cannot be listed (" + err.Error() + "); the plan does not account for them"})
		budgets = nil
	}
	plan := buildPlan(nodeName, node.Spec.Unschedulable, pods, budgets, &d.opts, time.Now())
	if nodes != nil {
		if err := checkFit(nodeName, nodes, all, plan, pods); err != nil {
			findings = append(findings, Finding{Severity: "Warning", Message: "no fit check: " + err.Error()})
		}
	}
	findings = append(findings, r.planVolumes(ctx, plan, pods)...)
	plan.Findings = append(findings, lintFindings(budgets, all, plan, pdb.ClientScale(ctx, d.client))...)
	return plan, nil
}

// listNodes lists every node, page by page.
func listNodes(ctx context.Context, a *api) ([]*corev1.Node, error) {
	opts := metav1.ListOptions{Limit: listChunk}
	var nodes []*corev1.Node
	for {
		list, err := a.listNodes(ctx, opts)
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			nodes = append(nodes, &list.Items[i])
		}
		if list.Continue == "" {
			return nodes, nil
		}
		opts.Continue = list.Continue
	}
}

// listAllPods lists the pods of every namespace, page by page.
func listAllPods(ctx context.Context, a *api) ([]*corev1.Pod, error) {
	opts := metav1.ListOptions{Limit: listChunk}
	var pods []*corev1.Pod
	for {
		list, err := a.listPods(ctx, opts)
		if err != nil {
			return nil, err
		}
		for i := range list.Items {
			pods = append(pods, &list.Items[i])
		}
		if list.Continue == "" {
			return pods, nil
		}
		opts.Continue = list.Continue
	}
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
