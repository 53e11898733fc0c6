package kubeconfig_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	clienttesting "k8s.io/client-go/testing"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
	"github.com/kubeprim/kubeprim/kubeconfig/kubeconfigtest"
)

const (
	testNS     = "team-a"
	testSA     = "deployer"
	testServer = "https://10.0.0.1:6443"
	testUser   = "system:serviceaccount:team-a:deployer"
)

var testNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a fake cluster with the API server's credential machinery: the
// root CA published in the namespace, the view ClusterRole, TokenRequest
// and SelfSubjectReview.
type fixture struct {
	client *fake.Clientset
	auth   *kubeconfigtest.Authenticator
	rest   *rest.Config
	ca     testCert
	events []kubeconfig.Event
}

func newFixture(t testing.TB, objs ...runtime.Object) *fixture {
	t.Helper()
	ca := newTestCert(t, "kubernetes", testNow.Add(24*time.Hour))
	base := []runtime.Object{
		&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: testNS}},
		&corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: kubeconfig.RootCAConfigMap}, Data: map[string]string{kubeconfig.RootCAKey: string(ca.certPEM)}},
		&rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "view"}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"get", "list", "watch"}, APIGroups: []string{""}, Resources: []string{"pods"}}}},
	}
	f := &fixture{
		client: fake.NewClientset(append(base, objs...)...),
		auth:   &kubeconfigtest.Authenticator{CA: ca.certPEM, Now: func() time.Time { return testNow }},
		rest:   &rest.Config{Host: testServer, BearerToken: "caller-token", TLSClientConfig: rest.TLSClientConfig{CAData: ca.certPEM}},
		ca:     ca,
	}
	f.auth.Install(f.client)
	return f
}

func existingSA() *corev1.ServiceAccount {
	return &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: testSA, UID: "sa-uid-1"}}
}

// opts are options that make the fixture's calls observable.
func (f *fixture) opts(o kubeconfig.ServiceAccountOptions) kubeconfig.ServiceAccountOptions {
	if o.Namespace == "" {
		o.Namespace = testNS
	}
	if o.Name == "" {
		o.Name = testSA
	}
	o.NewClient = f.auth.NewClient
	o.OnEvent = func(e kubeconfig.Event) { f.events = append(f.events, e) }
	return o
}

func (f *fixture) eventTypes() []kubeconfig.EventType {
	var out []kubeconfig.EventType
	for _, e := range f.events {
		out = append(out, e.Type)
	}
	return out
}

// forbid makes the fake answer Forbidden to verb on resource/subresource.
func forbid(client *fake.Clientset, verb, resource, subresource string) {
	client.PrependReactor(verb, resource, func(action clienttesting.Action) (bool, runtime.Object, error) {
		if action.GetSubresource() != subresource {
			return false, nil, nil
		}
		gr := schema.GroupResource{Group: action.GetResource().Group, Resource: resource}
		return true, nil, apierrors.NewForbidden(gr, "", errors.New("RBAC: access denied"))
	})
}

