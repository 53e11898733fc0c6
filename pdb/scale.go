package pdb

import (
	"context"
	"errors"
	"fmt"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Scale is the desired size of the controller whose replicas count for a pod.
// Controller is that controller's UID: for a pod of a ReplicaSet owned by a
// Deployment it is the Deployment's, so that pods of all the Deployment's
// ReplicaSets count the Deployment's replicas once, as the disruption
// controller counts them.
type Scale struct {
	Controller types.UID
	Replicas   int32
}

// ScaleFunc returns the scale that counts for a pod whose controller reference
// is controller, in the pod's namespace. It returns an error wrapping
// ErrNoController when no controller answers for the reference; any other
// error makes Compute fail closed with that error's text as the condition
// message, as the controller does.
type ScaleFunc func(namespace string, controller metav1.OwnerReference) (Scale, error)

// ClientScale returns the ScaleFunc the disruption controller uses, reading
// through client. The returned function makes its requests with ctx, so it
// must not be called after ctx is done; it is safe for concurrent use.
//
// The lookup order is the controller's (pkg/controller/disruption, finders):
//
//  1. ReplicationController (core group): its spec.replicas;
//  2. ReplicaSet (apps or extensions) controlled by a Deployment (apps or
//     extensions) that exists with the referenced UID: the Deployment's
//     spec.replicas, counted once under the Deployment's UID;
//  3. ReplicaSet not controlled by a Deployment: its spec.replicas;
//  4. StatefulSet (apps): its spec.replicas;
//  5. anything else: the /scale subresource of the referenced kind.
//
// Every step checks that the object's UID is the reference's UID. A
// ReplicaSet whose owning Deployment is gone is counted by its own /scale
// (step 5), exactly as on a cluster. A nil spec.replicas counts as 1, the API
// server's default. Kinds without a /scale subresource (DaemonSet, Job, …)
// fail with the controller's message, "daemonsets.apps does not implement
// the scale subresource". For kinds outside the built-in API groups the
// function asks discovery which resource serves the kind and whether it has a
// /scale subresource, then reads it; a client without a REST client (the
// fake clientset) cannot read a custom /scale and returns an error.
func ClientScale(ctx context.Context, client kubernetes.Interface) ScaleFunc {
	return func(namespace string, ref metav1.OwnerReference) (Scale, error) {
		return clientScale(ctx, client, namespace, ref)
	}
}

func clientScale(ctx context.Context, client kubernetes.Interface, namespace string, ref metav1.OwnerReference) (Scale, error) {
	if client == nil {
		return Scale{}, errors.New("scale lookup: client is nil: pass a kubernetes.Interface to ClientScale")
	}
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return Scale{}, err
	}
	switch {
	case ref.Kind == "ReplicationController" && gv.Group == "":
		rc, err := client.CoreV1().ReplicationControllers(namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if found, err := matches(rc, err, ref.UID); !found || err != nil {
			return Scale{}, notFoundOr(err, ref)
		}
		return Scale{Controller: rc.UID, Replicas: replicasOrDefault(rc.Spec.Replicas)}, nil

	case ref.Kind == "ReplicaSet" && (gv.Group == "apps" || gv.Group == "extensions"):
		rs, err := client.AppsV1().ReplicaSets(namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if found, err := matches(rs, err, ref.UID); !found || err != nil {
			return Scale{}, notFoundOr(err, ref)
		}
		owner := metav1.GetControllerOf(rs)
		if owner == nil || owner.Kind != "Deployment" {
			return Scale{Controller: rs.UID, Replicas: replicasOrDefault(rs.Spec.Replicas)}, nil
		}
		if scale, found, err := deploymentScale(ctx, client, namespace, *owner); found || err != nil {
			return scale, err
		}
		// The owning Deployment is gone: the controller skips the ReplicaSet
		// finder (its owner is a Deployment) and finds the ReplicaSet again
		// through its /scale subresource, which reads the same replicas.
		return Scale{Controller: rs.UID, Replicas: replicasOrDefault(rs.Spec.Replicas)}, nil

	case ref.Kind == "StatefulSet" && gv.Group == "apps":
		sts, err := client.AppsV1().StatefulSets(namespace).Get(ctx, ref.Name, metav1.GetOptions{})
		if found, err := matches(sts, err, ref.UID); !found || err != nil {
			return Scale{}, notFoundOr(err, ref)
		}
		return Scale{Controller: sts.UID, Replicas: replicasOrDefault(sts.Spec.Replicas)}, nil

	case ref.Kind == "Deployment" && gv.Group == "apps":
		// A pod controlled by a Deployment directly is found through the
		// Deployment's /scale, which reads spec.replicas.
		scale, found, err := deploymentScale(ctx, client, namespace, ref)
		if !found && err == nil {
			return Scale{}, notFoundOr(nil, ref)
		}
		return scale, err
	}
	if resource, ok := builtinWithoutScale[schema.GroupKind{Group: gv.Group, Kind: ref.Kind}]; ok {
		return Scale{}, fmt.Errorf("%s does not implement the scale subresource", resource)
	}
	return customScale(ctx, client, namespace, gv, ref)
}

// deploymentScale finds the Deployment ref names; found is false when it is
// gone or has another UID.
func deploymentScale(ctx context.Context, client kubernetes.Interface, namespace string, ref metav1.OwnerReference) (Scale, bool, error) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return Scale{}, false, err
	}
	if gv.Group != "apps" && gv.Group != "extensions" {
		return Scale{}, false, nil
	}
	deployment, err := client.AppsV1().Deployments(namespace).Get(ctx, ref.Name, metav1.GetOptions{})
	found, err := matches(deployment, err, ref.UID)
	if !found || err != nil {
		return Scale{}, false, err
	}
	return Scale{Controller: deployment.UID, Replicas: replicasOrDefault(deployment.Spec.Replicas)}, true, nil
}

