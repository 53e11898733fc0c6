package kubeconfig

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Credential kinds reported by Expiry.
const (
	CredentialToken             = "token"
	CredentialClientCertificate = "client-certificate"
)

// Expiration says until when one credential of a kubeconfig user is valid.
type Expiration struct {
	// User is the kubeconfig user entry.
	User string
	// Credential is CredentialToken or CredentialClientCertificate.
	Credential string
	// Subject is who the credential claims to be: a token's "sub" claim
	// (system:serviceaccount:<ns>:<name> for ServiceAccount tokens), a
	// certificate's subject common name. Empty when unknown.
	Subject string
	// NotAfter is when the credential stops working: a token's "exp" claim,
	// a certificate's NotAfter. Zero when the credential carries no expiry
	// (a legacy ServiceAccount token, a static or bootstrap token).
	NotAfter time.Time
}

// Expiry reports, for every user of cfg that has a token or a client
// certificate, when it expires, sorted by user. The token used is the one
// client-go would send (tokenFile over token); the certificate is the leaf,
// the first one of the PEM data (data over file).
//
// A token's claims are read without checking its signature: Expiry tells
// when the credential will stop working, not whether it is genuine. Tokens
// that are not JWTs are reported with a zero NotAfter. Files are read
// relative to the kubeconfig they came from. Errors (an unreadable file, a
// certificate that does not parse) name the user and never the credential.
func Expiry(cfg *clientcmdapi.Config) ([]Expiration, error) {
	if cfg == nil {
		return nil, errors.New("expiry: nil kubeconfig")
	}
	var out []Expiration
	var errs []error
	for _, name := range sortedKeys(cfg.AuthInfos) {
		a := cfg.AuthInfos[name]
		if a == nil {
			continue
		}
		if exp, ok, err := tokenExpiry(name, a); err != nil {
			errs = append(errs, err)
		} else if ok {
			out = append(out, exp)
		}
		if exp, ok, err := certExpiry(name, a); err != nil {
			errs = append(errs, err)
		} else if ok {
			out = append(out, exp)
		}
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("expiry: %w", errors.Join(errs...))
	}
	return out, nil
}

func tokenExpiry(user string, a *clientcmdapi.AuthInfo) (Expiration, bool, error) {
	token := a.Token
	if a.TokenFile != "" {
		data, err := readReferenced(a.TokenFile, a.LocationOfOrigin)
		if err != nil {
			return Expiration{}, false, fmt.Errorf("user %q tokenFile: %w", user, err)
		}
		token = strings.TrimSpace(string(data))
	}
	if token == "" {
		return Expiration{}, false, nil
	}
	exp := Expiration{User: user, Credential: CredentialToken}
	if claims, ok := jwtClaims(token); ok {
		exp.Subject = claims.Subject
		exp.NotAfter = claims.expiry()
	}
	return exp, true, nil
}

func certExpiry(user string, a *clientcmdapi.AuthInfo) (Expiration, bool, error) {
	data := a.ClientCertificateData
	if len(data) == 0 && a.ClientCertificate != "" {
		var err error
		data, err = readReferenced(a.ClientCertificate, a.LocationOfOrigin)
		if err != nil {
			return Expiration{}, false, fmt.Errorf("user %q client-certificate: %w", user, err)
		}
	}
	if len(data) == 0 {
		return Expiration{}, false, nil
	}
	cert, err := firstCertificate(data)
	if err != nil {
		return Expiration{}, false, fmt.Errorf("user %q client-certificate: %w", user, err)
	}
	return Expiration{
		User:       user,
		Credential: CredentialClientCertificate,
		Subject:    cert.Subject.CommonName,
		NotAfter:   cert.NotAfter,
	}, true, nil
}

func firstCertificate(data []byte) (*x509.Certificate, error) {
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errNoCertificates
		}
		if block.Type == "CERTIFICATE" {
			return x509.ParseCertificate(block.Bytes)
		}
	}
}

// tokenClaims are the registered JWT claims Expiry reads.
type tokenClaims struct {
	Subject string          `json:"sub"`
	Expires json.RawMessage `json:"exp"`
}

// expiry reads "exp", a NumericDate: seconds since the epoch, possibly
// fractional (RFC 7519 section 2).
func (c tokenClaims) expiry() time.Time {
	var seconds float64
	if len(c.Expires) == 0 || json.Unmarshal(c.Expires, &seconds) != nil {
		return time.Time{}
	}
	if seconds <= 0 || seconds > math.MaxInt64/2 || math.IsNaN(seconds) {
		return time.Time{}
	}
	whole, frac := math.Modf(seconds)
	return time.Unix(int64(whole), int64(frac*1e9)).UTC()
}

// maxTokenBytes bounds the payload decoded from a token; real ones are a
// kilobyte or two.
const maxTokenBytes = 64 << 10

// jwtClaims decodes the payload of a compact JWS (header.payload.signature)
// without verifying it. ok is false when token is not of that shape.
func jwtClaims(token string) (tokenClaims, bool) {
	if len(token) > maxTokenBytes {
		return tokenClaims{}, false
	}
	parts := strings.Split(token, ".")
	if len(parts) != 3 || slices.Contains(parts, "") {
		return tokenClaims{}, false
	}
	payload, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(parts[1], "="))
	if err != nil {
		return tokenClaims{}, false
	}
	var claims tokenClaims
	if err := json.Unmarshal(payload, &claims); err != nil {
		return tokenClaims{}, false
	}
	return claims, true
}
