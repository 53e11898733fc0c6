package certs_test

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/kubeprim/kubeprim/certs"
)

func ExampleNewCA() {
	ca, err := certs.NewCA(certs.CAOptions{CommonName: "kubernetes"})
	if err != nil {
		panic(err)
	}
	fmt.Println(ca.Cert.Subject.CommonName, ca.Cert.IsCA)
	fmt.Println("valid for", ca.Cert.NotAfter.Sub(ca.Cert.NotBefore).Round(time.Hour)) // 10 years + 5 minutes of backdating
	// Output:
	// kubernetes true
	// valid for 87600h0m0s
}

func ExampleCA_Issue() {
	ca, err := certs.NewCA(certs.CAOptions{CommonName: "demo-ca"})
	if err != nil {
		panic(err)
	}
	server, err := ca.Issue(certs.CertOptions{
		CommonName:  "web",
		Profile:     certs.ProfileServer,
		DNSNames:    []string{"web.default.svc", "web.example.com"},
		IPAddresses: []net.IP{net.ParseIP("10.0.0.7")},
		Validity:    90 * 24 * time.Hour,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(server.Cert.DNSNames, server.Cert.IPAddresses)
	fmt.Println(server.Cert.VerifyHostname("web.example.com") == nil)

	// A certificate never outlives its CA.
	_, err = ca.Issue(certs.CertOptions{CommonName: "web", Profile: certs.ProfileServer, Validity: 20 * 365 * 24 * time.Hour})
	fmt.Println(err != nil)
	// Output:
	// [web.default.svc web.example.com] [10.0.0.7]
	// true
	// true
}

func ExampleNewPKI() {
	pki, err := certs.NewPKI(certs.PKIOptions{
		NodeName:         "cp-1",
		AdvertiseAddress: net.ParseIP("192.168.0.10"),
	})
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "pki")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := pki.WriteDir(dir); err != nil {
		panic(err)
	}
	for _, e := range pki.Entries() {
		fmt.Printf("%s.crt CN=%s\n", e.BaseName, e.Pair.Cert.Subject.CommonName)
	}
	fmt.Println(pki.APIServer.Cert.IPAddresses)

	// Writing again refuses to overwrite.
	err = pki.WriteDir(dir)
	fmt.Println(err != nil)

	loaded, err := certs.LoadPKI(dir)
	if err != nil {
		panic(err)
	}
	_, err = os.Stat(filepath.Join(dir, "sa.pub"))
	fmt.Println(loaded.CA.Cert.Equal(pki.CA.Cert), err == nil)
	// Output:
	// ca.crt CN=kubernetes
	// apiserver.crt CN=kube-apiserver
	// apiserver-kubelet-client.crt CN=kube-apiserver-kubelet-client
	// front-proxy-ca.crt CN=front-proxy-ca
	// front-proxy-client.crt CN=front-proxy-client
	// etcd/ca.crt CN=etcd-ca
	// etcd/server.crt CN=cp-1
	// etcd/peer.crt CN=cp-1
	// etcd/healthcheck-client.crt CN=kube-etcd-healthcheck-client
	// apiserver-etcd-client.crt CN=kube-apiserver-etcd-client
	// [10.96.0.1 192.168.0.10]
	// true
	// true true
}

func ExamplePKI_IssueClient() {
	pki, err := certs.NewPKI(certs.PKIOptions{NodeName: "cp-1"})
	if err != nil {
		panic(err)
	}
	admin, err := pki.IssueClient("kubernetes-admin", certs.GroupClusterAdmins)
	if err != nil {
		panic(err)
	}
	fmt.Println(admin.Cert.Subject.CommonName, admin.Cert.Subject.Organization)
	// Output:
	// kubernetes-admin [kubeadm:cluster-admins]
}

func ExampleInspect() {
	pki, err := certs.NewPKI(certs.PKIOptions{NodeName: "cp-1"})
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "pki")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := pki.WriteDir(dir); err != nil {
		panic(err)
	}

	// Is apiserver.crt a server certificate for kubernetes.default.svc and
	// 10.96.0.1, does apiserver.key match it, and does it chain to ca.crt?
	report, err := certs.Inspect(filepath.Join(dir, "apiserver.crt"), certs.InspectOptions{
		Roots:   []*x509.Certificate{pki.CA.Cert},
		Purpose: certs.ProfileServer,
		Hosts:   []string{"kubernetes.default.svc", "10.96.0.1"},
	})
	if err != nil {
		panic(err)
	}
	c := report.Certificates[0]
	fmt.Println(c.CommonName, c.Chain, *c.KeyMatch, report.Err())

	// A client certificate is not a server certificate.
	report, err = certs.Inspect(filepath.Join(dir, "apiserver-kubelet-client.crt"), certs.InspectOptions{
		Roots: []*x509.Certificate{pki.CA.Cert}, Purpose: certs.ProfileServer,
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(errors.Is(report.Err(), certs.ErrWrongPurpose))
	// Output:
	// kube-apiserver verified true <nil>
	// true
}

func ExampleCheckExpiration() {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	pki, err := certs.NewPKI(certs.PKIOptions{NodeName: "cp-1", ExternalEtcd: true, Now: clock})
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "pki")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	if err := pki.WriteDir(dir); err != nil {
		panic(err)
	}
	report, err := certs.CheckExpiration(dir, certs.ExpiryOptions{Now: clock})
	if err != nil {
		panic(err)
	}
	if err := report.WriteText(os.Stdout); err != nil {
		panic(err)
	}
	// Output:
	// CERTIFICATE                EXPIRES                  RESIDUAL TIME   CERTIFICATE AUTHORITY   EXTERNALLY MANAGED
	// apiserver                  Jan 01, 2027 00:00 UTC   365d            ca                      no
	// apiserver-kubelet-client   Jan 01, 2027 00:00 UTC   365d            ca                      no
	// front-proxy-client         Jan 01, 2027 00:00 UTC   365d            front-proxy-ca          no
	//
	// CERTIFICATE AUTHORITY   EXPIRES                  RESIDUAL TIME   EXTERNALLY MANAGED
	// ca                      Dec 30, 2035 00:00 UTC   10y             no
	// front-proxy-ca          Dec 30, 2035 00:00 UTC   10y             no
}
