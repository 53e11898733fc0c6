package certs

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-logr/logr"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"
)

// MinCSRDuration is the shortest expirationSeconds the API server accepts.
const MinCSRDuration = 10 * time.Minute

// Sentinels of the CertificateSigningRequest API; *CSRError wraps the first two.
var (
	// ErrCSRDenied means an approver denied the request.
	ErrCSRDenied = errors.New("certificate signing request denied")
	// ErrCSRFailed means the signer failed to issue the certificate.
	ErrCSRFailed = errors.New("certificate signing request failed")
	// ErrCSRGone means the request was deleted or replaced while waiting.
	ErrCSRGone = errors.New("certificate signing request deleted or replaced")
)

// CSRError reports a request that was denied or failed, with the reason and
// message the approver or signer wrote.
type CSRError struct {
	Name      string
	Condition certificatesv1.RequestConditionType
	Reason    string
	Message   string
}

// Error describes the CSRError.
func (e *CSRError) Error() string {
	return fmt.Sprintf("certificate signing request %s %s: %s: %s", e.Name, strings.ToLower(string(e.Condition)), e.Reason, e.Message)
}

// Unwrap returns ErrCSRDenied or ErrCSRFailed.
func (e *CSRError) Unwrap() error {
	if e.Condition == certificatesv1.CertificateDenied {
		return ErrCSRDenied
	}
	return ErrCSRFailed
}

// CSRRequestOptions configures SubmitCSR and RequestCertificate.
// SignerName is required; every other zero field is safe.
type CSRRequestOptions struct {
	// Name of the CertificateSigningRequest; empty means a generated
	// "csr-xxxxx". With a fixed name, submitting the same request again
	// reuses the existing object, so a retry is idempotent.
	Name string
	// SignerName, such as certificatesv1.KubeAPIServerClientSignerName. Required.
	SignerName string
	// Usages requested; nil means the usages the well-known signer requires
	// (digital signature plus client auth or server auth, and key
	// encipherment for RSA keys), and is an error for other signers.
	Usages []certificatesv1.KeyUsage
	// Duration requested (spec.expirationSeconds); zero leaves it to the
	// signer (kube-controller-manager: --cluster-signing-duration, 1 year).
	// Otherwise at least MinCSRDuration. The signer may shorten it.
	Duration time.Duration
	// Approve approves the request right after creating it, for callers
	// allowed to (update on certificatesigningrequests/approval and approve
	// on the signer). Never approve requests of others blindly.
	Approve bool
	// ApprovalReason and ApprovalMessage go into the Approved condition;
	// empty means "KubeprimApprove" and a message saying who approved.
	ApprovalReason  string
	ApprovalMessage string
}

// RequestCertificate submits csrPEM as a CertificateSigningRequest (see
// SubmitCSR), approves it when opts.Approve is set, and waits for the signed
// certificate (see WaitForCertificate) until ctx is done. It returns the
// certificate chain PEM after checking that the certificate is for the
// request's public key.
func RequestCertificate(ctx context.Context, client kubernetes.Interface, csrPEM []byte, opts CSRRequestOptions) ([]byte, error) {
	csr, err := SubmitCSR(ctx, client, csrPEM, opts)
	if err != nil {
		return nil, err
	}
	if opts.Approve {
		if _, err := ApproveCSR(ctx, client, csr.Name, opts.ApprovalReason, opts.ApprovalMessage); err != nil {
			return nil, err
		}
	}
	certPEM, err := WaitForCertificate(ctx, client, csr.Name, csr.UID)
	if err != nil {
		return nil, err
	}
	req, err := ParseCSRPEM(csrPEM, DecodeOptions{})
	if err != nil {
		return nil, err
	}
	cert, err := ParseCertificatePEM(certPEM, DecodeOptions{})
	if err != nil {
		return nil, fmt.Errorf("certificate of %s: %w", csr.Name, err)
	}
	if !publicKeysEqual(cert.PublicKey, req.PublicKey) {
		return nil, fmt.Errorf("certificate of %s is for another key: %w", csr.Name, ErrKeyMismatch)
	}
	return certPEM, nil
}

