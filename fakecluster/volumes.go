package fakecluster

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/component-helpers/storage/ephemeral"
)

var (
	claimsResource      = schema.GroupVersionResource{Version: "v1", Resource: "persistentvolumeclaims"}
	attachmentsResource = schema.GroupVersionResource{Group: "storage.k8s.io", Version: "v1", Resource: "volumeattachments"}
)

// detachLocked plays the attach-detach controller and the CSI attacher for
// a pod that is gone: after Options.DetachDelay, the VolumeAttachment of
// each volume its claims are bound to is deleted from its node, unless
// another pod still on the node uses that claim then. The cluster attaches
// nothing: tests create the VolumeAttachments, PersistentVolumeClaims and
// PersistentVolumes they need (a claim is bound through spec.volumeName).
func (c *Cluster) detachLocked(pod *corev1.Pod) {
	node := pod.Spec.NodeName
	if node == "" {
		return
	}
	claims := podClaimNames(pod)
	if len(claims) == 0 {
		return
	}
	detach := func() {
		for _, claim := range claims {
			if c.claimUsedLocked(pod.Namespace, claim, node) {
				continue
			}
			obj, err := c.tracker.Get(claimsResource, pod.Namespace, claim)
			pvc, _ := obj.(*corev1.PersistentVolumeClaim)
			if err != nil || pvc.Spec.VolumeName == "" {
				continue
			}
			for _, obj := range c.objectsLocked(attachmentsResource, "") {
				va := obj.(*storagev1.VolumeAttachment)
				pv := va.Spec.Source.PersistentVolumeName
				if va.Spec.NodeName == node && pv != nil && *pv == pvc.Spec.VolumeName {
					_ = c.tracker.Delete(attachmentsResource, "", va.Name)
				}
			}
		}
	}
	if c.opts.DetachDelay == 0 {
		detach()
		return
	}
	c.after(c.opts.DetachDelay, detach)
}

// claimUsedLocked says whether a pod on the node that has not finished
// uses the claim.
func (c *Cluster) claimUsedLocked(namespace, claim, node string) bool {
	for _, obj := range c.objectsLocked(podsResource, namespace) {
		pod := obj.(*corev1.Pod)
		if pod.Spec.NodeName != node || pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		for _, name := range podClaimNames(pod) {
			if name == claim {
				return true
			}
		}
	}
	return false
}

// podClaimNames returns the names of the pod's claims, generic ephemeral
// ones included.
func podClaimNames(pod *corev1.Pod) []string {
	var out []string
	for i := range pod.Spec.Volumes {
		vol := &pod.Spec.Volumes[i]
		switch {
		case vol.PersistentVolumeClaim != nil:
			out = append(out, vol.PersistentVolumeClaim.ClaimName)
		case vol.Ephemeral != nil:
			out = append(out, ephemeral.VolumeClaimName(pod, vol))
		}
	}
	return out
}
