package cluster

import (
	"fmt"
	"net"
	"path/filepath"

	"k8s.io/client-go/rest"

	"github.com/kubeprim/kubeprim/certs"
	"github.com/kubeprim/kubeprim/kubeconfig"
)

// nodeName is the control-plane node the PKI is made for: the CN of etcd's
// server and peer certificates and a SAN of the API server's.
const nodeName = "kubeprim-e2e-control-plane"

// bootstrapPKI does what `kubeadm init phase certs all` and `kubeadm init
// phase kubeconfig all` do, with kubeprim's packages: the PKI tree into
// pkiDir in kubeadm's layout and the kubeadm kubeconfig files into confDir,
// all pointing at server.
func bootstrapPKI(pkiDir, confDir, server string) (*certs.PKI, error) {
	pki, err := certs.NewPKI(certs.PKIOptions{
		NodeName:         nodeName,
		AdvertiseAddress: net.IPv4(127, 0, 0, 1),
		ServiceCIDR:      ServiceCIDR,
	})
	if err != nil {
		return nil, fmt.Errorf("make the PKI: %w", err)
	}
	if err := pki.WriteDir(pkiDir); err != nil {
		return nil, fmt.Errorf("write the PKI: %w", err)
	}
	files, err := kubeconfig.ForKubeadm(pki, kubeconfig.KubeadmOptions{ControlPlaneEndpoint: server})
	if err != nil {
		return nil, fmt.Errorf("make the kubeconfigs: %w", err)
	}
	if err := kubeconfig.WriteFiles(confDir, files); err != nil {
		return nil, fmt.Errorf("write the kubeconfigs: %w", err)
	}
	return pki, nil
}

// restConfig loads one of the kubeconfig files bootstrapPKI wrote.
func restConfig(dir, file string) (*rest.Config, error) {
	cfg, err := kubeconfig.LoadFile(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	rc, err := kubeconfig.RESTConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	// The suite makes thousands of requests; client-side throttling would
	// only measure client-go's rate limiter.
	rc.QPS = 500
	rc.Burst = 1000
	return rc, nil
}
