package certs

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"time"
)

// CA is a certificate authority: a CA certificate with its private key and,
// for an intermediate, the chain above it. It issues leaf certificates and
// intermediates. A CA is safe for concurrent use.
type CA struct {
	KeyPair
	// root is the self-signed certificate at the top, when known.
	root *x509.Certificate
}

// CAOptions configures NewCA and NewIntermediate. The zero value is not
// enough: CommonName is required. Every other zero field has a safe default.
type CAOptions struct {
	// CommonName is the subject CN, such as "kubernetes" or "etcd-ca". Required.
	CommonName string
	// Organization is the subject O; usually empty for a CA.
	Organization []string
	// KeyType is the type of the key generated for the CA; empty means ECDSA P-256.
	KeyType KeyType
	// Key is used instead of generating a new key (to cross-sign or to keep a
	// key across a rotation). Its type must be supported.
	Key crypto.Signer
	// Validity is how long the CA is valid from now; zero means DefaultCAValidity (10 years).
	Validity time.Duration
	// NotBefore overrides the start; zero means now minus Backdate (5 minutes).
	NotBefore time.Time
	// NotAfter overrides the end; zero means now plus Validity.
	NotAfter time.Time
	// MaxPathLen limits how many intermediate CAs may follow this one. Nil means
	// no limit for a root (as kubeadm) and 0 for an intermediate, which then can
	// sign only leaves.
	MaxPathLen *int
	// PermittedDNSDomains, when set, is a critical name constraint: the CA can
	// only vouch for these DNS domains and their subdomains.
	PermittedDNSDomains []string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// PathLen returns a pointer to n, for CAOptions.MaxPathLen.
func PathLen(n int) *int { return &n }

// NewCA creates a self-signed root CA with a new key (or opts.Key), a random
// 128-bit serial, a subject key identifier, key usages certSign, cRLSign and
// digitalSignature, and a critical CA basic constraint.
func NewCA(opts CAOptions) (*CA, error) {
	return newCA(nil, opts)
}

// NewIntermediate creates a CA signed by ca. Its validity must end no later
// than ca's, and ca's path length must allow another CA below it.
func (ca *CA) NewIntermediate(opts CAOptions) (*CA, error) {
	return newCA(ca, opts)
}

func newCA(parent *CA, opts CAOptions) (*CA, error) {
	if opts.CommonName == "" {
		return nil, fmt.Errorf("new CA: %w: CommonName is required", ErrInvalidName)
	}
	key, err := keyOrGenerate(opts.Key, opts.KeyType)
	if err != nil {
		return nil, fmt.Errorf("new CA %q: %w", opts.CommonName, err)
	}
	validity := opts.Validity
	if validity <= 0 {
		validity = DefaultCAValidity
	}
	notBefore, notAfter := window(clock(opts.Now), opts.NotBefore, opts.NotAfter, validity)
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: opts.CommonName, Organization: opts.Organization},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		KeyUsage:              keyUsageFor(key.Public(), true),
		BasicConstraintsValid: true,
		IsCA:                  true,
		PermittedDNSDomains:   opts.PermittedDNSDomains,
	}
	tmpl.PermittedDNSDomainsCritical = len(opts.PermittedDNSDomains) > 0
	switch {
	case opts.MaxPathLen != nil && *opts.MaxPathLen < 0:
		return nil, fmt.Errorf("new CA %q: MaxPathLen %d is negative", opts.CommonName, *opts.MaxPathLen)
	case opts.MaxPathLen != nil:
		tmpl.MaxPathLen, tmpl.MaxPathLenZero = *opts.MaxPathLen, *opts.MaxPathLen == 0
	case parent != nil:
		tmpl.MaxPathLenZero = true
	default:
		tmpl.MaxPathLen = -1
	}
	if err := checkValidity(tmpl); err != nil {
		return nil, err
	}
	if parent == nil {
		cert, err := create(tmpl, nil, key.Public(), key)
		if err != nil {
			return nil, err
		}
		return &CA{KeyPair: KeyPair{Cert: cert, Key: key}, root: cert}, nil
	}
	if err := parent.canSign(tmpl, true); err != nil {
		return nil, err
	}
	cert, err := create(tmpl, parent.Cert, key.Public(), parent.Key)
	if err != nil {
		return nil, err
	}
	return &CA{KeyPair: KeyPair{Cert: cert, Key: key, Chain: parent.issuedChain()}, root: parent.Root()}, nil
}

// issuedChain is the chain a certificate signed by ca carries: ca itself when
// it is an intermediate, followed by its own chain; empty under a root.
func (ca *CA) issuedChain() []*x509.Certificate {
	if isSelfSigned(ca.Cert) {
		return nil
	}
	return append([]*x509.Certificate{ca.Cert}, ca.Chain...)
}

