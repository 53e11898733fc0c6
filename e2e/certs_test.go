package e2e_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	authenticationv1 "k8s.io/api/authentication/v1"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/certs"
	"github.com/kubeprim/kubeprim/kubeconfig"
)

// The control plane runs on the tree certs.NewPKI made: the API server
// presents our apiserver certificate, valid for every name a client inside
// or outside the cluster uses, and the controllers publish our CA.
func TestControlPlaneRunsOnOurPKI(t *testing.T) {
	pki := kube.PKI()
	u, err := url.Parse(kube.Server())
	require.NoError(t, err)

	conn, err := tls.Dial("tcp", u.Host, &tls.Config{RootCAs: pki.CA.Pool(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12})
	require.NoError(t, err, "the API server's certificate verifies against our CA for 127.0.0.1")
	served := conn.ConnectionState().PeerCertificates[0]
	require.NoError(t, conn.Close())
	assert.True(t, served.Equal(pki.APIServer.Cert), "the API server serves apiserver.crt from our PKI")
	for _, host := range []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "10.96.0.1"} {
		assert.NoError(t, served.VerifyHostname(host), host)
	}

	report, err := certs.Inspect(kube.PKIDir(), certs.InspectOptions{})
	require.NoError(t, err)
	assert.NoError(t, report.Err(), "certs.Inspect finds the running PKI valid")

	cm, err := kube.Client().CoreV1().ConfigMaps(metav1.NamespaceDefault).Get(t.Context(), kubeconfig.RootCAConfigMap, metav1.GetOptions{})
	require.NoError(t, err)
	published, err := certs.ParseCertificatePEM([]byte(cm.Data["ca.crt"]), certs.DecodeOptions{})
	require.NoError(t, err)
	assert.True(t, published.Equal(pki.CA.Root()), "kube-root-ca.crt is our CA")

	review, err := kube.Client().AuthenticationV1().SelfSubjectReviews().Create(t.Context(), &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	require.NoError(t, err)
	assert.Equal(t, "kubernetes-admin", review.Status.UserInfo.Username)
	assert.Contains(t, review.Status.UserInfo.Groups, certs.GroupClusterAdmins)
}

// A CSR made and submitted with certs is signed by the real
// kube-controller-manager with our cluster CA, with the usages and lifetime
// its signer gives, and the certificate authenticates its subject.
func TestCSRSignedByControllerManager(t *testing.T) {
	cases := []struct {
		name       string
		signer     string
		cn         string
		groups     []string
		wantGroups []string
	}{
		{
			name:   "kube-apiserver-client",
			signer: certificatesv1.KubeAPIServerClientSignerName,
			cn:     "e2e-user", groups: []string{"e2e-team"},
			wantGroups: []string{"e2e-team", "system:authenticated"},
		},
		{
			name:   "kube-apiserver-client-kubelet",
			signer: certificatesv1.KubeAPIServerClientKubeletSignerName,
			cn:     "system:node:e2e-node", groups: []string{"system:nodes"},
			wantGroups: []string{"system:nodes", "system:authenticated"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			csrPEM, key, err := certs.NewCSR(certs.CSROptions{CommonName: tc.cn, Organization: tc.groups})
			require.NoError(t, err)
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			before := time.Now().Truncate(time.Second)
			chainPEM, err := certs.RequestCertificate(ctx, kube.Client(), csrPEM, certs.CSRRequestOptions{
				SignerName: tc.signer, Duration: 10 * time.Minute, Approve: true,
			})
			require.NoError(t, err)
			after := time.Now()
			cert, err := certs.ParseCertificatePEM(chainPEM, certs.DecodeOptions{})
			require.NoError(t, err)

			_, err = cert.Verify(x509.VerifyOptions{Roots: kube.PKI().CA.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
			assert.NoError(t, err, "the certificate chains to our CA for client auth")
			assert.NoError(t, certs.CheckKeyPair(cert.PublicKey, key))
			assert.Equal(t, tc.cn, cert.Subject.CommonName)
			assert.Equal(t, tc.groups, cert.Subject.Organization)
			assert.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}, cert.ExtKeyUsage)
			assert.False(t, cert.IsCA)
			// The signer backdates NotBefore 5 minutes and, for requests
			// shorter than 8 hours, ends the certificate exactly the
			// requested duration after signing.
			assert.Equal(t, 15*time.Minute, cert.NotAfter.Sub(cert.NotBefore))
			assert.False(t, cert.NotAfter.Before(before.Add(10*time.Minute)), "NotAfter %s", cert.NotAfter)
			assert.False(t, cert.NotAfter.After(after.Add(10*time.Minute)), "NotAfter %s", cert.NotAfter)

			keyPEM, err := certs.EncodePrivateKey(key)
			require.NoError(t, err)
			cfg, err := kubeconfig.ForClientCertificate(kubeconfig.Cluster{Server: kube.Server(), CertificateAuthorityData: certs.EncodeCertificates(kube.PKI().CA.Root())}, tc.cn, chainPEM, keyPEM)
			require.NoError(t, err)
			info, err := kubeconfig.Verify(ctx, cfg, kubeconfig.VerifyOptions{Username: tc.cn})
			require.NoError(t, err)
			assert.Equal(t, tc.cn, info.Username)
			assert.ElementsMatch(t, tc.wantGroups, info.Groups)
		})
	}
}

// A denied request ends the wait with the approver's reason.
func TestCSRDeniedReportsTheReason(t *testing.T) {
	csrPEM, _, err := certs.NewCSR(certs.CSROptions{CommonName: "e2e-denied"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	client := kube.Client()
	csr, err := certs.SubmitCSR(ctx, client, csrPEM, certs.CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName})
	require.NoError(t, err)
	t.Cleanup(func() {
		_ = client.CertificatesV1().CertificateSigningRequests().Delete(context.Background(), csr.Name, metav1.DeleteOptions{})
	})
	csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{
		Type: certificatesv1.CertificateDenied, Status: corev1.ConditionTrue, Reason: "E2EDenied", Message: "not for you",
	})
	_, err = client.CertificatesV1().CertificateSigningRequests().UpdateApproval(ctx, csr.Name, csr, metav1.UpdateOptions{})
	require.NoError(t, err)

	_, err = certs.WaitForCertificate(ctx, client, csr.Name, csr.UID)
	require.ErrorIs(t, err, certs.ErrCSRDenied)
	var csrErr *certs.CSRError
	require.True(t, errors.As(err, &csrErr))
	assert.Equal(t, certificatesv1.CertificateDenied, csrErr.Condition)
	assert.Equal(t, "E2EDenied", csrErr.Reason)
	assert.Equal(t, "not for you", csrErr.Message)
}

// examples/pki --kubeconfig gets a client certificate from the real
// controller manager's signer, and the files it writes authenticate as the
// user it asked for.
func TestExamplesPKIWithKubeconfig(t *testing.T) {
	bin := buildExample(t, "pki")
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, "--kubeconfig", kube.KubeconfigPath(), "--user", "e2e-pki-user", "--group", "e2e-pki-team", "--approve", "--duration", "15m", "--out", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "stdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	assert.Contains(t, stdout.String(), "user e2e-pki-user, groups [e2e-pki-team]")

	certPEM, err := os.ReadFile(filepath.Join(dir, "e2e-pki-user.crt"))
	require.NoError(t, err)
	keyPEM, err := os.ReadFile(filepath.Join(dir, "e2e-pki-user.key"))
	require.NoError(t, err)
	pair, err := certs.ParseKeyPairPEM(certPEM, keyPEM, certs.DecodeOptions{})
	require.NoError(t, err, "the certificate is for the key beside it")
	_, err = pair.Cert.Verify(x509.VerifyOptions{Roots: kube.PKI().CA.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	assert.NoError(t, err, "signed by the cluster CA for client auth")

	cfg, err := kubeconfig.ForClientCertificate(kubeconfig.Cluster{Server: kube.Server(), CertificateAuthorityData: certs.EncodeCertificates(kube.PKI().CA.Root())}, "e2e-pki-user", certPEM, keyPEM)
	require.NoError(t, err)
	info, err := kubeconfig.Verify(ctx, cfg, kubeconfig.VerifyOptions{Username: "e2e-pki-user"})
	require.NoError(t, err)
	assert.Contains(t, info.Groups, "e2e-pki-team")
}