func TestForServiceAccountTokenRequest(t *testing.T) {
	f := newFixture(t)
	var logs bytes.Buffer
	ctx := logr.NewContext(t.Context(), funcr.New(func(p, a string) { logs.WriteString(a + "\n") }, funcr.Options{Verbosity: 9}))

	cfg, err := kubeconfig.ForServiceAccount(ctx, f.client, f.rest, f.opts(kubeconfig.ServiceAccountOptions{
		Create:      true,
		ClusterRole: "view",
		Verify:      true,
	}))
	require.NoError(t, err)

	// The ServiceAccount was made, labelled as ours.
	sa, err := f.client.CoreV1().ServiceAccounts(testNS).Get(t.Context(), testSA, metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, kubeconfig.ManagedByValue, sa.Labels[kubeconfig.ManagedByLabel])
	// view is bound in the ServiceAccount's namespace only.
	rb, err := f.client.RbacV1().RoleBindings(testNS).Get(t.Context(), "deployer:view", metav1.GetOptions{})
	require.NoError(t, err)
	assert.Equal(t, rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"}, rb.RoleRef)
	assert.Equal(t, []rbacv1.Subject{{Kind: "ServiceAccount", Name: testSA, Namespace: testNS}}, rb.Subjects)
	crbs, err := f.client.RbacV1().ClusterRoleBindings().List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	assert.Empty(t, crbs.Items)

	// The kubeconfig: one context in the ServiceAccount's namespace, the
	// cluster's CA, the caller's server, a token that is the ServiceAccount.
	require.NoError(t, kubeconfig.Validate(cfg))
	ctxEntry := cfg.Contexts[cfg.CurrentContext]
	assert.Equal(t, "team-a-deployer@kubernetes", cfg.CurrentContext)
	assert.Equal(t, testNS, ctxEntry.Namespace)
	assert.Equal(t, testServer, cfg.Clusters[ctxEntry.Cluster].Server)
	assert.Equal(t, f.ca.certPEM, cfg.Clusters[ctxEntry.Cluster].CertificateAuthorityData)
	token := cfg.AuthInfos[ctxEntry.AuthInfo].Token
	rc, err := kubeconfig.RESTConfig(cfg)
	require.NoError(t, err)
	who, err := f.auth.Authenticate(rc)
	require.NoError(t, err)
	assert.Equal(t, testUser, who.Username)

	// The API server's default lifetime: one hour.
	exp, err := kubeconfig.Expiry(cfg)
	require.NoError(t, err)
	require.Len(t, exp, 1)
	assert.Equal(t, testNow.Add(time.Hour), exp[0].NotAfter)
	assert.Equal(t, testUser, exp[0].Subject)

	assert.Equal(t, []kubeconfig.EventType{
		kubeconfig.EventServiceAccountCreated,
		kubeconfig.EventBindingCreated,
		kubeconfig.EventTokenIssued,
		kubeconfig.EventCertificateAuthority,
		kubeconfig.EventVerified,
	}, f.eventTypes())
	for _, e := range f.events {
		assert.NotContains(t, e.Message, token)
	}
	assert.NotEmpty(t, logs.String())
	assert.NotContains(t, logs.String(), token)
}

func TestForServiceAccountTokenSpec(t *testing.T) {
	tests := []struct {
		name        string
		opts        kubeconfig.ServiceAccountOptions
		maxLifetime time.Duration
		wantSeconds int64
		wantExpiry  time.Duration
		shortened   bool
	}{
		{name: "default one hour", wantSeconds: 3600, wantExpiry: time.Hour},
		{name: "the ten-minute minimum", opts: kubeconfig.ServiceAccountOptions{Expiration: 10 * time.Minute}, wantSeconds: 600, wantExpiry: 10 * time.Minute},
		{name: "a day with audiences", opts: kubeconfig.ServiceAccountOptions{Expiration: 24 * time.Hour, Audiences: []string{"vault"}}, wantSeconds: 86400, wantExpiry: 24 * time.Hour},
		{name: "capped by the server", opts: kubeconfig.ServiceAccountOptions{Expiration: 48 * time.Hour}, maxLifetime: 24 * time.Hour, wantSeconds: 172800, wantExpiry: 24 * time.Hour, shortened: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, existingSA())
			f.auth.MaxExpiration = tc.maxLifetime

			cfg, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(tc.opts))
			require.NoError(t, err)

			var req *authenticationv1.TokenRequest
			for _, a := range f.client.Actions() {
				if a.GetSubresource() == "token" {
					req = a.(clienttesting.CreateAction).GetObject().(*authenticationv1.TokenRequest)
				}
			}
			require.NotNil(t, req, "no TokenRequest made")
			require.NotNil(t, req.Spec.ExpirationSeconds)
			assert.Equal(t, tc.wantSeconds, *req.Spec.ExpirationSeconds)
			assert.Equal(t, tc.opts.Audiences, req.Spec.Audiences)

			exp, err := kubeconfig.Expiry(cfg)
			require.NoError(t, err)
			require.Len(t, exp, 1)
			assert.Equal(t, testNow.Add(tc.wantExpiry), exp[0].NotAfter)
			assert.Equal(t, tc.shortened, contains(f.eventTypes(), kubeconfig.EventTokenShortened))
		})
	}
}

