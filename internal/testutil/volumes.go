package testutil

import (
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Claim adds a volume named volume that mounts the PersistentVolumeClaim
// claim.
func (b *DrainPodBuilder) Claim(volume, claim string) *DrainPodBuilder {
	b.pod.Spec.Volumes = append(b.pod.Spec.Volumes, corev1.Volume{
		Name: volume, VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}},
	})
	return b
}

// BoundClaim returns a PersistentVolumeClaim bound to the volume pv (phase
// Bound), or unbound (Pending) when pv is empty.
func BoundClaim(namespace, name, pv string) *corev1.PersistentVolumeClaim {
	phase := corev1.ClaimBound
	if pv == "" {
		phase = corev1.ClaimPending
	}
	return &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, UID: types.UID("uid-" + name)},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			VolumeName:  pv,
		},
		Status: corev1.PersistentVolumeClaimStatus{Phase: phase},
	}
}

// VolumeAttachment returns an attached VolumeAttachment of the CSI driver
// ebs.csi.aws.com for the volume pv on node, as the attach-detach
// controller names and fills them.
func VolumeAttachment(name, node, pv string) *storagev1.VolumeAttachment {
	return &storagev1.VolumeAttachment{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-" + name)},
		Spec: storagev1.VolumeAttachmentSpec{
			Attacher: "ebs.csi.aws.com",
			NodeName: node,
			Source:   storagev1.VolumeAttachmentSource{PersistentVolumeName: &pv},
		},
		Status: storagev1.VolumeAttachmentStatus{Attached: true},
	}
}
