package certs

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
)

// Profile is what a leaf certificate is for; it sets the extended key usages.
type Profile string

// The profiles. There is no default: a certificate good for everything is
// what this package exists to avoid.
const (
	// ProfileServer is a TLS server certificate (serverAuth), such as apiserver.
	ProfileServer Profile = "server"
	// ProfileClient is a TLS client certificate (clientAuth), such as a
	// kubeconfig user or apiserver-etcd-client.
	ProfileClient Profile = "client"
	// ProfilePeer is both (serverAuth and clientAuth), such as etcd's peer
	// and server certificates.
	ProfilePeer Profile = "peer"
)

// ExtKeyUsages returns the extended key usages of p, or nil for an unknown profile.
func (p Profile) ExtKeyUsages() []x509.ExtKeyUsage {
	switch p {
	case ProfileServer:
		return []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	case ProfileClient:
		return []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	case ProfilePeer:
		return []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	}
	return nil
}

// CertOptions describes a leaf certificate for Issue and Sign. CommonName and
// Profile are required; every other zero field has a safe default.
type CertOptions struct {
	// CommonName is the subject CN; for a Kubernetes client certificate, the user name.
	CommonName string
	// Organization is the subject O; for a Kubernetes client certificate, the groups.
	Organization []string
	// Profile sets the extended key usages. Required.
	Profile Profile
	// DNSNames, IPAddresses, URIs and EmailAddresses are the subject
	// alternative names. DNS names must be RFC 1123 subdomains or wildcards;
	// they are deduplicated and sorted, IPs deduplicated in order, as kubeadm does.
	DNSNames       []string
	IPAddresses    []net.IP
	URIs           []*url.URL
	EmailAddresses []string
	// KeyType is the type of the key Issue generates; empty means ECDSA P-256.
	// Sign ignores it.
	KeyType KeyType
	// Validity is how long the certificate is valid from now; zero means
	// DefaultValidity (1 year).
	Validity time.Duration
	// NotBefore overrides the start; zero means now minus Backdate, but never
	// before the CA's own NotBefore.
	NotBefore time.Time
	// NotAfter overrides the end; zero means now plus Validity. A NotAfter
	// beyond the CA's is refused with a *ValidityError.
	NotAfter time.Time
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Issue creates a new key of opts.KeyType and a certificate for it signed by
// ca. The result carries ca's chain when ca is an intermediate.
func (ca *CA) Issue(opts CertOptions) (*KeyPair, error) {
	tmpl, err := leafTemplate(opts)
	if err != nil {
		return nil, err
	}
	key, err := GenerateKey(opts.KeyType)
	if err != nil {
		return nil, fmt.Errorf("issue %q: %w", opts.CommonName, err)
	}
	return ca.signTemplate(tmpl, key)
}

// IssueWithKey is Issue for a key the caller already holds.
func (ca *CA) IssueWithKey(key crypto.Signer, opts CertOptions) (*KeyPair, error) {
	if _, err := KeyTypeOf(key); err != nil {
		return nil, fmt.Errorf("issue %q: %w", opts.CommonName, err)
	}
	tmpl, err := leafTemplate(opts)
	if err != nil {
		return nil, err
	}
	return ca.signTemplate(tmpl, key)
}

// Sign creates a certificate for a public key whose private key the caller
// does not hold, such as one from a CSR.
func (ca *CA) Sign(pub crypto.PublicKey, opts CertOptions) (*x509.Certificate, error) {
	if _, err := KeyTypeOf(pub); err != nil {
		return nil, fmt.Errorf("sign %q: %w", opts.CommonName, err)
	}
	tmpl, err := leafTemplate(opts)
	if err != nil {
		return nil, err
	}
	return ca.signPublic(tmpl, pub)
}

func (ca *CA) signTemplate(tmpl *x509.Certificate, key crypto.Signer) (*KeyPair, error) {
	cert, err := ca.signPublic(tmpl, key.Public())
	if err != nil {
		return nil, err
	}
	return &KeyPair{Cert: cert, Key: key, Chain: ca.issuedChain()}, nil
}

func (ca *CA) signPublic(tmpl *x509.Certificate, pub crypto.PublicKey) (*x509.Certificate, error) {
	tmpl.KeyUsage = keyUsageFor(pub, false)
	if err := ca.canSign(tmpl, false); err != nil {
		return nil, err
	}
	if err := checkValidity(tmpl); err != nil {
		return nil, err
	}
	return create(tmpl, ca.Cert, pub, ca.Key)
}

// leafTemplate checks opts and turns them into a template without key, serial
// and key usage.
func leafTemplate(opts CertOptions) (*x509.Certificate, error) {
	if opts.CommonName == "" {
		return nil, fmt.Errorf("issue: %w: CommonName is required", ErrInvalidName)
	}
	usages := opts.Profile.ExtKeyUsages()
	if usages == nil {
		return nil, fmt.Errorf("issue %q: %w: Profile %q, want server, client or peer", opts.CommonName, ErrInvalidName, opts.Profile)
	}
	dns, err := cleanDNSNames(opts.DNSNames)
	if err != nil {
		return nil, fmt.Errorf("issue %q: %w", opts.CommonName, err)
	}
	for _, e := range opts.EmailAddresses {
		if !strings.Contains(e, "@") {
			return nil, fmt.Errorf("issue %q: %w: email address %q", opts.CommonName, ErrInvalidName, e)
		}
	}
	for _, u := range opts.URIs {
		if u == nil || u.Scheme == "" {
			return nil, fmt.Errorf("issue %q: %w: URI SAN without a scheme", opts.CommonName, ErrInvalidName)
		}
	}
	validity := opts.Validity
	if validity <= 0 {
		validity = DefaultValidity
	}
	notBefore, notAfter := window(clock(opts.Now), opts.NotBefore, opts.NotAfter, validity)
	return &x509.Certificate{
		Subject:               pkix.Name{CommonName: opts.CommonName, Organization: slices.Clone(opts.Organization)},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		ExtKeyUsage:           usages,
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           dedupIPs(opts.IPAddresses),
		URIs:                  opts.URIs,
		EmailAddresses:        opts.EmailAddresses,
	}, nil
}

// cleanDNSNames validates DNS SANs and returns them deduplicated and sorted,
// as kubeadm's RemoveDuplicateAltNames does.
func cleanDNSNames(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, nil
	}
	out := make([]string, 0, len(names))
	for _, n := range names {
		if len(validation.IsDNS1123Subdomain(n)) != 0 && len(validation.IsWildcardDNS1123Subdomain(n)) != 0 {
			return nil, fmt.Errorf("%w: DNS name %q is not an RFC 1123 subdomain", ErrInvalidName, n)
		}
		out = append(out, n)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

func dedupIPs(ips []net.IP) []net.IP {
	var out []net.IP
	for _, ip := range ips {
		if ip == nil {
			continue
		}
		if !slices.ContainsFunc(out, ip.Equal) {
			out = append(out, ip)
		}
	}
	return out
}