func contains[T comparable](s []T, v T) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestForServiceAccountRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name string
		opts kubeconfig.ServiceAccountOptions
		rest bool
	}{
		{name: "no namespace", opts: kubeconfig.ServiceAccountOptions{Name: testSA}, rest: true},
		{name: "bad name", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: "Not_Valid"}, rest: true},
		{name: "below ten minutes", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, Expiration: 9*time.Minute + 59*time.Second}, rest: true},
		{name: "negative expiration", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, Expiration: -time.Hour}, rest: true},
		{name: "fractional seconds", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, Expiration: time.Hour + time.Millisecond}, rest: true},
		{name: "above 2^32 seconds", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, Expiration: kubeconfig.MaxExpiration + time.Second}, rest: true},
		{name: "role and rules", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, ClusterRole: "view", Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}}}}, rest: true},
		{name: "cluster-wide without role", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, ClusterWide: true}, rest: true},
		{name: "legacy with expiration", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, LegacyToken: true, Expiration: time.Hour}, rest: true},
		{name: "legacy with bad secret name", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, LegacyToken: true, LegacySecretName: "A B"}, rest: true},
		{name: "bound to a Deployment", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, BoundObject: &authenticationv1.BoundObjectReference{Kind: "Deployment", Name: "x"}}, rest: true},
		{name: "CA not PEM", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, CertificateAuthorityData: []byte("nope")}, rest: true},
		{name: "no rest config and no server", opts: kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, existingSA())
			restConfig := f.rest
			if !tc.rest {
				restConfig = nil
			}
			cfg, err := kubeconfig.ForServiceAccount(t.Context(), f.client, restConfig, tc.opts)
			require.Error(t, err)
			assert.Nil(t, cfg)
			var fieldErr *kubeconfig.FieldError
			assert.ErrorAs(t, err, &fieldErr)
			assert.Empty(t, f.client.Actions(), "bad options reached the API server")
		})
	}
	_, err := kubeconfig.ForServiceAccount(t.Context(), nil, &rest.Config{Host: testServer}, kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA})
	assert.Error(t, err)
}

func TestForServiceAccountMissing(t *testing.T) {
	f := newFixture(t)
	_, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(kubeconfig.ServiceAccountOptions{ClusterRole: "view"}))
	require.Error(t, err)
	assert.ErrorIs(t, err, kubeconfig.ErrServiceAccountNotFound)
	assert.True(t, apierrors.IsNotFound(err))
	for _, a := range f.client.Actions() {
		assert.NotEqual(t, "create", a.GetVerb(), "created %s although Create was not set", a.GetResource().Resource)
	}
}

