package secrets

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	bootstrapapi "k8s.io/cluster-bootstrap/token/api"
	bootstraputil "k8s.io/cluster-bootstrap/token/util"
)

// kubeadm's defaults (cmd/kubeadm/app/apis/bootstraptoken/v1/defaults.go).
const (
	// DefaultBootstrapTokenTTL is how long a bootstrap token is valid unless
	// told otherwise: 24 hours.
	DefaultBootstrapTokenTTL = 24 * time.Hour
	// DefaultBootstrapTokenGroup is the extra group kubeadm gives tokens for
	// joining nodes.
	DefaultBootstrapTokenGroup = "system:bootstrappers:kubeadm:default-node-token"
)

// BootstrapTokenOptions describe a bootstrap token. The zero value is
// kubeadm's default token: generated ID and secret, valid 24 hours, usable
// for authentication and signing, in the group of joining nodes.
type BootstrapTokenOptions struct {
	// ID is the public part, 6 characters of [a-z0-9]; empty generates one.
	ID string
	// Secret is the private part, 16 characters of [a-z0-9]; empty generates
	// one. Generated parts come from crypto/rand without bias.
	Secret string
	// Description is stored under "description" when not empty.
	Description string
	// TTL is how long the token is valid from Now; zero means
	// DefaultBootstrapTokenTTL. Ignored when Expires is set.
	TTL time.Duration
	// Expires is the moment the token stops being valid; it wins over TTL.
	Expires time.Time
	// NoExpiry makes a token that never expires (kubeadm's --ttl 0). Leaked
	// tokens that never expire let anyone join nodes; avoid.
	NoExpiry bool
	// Usages are the token's uses, from "authentication" and "signing"; nil
	// means both.
	Usages []string
	// Groups are the extra groups the token authenticates as; each must
	// match system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]. nil means
	// DefaultBootstrapTokenGroup.
	Groups []string
	// Labels and Annotations are copied into the Secret.
	Labels      map[string]string
	Annotations map[string]string
	// Now is the clock for TTL; nil means time.Now.
	Now func() time.Time
}

var (
	bootstrapTokenIDPattern     = regexp.MustCompile(bootstrapapi.BootstrapTokenIDPattern)
	bootstrapTokenSecretPattern = regexp.MustCompile(`\A[a-z0-9]{16}\z`)
)

// BootstrapToken builds a bootstrap token Secret exactly as kubeadm token
// create stores it: bootstrap-token-<id> in kube-system, of type
// bootstrap.kubernetes.io/token, with token-id, token-secret, expiration
// (RFC 3339, UTC), description, usage-bootstrap-<usage>: "true" and
// auth-extra-groups (comma-separated). It also returns the token
// "<id>.<secret>" to hand to kubeadm join; treat it as a credential.
func BootstrapToken(opts BootstrapTokenOptions) (*corev1.Secret, string, error) {
	id, secret := opts.ID, opts.Secret
	var err error
	if id == "" {
		if id, err = Generate(LowerAlphaNumeric, bootstrapapi.BootstrapTokenIDBytes); err != nil {
			return nil, "", err
		}
	}
	if secret == "" {
		if secret, err = Generate(LowerAlphaNumeric, bootstrapapi.BootstrapTokenSecretBytes); err != nil {
			return nil, "", err
		}
	}
	if !bootstrapTokenIDPattern.MatchString(id) {
		return nil, "", &InputError{Field: "bootstrap token ID", Reason: fmt.Sprintf("%q must be 6 characters of [a-z0-9]", id)}
	}
	if !bootstrapTokenSecretPattern.MatchString(secret) {
		return nil, "", &InputError{Field: "bootstrap token secret", Reason: "must be 16 characters of [a-z0-9]"}
	}
	usages := opts.Usages
	if usages == nil {
		usages = bootstrapapi.KnownTokenUsages
	}
	if len(usages) == 0 {
		return nil, "", &InputError{Field: "bootstrap token usages", Reason: "are empty; a token needs authentication, signing or both"}
	}
	if err := bootstraputil.ValidateUsages(usages); err != nil {
		return nil, "", &InputError{Field: "bootstrap token usages", Reason: err.Error()}
	}
	groups := opts.Groups
	if groups == nil {
		groups = []string{DefaultBootstrapTokenGroup}
	}
	for _, group := range groups {
		if err := bootstraputil.ValidateBootstrapGroupName(group); err != nil {
			return nil, "", &InputError{Field: "bootstrap token group", Reason: err.Error()}
		}
	}

	data := map[string][]byte{
		bootstrapapi.BootstrapTokenIDKey:     []byte(id),
		bootstrapapi.BootstrapTokenSecretKey: []byte(secret),
	}
	if opts.Description != "" {
		data[bootstrapapi.BootstrapTokenDescriptionKey] = []byte(opts.Description)
	}
	if expiration, ok, err := opts.expiration(); err != nil {
		return nil, "", err
	} else if ok {
		data[bootstrapapi.BootstrapTokenExpirationKey] = []byte(expiration.UTC().Format(time.RFC3339))
	}
	for _, usage := range usages {
		data[bootstrapapi.BootstrapTokenUsagePrefix+usage] = []byte("true")
	}
	if len(groups) > 0 {
		data[bootstrapapi.BootstrapTokenExtraGroupsKey] = []byte(strings.Join(groups, ","))
	}
	meta := Meta{
		Name:        bootstraputil.BootstrapTokenSecretName(id),
		Namespace:   metav1.NamespaceSystem,
		Labels:      opts.Labels,
		Annotations: opts.Annotations,
	}
	built, err := meta.build(bootstrapapi.SecretTypeBootstrapToken, data, nil)
	if err != nil {
		return nil, "", err
	}
	return built, bootstraputil.TokenFromIDAndSecret(id, secret), nil
}

func (o BootstrapTokenOptions) expiration() (time.Time, bool, error) {
	if o.NoExpiry {
		if !o.Expires.IsZero() || o.TTL != 0 {
			return time.Time{}, false, &InputError{Field: "bootstrap token expiry", Reason: "NoExpiry contradicts TTL or Expires"}
		}
		return time.Time{}, false, nil
	}
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	if o.TTL < 0 {
		return time.Time{}, false, &InputError{Field: "bootstrap token TTL", Reason: "is negative"}
	}
	expires := o.Expires
	if expires.IsZero() {
		ttl := o.TTL
		if ttl == 0 {
			ttl = DefaultBootstrapTokenTTL
		}
		expires = now().Add(ttl)
	}
	if !expires.After(now()) {
		return time.Time{}, false, &InputError{Field: "bootstrap token expiry", Reason: "is in the past"}
	}
	return expires, true, nil
}
