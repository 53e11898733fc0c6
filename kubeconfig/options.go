package kubeconfig

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/go-logr/logr"
	authenticationv1 "k8s.io/api/authentication/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Token lifetimes of the TokenRequest API.
const (
	// DefaultExpiration is the token lifetime ForServiceAccount asks for
	// when none is given: the API server's own default for a TokenRequest.
	DefaultExpiration = time.Hour
	// MinExpiration is the shortest lifetime the API server accepts ("may
	// not specify a duration less than 10 minutes").
	MinExpiration = 10 * time.Minute
	// MaxExpiration is the longest the API accepts (2^32 seconds); the
	// server may still shorten it to --service-account-max-token-expiration.
	MaxExpiration = time.Duration(math.MaxUint32) * time.Second
	// DefaultLegacyTokenWait bounds the wait for the token controller to
	// fill a legacy token Secret, when ServiceAccountOptions gives none.
	DefaultLegacyTokenWait = time.Minute
)

// ManagedByLabel marks the objects ForServiceAccount creates (ServiceAccount,
// Role, bindings, token Secret) with the value ManagedByValue. ForServiceAccount
// only ever changes an existing object that carries it.
const (
	ManagedByLabel = "app.kubernetes.io/managed-by"
	ManagedByValue = "kubeprim"
)

// ServiceAccountOptions says which ServiceAccount ForServiceAccount makes a
// kubeconfig for, what it may create, and how the token is obtained. The
// zero value of every field but Namespace and Name is safe: nothing is
// created or bound, a one-hour token is requested, nothing is verified.
type ServiceAccountOptions struct {
	// Namespace and Name identify the ServiceAccount. Required.
	Namespace string
	Name      string
	// Create creates the ServiceAccount when it does not exist. False means
	// it must exist already; ForServiceAccount then fails with
	// ErrServiceAccountNotFound.
	Create bool

	// ClusterRole binds an existing ClusterRole (view, edit, admin or any
	// other) to the ServiceAccount: with a RoleBinding "<name>:<role>" in
	// Namespace, or, when ClusterWide is set, with a ClusterRoleBinding
	// "<namespace>:<name>:<role>". Empty means no such binding.
	ClusterRole string
	// ClusterWide grants ClusterRole in every namespace instead of only in
	// Namespace. It needs ClusterRole.
	ClusterWide bool
	// Rules, when not empty, become a Role named Name in Namespace, bound to
	// the ServiceAccount by a RoleBinding of the same name. Not together with
	// ClusterRole.
	Rules []rbacv1.PolicyRule

	// Expiration is the token lifetime asked of the TokenRequest API. Zero
	// means DefaultExpiration (one hour); below MinExpiration (ten minutes)
	// or above MaxExpiration is refused. The API server may issue a shorter
	// token; Expiry reads the real expiry from the result.
	Expiration time.Duration
	// Audiences of the token; empty means the API server's own
	// (--api-audiences), which is what a kubeconfig needs.
	Audiences []string
	// BoundObject ties the token to a Pod, Secret or Node: it stops working
	// when that object is deleted. Nil means unbound.
	BoundObject *authenticationv1.BoundObjectReference

	// LegacyToken uses a long-lived token Secret (type
	// kubernetes.io/service-account-token) instead of the TokenRequest API:
	// the Secret is created (or reused, when it is for this ServiceAccount)
	// and ForServiceAccount waits, by watching, until the token controller
	// fills it. Such a token never expires and is revoked only by deleting
	// the Secret; prefer TokenRequest. Expiration, Audiences and BoundObject
	// must be empty with it.
	LegacyToken bool
	// LegacySecretName names the token Secret; empty means "<name>-token".
	LegacySecretName string
	// LegacyTokenWait bounds the wait for the token controller; zero means
	// DefaultLegacyTokenWait. The context's deadline applies as well.
	LegacyTokenWait time.Duration

	// Server is the API server URL written into the kubeconfig. Empty means
	// the rest config's host. Set it when the users of the kubeconfig reach
	// the API server by another address than the caller (a load balancer);
	// Verify then checks that address.
	Server string
	// CertificateAuthorityData is the PEM CA bundle written into the
	// kubeconfig. Empty means: the "ca.crt" of the ConfigMap kube-root-ca.crt
	// in Namespace (which Kubernetes publishes in every namespace), else the
	// "ca.crt" of the legacy token Secret, else the rest config's CA.
	CertificateAuthorityData []byte
	// ClusterName, UserName and ContextName name the kubeconfig's entries.
	// Empty means DefaultClusterName, "<namespace>-<name>" and
	// "<user>@<cluster>".
	ClusterName string
	UserName    string
	ContextName string

	// Verify checks the new kubeconfig before returning it: a
	// SelfSubjectReview (authentication.k8s.io/v1) made with the new
	// credentials must answer system:serviceaccount:<namespace>:<name>.
	Verify bool
	// NewClient builds the client Verify uses from the new kubeconfig's rest
	// config. Nil means kubernetes.NewForConfig; tests pass a fake that
	// answers SelfSubjectReviews (see package kubeconfigtest).
	NewClient func(*rest.Config) (kubernetes.Interface, error)

	// OnEvent, when not nil, is called synchronously, on the caller's
	// goroutine, after each step.
	OnEvent func(Event)
}