func TestForServiceAccountBindings(t *testing.T) {
	rules := []rbacv1.PolicyRule{{Verbs: []string{"get", "list"}, APIGroups: []string{"apps"}, Resources: []string{"deployments"}}}
	subject := rbacv1.Subject{Kind: "ServiceAccount", Name: testSA, Namespace: testNS}
	viewRef := rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "view"}
	other := rbacv1.Subject{Kind: "User", Name: "alice"}
	managed := map[string]string{kubeconfig.ManagedByLabel: kubeconfig.ManagedByValue}

	tests := []struct {
		name     string
		existing []runtime.Object
		opts     kubeconfig.ServiceAccountOptions
		wantErr  error
		check    func(t *testing.T, client kubernetes.Interface)
		event    kubeconfig.EventType
	}{
		{
			name: "cluster-wide binding",
			opts: kubeconfig.ServiceAccountOptions{ClusterRole: "view", ClusterWide: true},
			check: func(t *testing.T, client kubernetes.Interface) {
				crb, err := client.RbacV1().ClusterRoleBindings().Get(t.Context(), "team-a:deployer:view", metav1.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, viewRef, crb.RoleRef)
				assert.Equal(t, []rbacv1.Subject{subject}, crb.Subjects)
				rbs, err := client.RbacV1().RoleBindings(testNS).List(t.Context(), metav1.ListOptions{})
				require.NoError(t, err)
				assert.Empty(t, rbs.Items)
			},
			event: kubeconfig.EventBindingCreated,
		},
		{
			name: "custom rules become a Role",
			opts: kubeconfig.ServiceAccountOptions{Rules: rules},
			check: func(t *testing.T, client kubernetes.Interface) {
				role, err := client.RbacV1().Roles(testNS).Get(t.Context(), testSA, metav1.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, rules, role.Rules)
				rb, err := client.RbacV1().RoleBindings(testNS).Get(t.Context(), testSA, metav1.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: testSA}, rb.RoleRef)
				assert.Equal(t, []rbacv1.Subject{subject}, rb.Subjects)
			},
			event: kubeconfig.EventRoleCreated,
		},
		{
			name:     "our Role with old rules is updated",
			existing: []runtime.Object{&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: testSA, Labels: managed}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}}}}},
			opts:     kubeconfig.ServiceAccountOptions{Rules: rules},
			check: func(t *testing.T, client kubernetes.Interface) {
				role, err := client.RbacV1().Roles(testNS).Get(t.Context(), testSA, metav1.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, rules, role.Rules)
			},
			event: kubeconfig.EventRoleUpdated,
		},
		{
			name:     "someone else's Role is not touched",
			existing: []runtime.Object{&rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: testSA}, Rules: []rbacv1.PolicyRule{{Verbs: []string{"*"}}}}},
			opts:     kubeconfig.ServiceAccountOptions{Rules: rules},
			wantErr:  kubeconfig.ErrConflict,
		},
		{
			name:     "binding already in place",
			existing: []runtime.Object{&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "deployer:view"}, RoleRef: viewRef, Subjects: []rbacv1.Subject{other, subject}}},
			opts:     kubeconfig.ServiceAccountOptions{ClusterRole: "view"},
			event:    kubeconfig.EventBindingUnchanged,
		},
		{
			name:     "our binding gains the subject",
			existing: []runtime.Object{&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "deployer:view", Labels: managed}, RoleRef: viewRef, Subjects: []rbacv1.Subject{other}}},
			opts:     kubeconfig.ServiceAccountOptions{ClusterRole: "view"},
			check: func(t *testing.T, client kubernetes.Interface) {
				rb, err := client.RbacV1().RoleBindings(testNS).Get(t.Context(), "deployer:view", metav1.GetOptions{})
				require.NoError(t, err)
				assert.Equal(t, []rbacv1.Subject{other, subject}, rb.Subjects)
			},
			event: kubeconfig.EventBindingUpdated,
		},
		{
			name:     "someone else's binding without the subject",
			existing: []runtime.Object{&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "deployer:view"}, RoleRef: viewRef, Subjects: []rbacv1.Subject{other}}},
			opts:     kubeconfig.ServiceAccountOptions{ClusterRole: "view"},
			wantErr:  kubeconfig.ErrConflict,
		},
		{
			name:     "binding of the name refers to another role",
			existing: []runtime.Object{&rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: testNS, Name: "deployer:view", Labels: managed}, RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "admin"}, Subjects: []rbacv1.Subject{subject}}},
			opts:     kubeconfig.ServiceAccountOptions{ClusterRole: "view"},
			wantErr:  kubeconfig.ErrConflict,
		},
		{
			name:     "cluster binding of the name refers to another role",
			existing: []runtime.Object{&rbacv1.ClusterRoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "team-a:deployer:view", Labels: managed}, RoleRef: rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "cluster-admin"}}},
			opts:     kubeconfig.ServiceAccountOptions{ClusterRole: "view", ClusterWide: true},
			wantErr:  kubeconfig.ErrConflict,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, append([]runtime.Object{existingSA()}, tc.existing...)...)
			_, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(tc.opts))
			if tc.wantErr != nil {
				require.Error(t, err)
				assert.ErrorIs(t, err, tc.wantErr)
				assert.False(t, contains(f.eventTypes(), kubeconfig.EventTokenIssued), "token issued despite the error")
				return
			}
			require.NoError(t, err)
			if tc.check != nil {
				tc.check(t, f.client)
			}
			assert.Contains(t, f.eventTypes(), tc.event)
		})
	}
}

