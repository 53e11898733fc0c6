package kubeconfig_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/kubeprim/kubeprim/certs"
	"github.com/kubeprim/kubeprim/kubeconfig"
	"github.com/kubeprim/kubeprim/kubeconfig/kubeconfigtest"
)

// A kubeconfig for a CI deployer that may edit its own namespace, checked
// against the API server before it is handed out. Here the cluster is a
// fake clientset to which kubeconfigtest adds TokenRequest, SelfSubjectReview
// and the root CA; on a real cluster, pass a real clientset and drop
// NewClient.
func ExampleForServiceAccount() {
	ca, err := certs.NewCA(certs.CAOptions{CommonName: "kubernetes"})
	if err != nil {
		panic(err)
	}
	client := fake.NewClientset(&corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: kubeconfig.RootCAConfigMap},
		Data:       map[string]string{kubeconfig.RootCAKey: string(ca.CertPEM())},
	})
	apiserver := &kubeconfigtest.Authenticator{CA: ca.CertPEM()}
	apiserver.Install(client)

	cfg, err := kubeconfig.ForServiceAccount(context.Background(), client, &rest.Config{Host: "https://10.0.0.1:6443"},
		kubeconfig.ServiceAccountOptions{
			Namespace:   "ci",
			Name:        "deployer",
			Create:      true,
			ClusterRole: "edit",
			Expiration:  2 * time.Hour,
			Verify:      true,
			NewClient:   apiserver.NewClient,
			OnEvent: func(e kubeconfig.Event) {
				fmt.Println("event:", strings.TrimSpace(fmt.Sprint(e.Type, " ", e.Kind, " ", e.Name)))
			},
		})
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	// Safe prints the kubeconfig as kubectl config view does: no token.
	fmt.Print(kubeconfig.Safe(cfg))
	// Output:
	// event: ServiceAccountCreated ServiceAccount deployer
	// event: BindingCreated RoleBinding deployer:edit
	// event: TokenIssued ServiceAccount deployer
	// event: CertificateAuthority ConfigMap kube-root-ca.crt
	// event: Verified ServiceAccount deployer
	// apiVersion: v1
	// clusters:
	// - cluster:
	//     certificate-authority-data: DATA+OMITTED
	//     server: https://10.0.0.1:6443
	//   name: kubernetes
	// contexts:
	// - context:
	//     cluster: kubernetes
	//     namespace: ci
	//     user: ci-deployer
	//   name: ci-deployer@kubernetes
	// current-context: ci-deployer@kubernetes
	// kind: Config
	// users:
	// - name: ci-deployer
	//   user:
	//     token: REDACTED
}

// Write replaces a kubeconfig atomically and makes it private, also when the
// old file was readable by everyone.
func ExampleWrite() {
	dir, err := os.MkdirTemp("", "kubeconfig-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		panic(err)
	}

	cfg, err := kubeconfig.ForToken(kubeconfig.Cluster{Server: "https://10.0.0.1:6443"}, "ci", "a-token")
	if err != nil {
		panic(err)
	}
	if err := kubeconfig.Write(path, cfg); err != nil {
		panic(err)
	}

	info, err := os.Stat(path)
	if err != nil {
		panic(err)
	}
	loaded, err := kubeconfig.LoadFile(path)
	if err != nil {
		panic(err)
	}
	fmt.Println(info.Mode().Perm(), loaded.CurrentContext)
	// Output:
	// -rw------- ci@kubernetes
}

// Safe makes a kubeconfig printable and loggable: every fmt verb, JSON and
// logr print it with its secrets REDACTED and certificate data omitted.
func ExampleSafe() {
	cfg, err := kubeconfig.ForToken(kubeconfig.Cluster{Server: "https://10.0.0.1:6443"}, "ci", "eyJhbGciOi.secret.token")
	if err != nil {
		panic(err)
	}
	cfg.AuthInfos["ci"].Username = "ci"
	cfg.AuthInfos["ci"].Password = "hunter2"

	fmt.Printf("%v", kubeconfig.Safe(cfg))
	// Output:
	// apiVersion: v1
	// clusters:
	// - cluster:
	//     server: https://10.0.0.1:6443
	//   name: kubernetes
	// contexts:
	// - context:
	//     cluster: kubernetes
	//     user: ci
	//   name: ci@kubernetes
	// current-context: ci@kubernetes
	// kind: Config
	// users:
	// - name: ci
	//   user:
	//     password: REDACTED
	//     token: REDACTED
	//     username: ci
}

// Redact returns a copy to display or store for reference; the original
// keeps its credentials.
func ExampleRedact() {
	cfg, err := kubeconfig.ForToken(kubeconfig.Cluster{Server: "https://10.0.0.1:6443"}, "ci", "a-token")
	if err != nil {
		panic(err)
	}
	shown := kubeconfig.Redact(cfg)
	fmt.Println(shown.AuthInfos["ci"].Token, cfg.AuthInfos["ci"].Token)
	// Output:
	// REDACTED a-token
}

// Expiry tells when the credentials of a kubeconfig stop working.
func ExampleExpiry() {
	ca, err := certs.NewCA(certs.CAOptions{CommonName: "kubernetes"})
	if err != nil {
		panic(err)
	}
	kp, err := ca.Issue(certs.CertOptions{
		CommonName: "system:kube-scheduler",
		Profile:    certs.ProfileClient,
		NotAfter:   time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		panic(err)
	}
	cfg, err := kubeconfig.ForKeyPair(kubeconfig.Cluster{Server: "https://10.0.0.1:6443", CertificateAuthorityData: ca.CertPEM()}, "scheduler", kp)
	if err != nil {
		panic(err)
	}
	expirations, err := kubeconfig.Expiry(cfg)
	if err != nil {
		panic(err)
	}
	for _, e := range expirations {
		fmt.Println(e.User, e.Credential, e.Subject, e.NotAfter.Format(time.DateOnly))
	}
	// Output:
	// scheduler client-certificate system:kube-scheduler 2027-01-01
}

// ForKubeadm makes the kubeconfig files of a control plane from its PKI.
func ExampleForKubeadm() {
	pki, err := certs.NewPKI(certs.PKIOptions{NodeName: "cp-1"})
	if err != nil {
		panic(err)
	}
	files, err := kubeconfig.ForKubeadm(pki, kubeconfig.KubeadmOptions{
		ControlPlaneEndpoint: "10.0.0.1:6443",
		LocalAPIEndpoint:     "127.0.0.1:6443",
	})
	if err != nil {
		panic(err)
	}
	var names []string
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		cfg := files[name]
		ctx := cfg.Contexts[cfg.CurrentContext]
		fmt.Println(name, ctx.AuthInfo, cfg.Clusters[ctx.Cluster].Server)
	}
	// Output:
	// admin.conf kubernetes-admin https://10.0.0.1:6443
	// controller-manager.conf system:kube-controller-manager https://127.0.0.1:6443
	// kubelet.conf system:node:cp-1 https://10.0.0.1:6443
	// scheduler.conf system:kube-scheduler https://127.0.0.1:6443
	// super-admin.conf kubernetes-super-admin https://10.0.0.1:6443
}