// username is the name the API server gives the ServiceAccount's tokens.
func (o *ServiceAccountOptions) username() string {
	return "system:serviceaccount:" + o.Namespace + ":" + o.Name
}

func (o *ServiceAccountOptions) validate() error {
	if errs := validation.IsDNS1123Label(o.Namespace); o.Namespace == "" || len(errs) > 0 {
		return &FieldError{Field: "ServiceAccountOptions.Namespace", Reason: "must be a namespace name (a DNS-1123 label)"}
	}
	if errs := validation.IsDNS1123Subdomain(o.Name); o.Name == "" || len(errs) > 0 {
		return &FieldError{Field: "ServiceAccountOptions.Name", Reason: "must be a ServiceAccount name (a DNS-1123 subdomain)"}
	}
	if o.ClusterRole != "" && len(o.Rules) > 0 {
		return &FieldError{Field: "ServiceAccountOptions.Rules", Reason: "give a ClusterRole to bind or Rules for a new Role, not both"}
	}
	if o.ClusterWide && o.ClusterRole == "" {
		return &FieldError{Field: "ServiceAccountOptions.ClusterWide", Reason: "needs ClusterRole"}
	}
	if o.LegacyToken {
		if o.Expiration != 0 || len(o.Audiences) > 0 || o.BoundObject != nil {
			return &FieldError{Field: "ServiceAccountOptions.LegacyToken", Reason: "a legacy token has no expiration, audiences or bound object; drop them or use TokenRequest"}
		}
		if o.LegacySecretName != "" {
			if errs := validation.IsDNS1123Subdomain(o.LegacySecretName); len(errs) > 0 {
				return &FieldError{Field: "ServiceAccountOptions.LegacySecretName", Reason: "must be a Secret name (a DNS-1123 subdomain)"}
			}
		}
		if o.LegacyTokenWait < 0 {
			return &FieldError{Field: "ServiceAccountOptions.LegacyTokenWait", Reason: "must not be negative"}
		}
	}
	if o.Expiration != 0 && o.Expiration < MinExpiration {
		return &FieldError{Field: "ServiceAccountOptions.Expiration", Reason: fmt.Sprintf("%v is below the API server's minimum of %v", o.Expiration, MinExpiration)}
	}
	if o.Expiration > MaxExpiration {
		return &FieldError{Field: "ServiceAccountOptions.Expiration", Reason: fmt.Sprintf("%v is above the API's maximum of 2^32 seconds", o.Expiration)}
	}
	if o.Expiration%time.Second != 0 {
		return &FieldError{Field: "ServiceAccountOptions.Expiration", Reason: "must be whole seconds"}
	}
	if o.BoundObject != nil {
		switch o.BoundObject.Kind {
		case "Pod", "Secret", "Node":
		default:
			return &FieldError{Field: "ServiceAccountOptions.BoundObject.Kind", Reason: "must be Pod, Secret or Node"}
		}
		if o.BoundObject.Name == "" {
			return &FieldError{Field: "ServiceAccountOptions.BoundObject.Name", Reason: "must not be empty"}
		}
	}
	if len(o.CertificateAuthorityData) > 0 {
		if err := checkCertificatesPEM(o.CertificateAuthorityData); err != nil {
			return &FieldError{Field: "ServiceAccountOptions.CertificateAuthorityData", Reason: err.Error()}
		}
	}
	return nil
}

func (o *ServiceAccountOptions) emit(ctx context.Context, e Event) {
	e.Time = time.Now()
	if e.Namespace == "" && e.Kind != "ClusterRoleBinding" {
		e.Namespace = o.Namespace
	}
	logr.FromContextOrDiscard(ctx).V(1).Info("ServiceAccount kubeconfig step", "event", string(e.Type), "kind", e.Kind, "namespace", e.Namespace, "name", e.Name, "message", e.Message)
	if o.OnEvent != nil {
		o.OnEvent(e)
	}
}
