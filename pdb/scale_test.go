package pdb_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/pdb"
)

func replicas(n int32) *int32 { return &n }

func controlledBy(kind, name string, uid types.UID) []metav1.OwnerReference {
	yes := true
	return []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: kind, Name: name, UID: uid, Controller: &yes}}
}

func TestClientScale(t *testing.T) {
	t.Parallel()
	objects := []runtime.Object{
		&corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "rc", Namespace: "default", UID: "rc-uid"},
			Spec: corev1.ReplicationControllerSpec{Replicas: replicas(2)}},
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "deploy-uid"},
			Spec: appsv1.DeploymentSpec{Replicas: replicas(6)}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default", UID: "rs-web-uid",
			OwnerReferences: controlledBy("Deployment", "web", "deploy-uid")}, Spec: appsv1.ReplicaSetSpec{Replicas: replicas(4)}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "orphan-1", Namespace: "default", UID: "rs-orphan-uid",
			OwnerReferences: controlledBy("Deployment", "orphan", "gone-uid")}, Spec: appsv1.ReplicaSetSpec{Replicas: replicas(7)}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "stale-1", Namespace: "default", UID: "rs-stale-uid",
			OwnerReferences: controlledBy("Deployment", "web", "old-deploy-uid")}, Spec: appsv1.ReplicaSetSpec{Replicas: replicas(8)}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "solo", Namespace: "default", UID: "rs-solo-uid"},
			Spec: appsv1.ReplicaSetSpec{Replicas: replicas(3)}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "undefaulted", Namespace: "default", UID: "rs-undefaulted-uid"}},
		&appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "default", UID: "sts-uid"},
			Spec: appsv1.StatefulSetSpec{Replicas: replicas(5)}},
		&appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "default", UID: "ds-uid"}},
	}
	ref := func(apiVersion, kind, name string, uid types.UID) metav1.OwnerReference {
		return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: name, UID: uid}
	}
	tests := []struct {
		name        string
		ref         metav1.OwnerReference
		want        pdb.Scale
		wantMissing bool   // an error wrapping ErrNoController
		wantErr     string // any other error, by its exact text
	}{
		{name: "ReplicationController", ref: ref("v1", "ReplicationController", "rc", "rc-uid"), want: pdb.Scale{Controller: "rc-uid", Replicas: 2}},
		{name: "ReplicationController with another UID", ref: ref("v1", "ReplicationController", "rc", "other"), wantMissing: true},
		{name: "ReplicationController gone", ref: ref("v1", "ReplicationController", "nope", "x"), wantMissing: true},
		{name: "ReplicaSet of a Deployment counts the Deployment", ref: ref("apps/v1", "ReplicaSet", "web-1", "rs-web-uid"), want: pdb.Scale{Controller: "deploy-uid", Replicas: 6}},
		{name: "extensions ReplicaSet reference", ref: ref("extensions/v1beta1", "ReplicaSet", "web-1", "rs-web-uid"), want: pdb.Scale{Controller: "deploy-uid", Replicas: 6}},
		{name: "ReplicaSet whose Deployment is gone counts itself", ref: ref("apps/v1", "ReplicaSet", "orphan-1", "rs-orphan-uid"), want: pdb.Scale{Controller: "rs-orphan-uid", Replicas: 7}},
		{name: "ReplicaSet whose Deployment has another UID counts itself", ref: ref("apps/v1", "ReplicaSet", "stale-1", "rs-stale-uid"), want: pdb.Scale{Controller: "rs-stale-uid", Replicas: 8}},
		{name: "ReplicaSet without Deployment", ref: ref("apps/v1", "ReplicaSet", "solo", "rs-solo-uid"), want: pdb.Scale{Controller: "rs-solo-uid", Replicas: 3}},
		{name: "replicas unset is the default 1", ref: ref("apps/v1", "ReplicaSet", "undefaulted", "rs-undefaulted-uid"), want: pdb.Scale{Controller: "rs-undefaulted-uid", Replicas: 1}},
		{name: "ReplicaSet with another UID", ref: ref("apps/v1", "ReplicaSet", "solo", "recreated"), wantMissing: true},
		{name: "ReplicaSet gone", ref: ref("apps/v1", "ReplicaSet", "nope", "x"), wantMissing: true},
		{name: "StatefulSet", ref: ref("apps/v1", "StatefulSet", "db", "sts-uid"), want: pdb.Scale{Controller: "sts-uid", Replicas: 5}},
		{name: "StatefulSet gone", ref: ref("apps/v1", "StatefulSet", "nope", "x"), wantMissing: true},
		{name: "Deployment controlling a pod directly", ref: ref("apps/v1", "Deployment", "web", "deploy-uid"), want: pdb.Scale{Controller: "deploy-uid", Replicas: 6}},
		{name: "DaemonSet", ref: ref("apps/v1", "DaemonSet", "agent", "ds-uid"), wantErr: "daemonsets.apps does not implement the scale subresource"},
		{name: "Job", ref: ref("batch/v1", "Job", "once", "job-uid"), wantErr: "jobs.batch does not implement the scale subresource"},
		{name: "unknown kind", ref: ref("example.com/v1", "Foo", "foo", "foo-uid"), wantErr: `no matches for kind "Foo" in version "example.com/v1"`},
		{name: "custom kind without scale", ref: ref("example.com/v1", "Bar", "bar", "bar-uid"), wantErr: "bars.example.com does not implement the scale subresource"},
		{name: "API version that does not parse", ref: ref("a/b/c", "ReplicaSet", "solo", "rs-solo-uid"), wantErr: "unexpected GroupVersion string: a/b/c"},
	}
	client := fake.NewClientset(objects...)
	client.Discovery().(*fakediscovery.FakeDiscovery).Resources = []*metav1.APIResourceList{{
		GroupVersion: "example.com/v1",
		APIResources: []metav1.APIResource{
			{Name: "bars", Kind: "Bar", Namespaced: true},
			{Name: "bazs", Kind: "Baz", Namespaced: true},
			{Name: "bazs/scale", Kind: "Scale", Group: "autoscaling", Version: "v1", Namespaced: true},
		},
	}}
	scale := pdb.ClientScale(t.Context(), client)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scale("default", tc.ref)
			switch {
			case tc.wantMissing:
				assert.ErrorIs(t, err, pdb.ErrNoController)
			case tc.wantErr != "":
				require.Error(t, err)
				assert.NotErrorIs(t, err, pdb.ErrNoController)
				assert.Equal(t, tc.wantErr, err.Error())
			default:
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
			}
		})
	}

	t.Run("custom kind with scale on a client without REST client", func(t *testing.T) {
		_, err := scale("default", ref("example.com/v1", "Baz", "baz", "baz-uid"))
		require.Error(t, err)
		assert.NotErrorIs(t, err, pdb.ErrNoController)
	})
}