// LoadCA makes a CA from a certificate and key, checking that the certificate
// is a CA (ErrNotCA otherwise) and that the key is its own (ErrKeyMismatch).
func LoadCA(cert *x509.Certificate, key crypto.Signer, chain ...*x509.Certificate) (*CA, error) {
	if err := checkIsCA(cert); err != nil {
		return nil, err
	}
	kp, err := NewKeyPair(cert, key, chain...)
	if err != nil {
		return nil, err
	}
	ca := &CA{KeyPair: *kp}
	if top := ca.top(); isSelfSigned(top) {
		ca.root = top
	}
	return ca, nil
}

// ParseCAPEM is LoadCA for PEM input.
func ParseCAPEM(certPEM, keyPEM []byte, opts DecodeOptions) (*CA, error) {
	kp, err := ParseKeyPairPEM(certPEM, keyPEM, opts)
	if err != nil {
		return nil, err
	}
	return LoadCA(kp.Cert, kp.Key, kp.Chain...)
}

// Pool returns a cert pool trusting the CA's root: ca itself for a root, the
// top of its chain for an intermediate.
func (ca *CA) Pool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AddCert(ca.Root())
	return pool
}

// Root returns the self-signed certificate at the top of the CA's chain: ca
// itself for a root. For an intermediate loaded without its root, the top of
// the chain it was loaded with.
func (ca *CA) Root() *x509.Certificate {
	if ca.root != nil {
		return ca.root
	}
	return ca.top()
}

func (ca *CA) top() *x509.Certificate {
	if len(ca.Chain) == 0 {
		return ca.Cert
	}
	return ca.Chain[len(ca.Chain)-1]
}

func checkIsCA(cert *x509.Certificate) error {
	if cert == nil {
		return fmt.Errorf("nil certificate: %w", ErrNotCA)
	}
	if !cert.BasicConstraintsValid || !cert.IsCA {
		return fmt.Errorf("certificate %q has no CA basic constraint: %w", cert.Subject.CommonName, ErrNotCA)
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("certificate %q lacks the certSign key usage: %w", cert.Subject.CommonName, ErrNotCA)
	}
	return nil
}

// canSign checks that ca may sign tmpl: ca is a CA, tmpl's validity ends no
// later than ca's, and for a CA below it, the path length allows one more.
func (ca *CA) canSign(tmpl *x509.Certificate, isCA bool) error {
	if err := checkIsCA(ca.Cert); err != nil {
		return err
	}
	if tmpl.NotAfter.After(ca.Cert.NotAfter) {
		return &ValidityError{Subject: tmpl.Subject.CommonName, NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, Limit: ca.Cert.NotAfter,
			Reason: fmt.Sprintf("ends after its CA %q (%s); shorten the validity or rotate the CA", ca.Cert.Subject.CommonName, ca.Cert.NotAfter.UTC().Format(time.RFC3339))}
	}
	if !tmpl.NotAfter.After(ca.Cert.NotBefore) {
		return &ValidityError{Subject: tmpl.Subject.CommonName, NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, Limit: ca.Cert.NotBefore,
			Reason: fmt.Sprintf("ends before its CA %q becomes valid (%s); check the clock", ca.Cert.Subject.CommonName, ca.Cert.NotBefore.UTC().Format(time.RFC3339))}
	}
	if tmpl.NotBefore.Before(ca.Cert.NotBefore) {
		// A certificate cannot be valid before its issuer; start with the issuer.
		tmpl.NotBefore = ca.Cert.NotBefore
	}
	if isCA && ca.Cert.MaxPathLenZero {
		return fmt.Errorf("CA %q has path length 0 and may not sign CA %q: %w", ca.Cert.Subject.CommonName, tmpl.Subject.CommonName, ErrPolicy)
	}
	if isCA && ca.Cert.MaxPathLen > 0 {
		// The child must leave room below the parent's limit.
		limit := ca.Cert.MaxPathLen - 1
		if tmpl.MaxPathLen < 0 || (!tmpl.MaxPathLenZero && tmpl.MaxPathLen == 0) || tmpl.MaxPathLen > limit {
			tmpl.MaxPathLen, tmpl.MaxPathLenZero = limit, limit == 0
		}
	}
	return nil
}

func checkValidity(tmpl *x509.Certificate) error {
	if !tmpl.NotAfter.After(tmpl.NotBefore) {
		return &ValidityError{Subject: tmpl.Subject.CommonName, NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, Reason: "ends before it starts"}
	}
	return nil
}

func keyOrGenerate(key crypto.Signer, t KeyType) (crypto.Signer, error) {
	if key != nil {
		if _, err := KeyTypeOf(key); err != nil {
			return nil, err
		}
		return key, nil
	}
	return GenerateKey(t)
}

// isSelfSigned reports whether cert's issuer is its subject and its own key
// verifies its signature.
func isSelfSigned(cert *x509.Certificate) bool {
	return string(cert.RawIssuer) == string(cert.RawSubject) && cert.CheckSignatureFrom(cert) == nil
}
