package certs_test

import (
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
