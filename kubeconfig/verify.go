package kubeconfig

import (
	"context"
	"errors"
	"fmt"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// DefaultVerifyTimeout bounds one verification request when
// VerifyOptions.Timeout is zero.
const DefaultVerifyTimeout = 30 * time.Second

// VerifyOptions configures Verify.
type VerifyOptions struct {
	// Username, when not empty, is who the credentials must authenticate
	// as, e.g. system:serviceaccount:ci:deployer. Empty accepts anyone the
	// API server authenticates.
	Username string
	// NewClient builds the client from the kubeconfig's rest config. Nil
	// means kubernetes.NewForConfig.
	NewClient func(*rest.Config) (kubernetes.Interface, error)
	// Timeout bounds the request; zero means DefaultVerifyTimeout.
	Timeout time.Duration
}

// Verify asks the API server who the current context of cfg authenticates
// as, with a SelfSubjectReview (authentication.k8s.io/v1, which every
// authenticated user may create), and returns the answer. It fails with a
// *VerifyError when the server cannot be reached, refuses the credentials
// (apierrors.IsUnauthorized holds), or names another user than
// opts.Username (errors.Is(err, ErrWrongIdentity) holds).
func Verify(ctx context.Context, cfg *clientcmdapi.Config, opts VerifyOptions) (*authenticationv1.UserInfo, error) {
	if cfg == nil {
		return nil, errors.New("verify: nil kubeconfig")
	}
	restConfig, err := RESTConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	fail := func(got string, err error) error {
		return &VerifyError{Server: redactServerURL(restConfig.Host), Want: opts.Username, Got: got, Err: err}
	}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = DefaultVerifyTimeout
	}
	restConfig.Timeout = timeout
	newClient := opts.NewClient
	if newClient == nil {
		newClient = func(c *rest.Config) (kubernetes.Interface, error) { return kubernetes.NewForConfig(c) }
	}
	client, err := newClient(restConfig)
	if err != nil {
		return nil, fail("", err)
	}
	reqCtx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	review, err := client.AuthenticationV1().SelfSubjectReviews().Create(reqCtx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return nil, fail("", err)
	}
	user := review.Status.UserInfo
	if user.Username == "" {
		return nil, fail("", errors.New("the API server's SelfSubjectReview named no user"))
	}
	if opts.Username != "" && user.Username != opts.Username {
		return nil, fail(user.Username, ErrWrongIdentity)
	}
	return &user, nil
}

// RESTConfig turns the current context of cfg into a rest.Config, as
// kubectl would use it (clientcmd's rules: files referenced are read then,
// tokenFile is reread as it changes).
func RESTConfig(cfg *clientcmdapi.Config) (*rest.Config, error) {
	if _, err := currentContext(cfg); err != nil {
		return nil, err
	}
	restConfig, err := clientcmd.NewDefaultClientConfig(*cfg, &clientcmd.ConfigOverrides{}).ClientConfig()
	if err != nil {
		secrets := secretStrings(cfg)
		return nil, scrub(err, secrets)
	}
	return restConfig, nil
}
