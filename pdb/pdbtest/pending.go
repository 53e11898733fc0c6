package pdbtest

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"

	"github.com/kubeprim/kubeprim/pdb"
)

// terminationEnd is when the kubelet removes a terminating pod: once its
// containers have stopped, at the latest when its grace period ends. ok is
// false for a pod that is not terminating or whose kubelet never reports.
// Finalizers are the caller's business.
func (s *Server) terminationEnd(pod *corev1.Pod) (time.Time, bool) {
	if pod.DeletionTimestamp == nil {
		return time.Time{}, false
	}
	end := pod.DeletionTimestamp.Time
	grace := time.Duration(0)
	if pod.DeletionGracePeriodSeconds != nil {
		if *pod.DeletionGracePeriodSeconds == 0 {
			// A force deletion: the API server removes the object itself
			// once the finalizers are gone; no kubelet takes part.
			return end, true
		}
		grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	}
	if s.termination == nil {
		return end, true
	}
	stop, ok := s.termination(pod)
	if !ok {
		return time.Time{}, false
	}
	// deletionTimestamp is the start of the termination plus the grace
	// period, also after a second delete shortened it.
	if stop < grace {
		end = end.Add(max(stop, 0) - grace)
	}
	return end, true
}

// NextChange returns the next time at which the Server would change
// something without being asked: a graceful termination ending, or an
// entry of a budget's disruptedPods ageing out (pdb.DeletionTimeout) and
// being dropped. ok is false when nothing is pending; pods held by
// finalizers or by an unreachable kubelet (WithTermination) wait for a
// request and are not pending.
//
// The Server does its work only when a request or Sync comes. A fake that
// serves watches, which make no requests, calls Sync at that time so that
// watchers see the change when a cluster would show it; fakecluster does.
func (s *Server) NextChange() (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var next time.Time
	consider := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if obj, err := s.tracker.List(podsResource, podKind, ""); err == nil {
		for i := range obj.(*corev1.PodList).Items {
			pod := &obj.(*corev1.PodList).Items[i]
			if len(pod.Finalizers) > 0 {
				continue
			}
			if end, ok := s.terminationEnd(pod); ok {
				consider(end)
			}
		}
	}
	if obj, err := s.tracker.List(budgetsResource, budgetKind, ""); err == nil {
		for _, budget := range obj.(*policyv1.PodDisruptionBudgetList).Items {
			for _, at := range budget.Status.DisruptedPods {
				// The pod counts as healthy again at exactly
				// DeletionTimeout, and its entry goes once older than that;
				// times are stored to the second.
				consider(at.Add(pdb.DeletionTimeout))
				consider(at.Add(pdb.DeletionTimeout + time.Second))
			}
		}
	}
	return next, !next.IsZero()
}
