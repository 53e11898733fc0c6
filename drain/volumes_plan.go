package drain

import (
	"context"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// planVolumes sets plan.VolumeAttachments when the options ask to wait for
// volumes: the node's attachments of the volumes of the pods the plan
// removes, less those a pod that stays also uses. What it cannot read
// becomes a finding, as for budgets: a plan always finishes.
func (r *run) planVolumes(ctx context.Context, plan *Plan, pods []*corev1.Pod) []Finding {
	if !r.opts.WaitForVolumeDetach {
		return nil
	}
	warn := func(err error) []Finding {
		return []Finding{{Severity: "Warning", Message: "volume attachments to wait for are unknown: " + err.Error()}}
	}
	byKey := make(map[string]*corev1.Pod, len(pods))
	for _, pod := range pods {
		byKey[podKey(pod)] = pod
	}
	var removed []string
	held := map[string]bool{}
	for _, p := range plan.Pods {
		pod := byKey[p.Ref().key()]
		if pod == nil {
			continue
		}
		switch {
		case p.Action == ActionEvict, p.Action == ActionDelete, p.Action == ActionWait,
			p.Action == ActionBlocked && (p.Reason == ReasonBudget || p.Reason == ReasonMultipleBudgets):
			removed = append(removed, podClaims(pod)...)
		case pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
			for _, c := range podClaims(pod) {
				held[c] = true
			}
		}
	}
	volumes := map[string]bool{}
	for _, claim := range removed {
		if held[claim] {
			continue
		}
		volume, err := r.claimVolume(ctx, claim)
		if err != nil {
			return warn(err)
		}
		if volume != "" {
			volumes[volume] = true
		}
	}
	if len(volumes) == 0 {
		return nil
	}
	list, _, err := listAttachments(ctx, r.api)
	if apierrors.IsForbidden(err) {
		err = &PermissionError{Verb: "list", Resource: attachmentsResource, Option: waitForVolumeDetach, Err: err}
	}
	if err != nil {
		return warn(err)
	}
	for _, va := range list {
		if pv := va.Spec.Source.PersistentVolumeName; va.Spec.NodeName == plan.Node && pv != nil && volumes[*pv] {
			plan.VolumeAttachments = append(plan.VolumeAttachments, va.Name)
		}
	}
	sort.Strings(plan.VolumeAttachments)
	return nil
}
