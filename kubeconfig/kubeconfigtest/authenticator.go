package kubeconfigtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"
	clienttesting "k8s.io/client-go/testing"
)

// Issuer is the "iss" claim of bound tokens and, as kube-apiserver defaults
// --api-audiences to the issuer, their default audience.
const Issuer = "https://kubernetes.default.svc.cluster.local"

// Rules of the TokenRequest API (k8s.io/kubernetes pkg/apis/authentication:
// default 3600 s, minimum 600 s).
const (
	defaultExpirationSeconds = 3600
	minExpirationSeconds     = 600
)

// Authenticator issues tokens for ServiceAccounts of a fake clientset and
// tells, in SelfSubjectReviews, who a token or client certificate belongs to.
type Authenticator struct {
	// CA is the PEM bundle a client must trust to reach the fake API server
	// (it also fills legacy token Secrets' ca.crt). When set, a client
	// whose rest config trusts another CA fails as with an unknown
	// authority; when empty, any CA is accepted.
	CA []byte
	// MaxExpiration, when not zero, caps token lifetimes as kube-apiserver's
	// --service-account-max-token-expiration does.
	MaxExpiration time.Duration
	// Now is the clock of expiry claims and checks; nil means time.Now.
	Now func() time.Time

	mu     sync.Mutex
	tokens map[string]tokenInfo
}

type tokenInfo struct {
	user    authenticationv1.UserInfo
	expires time.Time // zero for legacy tokens
}

func (a *Authenticator) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

// Install makes client answer TokenRequests (serviceaccounts/token) as the
// API server does: the ServiceAccount must exist, expirationSeconds
// defaults to 3600 and below 600 is Invalid, a bound object's UID must
// match, and the lifetime is capped at MaxExpiration.
func (a *Authenticator) Install(client *fake.Clientset) {
	client.PrependReactor("create", "serviceaccounts", func(action clienttesting.Action) (bool, runtime.Object, error) {
		create, ok := action.(clienttesting.CreateActionImpl)
		if !ok || action.GetSubresource() != "token" {
			return false, nil, nil
		}
		req, ok := create.GetObject().(*authenticationv1.TokenRequest)
		if !ok {
			return false, nil, nil
		}
		ns, name := action.GetNamespace(), create.Name
		obj, err := client.Tracker().Get(corev1.SchemeGroupVersion.WithResource("serviceaccounts"), ns, name)
		if err != nil {
			return true, nil, err
		}
		sa := obj.(*corev1.ServiceAccount)
		resp, err := a.issue(client, sa, req)
		return true, resp, err
	})
}

func (a *Authenticator) issue(client *fake.Clientset, sa *corev1.ServiceAccount, req *authenticationv1.TokenRequest) (*authenticationv1.TokenRequest, error) {
	seconds := int64(defaultExpirationSeconds)
	if req.Spec.ExpirationSeconds != nil {
		seconds = *req.Spec.ExpirationSeconds
	}
	if seconds < minExpirationSeconds {
		return nil, apierrors.NewInvalid(schema.GroupKind{Group: authenticationv1.GroupName, Kind: "TokenRequest"}, "",
			field.ErrorList{field.Invalid(field.NewPath("spec", "expirationSeconds"), seconds, "may not specify a duration less than 10 minutes")})
	}
	if a.MaxExpiration > 0 && time.Duration(seconds)*time.Second > a.MaxExpiration {
		seconds = int64(a.MaxExpiration / time.Second)
	}
	claims := map[string]any{}
	k8s := map[string]any{
		"namespace":      sa.Namespace,
		"serviceaccount": map[string]any{"name": sa.Name, "uid": string(sa.UID)},
	}
	if ref := req.Spec.BoundObjectRef; ref != nil {
		gvr, ok := map[string]schema.GroupVersionResource{
			"Pod":    corev1.SchemeGroupVersion.WithResource("pods"),
			"Secret": corev1.SchemeGroupVersion.WithResource("secrets"),
			"Node":   corev1.SchemeGroupVersion.WithResource("nodes"),
		}[ref.Kind]
		if !ok {
			return nil, apierrors.NewBadRequest(fmt.Sprintf("cannot bind token to object of kind %q", ref.Kind))
		}
		ns := sa.Namespace
		if ref.Kind == "Node" {
			ns = ""
		}
		obj, err := client.Tracker().Get(gvr, ns, ref.Name)
		if err != nil {
			return nil, err
		}
		meta, _ := obj.(metav1.Object)
		if ref.UID != "" && meta != nil && meta.GetUID() != ref.UID {
			return nil, apierrors.NewConflict(gvr.GroupResource(), ref.Name, fmt.Errorf("the UID in the bound object reference (%s) does not match the UID in record", ref.UID))
		}
		k8s[strings.ToLower(ref.Kind)] = map[string]any{"name": ref.Name, "uid": string(ref.UID)}
	}
	audiences := req.Spec.Audiences
	if len(audiences) == 0 {
		audiences = []string{Issuer}
	}
	now := a.now().Truncate(time.Second)
	expires := now.Add(time.Duration(seconds) * time.Second)
	claims["iss"] = Issuer
	claims["sub"] = serviceAccountUser(sa)
	claims["aud"] = audiences
	claims["iat"] = now.Unix()
	claims["nbf"] = now.Unix()
	claims["exp"] = expires.Unix()
	claims["kubernetes.io"] = k8s
	token, err := signLike(claims)
	if err != nil {
		return nil, err
	}
	a.remember(token, tokenInfo{user: userInfo(sa), expires: expires})

	resp := req.DeepCopy()
	resp.Namespace, resp.Name = sa.Namespace, sa.Name
	resp.Spec.Audiences = audiences
	resp.Spec.ExpirationSeconds = &seconds
	resp.Status = authenticationv1.TokenRequestStatus{Token: token, ExpirationTimestamp: metav1.NewTime(expires)}
	return resp, nil
}

