package certs

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"slices"
	"time"
)

// RenewOptions configures renewal. The zero value renews with a new key of
// the same type for DefaultValidity from now.
type RenewOptions struct {
	// KeyType is the type of the new key; empty means the type of the old
	// certificate's key.
	KeyType KeyType
	// Validity is how long the new certificate is valid from now; zero means
	// DefaultValidity, as kubeadm certs renew does.
	Validity time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Renew issues a new certificate with a new key and the identity of old: the
// same CN, Organization, SANs and extended key usages, as `kubeadm certs
// renew` copies them. old must have been issued by ca (ErrInvalidSignature
// otherwise), and a CA is never renewed in place (ErrPolicy: use RotateCA).
// Renew works whether or not old has expired.
func (ca *CA) Renew(old *x509.Certificate, opts RenewOptions) (*KeyPair, error) {
	if old == nil {
		return nil, errors.New("renew: nil certificate")
	}
	name := old.Subject.CommonName
	if old.IsCA {
		return nil, fmt.Errorf("renew %q: %w: a CA is never renewed in place; rotate it with RotateCA", name, ErrPolicy)
	}
	if err := old.CheckSignatureFrom(ca.Cert); err != nil {
		return nil, fmt.Errorf("renew %q: not issued by CA %q: %w", name, ca.Cert.Subject.CommonName, errors.Join(ErrInvalidSignature, err))
	}
	kt := opts.KeyType
	if kt == "" {
		if t, err := KeyTypeOf(old.PublicKey); err == nil {
			kt = t
		}
	}
	key, err := GenerateKey(kt)
	if err != nil {
		return nil, fmt.Errorf("renew %q: %w", name, err)
	}
	validity := opts.Validity
	if validity <= 0 {
		validity = DefaultValidity
	}
	notBefore, notAfter := window(clock(opts.Now), time.Time{}, time.Time{}, validity)
	tmpl := &x509.Certificate{
		Subject:               pkix.Name{CommonName: name, Organization: slices.Clone(old.Subject.Organization)},
		NotBefore:             notBefore,
		NotAfter:              notAfter,
		ExtKeyUsage:           slices.Clone(old.ExtKeyUsage),
		BasicConstraintsValid: true,
		DNSNames:              slices.Clone(old.DNSNames),
		IPAddresses:           slices.Clone(old.IPAddresses),
		URIs:                  slices.Clone(old.URIs),
		EmailAddresses:        slices.Clone(old.EmailAddresses),
	}
	return ca.signTemplate(tmpl, key)
}

// Renew returns a copy of p in which the named leaf certificates (kubeadm's
// names, such as "apiserver" or "etcd-peer"; all leaves when none are named)
// have new keys and certificates with the same identity under the same CAs.
// CAs and the service-account key are kept. p itself is not modified.
func (p *PKI) Renew(opts RenewOptions, names ...string) (*PKI, error) {
	out := *p
	cas := map[string]*CA{NameCA: p.CA, NameFrontProxyCA: p.FrontProxyCA, NameEtcdCA: p.EtcdCA}
	entries := map[string]Entry{}
	var leaves []string
	for _, e := range p.Entries() {
		entries[e.Name] = e
		if !e.IsCA {
			leaves = append(leaves, e.Name)
		}
	}
	if len(names) == 0 {
		names = leaves
	}
	if opts.Now == nil {
		opts.Now = p.Options.Now
	}
	if opts.Validity <= 0 {
		opts.Validity = p.Options.Validity
	}
	for _, name := range names {
		e, ok := entries[name]
		switch {
		case !ok:
			return nil, fmt.Errorf("renew %q: %w: no such certificate in the PKI", name, ErrInvalidName)
		case e.IsCA:
			return nil, fmt.Errorf("renew %q: %w: a CA is never renewed in place; rotate it with RotateCA", name, ErrPolicy)
		}
		kp, err := cas[e.CAName].Renew(e.Pair.Cert, opts)
		if err != nil {
			return nil, err
		}
		out.setLeaf(name, kp)
	}
	return &out, nil
}

// Rotation is the result of RotateCA: a new CA and what a cluster needs to
// move to it without an outage. Distribute Bundle as the trust bundle
// everywhere first, then reissue leaves from New, then drop Old from the
// bundle once nothing it signed is in use.
type Rotation struct {
	// Old is the CA being replaced; New the CA replacing it.
	Old, New *CA
	// NewSignedByOld is New's subject and key certified by Old: sent as an
	// intermediate with leaves from New, it lets peers that still trust only
	// Old accept them.
	NewSignedByOld *x509.Certificate
	// OldSignedByNew is Old's subject and key certified by New: it lets peers
	// that already trust only New accept leaves from Old.
	OldSignedByNew *x509.Certificate
}

// Bundle returns the trust bundle for the overlap: the new CA certificate,
// then the old one.
func (r *Rotation) Bundle() []*x509.Certificate {
	return []*x509.Certificate{r.New.Cert, r.Old.Cert}
}

// BundlePEM is Bundle as PEM, ready for ca.crt or a ConfigMap's ca.crt.
func (r *Rotation) BundlePEM() []byte { return EncodeCertificates(r.Bundle()...) }

// RotateCA makes a new CA to replace old, and the cross-signed certificates
// for the overlap. Empty fields of opts take old's values (Organization, key
// type); the new CA has a new key unless opts.Key is set. An empty
// CommonName becomes old's with a "-<UTC date and time>" suffix: OpenSSL
// treats a cross-signed certificate whose subject equals its issuer as
// self-issued and refuses the chain, and nothing in Kubernetes depends on a
// CA's name. The cross-signed certificates end when the first of the two CAs
// does.
func RotateCA(old *CA, opts CAOptions) (*Rotation, error) {
	if old == nil {
		return nil, errors.New("rotate CA: nil CA")
	}
	if err := checkIsCA(old.Cert); err != nil {
		return nil, fmt.Errorf("rotate CA: %w", err)
	}
	if opts.CommonName == "" {
		opts.CommonName = rotatedName(old.Cert.Subject.CommonName, clock(opts.Now))
	}
	if opts.Organization == nil {
		opts.Organization = old.Cert.Subject.Organization
	}
	if opts.KeyType == "" && opts.Key == nil {
		opts.KeyType, _ = KeyTypeOf(old.Key)
	}
	next, err := NewCA(opts)
	if err != nil {
		return nil, fmt.Errorf("rotate CA: %w", err)
	}
	now := clock(opts.Now)
	newByOld, err := crossSign(old, next, now)
	if err != nil {
		return nil, fmt.Errorf("rotate CA: cross-sign new by old: %w", err)
	}
	oldByNew, err := crossSign(next, old, now)
	if err != nil {
		return nil, fmt.Errorf("rotate CA: cross-sign old by new: %w", err)
	}
	return &Rotation{Old: old, New: next, NewSignedByOld: newByOld, OldSignedByNew: oldByNew}, nil
}

// crossSign certifies subject's name and key with issuer. The subject key
// identifier is copied so that certificates subject issued chain through it.
func crossSign(issuer, subject *CA, now time.Time) (*x509.Certificate, error) {
	notAfter := subject.Cert.NotAfter
	if issuer.Cert.NotAfter.Before(notAfter) {
		notAfter = issuer.Cert.NotAfter
	}
	notBefore, _ := window(now, time.Time{}, notAfter, 0)
	tmpl := &x509.Certificate{
		RawSubject:            subject.Cert.RawSubject,
		Subject:               subject.Cert.Subject,
		SubjectKeyId:          subject.Cert.SubjectKeyId,
		NotBefore:             notBefore,
		NotAfter:              notAfter.UTC(),
		KeyUsage:              keyUsageFor(subject.Key.Public(), true),
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLen:            subject.Cert.MaxPathLen,
		MaxPathLenZero:        subject.Cert.MaxPathLenZero,
	}
	if err := checkValidity(tmpl); err != nil {
		return nil, err
	}
	if tmpl.NotBefore.Before(issuer.Cert.NotBefore) {
		tmpl.NotBefore = issuer.Cert.NotBefore
	}
	return create(tmpl, issuer.Cert, subject.Key.Public(), issuer.Key)
}

// rotatedName is base with its previous rotation suffix, if any, replaced by
// one for now: "kubernetes" gives "kubernetes-20270304-050607".
func rotatedName(base string, now time.Time) string {
	const layout = "20060102-150405"
	if i := len(base) - len(layout) - 1; i > 0 && base[i] == '-' {
		if _, err := time.Parse(layout, base[i+1:]); err == nil {
			base = base[:i]
		}
	}
	return base + "-" + now.UTC().Format(layout)
}
