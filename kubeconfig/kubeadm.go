package kubeconfig

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/certs"
)

// ForKeyPair builds a kubeconfig whose user authenticates with a client
// certificate key pair from package certs, embedded: the certificate with its
// intermediate chain, and the key as PKCS#8 PEM.
func ForKeyPair(cluster Cluster, user string, kp *certs.KeyPair) (*clientcmdapi.Config, error) {
	if kp == nil || kp.Cert == nil || kp.Key == nil {
		return nil, &FieldError{Field: "key pair", Reason: "certificate and key must both be given"}
	}
	keyPEM, err := kp.KeyPEM()
	if err != nil {
		return nil, fmt.Errorf("encode client key of %q: %w", kp.Cert.Subject.CommonName, err)
	}
	return ForClientCertificate(cluster, user, kp.ChainPEM(), keyPEM)
}

// ForPKIUser issues a client certificate from the cluster CA of pki for the
// Kubernetes user commonName in groups (the certificate's O), and builds a
// kubeconfig for it named after the user. The cluster's CA defaults to the
// PKI's CA. The certificate's key type, validity and clock are pki.Options'.
func ForPKIUser(pki *certs.PKI, cluster Cluster, commonName string, groups ...string) (*clientcmdapi.Config, error) {
	if pki == nil || pki.CA == nil {
		return nil, &FieldError{Field: "pki", Reason: "must have a CA"}
	}
	if commonName == "" {
		return nil, &FieldError{Field: "commonName", Reason: "must not be empty"}
	}
	if len(cluster.CertificateAuthorityData) == 0 && cluster.CertificateAuthority == "" {
		cluster.CertificateAuthorityData = pki.CA.CertPEM()
	}
	if err := checkCluster(cluster); err != nil {
		return nil, err
	}
	kp, err := pki.IssueClient(commonName, groups...)
	if err != nil {
		return nil, err
	}
	return ForKeyPair(cluster, commonName, kp)
}

// The kubeconfig files kubeadm writes to /etc/kubernetes.
const (
	AdminConf             = "admin.conf"
	SuperAdminConf        = "super-admin.conf"
	KubeletConf           = "kubelet.conf"
	ControllerManagerConf = "controller-manager.conf"
	SchedulerConf         = "scheduler.conf"
)

// KubeadmOptions says where the kubeconfigs of ForKubeadm point.
type KubeadmOptions struct {
	// ControlPlaneEndpoint is the API server address of admin.conf,
	// super-admin.conf and kubelet.conf: https://host:port, or host:port.
	// Required.
	ControlPlaneEndpoint string
	// LocalAPIEndpoint is the address of controller-manager.conf and
	// scheduler.conf, which kubeadm points at the API server on their own
	// node. Empty means ControlPlaneEndpoint.
	LocalAPIEndpoint string
	// ClusterName names the cluster entry; empty means DefaultClusterName.
	ClusterName string
	// NodeName is the node of kubelet.conf (user system:node:<NodeName>).
	// Empty means pki.Options.NodeName; when both are empty, kubelet.conf is
	// not made.
	NodeName string
}

// ForKubeadm makes the kubeconfig files kubeadm 1.36 writes, keyed by file
// name (AdminConf, SuperAdminConf, KubeletConf, ControllerManagerConf,
// SchedulerConf), each with a new client certificate from pki's cluster CA
// for kubeadm's identity (certs.KubeconfigIdentities): kubernetes-admin in
// kubeadm:cluster-admins, kubernetes-super-admin in system:masters,
// system:node:<node> in system:nodes, system:kube-controller-manager and
// system:kube-scheduler. Contexts are named "<user>@<cluster>" as kubeadm
// names them. Write them with WriteFiles.
func ForKubeadm(pki *certs.PKI, opts KubeadmOptions) (map[string]*clientcmdapi.Config, error) {
	if pki == nil || pki.CA == nil {
		return nil, &FieldError{Field: "pki", Reason: "must have a CA"}
	}
	endpoint, err := endpointURL("KubeadmOptions.ControlPlaneEndpoint", opts.ControlPlaneEndpoint)
	if err != nil {
		return nil, err
	}
	local := endpoint
	if opts.LocalAPIEndpoint != "" {
		if local, err = endpointURL("KubeadmOptions.LocalAPIEndpoint", opts.LocalAPIEndpoint); err != nil {
			return nil, err
		}
	}
	node := opts.NodeName
	if node == "" {
		node = pki.Options.NodeName
	}
	out := map[string]*clientcmdapi.Config{}
	for _, id := range certs.KubeconfigIdentities(node) {
		if id.File == KubeletConf && node == "" {
			continue
		}
		server := endpoint
		if id.File == ControllerManagerConf || id.File == SchedulerConf {
			server = local
		}
		cfg, err := ForPKIUser(pki, Cluster{Name: opts.ClusterName, Server: server}, id.CommonName, id.Groups...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", id.File, err)
		}
		out[id.File] = cfg
	}
	return out, nil
}

// endpointURL accepts a URL or kubeadm's host:port form.
func endpointURL(field, endpoint string) (string, error) {
	if endpoint == "" {
		return "", &FieldError{Field: field, Reason: "must not be empty"}
	}
	if !strings.Contains(endpoint, "://") {
		endpoint = "https://" + endpoint
	}
	if err := checkCluster(Cluster{Server: endpoint}); err != nil {
		return "", &FieldError{Field: field, Reason: "must be https://host:port or host:port"}
	}
	return endpoint, nil
}

// WriteFiles writes each kubeconfig of files into dir under its name (a
// plain file name such as "admin.conf"), each with Write: atomically, mode
// 0600. Names are checked before anything is written. Files are written in
// name order; on an error the files already written stay, each complete.
func WriteFiles(dir string, files map[string]*clientcmdapi.Config) error {
	names := make([]string, 0, len(files))
	for name, cfg := range files {
		if name == "" || name == "." || name == ".." || filepath.Base(name) != name || strings.ContainsAny(name, `/\`) {
			return &FieldError{Field: "files", Reason: fmt.Sprintf("%q is not a plain file name", name)}
		}
		if cfg == nil {
			return &FieldError{Field: "files", Reason: fmt.Sprintf("%q has no kubeconfig", name)}
		}
		names = append(names, name)
	}
	slices.Sort(names)
	var errs []error
	for _, name := range names {
		if err := Write(filepath.Join(dir, name), files[name]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