func (a *Authenticator) remember(token string, info tokenInfo) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.tokens == nil {
		a.tokens = map[string]tokenInfo{}
	}
	a.tokens[token] = info
}

// AddToken makes token authenticate as user, like a static token file.
func (a *Authenticator) AddToken(token string, user authenticationv1.UserInfo) {
	a.remember(token, tokenInfo{user: user})
}

// Revoke makes token stop authenticating, as deleting a legacy token Secret
// or a bound object does.
func (a *Authenticator) Revoke(token string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.tokens, token)
}

// Authenticate returns who a request with these credentials is, the way
// the API server's authenticators decide it: a known, unexpired bearer token
// (inline or read from BearerTokenFile), else a client certificate (its
// common name is the user, its organizations the groups, as x509 client
// authentication does). An unknown credential is Unauthorized.
func (a *Authenticator) Authenticate(restConfig *rest.Config) (authenticationv1.UserInfo, error) {
	token := restConfig.BearerToken
	if restConfig.BearerTokenFile != "" {
		data, err := os.ReadFile(restConfig.BearerTokenFile)
		if err != nil {
			return authenticationv1.UserInfo{}, err
		}
		token = strings.TrimSpace(string(data))
	}
	if token != "" {
		a.mu.Lock()
		info, ok := a.tokens[token]
		a.mu.Unlock()
		if !ok || (!info.expires.IsZero() && !a.now().Before(info.expires)) {
			return authenticationv1.UserInfo{}, apierrors.NewUnauthorized("Unauthorized")
		}
		return info.user, nil
	}
	if len(restConfig.CertData) > 0 {
		block, _ := pem.Decode(restConfig.CertData)
		if block == nil {
			return authenticationv1.UserInfo{}, apierrors.NewUnauthorized("Unauthorized")
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return authenticationv1.UserInfo{}, apierrors.NewUnauthorized("Unauthorized")
		}
		groups := append(append([]string{}, cert.Subject.Organization...), "system:authenticated")
		return authenticationv1.UserInfo{Username: cert.Subject.CommonName, Groups: groups}, nil
	}
	return authenticationv1.UserInfo{}, apierrors.NewUnauthorized("Unauthorized")
}

// ErrUnknownAuthority is what a client gets when its rest config does not
// trust the Authenticator's CA, like x509's "certificate signed by unknown
// authority".
var ErrUnknownAuthority = errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority")

// NewClient returns a fake clientset that stands for the API server as
// reached with restConfig: SelfSubjectReviews answer with the user
// Authenticate finds for restConfig's credentials. Pass it as
// kubeconfig.ServiceAccountOptions.NewClient.
func (a *Authenticator) NewClient(restConfig *rest.Config) (kubernetes.Interface, error) {
	client := fake.NewClientset()
	client.PrependReactor("create", "selfsubjectreviews", func(clienttesting.Action) (bool, runtime.Object, error) {
		if len(a.CA) > 0 && !restConfig.Insecure && !bytes.Contains(restConfig.CAData, bytes.TrimSpace(a.CA)) {
			return true, nil, ErrUnknownAuthority
		}
		user, err := a.Authenticate(restConfig)
		if err != nil {
			return true, nil, err
		}
		return true, &authenticationv1.SelfSubjectReview{Status: authenticationv1.SelfSubjectReviewStatus{UserInfo: user}}, nil
	})
	return client, nil
}

