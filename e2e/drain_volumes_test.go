package e2e_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/utils/ptr"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/e2e/cluster"
)

// With WaitForVolumeDetach, a drain on the real API server ends only once
// the VolumeAttachment of the volume its pod used on the node is gone:
// the claim is read, the attachments are listed and watched at the paths
// the API server serves, and the deletion is seen through the watch.
func TestDrainWaitsForVolumeDetach(t *testing.T) {
	ns := newNamespace(t, "drain-volumes")
	const node = "volumes-src"
	createNodes(t, cluster.Node(node, "4", "8Gi", 110))
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	core, storage := kube.Client().CoreV1(), kube.Client().StorageV1()

	// A volume bound to its claim by name: nothing here needs a storage
	// provisioner, and no attach-detach controller manages a kwok node, so
	// the attachment below goes only when the test deletes it.
	pv := &corev1.PersistentVolume{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-data"},
		Spec: corev1.PersistentVolumeSpec{
			Capacity:                      corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")},
			AccessModes:                   []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			PersistentVolumeSource:        corev1.PersistentVolumeSource{CSI: &corev1.CSIPersistentVolumeSource{Driver: "e2e.csi.kubeprim.dev", VolumeHandle: ns}},
			ClaimRef:                      &corev1.ObjectReference{Namespace: ns, Name: "data"},
			PersistentVolumeReclaimPolicy: corev1.PersistentVolumeReclaimRetain,
			StorageClassName:              "",
		},
	}
	_, err := core.PersistentVolumes().Create(ctx, pv, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = core.PersistentVolumes().Delete(context.Background(), pv.Name, metav1.DeleteOptions{}) })
	_, err = core.PersistentVolumeClaims(ns).Create(ctx, &corev1.PersistentVolumeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "data"},
		Spec: corev1.PersistentVolumeClaimSpec{
			AccessModes:      []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
			Resources:        corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceStorage: resource.MustParse("1Gi")}},
			VolumeName:       pv.Name,
			StorageClassName: ptr.To(""),
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)

	_, err = core.Pods(ns).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "db-0", Annotations: fastKwok},
		Spec: corev1.PodSpec{
			NodeName:                      node,
			TerminationGracePeriodSeconds: ptr.To(int64(1)),
			Containers:                    []corev1.Container{{Name: "db", Image: "registry.k8s.io/pause:3.10"}},
			Volumes: []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{
				PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"},
			}}},
		},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	attachment := &storagev1.VolumeAttachment{
		ObjectMeta: metav1.ObjectMeta{Name: ns + "-va"},
		Spec: storagev1.VolumeAttachmentSpec{
			Attacher: "e2e.csi.kubeprim.dev", NodeName: node,
			Source: storagev1.VolumeAttachmentSource{PersistentVolumeName: ptr.To(pv.Name)},
		},
	}
	_, err = storage.VolumeAttachments().Create(ctx, attachment, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = storage.VolumeAttachments().Delete(context.Background(), attachment.Name, metav1.DeleteOptions{})
	})
	waitUntil(t, time.Minute, "db-0 Ready", func(ctx context.Context) error {
		pod, err := core.Pods(ns).Get(ctx, "db-0", metav1.GetOptions{})
		if err == nil && !podReady(pod) {
			err = fmt.Errorf("db-0 is %s and not Ready", pod.Status.Phase)
		}
		return err
	})

	// The "CSI driver" detaches 3 s after the pod is gone.
	detached := make(chan time.Time, 1)
	go func() {
		defer close(detached)
		w, err := core.Pods(ns).Watch(ctx, metav1.ListOptions{FieldSelector: fields.OneTermEqualSelector("metadata.name", "db-0").String()})
		if !assert.NoError(t, err) {
			return
		}
		defer w.Stop()
		for ev := range w.ResultChan() {
			if ev.Type == "DELETED" {
				time.Sleep(3 * time.Second)
				detaching := time.Now()
				assert.NoError(t, storage.VolumeAttachments().Delete(ctx, attachment.Name, metav1.DeleteOptions{}))
				detached <- detaching
				return
			}
		}
	}()

	d, err := drain.New(kube.Client(), drain.Options{Force: true, WaitForVolumeDetach: true})
	require.NoError(t, err)
	report, err := d.Drain(ctx, node)
	require.NoError(t, err, "report:\n%s", report)
	detaching, ok := <-detached
	require.True(t, ok, "the attachment was deleted")
	require.Len(t, report.Nodes, 1)
	assert.True(t, report.Nodes[0].Drained)
	assert.Equal(t, []string{attachment.Name}, report.Nodes[0].VolumeAttachments)
	assert.True(t, report.Finished.After(detaching), "the drain ended after the detach began (%s), not before (%s)", detaching, report.Finished)
	assert.Equal(t, 1, report.Requests["watch volumeattachments"], "requests: %v", report.Requests)
}
