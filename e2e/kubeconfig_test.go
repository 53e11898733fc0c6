package e2e_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

// clientFor builds a clientset from a kubeconfig, as kubectl would use it.
func clientFor(t *testing.T, cfg *clientcmdapi.Config) kubernetes.Interface {
	t.Helper()
	rc, err := kubeconfig.RESTConfig(cfg)
	require.NoError(t, err)
	client, err := kubernetes.NewForConfig(rc)
	require.NoError(t, err)
	return client
}

func listPods(client kubernetes.Interface, ctx context.Context, ns string) error {
	_, err := client.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	return err
}

// The ServiceAccount cases of the kubeconfig issue, on real RBAC, the real
// TokenRequest API and the real token controller.
func TestKubeconfigForServiceAccount(t *testing.T) {
	nsA := newNamespace(t, "kc-a")
	nsB := newNamespace(t, "kc-b")
	cases := []struct {
		name    string
		opts    kubeconfig.ServiceAccountOptions
		allowed []string // namespaces where listing pods works
		denied  []string
		expires bool
	}{
		{
			name:    "TokenRequest with view in its namespace",
			opts:    kubeconfig.ServiceAccountOptions{Name: "viewer", ClusterRole: "view", Expiration: 20 * time.Minute},
			allowed: []string{nsA}, denied: []string{nsB}, expires: true,
		},
		{
			name:    "legacy token Secret filled by the token controller",
			opts:    kubeconfig.ServiceAccountOptions{Name: "legacy", ClusterRole: "view", LegacyToken: true},
			allowed: []string{nsA}, denied: []string{nsB},
		},
		{
			name:    "view cluster-wide",
			opts:    kubeconfig.ServiceAccountOptions{Name: "auditor", ClusterRole: "view", ClusterWide: true},
			allowed: []string{nsA, nsB}, expires: true,
		},
		{
			name: "custom rules become a Role",
			opts: kubeconfig.ServiceAccountOptions{Name: "lister", Rules: []rbacv1.PolicyRule{
				{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"list"}},
			}},
			allowed: []string{nsA}, denied: []string{nsB}, expires: true,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			opts := tc.opts
			opts.Namespace, opts.Create, opts.Verify = nsA, true, true
			cfg, err := kubeconfig.ForServiceAccount(ctx, kube.Client(), kube.Config(), opts)
			require.NoError(t, err)
			want := "system:serviceaccount:" + nsA + ":" + opts.Name

			// Written and read back as a user would.
			path := filepath.Join(t.TempDir(), "config")
			require.NoError(t, kubeconfig.Write(path, cfg))
			info, err := os.Stat(path)
			require.NoError(t, err)
			assert.Equal(t, kubeconfig.FileMode, info.Mode().Perm())
			loaded, err := kubeconfig.LoadFile(path)
			require.NoError(t, err)
			assert.Equal(t, nsA, loaded.Contexts[loaded.CurrentContext].Namespace)

			who, err := kubeconfig.Verify(ctx, loaded, kubeconfig.VerifyOptions{Username: want})
			require.NoError(t, err)
			assert.Contains(t, who.Groups, "system:serviceaccounts:"+nsA)

			client := clientFor(t, loaded)
			for _, ns := range tc.allowed {
				assert.NoError(t, listPods(client, ctx, ns), "list pods in %s", ns)
			}
			for _, ns := range tc.denied {
				err := listPods(client, ctx, ns)
				assert.True(t, apierrors.IsForbidden(err), "list pods in %s: want Forbidden, got %v", ns, err)
			}
			_, err = client.CoreV1().Secrets(nsA).List(ctx, metav1.ListOptions{})
			assert.True(t, apierrors.IsForbidden(err), "no role here grants secrets: %v", err)

			exp, err := kubeconfig.Expiry(loaded)
			require.NoError(t, err)
			require.Len(t, exp, 1)
			assert.Equal(t, want, exp[0].Subject)
			if tc.expires {
				lifetime := opts.Expiration
				if lifetime == 0 {
					lifetime = kubeconfig.DefaultExpiration
				}
				assert.WithinDuration(t, time.Now().Add(lifetime), exp[0].NotAfter, time.Minute,
					"the TokenRequest API issued the asked lifetime")
			} else {
				assert.True(t, exp[0].NotAfter.IsZero(), "a legacy token never expires")
			}
		})
	}
}

// A token bound to a Secret stops working when the Secret is deleted: the
// API server, not the kubeconfig, enforces it.
func TestKubeconfigBoundTokenDiesWithItsObject(t *testing.T) {
	ns := newNamespace(t, "kc-bound")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	anchor, err := kube.Client().CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "anchor"}}, metav1.CreateOptions{})
	require.NoError(t, err)
	cfg, err := kubeconfig.ForServiceAccount(ctx, kube.Client(), kube.Config(), kubeconfig.ServiceAccountOptions{
		Namespace: ns, Name: "bound", Create: true, Verify: true,
		BoundObject: &authenticationv1.BoundObjectReference{Kind: "Secret", APIVersion: "v1", Name: anchor.Name, UID: anchor.UID},
	})
	require.NoError(t, err)
	require.NoError(t, kube.Client().CoreV1().Secrets(ns).Delete(ctx, anchor.Name, metav1.DeleteOptions{}))
	waitUntil(t, 30*time.Second, "the bound token to be refused", func(ctx context.Context) error {
		_, err := kubeconfig.Verify(ctx, cfg, kubeconfig.VerifyOptions{})
		if apierrors.IsUnauthorized(err) {
			return nil
		}
		return errors.New("token still accepted")
	})
}

// A client-certificate kubeconfig from our PKI is accepted, carries its
// groups into RBAC, and a caller without rights gets a PermissionError that
// names the permission it lacks.
func TestKubeconfigClientCertificateFromOurPKI(t *testing.T) {
	ns := newNamespace(t, "kc-cert")
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cluster := kubeconfig.Cluster{Server: kube.Server()}
	cfg, err := kubeconfig.ForPKIUser(kube.PKI(), cluster, "e2e-alice", "e2e-readers")
	require.NoError(t, err)
	who, err := kubeconfig.Verify(ctx, cfg, kubeconfig.VerifyOptions{Username: "e2e-alice"})
	require.NoError(t, err)
	assert.Contains(t, who.Groups, "e2e-readers")

	alice := clientFor(t, cfg)
	assert.True(t, apierrors.IsForbidden(listPods(alice, ctx, ns)), "no binding yet")
	_, err = kube.Client().RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "readers"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "e2e-readers"}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	waitUntil(t, 30*time.Second, "RBAC to grant the group", func(ctx context.Context) error { return listPods(alice, ctx, ns) })

	restCfg, err := kubeconfig.RESTConfig(cfg)
	require.NoError(t, err)
	_, err = kubeconfig.ForServiceAccount(ctx, alice, restCfg, kubeconfig.ServiceAccountOptions{Namespace: ns, Name: "sneaky", Create: true})
	var perr *kubeconfig.PermissionError
	require.True(t, errors.As(err, &perr), "want *PermissionError, got %v", err)
	assert.Equal(t, "create", perr.Verb)
	assert.Equal(t, "serviceaccounts", perr.Resource)
	assert.Equal(t, ns, perr.Namespace)
	assert.True(t, apierrors.IsForbidden(err))
}