// builtinWithoutScale lists the built-in controllers of pods that have no
// /scale subresource, with the resource name the controller's error uses.
// Discovery would tell the same on a cluster; knowing it here gives the same
// answer on a fake clientset, whose discovery is usually empty.
var builtinWithoutScale = map[schema.GroupKind]string{
	{Group: "apps", Kind: "DaemonSet"}: "daemonsets.apps",
	{Group: "batch", Kind: "Job"}:      "jobs.batch",
	{Group: "batch", Kind: "CronJob"}:  "cronjobs.batch",
}

// matches reports whether the object was found with the wanted UID. A
// NotFound error is "not found", as the controller's listers report it; any
// other error is returned, so a failing API server fails the sync closed
// instead of silently counting nothing.
func matches(obj metav1.Object, err error, uid types.UID) (bool, error) {
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return obj.GetUID() == uid, nil
}

func notFoundOr(err error, ref metav1.OwnerReference) error {
	if err != nil {
		return err
	}
	return fmt.Errorf("%s %s %s: %w", ref.APIVersion, ref.Kind, ref.Name, ErrNoController)
}

func replicasOrDefault(replicas *int32) int32 {
	if replicas == nil {
		return 1
	}
	return *replicas
}

// customScale reads the /scale subresource of a kind the built-in finders do
// not know, after asking discovery which resource serves it.
func customScale(ctx context.Context, client kubernetes.Interface, namespace string, gv schema.GroupVersion, ref metav1.OwnerReference) (Scale, error) {
	resources, err := client.Discovery().ServerResourcesForGroupVersion(ref.APIVersion)
	if err != nil && !apierrors.IsNotFound(err) {
		return Scale{}, err
	}
	resource, hasScale := "", false
	if resources != nil {
		resource, hasScale = scaleResource(resources, ref.Kind)
	}
	if resource == "" {
		return Scale{}, &meta.NoKindMatchError{
			GroupKind:        schema.GroupKind{Group: gv.Group, Kind: ref.Kind},
			SearchedVersions: []string{gv.Version},
		}
	}
	groupResource := schema.GroupResource{Group: gv.Group, Resource: resource}
	if !hasScale {
		return Scale{}, fmt.Errorf("%s does not implement the scale subresource", groupResource)
	}
	restClient := client.CoreV1().RESTClient()
	if rc, ok := restClient.(*rest.RESTClient); restClient == nil || (ok && rc == nil) {
		return Scale{}, fmt.Errorf("read the scale of %s %s: the client has no REST client", groupResource, ref.Name)
	}
	prefix := []string{"/apis", gv.Group, gv.Version}
	if gv.Group == "" {
		prefix = []string{"/api", gv.Version}
	}
	var scale autoscalingv1.Scale
	err = restClient.Get().
		AbsPath(append(prefix, "namespaces", namespace, resource, ref.Name, "scale")...).
		Do(ctx).Into(&scale)
	if apierrors.IsNotFound(err) {
		return Scale{}, notFoundOr(nil, ref)
	}
	if err != nil {
		return Scale{}, err
	}
	if scale.UID != ref.UID {
		return Scale{}, notFoundOr(nil, ref)
	}
	return Scale{Controller: scale.UID, Replicas: scale.Spec.Replicas}, nil
}

// scaleResource finds the resource serving kind and whether it has a /scale
// subresource of kind Scale in one of the versions the scale client speaks.
func scaleResource(list *metav1.APIResourceList, kind string) (resource string, hasScale bool) {
	for _, r := range list.APIResources {
		if r.Kind == kind && !strings.Contains(r.Name, "/") {
			resource = r.Name
			break
		}
	}
	if resource == "" {
		return "", false
	}
	for _, r := range list.APIResources {
		if r.Name != resource+"/scale" || r.Kind != "Scale" {
			continue
		}
		switch (schema.GroupVersion{Group: r.Group, Version: r.Version}) {
		case autoscalingv1.SchemeGroupVersion, appsv1.SchemeGroupVersion,
			schema.GroupVersion{Group: "apps", Version: "v1beta1"},
			schema.GroupVersion{Group: "apps", Version: "v1beta2"},
			schema.GroupVersion{Group: "extensions", Version: "v1beta1"}:
			return resource, true
		}
	}
	return resource, false
}
