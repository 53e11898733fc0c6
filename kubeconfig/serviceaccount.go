package kubeconfig

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ForServiceAccount makes a kubeconfig that authenticates as a
// ServiceAccount, in one call, doing what people otherwise do by hand with
// kubectl create serviceaccount, create rolebinding, create token and config
// set-cluster/set-credentials/set-context:
//
//  1. the ServiceAccount must exist, or is created when opts.Create is set;
//  2. when asked, it is granted a role: opts.ClusterRole bound in its
//     namespace or cluster-wide, or opts.Rules as a new Role (existing
//     bindings are reused when they already say the same thing);
//  3. a token is obtained from the TokenRequest API (opts.Expiration,
//     default one hour, at least ten minutes), or, with opts.LegacyToken,
//     from a token Secret that the token controller fills (watched for, up
//     to opts.LegacyTokenWait and the context's deadline);
//  4. the CA is taken from the namespace's kube-root-ca.crt ConfigMap (or
//     opts, the Secret, the rest config), the server from opts or the rest
//     config, and the context's namespace is the ServiceAccount's;
//  5. with opts.Verify, a SelfSubjectReview made with the new credentials
//     must answer system:serviceaccount:<namespace>:<name>.
//
// client acts as the caller and needs the permissions of the steps asked
// for; a Forbidden answer becomes a *PermissionError naming the missing
// permission. restConfig is the caller's; it gives the default server and
// CA, and may be nil when opts.Server is set.
//
// Errors are typed: *FieldError for bad options, ErrServiceAccountNotFound,
// ErrConflict for objects that exist but are not ours to change,
// ErrTokenNotIssued, *PermissionError, *VerifyError. No error, log line or
// event contains the token. Objects created before a later step fails are
// left in place (they are labelled app.kubernetes.io/managed-by=kubeprim);
// calling again with the same options reuses them.
func ForServiceAccount(ctx context.Context, client kubernetes.Interface, restConfig *rest.Config, opts ServiceAccountOptions) (*clientcmdapi.Config, error) {
	if client == nil {
		return nil, &FieldError{Field: "client", Reason: "must not be nil"}
	}
	if err := opts.validate(); err != nil {
		return nil, err
	}
	if restConfig == nil && opts.Server == "" {
		return nil, &FieldError{Field: "restConfig", Reason: "must not be nil unless ServiceAccountOptions.Server is set"}
	}
	sa, err := ensureServiceAccount(ctx, client, &opts)
	if err != nil {
		return nil, err
	}
	if err := ensureBinding(ctx, client, &opts); err != nil {
		return nil, err
	}
	var token string
	var secretCA []byte
	if opts.LegacyToken {
		token, secretCA, err = legacyToken(ctx, client, &opts, sa)
	} else {
		token, err = requestToken(ctx, client, &opts)
	}
	if err != nil {
		return nil, err
	}
	cluster, err := clusterFor(ctx, client, restConfig, &opts, secretCA)
	if err != nil {
		return nil, err
	}
	cfg, err := New(cluster, opts.userName(), Credentials{Token: token}, opts.Namespace)
	if err != nil {
		return nil, err
	}
	if opts.ContextName != "" && opts.ContextName != cfg.CurrentContext {
		cfg.Contexts[opts.ContextName] = cfg.Contexts[cfg.CurrentContext]
		delete(cfg.Contexts, cfg.CurrentContext)
		cfg.CurrentContext = opts.ContextName
	}
	if opts.Verify {
		user, err := Verify(ctx, cfg, VerifyOptions{Username: opts.username(), NewClient: opts.NewClient})
		if err != nil {
			return nil, err
		}
		opts.emit(ctx, Event{Type: EventVerified, Kind: "ServiceAccount", Name: opts.Name,
			Message: fmt.Sprintf("the new credentials authenticate as %s", user.Username)})
	}
	return cfg, nil
}

func (o *ServiceAccountOptions) userName() string {
	if o.UserName != "" {
		return o.UserName
	}
	return o.Namespace + "-" + o.Name
}

func ensureServiceAccount(ctx context.Context, client kubernetes.Interface, opts *ServiceAccountOptions) (*corev1.ServiceAccount, error) {
	accounts := client.CoreV1().ServiceAccounts(opts.Namespace)
	sa, err := accounts.Get(ctx, opts.Name, metav1.GetOptions{})
	switch {
	case err == nil:
		opts.emit(ctx, Event{Type: EventServiceAccountFound, Kind: "ServiceAccount", Name: opts.Name, Message: "ServiceAccount exists"})
		return sa, nil
	case apierrors.IsForbidden(err):
		return nil, permissionError("get", "", "serviceaccounts", "", opts.Namespace, opts.Name, "", err)
	case !apierrors.IsNotFound(err):
		return nil, fmt.Errorf("get serviceaccount %s/%s: %w", opts.Namespace, opts.Name, err)
	case !opts.Create:
		return nil, fmt.Errorf("%w: %s/%s (set Create to create it): %w", ErrServiceAccountNotFound, opts.Namespace, opts.Name, err)
	}
	sa, err = accounts.Create(ctx, &corev1.ServiceAccount{ObjectMeta: managedMeta(opts.Namespace, opts.Name)}, metav1.CreateOptions{})
	switch {
	case err == nil:
		opts.emit(ctx, Event{Type: EventServiceAccountCreated, Kind: "ServiceAccount", Name: opts.Name, Message: "ServiceAccount created"})
		return sa, nil
	case apierrors.IsAlreadyExists(err):
		// Created meanwhile by someone else: use theirs.
		sa, err = accounts.Get(ctx, opts.Name, metav1.GetOptions{})
		if err != nil {
			return nil, fmt.Errorf("get serviceaccount %s/%s: %w", opts.Namespace, opts.Name, err)
		}
		return sa, nil
	case apierrors.IsForbidden(err):
		return nil, permissionError("create", "", "serviceaccounts", "", opts.Namespace, opts.Name, "", err)
	default:
		return nil, fmt.Errorf("create serviceaccount %s/%s: %w", opts.Namespace, opts.Name, err)
	}
}

func managedMeta(namespace, name string) metav1.ObjectMeta {
	return metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{ManagedByLabel: ManagedByValue}}
}

func isManaged(meta metav1.ObjectMeta) bool { return meta.Labels[ManagedByLabel] == ManagedByValue }

func permissionError(verb, group, resource, subresource, namespace, name, hint string, err error) error {
	return &PermissionError{Verb: verb, Group: group, Resource: resource, Subresource: subresource, Namespace: namespace, Name: name, Hint: hint, Err: err}
}
