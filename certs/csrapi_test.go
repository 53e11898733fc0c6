package certs

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	certificatesv1 "k8s.io/api/certificates/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"
)

// newCSRClient is a fake clientset that, like the API server, gives created
// CertificateSigningRequests a name from generateName and a UID.
func newCSRClient() *fake.Clientset {
	client := fake.NewClientset()
	n := 0
	client.PrependReactor("create", "certificatesigningrequests", func(action k8stesting.Action) (bool, runtime.Object, error) {
		obj := action.(k8stesting.CreateAction).GetObject().(*certificatesv1.CertificateSigningRequest)
		n++
		if obj.Name == "" {
			obj.Name = obj.GenerateName + string(rune('a'+n))
		}
		obj.UID = types.UID("uid-" + obj.Name)
		return false, nil, nil // fall through to the tracker
	})
	return client
}

// setCondition sets a condition as an approver or a signer would.
func setCondition(t *testing.T, client *fake.Clientset, name string, cond certificatesv1.RequestConditionType, reason string) {
	t.Helper()
	csrs := client.CertificatesV1().CertificateSigningRequests()
	csr, err := csrs.Get(context.Background(), name, metav1.GetOptions{})
	require.NoError(t, err)
	csr.Status.Conditions = append(csr.Status.Conditions, certificatesv1.CertificateSigningRequestCondition{Type: cond, Status: corev1.ConditionTrue, Reason: reason, Message: "by the test"})
	_, err = csrs.UpdateStatus(context.Background(), csr, metav1.UpdateOptions{})
	require.NoError(t, err)
}

// issue plays kube-controller-manager's signer: it signs an approved request.
func issue(t *testing.T, client *fake.Clientset, ca *CA, name string) {
	t.Helper()
	csrs := client.CertificatesV1().CertificateSigningRequests()
	csr, err := csrs.Get(context.Background(), name, metav1.GetOptions{})
	require.NoError(t, err)
	require.NotNil(t, condition(csr, certificatesv1.CertificateApproved), "the signer signs only approved requests")
	cert, err := ca.SignCSR(csr.Spec.Request, SignPolicy{Profile: ProfileClient})
	require.NoError(t, err)
	csr.Status.Certificate = EncodeCertificates(cert)
	_, err = csrs.UpdateStatus(context.Background(), csr, metav1.UpdateOptions{})
	require.NoError(t, err)
}

func onlyCSRName(t *testing.T, client *fake.Clientset) string {
	t.Helper()
	list, err := client.CertificatesV1().CertificateSigningRequests().List(context.Background(), metav1.ListOptions{})
	require.NoError(t, err)
	require.Len(t, list.Items, 1)
	return list.Items[0].Name
}

func TestRequestCertificateApprovesAndWaits(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ca := mustCA(CAOptions{CommonName: "bubble-ca"}) // on the bubble's clock
		client := newCSRClient()
		csrPEM, _, err := NewCSR(CSROptions{CommonName: "jane", Organization: []string{"dev"}})
		require.NoError(t, err)

		type result struct {
			cert []byte
			err  error
		}
		done := make(chan result, 1)
		go func() {
			cert, err := RequestCertificate(t.Context(), client, csrPEM, CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName, Duration: time.Hour, Approve: true})
			done <- result{cert, err}
		}()
		synctest.Wait() // submitted, approved, watching
		name := onlyCSRName(t, client)
		csr, err := client.CertificatesV1().CertificateSigningRequests().Get(t.Context(), name, metav1.GetOptions{})
		require.NoError(t, err)
		assert.Equal(t, []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}, csr.Spec.Usages, "no key encipherment for ECDSA")
		require.NotNil(t, csr.Spec.ExpirationSeconds)
		assert.Equal(t, int32(3600), *csr.Spec.ExpirationSeconds)
		approved := condition(csr, certificatesv1.CertificateApproved)
		require.NotNil(t, approved)
		assert.Equal(t, "KubeprimApprove", approved.Reason)

		issue(t, client, ca, name)
		r := <-done
		require.NoError(t, r.err)
		cert, err := ParseCertificatePEM(r.cert, DecodeOptions{})
		require.NoError(t, err)
		assert.Equal(t, "jane", cert.Subject.CommonName)

		var sawWatch, sawApproval bool
		for _, a := range client.Actions() {
			sawWatch = sawWatch || a.GetVerb() == "watch"
			sawApproval = sawApproval || (a.GetVerb() == "update" && a.GetSubresource() == "approval")
		}
		assert.True(t, sawWatch, "waits by watching, not polling")
		assert.True(t, sawApproval, "approves through the approval subresource")
	})
}

