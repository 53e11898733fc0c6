package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	certificatesv1 "k8s.io/api/certificates/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/kubeprim/kubeprim/certs"
)

// signingCluster is a fake clientset whose kube-apiserver-client signer
// signs approved requests with ca, as kube-controller-manager does.
func signingCluster(t *testing.T, ca *certs.CA) *fake.Clientset {
	client := fake.NewClientset()
	client.PrependReactor("update", "certificatesigningrequests", func(action k8stesting.Action) (bool, runtime.Object, error) {
		if action.GetSubresource() != "approval" {
			return false, nil, nil
		}
		csr := action.(k8stesting.UpdateAction).GetObject().(*certificatesv1.CertificateSigningRequest).DeepCopy()
		cert, err := ca.SignCSR(csr.Spec.Request, certs.SignPolicy{Profile: certs.ProfileClient, Validity: time.Hour})
		require.NoError(t, err)
		csr.Status.Certificate = certs.EncodeCertificates(cert)
		return true, csr, client.Tracker().Update(certificatesv1.SchemeGroupVersion.WithResource("certificatesigningrequests"), csr, "")
	})
	return client
}

func TestRequestClientCertificate(t *testing.T) {
	ca, err := certs.NewCA(certs.CAOptions{CommonName: "kubernetes"})
	require.NoError(t, err)
	dir := filepath.Join(t.TempDir(), "alice")
	var stdout bytes.Buffer
	err = requestClientCertificate(t.Context(), signingCluster(t, ca), csrRequest{
		user: "alice", groups: []string{"dev", "ops"}, approve: true, duration: time.Hour, timeout: time.Minute, dir: dir,
	}, &stdout)
	require.NoError(t, err)

	pair, err := certs.ParseKeyPairPEM(must(os.ReadFile(filepath.Join(dir, "alice.crt"))), must(os.ReadFile(filepath.Join(dir, "alice.key"))), certs.DecodeOptions{})
	require.NoError(t, err, "the certificate is for the key written beside it")
	assert.Equal(t, "alice", pair.Cert.Subject.CommonName)
	assert.Equal(t, []string{"dev", "ops"}, pair.Cert.Subject.Organization)
	_, err = pair.Cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	assert.NoError(t, err)
	info, err := os.Stat(filepath.Join(dir, "alice.key"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	assert.Contains(t, stdout.String(), `user alice, groups [dev, ops], signed by "kubernetes"`)

	// Run again: the files are there, and are not replaced.
	err = requestClientCertificate(t.Context(), signingCluster(t, ca), csrRequest{user: "alice", approve: true, timeout: time.Minute, dir: dir}, &bytes.Buffer{})
	assert.ErrorIs(t, err, os.ErrExist)
	again, err := certs.ParseKeyPairPEM(must(os.ReadFile(filepath.Join(dir, "alice.crt"))), must(os.ReadFile(filepath.Join(dir, "alice.key"))), certs.DecodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, pair.Cert.SerialNumber, again.Cert.SerialNumber)
}

func TestRequestClientCertificateWithoutApprovalSaysSo(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	client := fake.NewClientset()
	err := requestClientCertificate(ctx, client, csrRequest{user: "bob", timeout: time.Millisecond, dir: t.TempDir()}, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "waits for approval")
	csrs, err := client.CertificatesV1().CertificateSigningRequests().List(t.Context(), metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, csrs.Items, 1, "the request was made")
	assert.Equal(t, certificatesv1.KubeAPIServerClientSignerName, csrs.Items[0].Spec.SignerName)
}

func TestKubeconfigModeBadInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"user that escapes the directory", []string{"--kubeconfig", "x", "--user", "../alice"}, "without slashes"},
		{"both modes", []string{"--kubeconfig", "x", "--check", "/etc/kubernetes"}, "either --kubeconfig or --check"},
		{"kubeconfig that does not exist", []string{"--kubeconfig", filepath.Join(t.TempDir(), "missing")}, "missing"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, code := runPKI(t, tc.args...)
			assert.Equal(t, 1, code)
			assert.Empty(t, stdout)
			assert.Contains(t, stderr, tc.want)
			assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
