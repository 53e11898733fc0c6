// Package certs makes and checks the X.509 material of a Kubernetes cluster:
// keys, certificate authorities, leaf certificates, certificate signing
// requests, the whole kubeadm PKI tree, and the certificates.k8s.io/v1 CSR
// API. It is the importable, safe-by-default version of the openssl recipes
// in the Kubernetes docs and of kubeadm's pkiutil, whose code cannot be
// imported.
//
// # Keys
//
// GenerateKey makes ECDSA P-256 (the default), ECDSA P-384, RSA 2048/3072/4096
// or Ed25519 keys from crypto/rand. RSA keys shorter than 2048 bits are
// refused everywhere, including when parsed. Keys are written as PKCS#8 by
// default; PKCS#1, SEC1, PKCS#8 and the "EC PARAMETERS" block openssl writes
// before a SEC1 key are read. Every PEM parser takes DecodeOptions, whose
// limits on input size and block count guard against hostile input; an
// encrypted key is refused with ErrEncryptedKey.
//
// # Certificates
//
// NewCA makes a root CA, (*CA).NewIntermediate an intermediate, and
// (*CA).Issue a leaf with a Profile (server, client, peer). Every certificate
// has a random 128-bit serial, a subject key identifier and an authority key
// identifier, NotBefore backdated 5 minutes for clock skew, and key usages
// right for its key: keyEncipherment only for RSA. CAs are valid 10 years and
// leaves 1 year unless told otherwise. A certificate never outlives its CA:
// asking for that is an error (*ValidityError), not a silent truncation and
// not an already-expired certificate. Clocks are injectable through the Now
// fields of the options.
//
// # The kubeadm tree
//
// NewPKI makes the tree `kubeadm init phase certs all` makes, with kubeadm
// 1.36's names, subjects, usages and SANs, and (*PKI).WriteDir writes it in
// kubeadm's layout (keys 0600, atomically, never overwriting). LoadPKI reads
// such a directory back, kubeadm's own included. (*PKI).IssueClient issues
// the client certificates of kubeconfig files; KubeconfigIdentities lists
// kubeadm's. Unlike kubeadm, the CAs carry no DNS SAN equal to their CN (a
// client-go quirk without a use), invalid extra SANs are an error instead of
// a warning, and the default key type is ECDSA P-256 instead of RSA-2048.
//
// # CSRs and the CertificateSigningRequest API
//
// NewCSR makes a request (subject, groups as Organization, SANs) and
// ParseCSRPEM verifies its self-signature. (*CA).SignCSR signs a request only
// as far as a SignPolicy allows: the policy, not the request, decides usages
// and validity; SANs need explicit predicates; system:masters is refused
// unless allowed; a request for a CA certificate is refused.
//
// SubmitCSR, ApproveCSR, WaitForCertificate and RequestCertificate drive
// certificates.k8s.io/v1: they check locally what the API server and the
// in-tree signers would refuse (usages per signer, expirationSeconds of at
// least 600, kubelet subject rules), approve through the approval
// subresource, and wait by watching (never polling) until the certificate is
// issued, the request is denied or failed (a *CSRError with the reason), or
// the context ends. The issued certificate must be for the request's key.
//
// # Inspection, expiry and renewal
//
// Inspect checks a file, a directory or PEM bytes: chain to the given roots
// or the CAs found, purpose, host and IP coverage, key match and expiry; the
// problems are data in a Report, and (*Report).Err wraps sentinels such as
// ErrExpired and ErrKeyMismatch. CheckExpiration is `kubeadm certs
// check-expiration` for a PKI or /etc/kubernetes directory, printed the same
// way by (*ExpiryReport).WriteText. (*CA).Renew and (*PKI).Renew issue new
// keys and certificates with the same identity under the same CA, as
// `kubeadm certs renew` does; CAs are never renewed in place. RotateCA gives
// a new CA, the trust bundle of both and certificates cross-signed each way
// for the overlap.
//
// # What it does not do
//
// It does not encrypt or decrypt private keys, fetch certificates over the
// network, publish CRLs or OCSP, or read kubeconfig files (package kubeconfig
// does). It never prints and never logs key material; errors name files and
// subjects, never key bytes.
//
// # Concurrency
//
// Values returned by this package (KeyPair, CA, PKI, Report) are not
// modified after they are returned and are safe for concurrent use.
// Functions are synchronous; NewPKI's key-generation goroutines end before it
// returns. The API functions take the context first and the client second
// and log only through logr.FromContextOrDiscard, never key material.
package certs