func TestWaitForCertificateOutcomes(t *testing.T) {
	tests := []struct {
		name string
		act  func(t *testing.T, client *fake.Clientset, name string)
		want error
	}{
		{name: "denied", act: func(t *testing.T, c *fake.Clientset, n string) {
			setCondition(t, c, n, certificatesv1.CertificateDenied, "NotAllowed")
		}, want: ErrCSRDenied},
		{name: "failed", act: func(t *testing.T, c *fake.Clientset, n string) {
			setCondition(t, c, n, certificatesv1.CertificateApproved, "Ok")
			setCondition(t, c, n, certificatesv1.CertificateFailed, "SignerError")
		}, want: ErrCSRFailed},
		{name: "deleted", act: func(t *testing.T, c *fake.Clientset, n string) {
			require.NoError(t, c.CertificatesV1().CertificateSigningRequests().Delete(context.Background(), n, metav1.DeleteOptions{}))
		}, want: ErrCSRGone},
		{name: "nobody acts: the deadline ends the wait", act: func(t *testing.T, c *fake.Clientset, n string) {}, want: context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client := newCSRClient()
				csrPEM, _, err := NewCSR(CSROptions{CommonName: "jane"})
				require.NoError(t, err)
				csr, err := SubmitCSR(t.Context(), client, csrPEM, CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName})
				require.NoError(t, err)
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				done := make(chan error, 1)
				go func() {
					_, err := WaitForCertificate(ctx, client, csr.Name, csr.UID)
					done <- err
				}()
				synctest.Wait()
				tc.act(t, client, csr.Name)
				err = <-done
				assert.ErrorIs(t, err, tc.want)
				if tc.name == "denied" {
					var ce *CSRError
					require.ErrorAs(t, err, &ce)
					assert.Equal(t, "NotAllowed", ce.Reason)
				}
			})
		})
	}
}

func TestWaitForCertificateRewatchesAndChecksUID(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ca := mustCA(CAOptions{CommonName: "bubble-ca"}) // on the bubble's clock
		client := newCSRClient()
		// The first watch is closed by the "server" at once; later ones are real.
		first := true
		client.PrependWatchReactor("certificatesigningrequests", func(action k8stesting.Action) (bool, watch.Interface, error) {
			if first {
				first = false
				w := watch.NewFake()
				w.Stop()
				return true, w, nil
			}
			return false, nil, nil
		})
		csrPEM, _, err := NewCSR(CSROptions{CommonName: "jane"})
		require.NoError(t, err)
		csr, err := SubmitCSR(t.Context(), client, csrPEM, CSRRequestOptions{Name: "jane", SignerName: certificatesv1.KubeAPIServerClientSignerName})
		require.NoError(t, err)
		_, err = ApproveCSR(t.Context(), client, csr.Name, "", "")
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() {
			_, err := WaitForCertificate(t.Context(), client, csr.Name, csr.UID)
			done <- err
		}()
		synctest.Wait()
		issue(t, client, ca, csr.Name)
		require.NoError(t, <-done)

		watches := 0
		for _, a := range client.Actions() {
			if a.GetVerb() == "watch" {
				watches++
			}
		}
		assert.Equal(t, 2, watches)

		_, err = WaitForCertificate(t.Context(), client, csr.Name, "another-uid")
		assert.ErrorIs(t, err, ErrCSRGone)
	})
}

