package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	certificatesv1 "k8s.io/api/certificates/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/kubeprim/kubeprim/certs"
)

// csrRequest is what --kubeconfig mode asks the cluster for.
type csrRequest struct {
	user     string
	groups   []string
	approve  bool
	duration time.Duration
	timeout  time.Duration
	dir      string // where <user>.key and <user>.crt go; "" for a new temporary directory
}

// requestClientCertificate gets a client certificate for a user from the
// cluster's kube-apiserver-client signer through the CSR API, the way
// `kubectl certificate approve` and six openssl commands do it by hand,
// and writes the key and the certificate next to each other.
func requestClientCertificate(ctx context.Context, client kubernetes.Interface, req csrRequest, stdout io.Writer) error {
	// The key never leaves this process: only the request, signed with
	// it, goes to the cluster.
	csrPEM, key, err := certs.NewCSR(certs.CSROptions{CommonName: req.user, Organization: req.groups})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, req.timeout)
	defer cancel()
	chainPEM, err := certs.RequestCertificate(ctx, client, csrPEM, certs.CSRRequestOptions{
		SignerName: certificatesv1.KubeAPIServerClientSignerName,
		Duration:   req.duration,
		Approve:    req.approve,
	})
	if errors.Is(err, context.DeadlineExceeded) && !req.approve {
		return fmt.Errorf("no certificate after %v: the request waits for approval (kubectl certificate approve, or --approve if you may approve it)", req.timeout)
	}
	if err != nil {
		return err
	}
	cert, err := certs.ParseCertificatePEM(chainPEM, certs.DecodeOptions{})
	if err != nil {
		return err
	}
	keyPEM, err := certs.EncodePrivateKey(key)
	if err != nil {
		return err
	}

	dir := req.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "kubeprim-user-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	keyPath, certPath := filepath.Join(dir, req.user+".key"), filepath.Join(dir, req.user+".crt")
	// Nothing is ever overwritten: an existing key may be somebody's.
	if err := writeNew(keyPath, keyPEM); err != nil {
		return err
	}
	if err := writeNew(certPath, chainPEM); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Wrote %s and %s\n", certPath, keyPath)
	fmt.Fprintf(stdout, "user %s, groups [%s], signed by %q, valid until %s\n",
		cert.Subject.CommonName, strings.Join(cert.Subject.Organization, ", "), cert.Issuer.CommonName, cert.NotAfter.UTC().Format(time.RFC3339))
	return nil
}

// writeNew writes data to a file that must not exist yet, readable by its
// owner only.
func writeNew(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
