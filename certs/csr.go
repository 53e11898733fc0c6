package certs

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"
)

// CSROptions describes a certificate signing request. CommonName is
// required; SANs and Organization (Kubernetes groups) are optional.
type CSROptions struct {
	// CommonName is the subject CN; for a Kubernetes client, the user name.
	CommonName string
	// Organization is the subject O; for a Kubernetes client, the groups.
	Organization []string
	// DNSNames, IPAddresses, URIs and EmailAddresses are the requested SANs.
	DNSNames       []string
	IPAddresses    []net.IP
	URIs           []*url.URL
	EmailAddresses []string
	// KeyType is the type of the key NewCSR generates when Key is nil; empty
	// means ECDSA P-256.
	KeyType KeyType
	// Key signs the request instead of a new key.
	Key crypto.Signer
}

// NewCSR creates a PEM certificate request signed by opts.Key, or by a new
// key of opts.KeyType which it returns. The request carries the subject and
// SANs only; usages and validity are the signer's to decide.
func NewCSR(opts CSROptions) (csrPEM []byte, key crypto.Signer, err error) {
	if opts.CommonName == "" {
		return nil, nil, fmt.Errorf("new CSR: %w: CommonName is required", ErrInvalidName)
	}
	dns, err := cleanDNSNames(opts.DNSNames)
	if err != nil {
		return nil, nil, fmt.Errorf("new CSR %q: %w", opts.CommonName, err)
	}
	if key, err = keyOrGenerate(opts.Key, opts.KeyType); err != nil {
		return nil, nil, fmt.Errorf("new CSR %q: %w", opts.CommonName, err)
	}
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{
		Subject:        pkix.Name{CommonName: opts.CommonName, Organization: opts.Organization},
		DNSNames:       dns,
		IPAddresses:    dedupIPs(opts.IPAddresses),
		URIs:           opts.URIs,
		EmailAddresses: opts.EmailAddresses,
	}, key)
	if err != nil {
		return nil, nil, fmt.Errorf("new CSR %q: %w", opts.CommonName, err)
	}
	return EncodeCSR(&x509.CertificateRequest{Raw: der}), key, nil
}

// SignPolicy is what a CA is willing to sign for a CSR. The zero value
// refuses every request: Profile is required, and SANs of each kind are
// refused unless a predicate allows them. Whatever the request asks for,
// the certificate is never a CA, has the Profile's usages and the policy's
// validity; the request only supplies subject, SANs and public key.
type SignPolicy struct {
	// Profile sets the usages of the certificate. Required.
	Profile Profile
	// Validity is how long the certificate is valid; zero means
	// DefaultValidity. It must end before the CA does.
	Validity time.Duration
	// AllowDNSName, AllowIP, AllowURI and AllowEmail decide each requested
	// SAN; nil refuses every SAN of that kind.
	AllowDNSName func(name string) bool
	AllowIP      func(ip net.IP) bool
	AllowURI     func(u *url.URL) bool
	AllowEmail   func(email string) bool
	// AllowGroup decides each requested Organization (Kubernetes group). Nil
	// allows every group except system:masters, which bypasses RBAC and which
	// the API server's CertificateSubjectRestriction admission refuses too.
	AllowGroup func(group string) bool
	// Check, when set, is called last and may refuse the request for any
	// reason of the caller's.
	Check func(csr *x509.CertificateRequest) error
	// Decode bounds the PEM input.
	Decode DecodeOptions
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// AllowAny is a predicate for SignPolicy that allows every value.
func AllowAny[T any](T) bool { return true }

// oidBasicConstraints identifies the basicConstraints extension.
var oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}

// SignCSR checks a PEM certificate request (its signature, then policy) and
// signs it. A refusal is a *PolicyError saying why.
func (ca *CA) SignCSR(csrPEM []byte, policy SignPolicy) (*x509.Certificate, error) {
	csr, err := ParseCSRPEM(csrPEM, policy.Decode)
	if err != nil {
		return nil, err
	}
	return ca.SignRequest(csr, policy)
}

// SignRequest is SignCSR for a parsed request. It checks the request's
// signature again, so a request built in memory cannot skip it.
func (ca *CA) SignRequest(csr *x509.CertificateRequest, policy SignPolicy) (*x509.Certificate, error) {
	if err := csr.CheckSignature(); err != nil {
		return nil, fmt.Errorf("certificate request signature: %w: %v", ErrInvalidSignature, err)
	}
	if err := policy.allows(csr); err != nil {
		return nil, err
	}
	return ca.Sign(csr.PublicKey, CertOptions{
		CommonName:     csr.Subject.CommonName,
		Organization:   csr.Subject.Organization,
		Profile:        policy.Profile,
		DNSNames:       csr.DNSNames,
		IPAddresses:    csr.IPAddresses,
		URIs:           csr.URIs,
		EmailAddresses: csr.EmailAddresses,
		Validity:       policy.Validity,
		Now:            policy.Now,
	})
}

func (p SignPolicy) allows(csr *x509.CertificateRequest) error {
	if p.Profile.ExtKeyUsages() == nil {
		return &PolicyError{Reason: fmt.Sprintf("policy has no valid Profile (%q)", p.Profile)}
	}
	if csr.Subject.CommonName == "" {
		return &PolicyError{Reason: "request has no common name"}
	}
	for _, ext := range csr.Extensions {
		if ext.Id.Equal(oidBasicConstraints) && requestsCA(ext.Value) {
			return &PolicyError{Reason: "request asks for a CA certificate (basicConstraints CA:TRUE)"}
		}
	}
	for _, g := range csr.Subject.Organization {
		allowed := g != GroupSystemMasters
		if p.AllowGroup != nil {
			allowed = p.AllowGroup(g)
		}
		if !allowed {
			return &PolicyError{Reason: fmt.Sprintf("group %q is not allowed", g)}
		}
	}
	if err := checkSANs("DNS name", csr.DNSNames, p.AllowDNSName, func(s string) string { return s }); err != nil {
		return err
	}
	if err := checkSANs("IP address", csr.IPAddresses, p.AllowIP, net.IP.String); err != nil {
		return err
	}
	if err := checkSANs("URI", csr.URIs, p.AllowURI, (*url.URL).String); err != nil {
		return err
	}
	if err := checkSANs("email address", csr.EmailAddresses, p.AllowEmail, func(s string) string { return s }); err != nil {
		return err
	}
	if p.Check != nil {
		if err := p.Check(csr); err != nil {
			return &PolicyError{Reason: err.Error()}
		}
	}
	return nil
}

func checkSANs[T any](kind string, values []T, allow func(T) bool, show func(T) string) error {
	for _, v := range values {
		if allow == nil || !allow(v) {
			return &PolicyError{Reason: fmt.Sprintf("%s SAN %q is not allowed", kind, show(v))}
		}
	}
	return nil
}

// requestsCA reports whether a basicConstraints value says cA TRUE; an
// unparsable one counts as a request for a CA, to fail closed.
func requestsCA(value []byte) bool {
	var bc struct {
		IsCA       bool `asn1:"optional"`
		MaxPathLen int  `asn1:"optional,default:-1"`
	}
	if rest, err := asn1.Unmarshal(value, &bc); err != nil || len(rest) != 0 {
		return true
	}
	return bc.IsCA
}

// AllowDNSSuffix returns a DNS predicate for SignPolicy that allows the
// given domains and their subdomains.
func AllowDNSSuffix(domains ...string) func(string) bool {
	return func(name string) bool {
		return slices.ContainsFunc(domains, func(d string) bool {
			return name == d || strings.HasSuffix(name, "."+d)
		})
	}
}
