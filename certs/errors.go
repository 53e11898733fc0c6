package certs

import (
	"errors"
	"fmt"
	"time"
)

// Sentinel errors a caller can branch on with errors.Is. The typed errors
// below wrap them and carry the details.
var (
	// ErrNoPEM means the input holds no PEM block at all.
	ErrNoPEM = errors.New("no PEM data found")
	// ErrTruncatedPEM means a PEM block starts but does not end, or its body is not valid base64.
	ErrTruncatedPEM = errors.New("truncated or malformed PEM block")
	// ErrTooLarge means the input is larger than the limit set in DecodeOptions.
	ErrTooLarge = errors.New("input exceeds the size limit")
	// ErrWrongPEMType means a PEM block has a type the caller did not ask for.
	ErrWrongPEMType = errors.New("wrong PEM block type")
	// ErrEncryptedKey means the private key is password-protected; this package does not decrypt keys.
	ErrEncryptedKey = errors.New("private key is encrypted")
	// ErrUnsupportedKey means a key type or size this package does not accept.
	ErrUnsupportedKey = errors.New("unsupported key")
	// ErrKeyMismatch means a private key does not belong to the certificate or CSR it was paired with.
	ErrKeyMismatch = errors.New("private key does not match the public key")
	// ErrNotCA means a certificate was used to sign but is not a CA (no CA flag or no certSign usage).
	ErrNotCA = errors.New("certificate is not a CA")
	// ErrValidity means a requested validity window is impossible: beyond the issuing CA's,
	// ending before it starts, or shorter than the minimum.
	ErrValidity = errors.New("invalid validity period")
	// ErrInvalidName means a subject, SAN, CIDR or endpoint is malformed.
	ErrInvalidName = errors.New("invalid name")
	// ErrExists means WriteDir would overwrite a file and overwriting was not asked for.
	ErrExists = errors.New("file already exists")
	// ErrPolicy means a CSR asks for something the signing policy does not allow.
	ErrPolicy = errors.New("request refused by policy")
	// ErrInvalidSignature means a CSR's or certificate's signature does not verify.
	ErrInvalidSignature = errors.New("invalid signature")
)

// PEMTypeError reports a PEM block whose type is not one of Want. It matches ErrWrongPEMType.
type PEMTypeError struct {
	Got  string
	Want []string
}

// Error describes the PEMTypeError.
func (e *PEMTypeError) Error() string {
	return fmt.Sprintf("PEM block type %q, want one of %q", e.Got, e.Want)
}

// Unwrap returns ErrWrongPEMType.
func (e *PEMTypeError) Unwrap() error { return ErrWrongPEMType }

// SizeError reports input larger than its limit. It matches ErrTooLarge.
type SizeError struct {
	What  string
	Size  int
	Limit int
}

// Error describes the SizeError.
func (e *SizeError) Error() string {
	return fmt.Sprintf("%s is %d bytes, more than the limit of %d; raise DecodeOptions.MaxBytes if this input is expected", e.What, e.Size, e.Limit)
}

// Unwrap returns ErrTooLarge.
func (e *SizeError) Unwrap() error { return ErrTooLarge }

// KeyError reports a key type or size this package refuses. It matches ErrUnsupportedKey.
type KeyError struct {
	// Type names the key: "RSA-1024", "DSA", "ECDSA-P224", or a Go type name.
	Type   string
	Reason string
}

// Error describes the KeyError.
func (e *KeyError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("unsupported key %s: use ECDSA P-256/P-384, RSA 2048/3072/4096 or Ed25519", e.Type)
	}
	return fmt.Sprintf("unsupported key %s: %s", e.Type, e.Reason)
}

// Unwrap returns ErrUnsupportedKey.
func (e *KeyError) Unwrap() error { return ErrUnsupportedKey }

// ValidityError reports a certificate validity window that is impossible. It matches ErrValidity.
type ValidityError struct {
	Subject   string
	NotBefore time.Time
	NotAfter  time.Time
	// Limit is the bound that was crossed, such as the issuing CA's NotAfter.
	Limit  time.Time
	Reason string
}

// Error describes the ValidityError.
func (e *ValidityError) Error() string {
	if e.NotBefore.IsZero() && e.NotAfter.IsZero() {
		return fmt.Sprintf("certificate %q: %s", e.Subject, e.Reason)
	}
	return fmt.Sprintf("certificate %q valid %s to %s: %s", e.Subject,
		e.NotBefore.UTC().Format(time.RFC3339), e.NotAfter.UTC().Format(time.RFC3339), e.Reason)
}

// Unwrap returns ErrValidity.
func (e *ValidityError) Unwrap() error { return ErrValidity }

// ExistsError reports files WriteDir refused to overwrite. It matches ErrExists.
type ExistsError struct {
	// Path is the first existing file.
	Path string
	// Paths are all the existing files, Path first.
	Paths []string
}

// Error describes the ExistsError.
func (e *ExistsError) Error() string {
	if len(e.Paths) > 1 {
		return fmt.Sprintf("%d files already exist (%s, ...); remove them or set WriteOptions.Overwrite", len(e.Paths), e.Path)
	}
	return fmt.Sprintf("%s already exists; remove it or set WriteOptions.Overwrite", e.Path)
}

// Unwrap returns ErrExists.
func (e *ExistsError) Unwrap() error { return ErrExists }

// PolicyError reports why a CSR was refused by a SignPolicy. It matches ErrPolicy.
type PolicyError struct{ Reason string }

// Error describes the PolicyError.
func (e *PolicyError) Error() string { return "csr refused: " + e.Reason }

// Unwrap returns ErrPolicy.
func (e *PolicyError) Unwrap() error { return ErrPolicy }

// Sentinels for the problems Inspect finds; (*Report).Err wraps them.
var (
	// ErrExpired means a certificate's NotAfter has passed.
	ErrExpired = errors.New("certificate has expired")
	// ErrNotYetValid means a certificate's NotBefore is still to come.
	ErrNotYetValid = errors.New("certificate is not yet valid")
	// ErrUntrusted means a certificate does not chain to a trusted root.
	ErrUntrusted = errors.New("certificate does not chain to a trusted root")
	// ErrWrongPurpose means a certificate lacks the extended key usage asked for.
	ErrWrongPurpose = errors.New("certificate is not valid for the purpose")
	// ErrHostNotCovered means a certificate's SANs do not cover a host name or IP.
	ErrHostNotCovered = errors.New("certificate does not cover the host")
)