func TestSubmitCSRValidation(t *testing.T) {
	t.Parallel()
	mk := func(kt KeyType, opts CSROptions) []byte {
		opts.KeyType = kt
		p, _, err := NewCSR(opts)
		require.NoError(t, err)
		return p
	}
	node := CSROptions{CommonName: "system:node:n1", Organization: []string{"system:nodes"}}
	nodeServing := CSROptions{CommonName: "system:node:n1", Organization: []string{"system:nodes"}, DNSNames: []string{"n1"}}
	tests := []struct {
		name       string
		csr        []byte
		opts       CSRRequestOptions
		wantUsages []certificatesv1.KeyUsage
		wantErr    error
	}{
		{name: "no signer", csr: mk("", CSROptions{CommonName: "x"}), opts: CSRRequestOptions{}, wantErr: ErrPolicy},
		{name: "duration under 600 s", csr: mk("", CSROptions{CommonName: "x"}), opts: CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName, Duration: 599 * time.Second}, wantErr: ErrValidity},
		{name: "system:masters refused like the admission plugin", csr: mk("", CSROptions{CommonName: "x", Organization: []string{"system:masters"}}), opts: CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName}, wantErr: ErrPolicy},
		{name: "client without client auth", csr: mk("", CSROptions{CommonName: "x"}), opts: CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName, Usages: []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature}}, wantErr: ErrPolicy},
		{name: "client with server auth", csr: mk("", CSROptions{CommonName: "x"}), opts: CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName, Usages: []certificatesv1.KeyUsage{certificatesv1.UsageClientAuth, certificatesv1.UsageServerAuth}}, wantErr: ErrPolicy},
		{name: "RSA client gets key encipherment", csr: mk(KeyRSA2048, CSROptions{CommonName: "x"}), opts: CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName},
			wantUsages: []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageKeyEncipherment, certificatesv1.UsageClientAuth}},
		{name: "kubelet client", csr: mk("", node), opts: CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientKubeletSignerName},
			wantUsages: []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageClientAuth}},
		{name: "kubelet client with a wrong CN", csr: mk("", CSROptions{CommonName: "n1", Organization: []string{"system:nodes"}}), opts: CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientKubeletSignerName}, wantErr: ErrPolicy},
		{name: "kubelet client with SANs", csr: mk("", nodeServing), opts: CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientKubeletSignerName}, wantErr: ErrPolicy},
		{name: "kubelet serving", csr: mk("", nodeServing), opts: CSRRequestOptions{SignerName: certificatesv1.KubeletServingSignerName},
			wantUsages: []certificatesv1.KeyUsage{certificatesv1.UsageDigitalSignature, certificatesv1.UsageServerAuth}},
		{name: "kubelet serving without SANs", csr: mk("", node), opts: CSRRequestOptions{SignerName: certificatesv1.KubeletServingSignerName}, wantErr: ErrPolicy},
		{name: "custom signer needs usages", csr: mk("", CSROptions{CommonName: "x"}), opts: CSRRequestOptions{SignerName: "example.com/foo"}, wantErr: ErrPolicy},
		{name: "custom signer with usages", csr: mk("", CSROptions{CommonName: "x"}), opts: CSRRequestOptions{SignerName: "example.com/foo", Usages: []certificatesv1.KeyUsage{certificatesv1.UsageServerAuth}},
			wantUsages: []certificatesv1.KeyUsage{certificatesv1.UsageServerAuth}},
		{name: "not a CSR", csr: []byte("nope"), opts: CSRRequestOptions{SignerName: "example.com/foo"}, wantErr: ErrNoPEM},
		{name: "RSA-1024 key", csr: rsa1024CSR(t), opts: CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName}, wantErr: ErrUnsupportedKey},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			client := newCSRClient()
			csr, err := SubmitCSR(t.Context(), client, tc.csr, tc.opts)
			if tc.wantErr != nil {
				assert.ErrorIs(t, err, tc.wantErr)
				assert.Empty(t, client.Actions(), "refused before any API call")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantUsages, csr.Spec.Usages)
			assert.Equal(t, tc.opts.SignerName, csr.Spec.SignerName)
			assert.Nil(t, csr.Spec.ExpirationSeconds)
		})
	}
}

