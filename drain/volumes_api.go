package drain

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
)

// Request kinds of Options.WaitForVolumeDetach, counted in Report.Requests.
const (
	reqListVolumeAttachments  = "list volumeattachments"
	reqWatchVolumeAttachments = "watch volumeattachments"
	reqGetClaim               = "get persistentvolumeclaim"
)

// listVolumeAttachments lists the cluster's VolumeAttachments, once, like
// the api type's other requests.
func (a *api) listVolumeAttachments(ctx context.Context, opts metav1.ListOptions) (*storagev1.VolumeAttachmentList, error) {
	a.requests.add(reqListVolumeAttachments)
	storage := usableREST(a.client.StorageV1().RESTClient())
	if storage == nil {
		return a.client.StorageV1().VolumeAttachments().List(ctx, opts)
	}
	list := &storagev1.VolumeAttachmentList{}
	err := storage.Get().UseProtobufAsDefault().MaxRetries(0).
		Resource("volumeattachments").
		VersionedParams(&opts, scheme.ParameterCodec).
		Do(ctx).Into(list)
	return list, err
}

func (a *api) watchVolumeAttachments(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error) {
	a.requests.add(reqWatchVolumeAttachments)
	storage := usableREST(a.client.StorageV1().RESTClient())
	if storage == nil {
		return a.client.StorageV1().VolumeAttachments().Watch(ctx, opts)
	}
	opts.Watch = true
	return storage.Get().UseProtobufAsDefault().MaxRetries(0).
		Resource("volumeattachments").
		VersionedParams(&opts, scheme.ParameterCodec).
		Watch(ctx)
}

func (a *api) getClaim(ctx context.Context, namespace, name string) (*corev1.PersistentVolumeClaim, error) {
	a.requests.add(reqGetClaim)
	if a.core == nil {
		return a.client.CoreV1().PersistentVolumeClaims(namespace).Get(ctx, name, metav1.GetOptions{})
	}
	claim := &corev1.PersistentVolumeClaim{}
	err := a.core.Get().UseProtobufAsDefault().MaxRetries(0).
		Namespace(namespace).Resource("persistentvolumeclaims").Name(name).
		VersionedParams(&metav1.GetOptions{}, scheme.ParameterCodec).
		Do(ctx).Into(claim)
	return claim, err
}