// errNilClient is returned by the CSR API functions given a nil client.
var errNilClient = errors.New("client is nil: pass a kubernetes.Interface")

// SubmitCSR validates csrPEM and opts as the API server and the in-tree
// signers would (signer name, usages, expirationSeconds of at least 600,
// kubelet subject rules, no system:masters for kube-apiserver-client) and
// creates the CertificateSigningRequest. Refusals found locally are
// *PolicyError.
func SubmitCSR(ctx context.Context, client kubernetes.Interface, csrPEM []byte, opts CSRRequestOptions) (*certificatesv1.CertificateSigningRequest, error) {
	if client == nil {
		return nil, fmt.Errorf("submit CSR: %w", errNilClient)
	}
	req, err := ParseCSRPEM(csrPEM, DecodeOptions{})
	if err != nil {
		return nil, fmt.Errorf("submit CSR: %w", err)
	}
	usages, err := requestUsages(req, opts)
	if err != nil {
		return nil, fmt.Errorf("submit CSR: %w", err)
	}
	obj := &certificatesv1.CertificateSigningRequest{
		ObjectMeta: metav1.ObjectMeta{Name: opts.Name},
		Spec: certificatesv1.CertificateSigningRequestSpec{
			Request:    csrPEM,
			SignerName: opts.SignerName,
			Usages:     usages,
		},
	}
	if opts.Name == "" {
		obj.GenerateName = "csr-"
	}
	if opts.Duration != 0 {
		if opts.Duration < MinCSRDuration {
			return nil, fmt.Errorf("submit CSR: %w", &ValidityError{Subject: req.Subject.CommonName, Reason: fmt.Sprintf("requested duration %s is shorter than the API minimum of %s", opts.Duration, MinCSRDuration)})
		}
		secs := int32(min(opts.Duration/time.Second, 1<<31-1))
		obj.Spec.ExpirationSeconds = &secs
	}
	csrs := client.CertificatesV1().CertificateSigningRequests()
	created, err := csrs.Create(ctx, obj, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) && opts.Name != "" {
		existing, getErr := csrs.Get(ctx, opts.Name, metav1.GetOptions{})
		if getErr != nil {
			return nil, fmt.Errorf("submit CSR %s: %w", opts.Name, getErr)
		}
		if !bytes.Equal(existing.Spec.Request, csrPEM) || existing.Spec.SignerName != opts.SignerName {
			return nil, fmt.Errorf("submit CSR %s: a different request of that name exists: %w", opts.Name, err)
		}
		created, err = existing, nil
	}
	if err != nil {
		return nil, fmt.Errorf("submit CSR: %w", err)
	}
	logr.FromContextOrDiscard(ctx).V(1).Info("certificate signing request submitted", "csr", created.Name, "signer", opts.SignerName, "commonName", req.Subject.CommonName)
	return created, nil
}

