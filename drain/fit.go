package drain

import (
	"cmp"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/scheduling"
)

// checkFit marks the pods whose replacements would have nowhere to go when
// the node's pods leave together. The node is cordoned as Drainable
// cordons it; every pod the drain removes is taken off it; then the
// replacements of those a controller recreates elsewhere are placed one
// after another with the scheduler's filters and scoring
// (scheduling.Place), so that each one sees the room the ones before it
// took: the higher priorities first, as the scheduler's queue takes them,
// otherwise in the drain's order. A pod whose replacement does not fit is
// blocked with ReasonNoFit and the scheduler's message at that point, which
// says too when it would fit on its own.
//
// Which pods leave and which need a place follows the drain's own
// classification (the plan), not DrainExemption's defaults: a pod that
// opted out, waits to complete or is blocked for want of Force stays where
// it is and takes no room elsewhere.
func checkFit(nodeName string, nodes []*corev1.Node, all []*corev1.Pod, plan *Plan, nodePods []*corev1.Pod) error {
	byUID := make(map[string]*corev1.Pod, len(nodePods))
	for _, pod := range nodePods {
		byUID[podKey(pod)] = pod
	}
	leaving := map[string]bool{}
	var moving []int // indexes in plan.Pods
	for i, p := range plan.Pods {
		pod := byUID[p.Ref().key()]
		if pod == nil || !leaves(p) {
			continue
		}
		leaving[p.Ref().key()] = true
		if recreatedElsewhere(pod) {
			moving = append(moving, i)
		}
	}
	if len(moving) == 0 {
		return nil
	}

	snapshotNodes := make([]*corev1.Node, 0, len(nodes))
	known := make(map[string]bool, len(nodes))
	for _, n := range nodes {
		if n.Name == nodeName {
			n = cordoned(n)
		}
		snapshotNodes = append(snapshotNodes, n)
		known[n.Name] = true
	}
	staying := make([]*corev1.Pod, 0, len(all))
	for _, pod := range all {
		// Pods of nodes gone since are left out, as the scheduler does.
		if known[pod.Spec.NodeName] && !(pod.Spec.NodeName == nodeName && leaving[podKey(pod)]) {
			staying = append(staying, pod)
		}
	}
	sim, err := scheduling.NewSimulator(snapshotNodes, staying)
	if err != nil {
		return fmt.Errorf("build scheduler snapshot: %w", err)
	}

	slices.SortStableFunc(moving, func(a, b int) int {
		return cmp.Compare(podPriority(byUID[plan.Pods[b].Ref().key()]), podPriority(byUID[plan.Pods[a].Ref().key()]))
	})
	replacements := make([]*corev1.Pod, len(moving))
	for k, i := range moving {
		replacements[k] = replacementOf(byUID[plan.Pods[i].Ref().key()])
	}
	res := sim.Place(replacements)
	if res.Unplaced == 0 {
		return nil
	}
	// Which of the unplaced ones would fit on their own: take the placed
	// replacements out again, last first, and ask.
	for k := len(replacements) - 1; k >= 0; k-- {
		if res.Placements[k].Placed() {
			if err := sim.Remove(replacements[k]); err != nil {
				return fmt.Errorf("scheduler snapshot: %w", err)
			}
		}
	}
	for k, pl := range res.Placements {
		p := &plan.Pods[moving[k]]
		if pl.Placed() || p.Action == ActionBlocked {
			// A pod its budgets block keeps that reason; its replacement
			// still took its turn for room.
			continue
		}
		p.Action, p.Reason = ActionBlocked, ReasonNoFit
		if feasible, _ := sim.Feasible(replacements[k]); len(feasible) > 0 {
			p.Message = fmt.Sprintf("its replacement fits %d other node(s) on its own, but not once the replacements placed before it have taken their room: %s",
				len(feasible), pl.Message)
		} else {
			p.Message = "no other node fits its replacement: " + pl.Message
		}
	}
	return nil
}

// leaves says whether the drain removes the pod from the node: those it
// evicts or deletes, those its budgets hold back for now, and those
// already terminating.
func leaves(p PodPlan) bool {
	switch p.Action {
	case ActionEvict, ActionDelete:
		return true
	case ActionBlocked:
		return p.Reason == ReasonBudget || p.Reason == ReasonMultipleBudgets
	case ActionWait:
		return p.Reason == ReasonTerminating
	}
	return false
}

// recreatedElsewhere says whether a controller recreates the pod, on
// another node, once it is gone: not a DaemonSet's (recreated on the same
// node), not a pod without controller, not one already terminating (its
// replacement exists already).
func recreatedElsewhere(pod *corev1.Pod) bool {
	c := metav1.GetControllerOfNoCopy(pod)
	return c != nil && !isDaemonSet(c) && pod.DeletionTimestamp == nil
}

// replacementOf is the pod its controller would create in place of pod:
// same metadata and spec, not bound, no status.
func replacementOf(pod *corev1.Pod) *corev1.Pod {
	r := &corev1.Pod{TypeMeta: pod.TypeMeta, ObjectMeta: pod.ObjectMeta, Spec: pod.Spec}
	r.DeletionTimestamp, r.DeletionGracePeriodSeconds = nil, nil
	r.Spec.NodeName = ""
	return r
}

// cordoned is a copy of node as cordoning leaves it: unschedulable, with
// the node.kubernetes.io/unschedulable:NoSchedule taint the node lifecycle
// controller adds.
func cordoned(node *corev1.Node) *corev1.Node {
	c := *node
	c.Spec.Unschedulable = true
	for _, t := range node.Spec.Taints {
		if t.Key == corev1.TaintNodeUnschedulable && t.Effect == corev1.TaintEffectNoSchedule {
			return &c
		}
	}
	c.Spec.Taints = append(slices.Clip(node.Spec.Taints), corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	return &c
}

func podPriority(pod *corev1.Pod) int32 {
	if pod.Spec.Priority != nil {
		return *pod.Spec.Priority
	}
	return 0
}
