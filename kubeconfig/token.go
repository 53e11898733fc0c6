package kubeconfig

import (
	"context"
	"fmt"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// requestToken asks the TokenRequest API (serviceaccounts/token) for a token.
func requestToken(ctx context.Context, client kubernetes.Interface, opts *ServiceAccountOptions) (string, error) {
	lifetime := opts.Expiration
	if lifetime == 0 {
		lifetime = DefaultExpiration
	}
	seconds := int64(lifetime / time.Second)
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		Audiences:         opts.Audiences,
		ExpirationSeconds: &seconds,
		BoundObjectRef:    opts.BoundObject,
	}}
	resp, err := client.CoreV1().ServiceAccounts(opts.Namespace).CreateToken(ctx, opts.Name, req, metav1.CreateOptions{})
	switch {
	case apierrors.IsForbidden(err):
		return "", permissionError("create", "", "serviceaccounts", "token", opts.Namespace, opts.Name, "", err)
	case apierrors.IsNotFound(err):
		return "", fmt.Errorf("request token for %s/%s: %w: %w", opts.Namespace, opts.Name, ErrServiceAccountNotFound, err)
	case err != nil:
		return "", fmt.Errorf("request token for %s/%s: %w", opts.Namespace, opts.Name, err)
	case resp == nil || resp.Status.Token == "":
		return "", fmt.Errorf("request token for %s/%s: the API server returned no token", opts.Namespace, opts.Name)
	}
	// The server caps the lifetime at --service-account-max-token-expiration,
	// only warns, and echoes the lifetime it granted in the spec; say so,
	// since the caller asked for more.
	if granted := resp.Spec.ExpirationSeconds; granted != nil && *granted < seconds {
		opts.emit(ctx, Event{Type: EventTokenShortened, Kind: "ServiceAccount", Name: opts.Name,
			Message: fmt.Sprintf("asked for a %v token, the API server issued one for %v", lifetime, time.Duration(*granted)*time.Second)})
	}
	opts.emit(ctx, Event{Type: EventTokenIssued, Kind: "ServiceAccount", Name: opts.Name,
		Message: fmt.Sprintf("token issued by the TokenRequest API, expires %s", resp.Status.ExpirationTimestamp.UTC().Format(time.RFC3339))})
	return resp.Status.Token, nil
}
