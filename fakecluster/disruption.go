package fakecluster

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"

	"github.com/kubeprim/kubeprim/pdb"
)

// syncBudgetsLocked is the disruption controller: it recomputes the status
// of the budgets of every namespace where something changed, with
// pdb.Compute, and writes those that differ. It reports whether it wrote.
func (c *Cluster) syncBudgetsLocked() bool {
	namespaces := make([]string, 0, len(c.dirty))
	for ns := range c.dirty {
		namespaces = append(namespaces, ns)
	}
	sort.Strings(namespaces)
	clear(c.dirty)
	scale := pdb.ClientScale(c.ctx, c.reader)
	now := time.Now()
	wrote := false
	for _, ns := range namespaces {
		var pods []*corev1.Pod
		for _, obj := range c.objectsLocked(podsResource, ns) {
			pods = append(pods, obj.(*corev1.Pod))
		}
		for _, obj := range c.objectsLocked(budgetsResource, ns) {
			budget := obj.(*policyv1.PodDisruptionBudget)
			// A budget the controller cannot compute gets the fail-closed
			// status Compute returns with its error.
			status, _ := pdb.Compute(budget, pods, scale, now)
			c.expireLater(ns, status, now)
			if apiequality.Semantic.DeepEqual(status, budget.Status) {
				continue
			}
			next := budget.DeepCopy()
			next.Status = status
			next.ResourceVersion = ""
			if c.tracker.Update(budgetsResource, next, ns) == nil {
				wrote = true
			}
		}
	}
	return wrote
}

// expireLater recomputes the namespace's budgets when the oldest entry of
// status.disruptedPods expires, as the controller requeues a budget then.
func (c *Cluster) expireLater(namespace string, status policyv1.PodDisruptionBudgetStatus, now time.Time) {
	var earliest time.Time
	for _, at := range status.DisruptedPods {
		if earliest.IsZero() || at.Time.Before(earliest) {
			earliest = at.Time
		}
	}
	if earliest.IsZero() {
		return
	}
	due := earliest.Add(pdb.DeletionTimeout + time.Second)
	if scheduled, ok := c.expiry[namespace]; ok && !scheduled.After(due) && scheduled.After(now) {
		return
	}
	c.expiry[namespace] = due
	c.after(max(due.Sub(now), time.Second), func() {
		delete(c.expiry, namespace)
		c.dirty[namespace] = true
	})
}
