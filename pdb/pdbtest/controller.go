package pdbtest

import (
	"errors"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/util/uuid"

	"github.com/kubeprim/kubeprim/pdb"
)

// syncBudgets is one pass of the disruption controller over every budget:
// the status pdb.Compute gives, written when it differs from the stored
// one. It returns the errors of the budgets it fails closed on.
func (s *Server) syncBudgets() error {
	obj, err := s.tracker.List(podsResource, podKind, "")
	if err != nil {
		return err
	}
	podsByNamespace := map[string][]*corev1.Pod{}
	pods := obj.(*corev1.PodList).Items
	for i := range pods {
		podsByNamespace[pods[i].Namespace] = append(podsByNamespace[pods[i].Namespace], &pods[i])
	}
	budgets, err := s.budgets("")
	if err != nil {
		return err
	}
	now := s.now()
	var errs []error
	for _, budget := range budgets {
		status, err := pdb.Compute(budget, podsByNamespace[budget.Namespace], s.scale, now)
		var syncErr *pdb.SyncError
		if errors.As(err, &syncErr) {
			errs = append(errs, syncErr)
		}
		if apiequality.Semantic.DeepEqual(status, budget.Status) {
			continue
		}
		budget.Status = status
		budget.ResourceVersion = s.nextResourceVersion()
		if err := s.tracker.Update(budgetsResource, budget, budget.Namespace); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// normalize gives objects that reached the tracker without the API server
// (seeded, or added through client.Tracker()) a UID and a resourceVersion.
func (s *Server) normalize() {
	if obj, err := s.tracker.List(podsResource, podKind, ""); err == nil {
		for _, pod := range obj.(*corev1.PodList).Items {
			if pod.UID == "" || pod.ResourceVersion == "" {
				if pod.UID == "" {
					pod.UID = uuid.NewUUID()
				}
				pod.ResourceVersion = s.nextResourceVersion()
				_ = s.tracker.Update(podsResource, &pod, pod.Namespace)
			}
		}
	}
	if obj, err := s.tracker.List(budgetsResource, budgetKind, ""); err == nil {
		for _, budget := range obj.(*policyv1.PodDisruptionBudgetList).Items {
			if budget.UID == "" || budget.ResourceVersion == "" {
				if budget.UID == "" {
					budget.UID = uuid.NewUUID()
				}
				budget.ResourceVersion = s.nextResourceVersion()
				_ = s.tracker.Update(budgetsResource, &budget, budget.Namespace)
			}
		}
	}
}