func TestSubmitCSRWithNameIsIdempotent(t *testing.T) {
	t.Parallel()
	client := newCSRClient()
	a, _, err := NewCSR(CSROptions{CommonName: "x"})
	require.NoError(t, err)
	b, _, err := NewCSR(CSROptions{CommonName: "x"})
	require.NoError(t, err)
	opts := CSRRequestOptions{Name: "mine", SignerName: certificatesv1.KubeAPIServerClientSignerName}
	first, err := SubmitCSR(t.Context(), client, a, opts)
	require.NoError(t, err)
	again, err := SubmitCSR(t.Context(), client, a, opts)
	require.NoError(t, err)
	assert.Equal(t, first.UID, again.UID)
	_, err = SubmitCSR(t.Context(), client, b, opts)
	assert.True(t, apierrors.IsAlreadyExists(err))
}

func TestApproveCSRDeniedIsAnError(t *testing.T) {
	t.Parallel()
	client := newCSRClient()
	p, _, err := NewCSR(CSROptions{CommonName: "x"})
	require.NoError(t, err)
	csr, err := SubmitCSR(t.Context(), client, p, CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName})
	require.NoError(t, err)
	setCondition(t, client, csr.Name, certificatesv1.CertificateDenied, "No")
	_, err = ApproveCSR(t.Context(), client, csr.Name, "", "")
	assert.ErrorIs(t, err, ErrCSRDenied)
}

func TestRequestCertificateRefusesCertificateForAnotherKey(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ca := mustCA(CAOptions{CommonName: "bubble-ca"}) // on the bubble's clock
		client := newCSRClient()
		mine, _, err := NewCSR(CSROptions{CommonName: "x"})
		require.NoError(t, err)
		done := make(chan error, 1)
		go func() {
			_, err := RequestCertificate(t.Context(), client, mine, CSRRequestOptions{SignerName: certificatesv1.KubeAPIServerClientSignerName, Approve: true})
			done <- err
		}()
		synctest.Wait()
		name := onlyCSRName(t, client)
		// A malicious or broken signer issues a certificate for its own key.
		other, err := ca.Issue(CertOptions{CommonName: "x", Profile: ProfileClient})
		require.NoError(t, err)
		csrs := client.CertificatesV1().CertificateSigningRequests()
		csr, err := csrs.Get(t.Context(), name, metav1.GetOptions{})
		require.NoError(t, err)
		csr.Status.Certificate = other.CertPEM()
		_, err = csrs.UpdateStatus(t.Context(), csr, metav1.UpdateOptions{})
		require.NoError(t, err)
		assert.ErrorIs(t, <-done, ErrKeyMismatch)
	})
}

func TestCSRAPIRefusesNilClient(t *testing.T) {
	t.Parallel()
	csrPEM, _, err := NewCSR(CSROptions{CommonName: "alice"})
	require.NoError(t, err)
	_, err = SubmitCSR(t.Context(), nil, csrPEM, CSRRequestOptions{SignerName: "kubernetes.io/kube-apiserver-client"})
	assert.ErrorIs(t, err, errNilClient)
	_, err = ApproveCSR(t.Context(), nil, "csr-1", "", "")
	assert.ErrorIs(t, err, errNilClient)
	_, err = WaitForCertificate(t.Context(), nil, "csr-1", "")
	assert.ErrorIs(t, err, errNilClient)
	_, err = RequestCertificate(t.Context(), nil, csrPEM, CSRRequestOptions{SignerName: "kubernetes.io/kube-apiserver-client"})
	assert.ErrorIs(t, err, errNilClient)
}

// rsa1024CSR is a well-signed request for a key too weak to certify.
func rsa1024CSR(t *testing.T) []byte {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	der, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{Subject: pkix.Name{CommonName: "weak"}}, key)
	require.NoError(t, err)
	return EncodeCSR(&x509.CertificateRequest{Raw: der})
}