// Calling twice with the same options changes nothing the second time.
func TestForServiceAccountIsRepeatable(t *testing.T) {
	f := newFixture(t)
	opts := f.opts(kubeconfig.ServiceAccountOptions{Create: true, Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}}}})
	_, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, opts)
	require.NoError(t, err)
	f.events = nil

	_, err = kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, opts)
	require.NoError(t, err)
	assert.Equal(t, []kubeconfig.EventType{
		kubeconfig.EventServiceAccountFound,
		kubeconfig.EventRoleUnchanged,
		kubeconfig.EventBindingUnchanged,
		kubeconfig.EventTokenIssued,
		kubeconfig.EventCertificateAuthority,
	}, f.eventTypes())
}

func TestForServiceAccountForbidden(t *testing.T) {
	tests := []struct {
		name                          string
		verb, resource, subresource   string
		opts                          kubeconfig.ServiceAccountOptions
		wantVerb, wantRes, wantSubres string
		wantNamespace                 string
		wantHint                      bool
	}{
		{name: "get serviceaccount", verb: "get", resource: "serviceaccounts", wantVerb: "get", wantRes: "serviceaccounts", wantNamespace: testNS},
		{name: "create serviceaccount", verb: "create", resource: "serviceaccounts", opts: kubeconfig.ServiceAccountOptions{Create: true}, wantVerb: "create", wantRes: "serviceaccounts", wantNamespace: testNS},
		{name: "create rolebinding", verb: "create", resource: "rolebindings", opts: kubeconfig.ServiceAccountOptions{ClusterRole: "admin"}, wantVerb: "create", wantRes: "rolebindings", wantNamespace: testNS, wantHint: true},
		{name: "create clusterrolebinding", verb: "create", resource: "clusterrolebindings", opts: kubeconfig.ServiceAccountOptions{ClusterRole: "view", ClusterWide: true}, wantVerb: "create", wantRes: "clusterrolebindings", wantHint: true},
		{name: "create role", verb: "create", resource: "roles", opts: kubeconfig.ServiceAccountOptions{Rules: []rbacv1.PolicyRule{{Verbs: []string{"get"}}}}, wantVerb: "create", wantRes: "roles", wantNamespace: testNS, wantHint: true},
		{name: "request token", verb: "create", resource: "serviceaccounts", subresource: "token", wantVerb: "create", wantRes: "serviceaccounts", wantSubres: "token", wantNamespace: testNS},
		{name: "create token secret", verb: "create", resource: "secrets", opts: kubeconfig.ServiceAccountOptions{LegacyToken: true}, wantVerb: "create", wantRes: "secrets", wantNamespace: testNS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			objs := []runtime.Object{}
			if !tc.opts.Create {
				objs = append(objs, existingSA())
			}
			f := newFixture(t, objs...)
			forbid(f.client, tc.verb, tc.resource, tc.subresource)

			_, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(tc.opts))

			require.Error(t, err)
			var perm *kubeconfig.PermissionError
			require.ErrorAs(t, err, &perm)
			assert.Equal(t, tc.wantVerb, perm.Verb)
			assert.Equal(t, tc.wantRes, perm.Resource)
			assert.Equal(t, tc.wantSubres, perm.Subresource)
			assert.Equal(t, tc.wantNamespace, perm.Namespace)
			assert.Equal(t, tc.wantHint, perm.Hint != "")
			assert.True(t, apierrors.IsForbidden(err), "the API error is lost")
		})
	}
}