func TestClientScaleAPIErrors(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset()
	client.PrependReactor("get", "replicasets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewInternalError(errors.New("etcd is down"))
	})
	_, err := pdb.ClientScale(t.Context(), client)("default", metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "x", UID: "x"})
	require.Error(t, err, "an API failure must not read as a missing controller")
	assert.True(t, apierrors.IsInternalError(err))
	assert.NotErrorIs(t, err, pdb.ErrNoController)

	_, err = pdb.ClientScale(t.Context(), nil)("default", metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "x", UID: "x"})
	require.Error(t, err, "a nil client fails the lookup instead of panicking")
	assert.NotErrorIs(t, err, pdb.ErrNoController)
}

func TestClientScaleThroughCompute(t *testing.T) {
	t.Parallel()
	client := fake.NewClientset(
		&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "deploy-uid"},
			Spec: appsv1.DeploymentSpec{Replicas: replicas(4)}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default", UID: "rs-1",
			OwnerReferences: controlledBy("Deployment", "web", "deploy-uid")}},
		&appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "web-2", Namespace: "default", UID: "rs-2",
			OwnerReferences: controlledBy("Deployment", "web", "deploy-uid")}},
	)
	pods := []*corev1.Pod{webPod("a", "web-1").Obj(), webPod("b", "web-1").Obj(), webPod("c", "web-2").Obj()}
	for _, pod := range pods {
		pod.OwnerReferences[0].UID = types.UID("rs-" + pod.OwnerReferences[0].Name[len("web-"):])
	}
	status, err := pdb.Compute(testutil.PDB("web").MaxUnavailable("25%").Obj(), pods, pdb.ClientScale(t.Context(), client), now)
	require.NoError(t, err)
	// 25% of 4 rounds up to 1: 3 must stay healthy, 3 are.
	assert.Equal(t, counts{4, 3, 3, 0}, countsOf(status))
}
