package certs

import (
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// InspectOptions says what Inspect checks besides validity and key match.
// The zero value checks chains against the CAs found in the input, expiry
// with a 30-day warning, and key match where a key is found.
type InspectOptions struct {
	// Roots are trusted in addition to the self-signed CA certificates found
	// in the input.
	Roots []*x509.Certificate
	// Purpose, when set, is required of every leaf: server needs serverAuth,
	// client clientAuth, peer both.
	Purpose Profile
	// Hosts are DNS names or IP addresses every leaf must cover.
	Hosts []string
	// ExpiryWarning is how close to NotAfter a certificate gets an
	// "expires-soon" warning; zero means 30 days.
	ExpiryWarning time.Duration
	// Decode bounds each file read.
	Decode DecodeOptions
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultExpiryWarning is InspectOptions.ExpiryWarning's default.
const DefaultExpiryWarning = 30 * 24 * time.Hour

// ProblemKind names what is wrong with a certificate.
type ProblemKind string

// The problems Inspect reports.
const (
	ProblemExpired        ProblemKind = "expired"
	ProblemNotYetValid    ProblemKind = "not-yet-valid"
	ProblemExpiresSoon    ProblemKind = "expires-soon" // a warning
	ProblemUntrusted      ProblemKind = "untrusted"
	ProblemWrongPurpose   ProblemKind = "wrong-purpose"
	ProblemHostNotCovered ProblemKind = "host-not-covered"
	ProblemKeyMismatch    ProblemKind = "key-mismatch"
	ProblemOutlivesIssuer ProblemKind = "outlives-issuer" // a warning
)

// sentinel maps a problem to the error (*Report).Err wraps; nil for warnings.
func (k ProblemKind) sentinel() error {
	switch k {
	case ProblemExpired:
		return ErrExpired
	case ProblemNotYetValid:
		return ErrNotYetValid
	case ProblemUntrusted:
		return ErrUntrusted
	case ProblemWrongPurpose:
		return ErrWrongPurpose
	case ProblemHostNotCovered:
		return ErrHostNotCovered
	case ProblemKeyMismatch:
		return ErrKeyMismatch
	}
	return nil
}

// Problem is one finding about a certificate.
type Problem struct {
	Kind    ProblemKind `json:"kind"`
	Message string      `json:"message"`
	// Warning problems do not make (*Report).Err fail.
	Warning bool `json:"warning,omitempty"`
}

// ChainStatus says whether a certificate's chain was verified.
type ChainStatus string

// The chain statuses.
const (
	// ChainVerified: the certificate chains to a trusted root.
	ChainVerified ChainStatus = "verified"
	// ChainUnknown: no root was available to check against (a lone leaf).
	ChainUnknown ChainStatus = "unknown"
	// ChainInvalid: roots were available and the chain does not verify.
	ChainInvalid ChainStatus = "invalid"
)

// CertificateReport is what Inspect found about one certificate. It
// marshals to JSON; it never holds key material.
type CertificateReport struct {
	// Source is the file the certificate came from, or "pem" for bytes.
	Source string `json:"source"`
	// Index is the position of the certificate in its source, from 0.
	Index        int       `json:"index"`
	Subject      string    `json:"subject"`
	CommonName   string    `json:"commonName"`
	Organization []string  `json:"organization,omitempty"`
	Issuer       string    `json:"issuer"`
	Serial       string    `json:"serial"`
	IsCA         bool      `json:"isCA"`
	KeyType      KeyType   `json:"keyType,omitempty"`
	NotBefore    time.Time `json:"notBefore"`
	NotAfter     time.Time `json:"notAfter"`
	// ResidualSeconds is the time left until NotAfter; negative once expired.
	ResidualSeconds int64    `json:"residualSeconds"`
	DNSNames        []string `json:"dnsNames,omitempty"`
	IPAddresses     []string `json:"ipAddresses,omitempty"`
	URIs            []string `json:"uris,omitempty"`
	EmailAddresses  []string `json:"emailAddresses,omitempty"`
	// ExtKeyUsages are "server auth", "client auth", ... as the CSR API spells them.
	ExtKeyUsages []string `json:"extKeyUsages,omitempty"`
	// Chain is whether the chain verified; ChainError says why not.
	Chain      ChainStatus `json:"chain"`
	ChainError string      `json:"chainError,omitempty"`
	// SignedBy is the subject of the issuer found among the inputs and roots.
	SignedBy string `json:"signedBy,omitempty"`
	// KeyMatch is nil when no private key was found for the certificate.
	KeyMatch *bool     `json:"keyMatch,omitempty"`
	Problems []Problem `json:"problems,omitempty"`

	cert *x509.Certificate
}

// Certificate returns the parsed certificate.
func (r *CertificateReport) Certificate() *x509.Certificate { return r.cert }

// Report is the result of Inspect. It marshals to JSON.
type Report struct {
	Certificates []CertificateReport `json:"certificates"`
}

// Err returns nil when no certificate has a problem other than warnings, and
// otherwise one error per problem, joined; each matches its sentinel
// (ErrExpired, ErrUntrusted, ErrKeyMismatch, ...) with errors.Is.
func (r *Report) Err() error {
	var errs []error
	for _, c := range r.Certificates {
		for _, p := range c.Problems {
			if s := p.Kind.sentinel(); s != nil && !p.Warning {
				errs = append(errs, fmt.Errorf("%s #%d (%s): %s: %w", c.Source, c.Index, c.Subject, p.Message, s))
			}
		}
	}
	return errors.Join(errs...)
}

// inspectInput is one certificate with the key found for it, if any.
type inspectInput struct {
	source string
	index  int
	cert   *x509.Certificate
	key    crypto.Signer
}

// Inspect checks the certificates at path: a PEM file (certificates, and a
// key if the file holds one or a sibling "<base>.key" exists), or a
// directory, searched recursively for *.crt, *.pem, *.cer and *.cert files.
// It reports for each certificate its chain, purpose, hosts, key match and
// expiry. The error is for input that cannot be read or parsed; what is
// wrong with the certificates is in the Report (see (*Report).Err).
func Inspect(path string, opts InspectOptions) (*Report, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	var files []string
	if info.IsDir() {
		err := filepath.WalkDir(path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && isCertFileName(d.Name()) {
				files = append(files, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("inspect: %w", err)
		}
	} else {
		files = []string{path}
	}
	var inputs []inspectInput
	var errs []error
	for _, f := range files {
		in, err := readInspectFile(f, opts.Decode)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		inputs = append(inputs, in...)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("inspect %s: %w", path, errors.Join(errs...))
	}
	return inspect(inputs, opts), nil
}

// InspectPEM is Inspect for PEM bytes holding certificates and optionally
// the private key of the first.
func InspectPEM(data []byte, opts InspectOptions) (*Report, error) {
	in, err := parseInspectPEM("pem", data, nil, opts.Decode)
	if err != nil {
		return nil, fmt.Errorf("inspect: %w", err)
	}
	return inspect(in, opts), nil
}

func isCertFileName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".crt", ".pem", ".cer", ".cert":
		return true
	}
	return false
}

func readInspectFile(path string, opts DecodeOptions) ([]inspectInput, error) {
	data, err := readLimited(os.DirFS(filepath.Dir(path)), filepath.Base(path), opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var keyPEM []byte
	if sibling := strings.TrimSuffix(path, filepath.Ext(path)) + ".key"; sibling != path {
		if b, err := readLimited(os.DirFS(filepath.Dir(sibling)), filepath.Base(sibling), opts); err == nil {
			keyPEM = b
		}
	}
	in, err := parseInspectPEM(path, data, keyPEM, opts)
	if errors.Is(err, ErrWrongPEMType) && strings.EqualFold(filepath.Ext(path), ".pem") {
		return nil, nil // a key.pem or a CSR next to the certificates
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return in, nil
}

// parseInspectPEM reads the certificates of data and the key for the first
// one: from data itself, else from keyPEM.
func parseInspectPEM(source string, data, keyPEM []byte, opts DecodeOptions) ([]inspectInput, error) {
	certs, err := ParseCertificatesPEM(data, opts)
	if err != nil {
		return nil, err
	}
	var key crypto.Signer
	if strings.Contains(string(data), "PRIVATE KEY-----") {
		if key, err = ParsePrivateKeyPEM(stripCertificates(data, opts), opts); err != nil {
			return nil, err
		}
	} else if keyPEM != nil {
		if key, err = ParsePrivateKeyPEM(keyPEM, opts); err != nil {
			return nil, fmt.Errorf("key file: %w", err)
		}
	}
	out := make([]inspectInput, len(certs))
	for i, c := range certs {
		out[i] = inspectInput{source: source, index: i, cert: c}
	}
	out[0].key = key
	return out, nil
}

// stripCertificates returns data without its CERTIFICATE blocks, so the key
// parser sees only the key.
func stripCertificates(data []byte, opts DecodeOptions) []byte {
	blocks, err := decodeBlocks("pem", data, opts)
	if err != nil {
		return data
	}
	var out []byte
	for _, b := range blocks {
		if b.Type != BlockCertificate {
			out = append(out, pemEncode(b)...)
		}
	}
	return out
}

func inspect(inputs []inspectInput, opts InspectOptions) *Report {
	now := clock(opts.Now)
	warn := opts.ExpiryWarning
	if warn <= 0 {
		warn = DefaultExpiryWarning
	}
	roots := x509.NewCertPool()
	inter := x509.NewCertPool()
	var known []*x509.Certificate
	haveRoots := false
	for _, r := range opts.Roots {
		roots.AddCert(r)
		known = append(known, r)
		haveRoots = true
	}
	for _, in := range inputs {
		known = append(known, in.cert)
		if !in.cert.IsCA {
			continue
		}
		if isSelfSigned(in.cert) {
			roots.AddCert(in.cert)
			haveRoots = true
		} else {
			inter.AddCert(in.cert)
		}
	}
	// Intermediates also come from the chains of leaf files.
	for _, in := range inputs {
		if in.index > 0 && !isSelfSigned(in.cert) {
			inter.AddCert(in.cert)
		}
	}

	report := &Report{Certificates: make([]CertificateReport, 0, len(inputs))}
	for _, in := range inputs {
		c := in.cert
		r := describe(in.source, in.index, c, now)
		add := func(kind ProblemKind, warning bool, format string, args ...any) {
			r.Problems = append(r.Problems, Problem{Kind: kind, Message: fmt.Sprintf(format, args...), Warning: warning})
		}
		switch {
		case now.After(c.NotAfter):
			add(ProblemExpired, false, "expired %s ago (%s)", humanDuration(now.Sub(c.NotAfter)), c.NotAfter.UTC().Format(time.RFC3339))
		case now.Before(c.NotBefore):
			add(ProblemNotYetValid, false, "valid only from %s", c.NotBefore.UTC().Format(time.RFC3339))
		case c.NotAfter.Sub(now) < warn:
			add(ProblemExpiresSoon, true, "expires in %s (%s)", humanDuration(c.NotAfter.Sub(now)), c.NotAfter.UTC().Format(time.RFC3339))
		}
		if issuer := findIssuer(c, known); issuer != nil {
			r.SignedBy = issuer.Subject.String()
			if c.NotAfter.After(issuer.NotAfter) && issuer != c {
				add(ProblemOutlivesIssuer, true, "valid until %s, after its issuer %q (%s)", c.NotAfter.UTC().Format(time.RFC3339), issuer.Subject.CommonName, issuer.NotAfter.UTC().Format(time.RFC3339))
			}
		}
		// Check the chain at a moment the certificate itself is valid, so an
		// expired leaf is reported as expired, not also as untrusted.
		at := now
		if at.After(c.NotAfter) {
			at = c.NotAfter
		} else if at.Before(c.NotBefore) {
			at = c.NotBefore
		}
		r.Chain = ChainUnknown
		if haveRoots {
			_, err := c.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
			if err != nil {
				r.Chain, r.ChainError = ChainInvalid, err.Error()
				add(ProblemUntrusted, false, "%v", err)
			} else {
				r.Chain = ChainVerified
			}
		}
		if !c.IsCA {
			for _, u := range opts.Purpose.ExtKeyUsages() {
				if !hasEKU(c, u) {
					add(ProblemWrongPurpose, false, "lacks extended key usage %q required for %s", ekuName(u), opts.Purpose)
				}
			}
			for _, h := range opts.Hosts {
				if err := c.VerifyHostname(h); err != nil {
					add(ProblemHostNotCovered, false, "does not cover %q", h)
				}
			}
		}
		if in.key != nil {
			match := CheckKeyPair(c.PublicKey, in.key) == nil
			r.KeyMatch = &match
			if !match {
				add(ProblemKeyMismatch, false, "private key does not belong to this certificate")
			}
		}
		report.Certificates = append(report.Certificates, r)
	}
	return report
}

func describe(source string, index int, c *x509.Certificate, now time.Time) CertificateReport {
	r := CertificateReport{
		Source: source, Index: index, cert: c,
		Subject: c.Subject.String(), CommonName: c.Subject.CommonName, Organization: c.Subject.Organization,
		Issuer: c.Issuer.String(), Serial: hex.EncodeToString(c.SerialNumber.Bytes()), IsCA: c.IsCA,
		NotBefore: c.NotBefore, NotAfter: c.NotAfter, ResidualSeconds: int64(c.NotAfter.Sub(now) / time.Second),
		DNSNames: c.DNSNames, EmailAddresses: c.EmailAddresses,
	}
	r.KeyType, _ = KeyTypeOf(c.PublicKey)
	for _, ip := range c.IPAddresses {
		r.IPAddresses = append(r.IPAddresses, ip.String())
	}
	for _, u := range c.URIs {
		r.URIs = append(r.URIs, u.String())
	}
	for _, u := range c.ExtKeyUsage {
		r.ExtKeyUsages = append(r.ExtKeyUsages, ekuName(u))
	}
	return r
}

// findIssuer returns the certificate among known whose key signed c.
func findIssuer(c *x509.Certificate, known []*x509.Certificate) *x509.Certificate {
	for _, k := range known {
		if string(k.RawSubject) == string(c.RawIssuer) && c.CheckSignatureFrom(k) == nil {
			return k
		}
	}
	return nil
}

func hasEKU(c *x509.Certificate, u x509.ExtKeyUsage) bool {
	return slices.Contains(c.ExtKeyUsage, u) || slices.Contains(c.ExtKeyUsage, x509.ExtKeyUsageAny)
}

// ekuName spells an extended key usage as certificates.k8s.io/v1 does.
func ekuName(u x509.ExtKeyUsage) string {
	switch u {
	case x509.ExtKeyUsageServerAuth:
		return "server auth"
	case x509.ExtKeyUsageClientAuth:
		return "client auth"
	case x509.ExtKeyUsageCodeSigning:
		return "code signing"
	case x509.ExtKeyUsageEmailProtection:
		return "email protection"
	case x509.ExtKeyUsageTimeStamping:
		return "timestamping"
	case x509.ExtKeyUsageOCSPSigning:
		return "ocsp signing"
	case x509.ExtKeyUsageAny:
		return "any"
	}
	return fmt.Sprintf("eku-%d", u)
}