func TestForServiceAccountCertificateAuthority(t *testing.T) {
	other := newTestCert(t, "other", testNow.Add(time.Hour))
	dir := writeFiles(t, map[string]string{"ca.crt": string(other.certPEM)})
	tests := []struct {
		name       string
		opts       kubeconfig.ServiceAccountOptions
		dropCM     bool
		forbidCM   bool
		restCA     []byte
		restCAFile string
		// want is which CA ends in the kubeconfig: "cluster", "other", "".
		want string
	}{
		{name: "ConfigMap first", restCA: other.certPEM, want: "cluster"},
		{name: "explicit over ConfigMap", opts: kubeconfig.ServiceAccountOptions{CertificateAuthorityData: other.certPEM}, want: "other"},
		{name: "rest config when no ConfigMap", dropCM: true, restCA: other.certPEM, want: "other"},
		{name: "rest config when ConfigMap forbidden", forbidCM: true, restCA: other.certPEM, want: "other"},
		{name: "rest config CA file", dropCM: true, restCAFile: dir + "/ca.crt", want: "other"},
		{name: "none: system trust store", dropCM: true, want: ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, existingSA())
			if tc.dropCM {
				require.NoError(t, f.client.CoreV1().ConfigMaps(testNS).Delete(t.Context(), kubeconfig.RootCAConfigMap, metav1.DeleteOptions{}))
			}
			if tc.forbidCM {
				forbid(f.client, "get", "configmaps", "")
			}
			f.rest.CAData, f.rest.CAFile = tc.restCA, tc.restCAFile

			cfg, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(tc.opts))
			require.NoError(t, err)

			got := cfg.Clusters[kubeconfig.DefaultClusterName].CertificateAuthorityData
			switch tc.want {
			case "cluster":
				assert.Equal(t, f.ca.certPEM, got)
			case "other":
				assert.Equal(t, other.certPEM, got)
			default:
				assert.Empty(t, got)
				assert.Contains(t, f.eventTypes(), kubeconfig.EventWarning)
			}
		})
	}
}

func TestForServiceAccountServerAndNames(t *testing.T) {
	f := newFixture(t, existingSA())
	f.rest.Host = "10.0.0.1:6443" // kubectl accepts a host without scheme
	f.rest.ServerName = "kubernetes.default"

	cfg, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, f.opts(kubeconfig.ServiceAccountOptions{}))
	require.NoError(t, err)
	c := cfg.Clusters[kubeconfig.DefaultClusterName]
	assert.Equal(t, "https://10.0.0.1:6443", c.Server)
	assert.Equal(t, "kubernetes.default", c.TLSServerName)

	cfg, err = kubeconfig.ForServiceAccount(t.Context(), f.client, nil, f.opts(kubeconfig.ServiceAccountOptions{
		Server: "https://lb.example:443", ClusterName: "prod", UserName: "ci", ContextName: "ci-prod",
	}))
	require.NoError(t, err)
	assert.Equal(t, "ci-prod", cfg.CurrentContext)
	assert.Equal(t, &clientcmdapi.Context{Cluster: "prod", AuthInfo: "ci", Namespace: testNS, Extensions: cfg.Contexts["ci-prod"].Extensions}, cfg.Contexts["ci-prod"])
	assert.Equal(t, "https://lb.example:443", cfg.Clusters["prod"].Server)
	assert.Len(t, cfg.Contexts, 1)
	require.NoError(t, kubeconfig.Validate(cfg))
}