// requestUsages returns the usages to request and checks them and the
// subject against the rules of the well-known signers.
func requestUsages(req *x509.CertificateRequest, opts CSRRequestOptions) ([]certificatesv1.KeyUsage, error) {
	if opts.SignerName == "" || !strings.Contains(opts.SignerName, "/") {
		return nil, &PolicyError{Reason: fmt.Sprintf("signer name %q must look like example.com/signer", opts.SignerName)}
	}
	kt, _ := KeyTypeOf(req.PublicKey)
	base := []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature}
	if kt.IsRSA() {
		base = append(base, certificatesv1.UsageKeyEncipherment)
	}
	usages := opts.Usages
	switch opts.SignerName {
	case certificatesv1.KubeAPIServerClientSignerName:
		if usages == nil {
			usages = append(base, certificatesv1.UsageClientAuth)
		}
		if !slices.Contains(usages, certificatesv1.UsageClientAuth) {
			return nil, &PolicyError{Reason: "kube-apiserver-client requires the usage \"client auth\""}
		}
		if err := onlyUsages(usages, certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageClientAuth); err != nil {
			return nil, err
		}
		if slices.Contains(req.Subject.Organization, GroupSystemMasters) {
			return nil, &PolicyError{Reason: "the API server's CertificateSubjectRestriction admission refuses system:masters for kube-apiserver-client"}
		}
	case certificatesv1.KubeAPIServerClientKubeletSignerName:
		if usages == nil {
			usages = append(base, certificatesv1.UsageClientAuth)
		}
		if err := kubeletSubject(req); err != nil {
			return nil, err
		}
		if len(req.DNSNames)+len(req.IPAddresses)+len(req.EmailAddresses)+len(req.URIs) > 0 {
			return nil, &PolicyError{Reason: "kube-apiserver-client-kubelet requests may carry no SANs"}
		}
		if err := exactUsages(usages, certificatesv1.UsageClientAuth); err != nil {
			return nil, err
		}
	case certificatesv1.KubeletServingSignerName:
		if usages == nil {
			usages = append(base, certificatesv1.UsageServerAuth)
		}
		if err := kubeletSubject(req); err != nil {
			return nil, err
		}
		if len(req.DNSNames)+len(req.IPAddresses) == 0 || len(req.EmailAddresses)+len(req.URIs) > 0 {
			return nil, &PolicyError{Reason: "kubelet-serving requests need a DNS or IP SAN and may carry no email or URI SAN"}
		}
		if err := exactUsages(usages, certificatesv1.UsageServerAuth); err != nil {
			return nil, err
		}
	default:
		if len(usages) == 0 {
			return nil, &PolicyError{Reason: fmt.Sprintf("signer %q is not a Kubernetes signer; say which usages to request", opts.SignerName)}
		}
	}
	return usages, nil
}

func onlyUsages(usages []certificatesv1.KeyUsage, allowed ...certificatesv1.KeyUsage) error {
	for _, u := range usages {
		if !slices.Contains(allowed, u) {
			return &PolicyError{Reason: fmt.Sprintf("usage %q is not allowed for this signer", u)}
		}
	}
	return nil
}

// exactUsages is the kubelet signers' rule: digital signature and the auth
// usage, optionally key encipherment, nothing else.
func exactUsages(usages []certificatesv1.KeyUsage, auth certificatesv1.KeyUsage) error {
	if !slices.Contains(usages, certificatesv1.UsageDigitalSignature) || !slices.Contains(usages, auth) {
		return &PolicyError{Reason: fmt.Sprintf("usages must be \"digital signature\" and %q, optionally \"key encipherment\"", auth)}
	}
	return onlyUsages(usages, certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, auth)
}

func kubeletSubject(req *x509.CertificateRequest) error {
	if !slices.Equal(req.Subject.Organization, []string{GroupNodes}) || !strings.HasPrefix(req.Subject.CommonName, NodeUserPrefix) {
		return &PolicyError{Reason: "kubelet signers need O=system:nodes only and CN=system:node:<name>"}
	}
	return nil
}

// ApproveCSR adds the Approved condition to the request named name through
// the approval subresource, retrying on conflicts. Approving an approved
// request is a no-op; approving a denied one is a *CSRError.
func ApproveCSR(ctx context.Context, client kubernetes.Interface, name, reason, message string) (*certificatesv1.CertificateSigningRequest, error) {
	if client == nil {
		return nil, fmt.Errorf("approve CSR %s: %w", name, errNilClient)
	}
	if reason == "" {
		reason = "KubeprimApprove"
	}
	if message == "" {
		message = "This CSR was approved by kubeprim certs.ApproveCSR."
	}
	csrs := client.CertificatesV1().CertificateSigningRequests()
	var out *certificatesv1.CertificateSigningRequest
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		csr, err := csrs.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		if c := condition(csr, certificatesv1.CertificateDenied); c != nil {
			return &CSRError{Name: name, Condition: c.Type, Reason: c.Reason, Message: c.Message}
		}
		if condition(csr, certificatesv1.CertificateApproved) != nil {
			out = csr
			return nil
		}
		csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
			Type: certificatesv1.CertificateApproved, Status: corev1.ConditionTrue,
			Reason: reason, Message: message, LastUpdateTime: metav1.Now(),
		})
		out, err = csrs.UpdateApproval(ctx, name, csr, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("approve CSR %s: %w", name, err)
	}
	logr.FromContextOrDiscard(ctx).V(1).Info("certificate signing request approved", "csr", name, "reason", reason)
	return out, nil
}