// StartTokenController runs, until ctx is done, what kube-controller-manager's
// token controller does for Secrets of type kubernetes.io/service-account-token:
// when such a Secret names an existing ServiceAccount and has no token, it
// fills data["token"] (a legacy token, which never expires), data["ca.crt"]
// (CA) and data["namespace"], and sets the ServiceAccount's UID annotation.
// It returns once it is watching, so a Secret created afterwards is seen.
func (a *Authenticator) StartTokenController(ctx context.Context, client *fake.Clientset) error {
	secretsGVR := corev1.SchemeGroupVersion.WithResource("secrets")
	w, err := client.Tracker().Watch(secretsGVR, "")
	if err != nil {
		return err
	}
	list, err := client.Tracker().List(secretsGVR, corev1.SchemeGroupVersion.WithKind("Secret"), "")
	if err != nil {
		w.Stop()
		return err
	}
	for _, s := range list.(*corev1.SecretList).Items {
		a.fill(ctx, client, &s)
	}
	go func() {
		defer w.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.ResultChan():
				if !ok {
					return
				}
				if secret, isSecret := ev.Object.(*corev1.Secret); isSecret && (ev.Type == watch.Added || ev.Type == watch.Modified) {
					a.fill(ctx, client, secret)
				}
			}
		}
	}()
	return nil
}

func (a *Authenticator) fill(ctx context.Context, client *fake.Clientset, secret *corev1.Secret) {
	if secret.Type != corev1.SecretTypeServiceAccountToken || len(secret.Data[corev1.ServiceAccountTokenKey]) > 0 {
		return
	}
	saName := secret.Annotations[corev1.ServiceAccountNameKey]
	sa, err := client.CoreV1().ServiceAccounts(secret.Namespace).Get(ctx, saName, metav1.GetOptions{})
	if err != nil {
		return // the real controller waits for the ServiceAccount too
	}
	token, err := signLike(map[string]any{
		"iss":                                    "kubernetes/serviceaccount",
		"sub":                                    serviceAccountUser(sa),
		"kubernetes.io/serviceaccount/namespace": sa.Namespace,
		"kubernetes.io/serviceaccount/secret.name":          secret.Name,
		"kubernetes.io/serviceaccount/service-account.name": sa.Name,
		"kubernetes.io/serviceaccount/service-account.uid":  string(sa.UID),
	})
	if err != nil {
		return
	}
	a.remember(token, tokenInfo{user: userInfo(sa)})
	filled := secret.DeepCopy()
	if filled.Data == nil {
		filled.Data = map[string][]byte{}
	}
	filled.Data[corev1.ServiceAccountTokenKey] = []byte(token)
	filled.Data[corev1.ServiceAccountNamespaceKey] = []byte(sa.Namespace)
	if len(a.CA) > 0 {
		filled.Data[corev1.ServiceAccountRootCAKey] = a.CA
	}
	if filled.Annotations == nil {
		filled.Annotations = map[string]string{}
	}
	filled.Annotations[corev1.ServiceAccountUIDKey] = string(sa.UID)
	_, _ = client.CoreV1().Secrets(secret.Namespace).Update(ctx, filled, metav1.UpdateOptions{})
}

func serviceAccountUser(sa *corev1.ServiceAccount) string {
	return "system:serviceaccount:" + sa.Namespace + ":" + sa.Name
}

// userInfo is what the API server's ServiceAccount authenticator reports.
func userInfo(sa *corev1.ServiceAccount) authenticationv1.UserInfo {
	return authenticationv1.UserInfo{
		Username: serviceAccountUser(sa),
		UID:      string(sa.UID),
		Groups:   []string{"system:serviceaccounts", "system:serviceaccounts:" + sa.Namespace, "system:authenticated"},
	}
}

// signLike encodes claims as a compact JWS with a random stand-in signature.
func signLike(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	sig := make([]byte, 32)
	if _, err := rand.Read(sig); err != nil {
		return "", err
	}
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256","kid":"kubeconfigtest"}`))
	return header + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