func TestForServiceAccountVerifyFailures(t *testing.T) {
	other := newTestCert(t, "other", testNow.Add(time.Hour))
	tests := []struct {
		name      string
		opts      kubeconfig.ServiceAccountOptions
		newClient func(f *fixture) func(*rest.Config) (kubernetes.Interface, error)
		is        error
		check     func(t *testing.T, err error)
	}{
		{
			name: "authenticates as someone else",
			newClient: func(f *fixture) func(*rest.Config) (kubernetes.Interface, error) {
				return func(*rest.Config) (kubernetes.Interface, error) {
					return selfReviewClient(&authenticationv1.SelfSubjectReview{Status: authenticationv1.SelfSubjectReviewStatus{UserInfo: authenticationv1.UserInfo{Username: "system:anonymous"}}}, nil), nil
				}
			},
			is: kubeconfig.ErrWrongIdentity,
			check: func(t *testing.T, err error) {
				var v *kubeconfig.VerifyError
				require.ErrorAs(t, err, &v)
				assert.Equal(t, "system:anonymous", v.Got)
				assert.Equal(t, testUser, v.Want)
			},
		},
		{
			name: "server unreachable",
			newClient: func(f *fixture) func(*rest.Config) (kubernetes.Interface, error) {
				return func(*rest.Config) (kubernetes.Interface, error) {
					return selfReviewClient(nil, errConnRefused), nil
				}
			},
			is: errConnRefused,
		},
		{
			name: "token refused",
			newClient: func(f *fixture) func(*rest.Config) (kubernetes.Interface, error) {
				return func(*rest.Config) (kubernetes.Interface, error) {
					return selfReviewClient(nil, apierrors.NewUnauthorized("Unauthorized")), nil
				}
			},
			check: func(t *testing.T, err error) { assert.True(t, apierrors.IsUnauthorized(err)) },
		},
		{
			name: "wrong CA",
			opts: kubeconfig.ServiceAccountOptions{CertificateAuthorityData: other.certPEM},
			is:   kubeconfigtest.ErrUnknownAuthority,
		},
		{
			name: "client cannot be built",
			newClient: func(f *fixture) func(*rest.Config) (kubernetes.Interface, error) {
				return func(*rest.Config) (kubernetes.Interface, error) { return nil, errConnRefused }
			},
			is: errConnRefused,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, existingSA())
			opts := f.opts(tc.opts)
			opts.Verify = true
			if tc.newClient != nil {
				opts.NewClient = tc.newClient(f)
			}

			cfg, err := kubeconfig.ForServiceAccount(t.Context(), f.client, f.rest, opts)

			require.Error(t, err)
			assert.Nil(t, cfg)
			var v *kubeconfig.VerifyError
			require.ErrorAs(t, err, &v)
			assert.Equal(t, testServer, v.Server)
			if tc.is != nil {
				assert.ErrorIs(t, err, tc.is)
			}
			if tc.check != nil {
				tc.check(t, err)
			}
		})
	}
}

var errConnRefused = errors.New("dial tcp 10.0.0.1:6443: connect: connection refused")

// selfReviewClient answers every SelfSubjectReview with review or err.
func selfReviewClient(review *authenticationv1.SelfSubjectReview, err error) kubernetes.Interface {
	client := fake.NewClientset()
	client.PrependReactor("create", "selfsubjectreviews", func(clienttesting.Action) (bool, runtime.Object, error) {
		if err != nil {
			return true, nil, err
		}
		return true, review, nil
	})
	return client
}

// A client certificate kubeconfig is verified the same way.
func TestVerifyClientCertificate(t *testing.T) {
	auth := &kubeconfigtest.Authenticator{}
	admin := newTestCert(t, "kubernetes-admin", time.Now().Add(time.Hour))
	cfg, err := kubeconfig.ForClientCertificate(kubeconfig.Cluster{Server: testServer}, "admin", admin.certPEM, admin.keyPEM)
	require.NoError(t, err)

	user, err := kubeconfig.Verify(context.Background(), cfg, kubeconfig.VerifyOptions{Username: "kubernetes-admin", NewClient: auth.NewClient})
	require.NoError(t, err)
	assert.Equal(t, "kubernetes-admin", user.Username)

	_, err = kubeconfig.Verify(t.Context(), cfg, kubeconfig.VerifyOptions{Username: "someone", NewClient: auth.NewClient})
	assert.ErrorIs(t, err, kubeconfig.ErrWrongIdentity)

	_, err = kubeconfig.Verify(t.Context(), clientcmdapi.NewConfig(), kubeconfig.VerifyOptions{NewClient: auth.NewClient})
	assert.ErrorIs(t, err, kubeconfig.ErrNoCurrentContext)
}