// condition returns the condition of type t with status True, or nil.
func condition(csr *certificatesv1.CertificateSigningRequest, t certificatesv1.RequestConditionType) *certificatesv1.CertificateSigningRequestCondition {
	for i, c := range csr.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return &csr.Status.Conditions[i]
		}
	}
	return nil
}

// WaitForCertificate watches the request named name until its certificate
// is issued and returns status.certificate (PEM). It fails with a *CSRError
// when the request is denied or failed, with ErrCSRGone when it is deleted
// or replaced by another object of the same name (uid, when not empty, is
// the UID the caller created), and with ctx's error when ctx ends first. It
// re-establishes the watch when the server closes it.
func WaitForCertificate(ctx context.Context, client kubernetes.Interface, name string, uid types.UID) ([]byte, error) {
	if client == nil {
		return nil, fmt.Errorf("wait for CSR %s: %w", name, errNilClient)
	}
	csrs := client.CertificatesV1().CertificateSigningRequests()
	log := logr.FromContextOrDiscard(ctx)
	for {
		csr, err := csrs.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("wait for CSR %s: %w", name, ErrCSRGone)
		}
		if err != nil {
			return nil, fmt.Errorf("wait for CSR %s: %w", name, err)
		}
		if done, cert, err := csrOutcome(csr, uid); done {
			return cert, err
		}
		w, err := csrs.Watch(ctx, metav1.ListOptions{
			FieldSelector:   fields.OneTermEqualSelector("metadata.name", name).String(),
			ResourceVersion: csr.ResourceVersion,
		})
		if err != nil {
			return nil, fmt.Errorf("wait for CSR %s: %w", name, err)
		}
		done, cert, err := watchCSR(ctx, w, name, uid)
		w.Stop()
		if done {
			return cert, err
		}
		log.V(1).Info("watch of certificate signing request closed, watching again", "csr", name)
	}
}

// watchCSR reads events until the request has an outcome (done) or the
// watch ends (not done: watch again).
func watchCSR(ctx context.Context, w watch.Interface, name string, uid types.UID) (bool, []byte, error) {
	for {
		select {
		case <-ctx.Done():
			return true, nil, fmt.Errorf("wait for CSR %s: %w", name, context.Cause(ctx))
		case ev, ok := <-w.ResultChan():
			if !ok {
				return false, nil, nil
			}
			csr, isCSR := ev.Object.(*certificatesv1.CertificateSigningRequest)
			switch {
			case ev.Type == watch.Error:
				return false, nil, nil
			case !isCSR || csr.Name != name:
				continue // servers that ignore the field selector, such as the fake
			case ev.Type == watch.Deleted:
				return true, nil, fmt.Errorf("wait for CSR %s: %w", name, ErrCSRGone)
			}
			if done, cert, err := csrOutcome(csr, uid); done {
				return true, cert, err
			}
		}
	}
}

// csrOutcome says whether csr is finished: issued, denied or failed, or
// replaced by another object.
func csrOutcome(csr *certificatesv1.CertificateSigningRequest, uid types.UID) (bool, []byte, error) {
	if uid != "" && csr.UID != uid {
		return true, nil, fmt.Errorf("wait for CSR %s: UID changed from %s to %s: %w", csr.Name, uid, csr.UID, ErrCSRGone)
	}
	for _, t := range []certificatesv1.RequestConditionType{certificatesv1.CertificateDenied, certificatesv1.CertificateFailed} {
		if c := condition(csr, t); c != nil {
			return true, nil, &CSRError{Name: csr.Name, Condition: t, Reason: c.Reason, Message: c.Message}
		}
	}
	if condition(csr, certificatesv1.CertificateApproved) != nil && len(csr.Status.Certificate) > 0 {
		return true, csr.Status.Certificate, nil
	}
	return false, nil, nil
}
