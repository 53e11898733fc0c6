package kubeconfig

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
)

// errWatchClosed ends one watch so the wait opens another.
var errWatchClosed = errors.New("watch closed")

// legacyPollInterval is how often the Secret is read when the caller may not
// watch Secrets.
const legacyPollInterval = time.Second

// legacyToken gets a long-lived token from a kubernetes.io/service-account-token
// Secret: it creates the Secret (or reuses one for the same ServiceAccount)
// and waits until the token controller has filled it. It returns the token
// and the Secret's ca.crt.
func legacyToken(ctx context.Context, client kubernetes.Interface, opts *ServiceAccountOptions, sa *corev1.ServiceAccount) (string, []byte, error) {
	name := opts.LegacySecretName
	if name == "" {
		name = opts.Name + "-token"
	}
	secret, err := ensureTokenSecret(ctx, client, opts, name)
	if err != nil {
		return "", nil, err
	}
	if !tokenFilled(secret, sa) {
		wait := opts.LegacyTokenWait
		if wait == 0 {
			wait = DefaultLegacyTokenWait
		}
		waitCtx, cancel := context.WithTimeout(ctx, wait)
		defer cancel()
		start := time.Now()
		secret, err = waitForToken(waitCtx, client, opts.Namespace, name, secret.ResourceVersion, sa)
		if errors.Is(err, context.DeadlineExceeded) {
			// Our bound or the caller's deadline, whichever came first.
			return "", nil, fmt.Errorf("%w: secret %s/%s is still empty after %v; is kube-controller-manager running its token controller (--service-account-private-key-file)?: %w",
				ErrTokenNotIssued, opts.Namespace, name, time.Since(start).Round(time.Millisecond), err)
		}
		if err != nil {
			return "", nil, err
		}
	}
	opts.emit(ctx, Event{Type: EventTokenSecretFilled, Kind: "Secret", Name: name, Message: "token controller filled the Secret"})
	return string(secret.Data[corev1.ServiceAccountTokenKey]), secret.Data[corev1.ServiceAccountRootCAKey], nil
}

// ensureTokenSecret creates the token Secret, or returns the existing one
// when it is a token Secret for this ServiceAccount.
func ensureTokenSecret(ctx context.Context, client kubernetes.Interface, opts *ServiceAccountOptions, name string) (*corev1.Secret, error) {
	secrets := client.CoreV1().Secrets(opts.Namespace)
	meta := managedMeta(opts.Namespace, name)
	meta.Annotations = map[string]string{corev1.ServiceAccountNameKey: opts.Name}
	secret, err := secrets.Create(ctx, &corev1.Secret{ObjectMeta: meta, Type: corev1.SecretTypeServiceAccountToken}, metav1.CreateOptions{})
	switch {
	case err == nil:
		opts.emit(ctx, Event{Type: EventTokenSecretCreated, Kind: "Secret", Name: name, Message: "token Secret created, waiting for the token controller"})
		return secret, nil
	case apierrors.IsForbidden(err):
		return nil, permissionError("create", "", "secrets", "", opts.Namespace, name, "", err)
	case !apierrors.IsAlreadyExists(err):
		return nil, fmt.Errorf("create token secret %s/%s: %w", opts.Namespace, name, err)
	}
	secret, err = secrets.Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsForbidden(err):
		return nil, permissionError("get", "", "secrets", "", opts.Namespace, name, "", err)
	case err != nil:
		return nil, fmt.Errorf("get token secret %s/%s: %w", opts.Namespace, name, err)
	}
	if secret.Type != corev1.SecretTypeServiceAccountToken || secret.Annotations[corev1.ServiceAccountNameKey] != opts.Name {
		return nil, fmt.Errorf("secret %s/%s exists and is not a token Secret for ServiceAccount %s: %w", opts.Namespace, name, opts.Name, ErrConflict)
	}
	return secret, nil
}

// tokenFilled reports whether the token controller has filled secret for
// this very ServiceAccount (a Secret left from an earlier ServiceAccount of
// the same name carries the old UID and is about to be deleted).
func tokenFilled(secret *corev1.Secret, sa *corev1.ServiceAccount) bool {
	if secret == nil || len(secret.Data[corev1.ServiceAccountTokenKey]) == 0 {
		return false
	}
	uid := secret.Annotations[corev1.ServiceAccountUIDKey]
	return uid == "" || sa.UID == "" || uid == string(sa.UID)
}

// waitForToken watches the Secret until it is filled. The watch starts at
// resourceVersion, so a fill between the create and the watch is not
// missed; a closed watch is reopened from the last version seen. When the
// caller may not watch Secrets, it reads the Secret every second instead.
func waitForToken(ctx context.Context, client kubernetes.Interface, namespace, name, resourceVersion string, sa *corev1.ServiceAccount) (*corev1.Secret, error) {
	secrets := client.CoreV1().Secrets(namespace)
	for {
		w, err := secrets.Watch(ctx, metav1.ListOptions{
			FieldSelector:   fields.OneTermEqualSelector("metadata.name", name).String(),
			ResourceVersion: resourceVersion,
		})
		if apierrors.IsForbidden(err) {
			return pollForToken(ctx, client, namespace, name, sa)
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			return nil, fmt.Errorf("watch token secret %s/%s: %w", namespace, name, err)
		}
		secret, rv, err := consumeWatch(ctx, w, name, sa)
		w.Stop()
		if err == nil {
			return secret, nil
		}
		if !errors.Is(err, errWatchClosed) {
			return nil, err
		}
		if rv != "" {
			resourceVersion = rv
		}
	}
}

// consumeWatch reads events until the Secret is filled, deleted, the watch
// ends (errWatchClosed, with the last resource version seen) or ctx is done.
func consumeWatch(ctx context.Context, w watch.Interface, name string, sa *corev1.ServiceAccount) (*corev1.Secret, string, error) {
	lastRV := ""
	for {
		select {
		case <-ctx.Done():
			return nil, lastRV, ctx.Err()
		case ev, ok := <-w.ResultChan():
			if !ok {
				return nil, lastRV, errWatchClosed
			}
			switch ev.Type {
			case watch.Error:
				// An expired resource version and the like: start over from
				// the current state.
				return nil, "", errWatchClosed
			case watch.Bookmark:
				continue
			}
			secret, ok := ev.Object.(*corev1.Secret)
			if !ok || secret.Name != name {
				continue // a fake client ignores the field selector
			}
			lastRV = secret.ResourceVersion
			if ev.Type == watch.Deleted {
				return nil, lastRV, fmt.Errorf("token secret %s/%s was deleted while waiting for its token", secret.Namespace, name)
			}
			if tokenFilled(secret, sa) {
				return secret, lastRV, nil
			}
		}
	}
}

func pollForToken(ctx context.Context, client kubernetes.Interface, namespace, name string, sa *corev1.ServiceAccount) (*corev1.Secret, error) {
	ticker := time.NewTicker(legacyPollInterval)
	defer ticker.Stop()
	for {
		secret, err := client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsForbidden(err):
			return nil, permissionError("get", "", "secrets", "", namespace, name, "", err)
		case apierrors.IsNotFound(err):
			return nil, fmt.Errorf("token secret %s/%s was deleted while waiting for its token", namespace, name)
		case err != nil && ctx.Err() == nil:
			return nil, fmt.Errorf("get token secret %s/%s: %w", namespace, name, err)
		case err == nil && tokenFilled(secret, sa):
			return secret, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ticker.C:
		}
	}
}
