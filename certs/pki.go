package certs

import (
	"crypto"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/util/validation"
	netutils "k8s.io/utils/net"
)

// PKIOptions describes the cluster a kubeadm PKI tree is made for. Its zero
// value is a valid single-node loopback cluster: the host name as node name,
// 127.0.0.1 as advertise address, service CIDR 10.96.0.0/12, DNS domain
// cluster.local, ECDSA P-256 keys, 10-year CAs and 1-year leaves.
type PKIOptions struct {
	// NodeName is the control-plane node's name: a DNS SAN of apiserver, etcd
	// server and peer, and the CN of the etcd server and peer certificates.
	// Empty means the lowercased host name, as kubeadm does.
	NodeName string
	// AdvertiseAddress is the IP the apiserver and etcd advertise; a SAN of
	// apiserver, etcd server and peer. Nil means 127.0.0.1.
	AdvertiseAddress net.IP
	// ServiceCIDR is the service subnet, one CIDR or a dual-stack pair "a,b";
	// the first address of the first CIDR (10.96.0.1 for the default
	// 10.96.0.0/12) is the kubernetes Service's ClusterIP and an apiserver SAN.
	ServiceCIDR string
	// DNSDomain is the cluster DNS domain; empty means "cluster.local". It
	// gives the SAN kubernetes.default.svc.<DNSDomain>.
	DNSDomain string
	// ControlPlaneEndpoint is the shared "host" or "host:port" of the control
	// plane (a load balancer); its host becomes an apiserver SAN.
	ControlPlaneEndpoint string
	// APIServerCertSANs, EtcdServerCertSANs and EtcdPeerCertSANs are extra
	// SANs: IPs go to the IP SANs, RFC 1123 names and wildcards to the DNS
	// SANs. Anything else is an error (kubeadm drops it with a warning).
	APIServerCertSANs  []string
	EtcdServerCertSANs []string
	EtcdPeerCertSANs   []string
	// ExternalEtcd leaves out the etcd CA and its four certificates, as kubeadm
	// does when etcd is not local.
	ExternalEtcd bool
	// KeyType is the type of every key; empty means ECDSA P-256. The
	// service-account key of an Ed25519 tree is ECDSA P-256, because
	// kube-apiserver signs tokens only with RSA or ECDSA keys.
	KeyType KeyType
	// CAValidity and Validity are the lifetimes of CAs and leaves; zero means
	// DefaultCAValidity (10 years) and DefaultValidity (1 year).
	CAValidity time.Duration
	Validity   time.Duration
	// CA, FrontProxyCA and EtcdCA, when set, are used instead of new CAs, as
	// kubeadm reuses the CAs it finds on disk (for a second control-plane node).
	CA, FrontProxyCA, EtcdCA *CA
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Defaults of PKIOptions.
const (
	DefaultServiceCIDR = "10.96.0.0/12"
	DefaultDNSDomain   = "cluster.local"
)

// withDefaults fills the zero fields and checks the rest.
func (o PKIOptions) withDefaults() (PKIOptions, error) {
	if o.NodeName == "" {
		host, err := os.Hostname()
		if err != nil {
			return o, fmt.Errorf("node name: %w", err)
		}
		o.NodeName = strings.ToLower(strings.TrimSpace(host))
	}
	if errs := validation.IsDNS1123Subdomain(o.NodeName); len(errs) != 0 {
		return o, fmt.Errorf("%w: node name %q: %s", ErrInvalidName, o.NodeName, strings.Join(errs, "; "))
	}
	if o.AdvertiseAddress == nil {
		o.AdvertiseAddress = net.IPv4(127, 0, 0, 1)
	}
	if o.ServiceCIDR == "" {
		o.ServiceCIDR = DefaultServiceCIDR
	}
	if o.DNSDomain == "" {
		o.DNSDomain = DefaultDNSDomain
	}
	o.KeyType = o.KeyType.orDefault()
	if err := o.KeyType.Validate(); err != nil {
		return o, err
	}
	if o.CAValidity <= 0 {
		o.CAValidity = DefaultCAValidity
	}
	if o.Validity <= 0 {
		o.Validity = DefaultValidity
	}
	return o, nil
}

// APIServerVirtualIP returns the first address of the first CIDR in
// serviceCIDR ("10.96.0.0/12" gives 10.96.0.1), the ClusterIP of the
// kubernetes Service, as kubeadm's GetAPIServerVirtualIP does.
func APIServerVirtualIP(serviceCIDR string) (net.IP, error) {
	first, _, _ := strings.Cut(serviceCIDR, ",")
	_, subnet, err := netutils.ParseCIDRSloppy(strings.TrimSpace(first))
	if err != nil {
		return nil, fmt.Errorf("%w: service CIDR %q: %v", ErrInvalidName, serviceCIDR, err)
	}
	ip, err := netutils.GetIndexedIP(subnet, 1)
	if err != nil {
		return nil, fmt.Errorf("%w: service CIDR %q: %v", ErrInvalidName, serviceCIDR, err)
	}
	return ip, nil
}

// PKI is the kubeadm certificate tree of a cluster, file for file what
// `kubeadm init phase certs all` writes to /etc/kubernetes/pki. Etcd fields
// are nil for a PKI with external etcd. A PKI is not modified by this package
// after it is returned and is safe for concurrent reads.
type PKI struct {
	// CA is ca.crt/ca.key, CN "kubernetes": it signs the apiserver, the
	// kubelet client and every kubeconfig client certificate.
	CA *CA
	// APIServer is apiserver.crt/key, CN "kube-apiserver", serverAuth.
	APIServer *KeyPair
	// APIServerKubeletClient is apiserver-kubelet-client.crt/key, CN
	// "kube-apiserver-kubelet-client", clientAuth, no O (Kubernetes 1.36).
	APIServerKubeletClient *KeyPair
	// FrontProxyCA is front-proxy-ca.crt/key, CN "front-proxy-ca".
	FrontProxyCA *CA
	// FrontProxyClient is front-proxy-client.crt/key, CN "front-proxy-client", clientAuth.
	FrontProxyClient *KeyPair
	// EtcdCA is etcd/ca.crt/key, CN "etcd-ca".
	EtcdCA *CA
	// EtcdServer is etcd/server.crt/key, CN the node name, serverAuth and clientAuth.
	EtcdServer *KeyPair
	// EtcdPeer is etcd/peer.crt/key, CN the node name, serverAuth and clientAuth.
	EtcdPeer *KeyPair
	// EtcdHealthcheckClient is etcd/healthcheck-client.crt/key, CN "kube-etcd-healthcheck-client".
	EtcdHealthcheckClient *KeyPair
	// APIServerEtcdClient is apiserver-etcd-client.crt/key, CN "kube-apiserver-etcd-client".
	APIServerEtcdClient *KeyPair
	// ServiceAccountKey is sa.key (sa.pub is its public key): it signs and
	// verifies service-account tokens.
	ServiceAccountKey crypto.Signer

	// Options are the options the tree was made with, defaults filled in;
	// IssueClient uses its KeyType, Validity and Now. LoadPKI fills KeyType
	// from the CA key and NodeName from the etcd server certificate.
	Options PKIOptions
}

// Names of the certificates in the tree, kubeadm's `kubeadm certs renew` names.
const (
	NameCA                     = "ca"
	NameAPIServer              = "apiserver"
	NameAPIServerKubeletClient = "apiserver-kubelet-client"
	NameFrontProxyCA           = "front-proxy-ca"
	NameFrontProxyClient       = "front-proxy-client"
	NameEtcdCA                 = "etcd-ca"
	NameEtcdServer             = "etcd-server"
	NameEtcdPeer               = "etcd-peer"
	NameEtcdHealthcheckClient  = "etcd-healthcheck-client"
	NameAPIServerEtcdClient    = "apiserver-etcd-client"
)

// spec is one certificate of the kubeadm tree.
type spec struct {
	name, base, caName string
	isCA               bool
	cn                 string
	profile            Profile
	sans               func(o PKIOptions) ([]string, []net.IP, error)
}

// treeSpecs is kubeadm 1.36's GetDefaultCertList (certlist.go), in its order.
func treeSpecs(o PKIOptions) []spec {
	specs := []spec{
		{name: NameCA, base: "ca", isCA: true, cn: "kubernetes"},
		{name: NameAPIServer, base: "apiserver", caName: NameCA, cn: "kube-apiserver", profile: ProfileServer, sans: apiServerSANs},
		{name: NameAPIServerKubeletClient, base: "apiserver-kubelet-client", caName: NameCA, cn: "kube-apiserver-kubelet-client", profile: ProfileClient},
		{name: NameFrontProxyCA, base: "front-proxy-ca", isCA: true, cn: "front-proxy-ca"},
		{name: NameFrontProxyClient, base: "front-proxy-client", caName: NameFrontProxyCA, cn: "front-proxy-client", profile: ProfileClient},
	}
	if o.ExternalEtcd {
		return specs
	}
	return append(specs,
		spec{name: NameEtcdCA, base: "etcd/ca", isCA: true, cn: "etcd-ca"},
		spec{name: NameEtcdServer, base: "etcd/server", caName: NameEtcdCA, cn: o.NodeName, profile: ProfilePeer, sans: etcdSANs(func(o PKIOptions) []string { return o.EtcdServerCertSANs })},
		spec{name: NameEtcdPeer, base: "etcd/peer", caName: NameEtcdCA, cn: o.NodeName, profile: ProfilePeer, sans: etcdSANs(func(o PKIOptions) []string { return o.EtcdPeerCertSANs })},
		spec{name: NameEtcdHealthcheckClient, base: "etcd/healthcheck-client", caName: NameEtcdCA, cn: "kube-etcd-healthcheck-client", profile: ProfileClient},
		spec{name: NameAPIServerEtcdClient, base: "apiserver-etcd-client", caName: NameEtcdCA, cn: "kube-apiserver-etcd-client", profile: ProfileClient},
	)
}

// apiServerSANs is kubeadm's GetAPIServerAltNames.
func apiServerSANs(o PKIOptions) ([]string, []net.IP, error) {
	vip, err := APIServerVirtualIP(o.ServiceCIDR)
	if err != nil {
		return nil, nil, err
	}
	dns := []string{o.NodeName, "kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc." + o.DNSDomain}
	ips := []net.IP{vip, o.AdvertiseAddress}
	if o.ControlPlaneEndpoint != "" {
		host, err := endpointHost(o.ControlPlaneEndpoint)
		if err != nil {
			return nil, nil, err
		}
		if ip := netutils.ParseIPSloppy(host); ip != nil {
			ips = append(ips, ip)
		} else {
			dns = append(dns, host)
		}
	}
	return appendSANs(dns, ips, o.APIServerCertSANs)
}

// etcdSANs is kubeadm's getAltNames: node name, localhost, the advertise
// address and both loopbacks, plus the extra SANs.
func etcdSANs(extra func(PKIOptions) []string) func(PKIOptions) ([]string, []net.IP, error) {
	return func(o PKIOptions) ([]string, []net.IP, error) {
		dns := []string{o.NodeName, "localhost"}
		ips := []net.IP{o.AdvertiseAddress, net.IPv4(127, 0, 0, 1), net.IPv6loopback}
		return appendSANs(dns, ips, extra(o))
	}
}

// appendSANs sorts extra SANs into IPs and DNS names as kubeadm's
// appendSANsToAltNames does, but refuses what is neither.
func appendSANs(dns []string, ips []net.IP, extra []string) ([]string, []net.IP, error) {
	for _, s := range extra {
		if ip := netutils.ParseIPSloppy(s); ip != nil {
			ips = append(ips, ip)
		} else if len(validation.IsDNS1123Subdomain(s)) == 0 || len(validation.IsWildcardDNS1123Subdomain(s)) == 0 {
			dns = append(dns, s)
		} else {
			return nil, nil, fmt.Errorf("%w: SAN %q is neither an IP address nor an RFC 1123 DNS name", ErrInvalidName, s)
		}
	}
	return dns, ips, nil
}

// endpointHost is kubeadm's ParseHostPort: "host" or "host:port" with a
// valid port, where host is an IP or an RFC 1123 subdomain.
func endpointHost(hostport string) (string, error) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = hostport, ""
	}
	if port != "" {
		if p, err := netutils.ParsePort(port, false); err != nil || p == 0 {
			return "", fmt.Errorf("%w: control-plane endpoint %q: port must be 1-65535", ErrInvalidName, hostport)
		}
	}
	if netutils.ParseIPSloppy(host) != nil || len(validation.IsDNS1123Subdomain(host)) == 0 {
		return host, nil
	}
	return "", fmt.Errorf("%w: control-plane endpoint %q: host must be an IP address or an RFC 1123 DNS name", ErrInvalidName, hostport)
}

// NewPKI makes the kubeadm tree for a cluster: three CAs (unless given in
// opts), seven leaves (four without etcd) and the service-account key, with
// kubeadm 1.36's names, subjects, usages and SANs. Keys are generated in
// parallel across GOMAXPROCS goroutines, which matters for RSA.
func NewPKI(opts PKIOptions) (*PKI, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("new PKI: %w", err)
	}
	specs := treeSpecs(o)
	given := map[string]*CA{NameCA: o.CA, NameFrontProxyCA: o.FrontProxyCA, NameEtcdCA: o.EtcdCA}

	// One key per certificate not already given, plus sa.key.
	saType := o.KeyType
	if saType == KeyEd25519 {
		saType = KeyECDSAP256
	}
	types := make([]KeyType, 0, len(specs)+1)
	for _, s := range specs {
		if s.isCA && given[s.name] != nil {
			types = append(types, "")
			continue
		}
		types = append(types, o.KeyType)
	}
	types = append(types, saType)
	keys, err := generateKeys(types, func(i int) bool { return i < len(specs) && specs[i].isCA && given[specs[i].name] != nil }, GenerateKey)
	if err != nil {
		return nil, fmt.Errorf("new PKI: %w", err)
	}

	p := &PKI{Options: o, ServiceAccountKey: keys[len(keys)-1]}
	now := clock(o.Now)
	fixed := func() time.Time { return now } // one creation time for the whole tree, as kubeadm
	cas := map[string]*CA{}
	for i, s := range specs {
		if s.isCA {
			ca := given[s.name]
			if ca == nil {
				ca, err = NewCA(CAOptions{CommonName: s.cn, Key: keys[i], Validity: o.CAValidity, Now: fixed})
				if err != nil {
					return nil, fmt.Errorf("new PKI: %s: %w", s.name, err)
				}
			} else if err := checkIsCA(ca.Cert); err != nil {
				return nil, fmt.Errorf("new PKI: given %s: %w", s.name, err)
			}
			cas[s.name] = ca
			p.setCA(s.name, ca)
			continue
		}
		co := CertOptions{CommonName: s.cn, Profile: s.profile, Validity: o.Validity, Now: fixed}
		if s.sans != nil {
			if co.DNSNames, co.IPAddresses, err = s.sans(o); err != nil {
				return nil, fmt.Errorf("new PKI: %s: %w", s.name, err)
			}
		}
		kp, err := cas[s.caName].IssueWithKey(keys[i], co)
		if err != nil {
			return nil, fmt.Errorf("new PKI: %s: %w", s.name, err)
		}
		p.setLeaf(s.name, kp)
	}
	return p, nil
}

// generateKeys makes one key per type with gen, skipping indexes for which
// skip says so, on GOMAXPROCS workers: an RSA tree's eleven keys take
// seconds on one core.
func generateKeys(types []KeyType, skip func(int) bool, gen func(KeyType) (crypto.Signer, error)) ([]crypto.Signer, error) {
	keys := make([]crypto.Signer, len(types))
	errs := make([]error, len(types))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(types)) {
		wg.Go(func() {
			for i := range next {
				keys[i], errs[i] = gen(types[i])
			}
		})
	}
	for i := range types {
		if !skip(i) {
			next <- i
		}
	}
	close(next)
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return keys, nil
}

func (p *PKI) setCA(name string, ca *CA) {
	switch name {
	case NameCA:
		p.CA = ca
	case NameFrontProxyCA:
		p.FrontProxyCA = ca
	case NameEtcdCA:
		p.EtcdCA = ca
	}
}

func (p *PKI) setLeaf(name string, kp *KeyPair) {
	switch name {
	case NameAPIServer:
		p.APIServer = kp
	case NameAPIServerKubeletClient:
		p.APIServerKubeletClient = kp
	case NameFrontProxyClient:
		p.FrontProxyClient = kp
	case NameEtcdServer:
		p.EtcdServer = kp
	case NameEtcdPeer:
		p.EtcdPeer = kp
	case NameEtcdHealthcheckClient:
		p.EtcdHealthcheckClient = kp
	case NameAPIServerEtcdClient:
		p.APIServerEtcdClient = kp
	}
}

// Entry is one certificate of a PKI with its kubeadm name and file base name.
type Entry struct {
	// Name is kubeadm's name, as `kubeadm certs renew <name>` takes it.
	Name string
	// BaseName is the path under the PKI directory without extension, such
	// as "apiserver" or "etcd/server".
	BaseName string
	// CAName is the Name of the signing CA; empty for a CA.
	CAName string
	// IsCA reports whether this entry is a CA.
	IsCA bool
	// Pair is the certificate and key.
	Pair *KeyPair
}

// Entries lists the certificates of p in kubeadm's order, skipping nil ones.
func (p *PKI) Entries() []Entry {
	pairs := map[string]*KeyPair{
		NameAPIServer: p.APIServer, NameAPIServerKubeletClient: p.APIServerKubeletClient,
		NameFrontProxyClient: p.FrontProxyClient, NameEtcdServer: p.EtcdServer, NameEtcdPeer: p.EtcdPeer,
		NameEtcdHealthcheckClient: p.EtcdHealthcheckClient, NameAPIServerEtcdClient: p.APIServerEtcdClient,
	}
	for name, ca := range map[string]*CA{NameCA: p.CA, NameFrontProxyCA: p.FrontProxyCA, NameEtcdCA: p.EtcdCA} {
		if ca != nil {
			pairs[name] = &ca.KeyPair
		}
	}
	var out []Entry
	for _, s := range treeSpecs(PKIOptions{}) {
		if kp := pairs[s.name]; kp != nil {
			out = append(out, Entry{Name: s.name, BaseName: s.base, CAName: s.caName, IsCA: s.isCA, Pair: kp})
		}
	}
	return out
}

// IssueClient issues a client certificate (clientAuth) from p.CA for a
// kubeconfig: commonName is the Kubernetes user, groups its groups (subject
// O). Key type, validity and clock come from p.Options.
func (p *PKI) IssueClient(commonName string, groups ...string) (*KeyPair, error) {
	if p.CA == nil {
		return nil, fmt.Errorf("issue client %q: PKI has no CA", commonName)
	}
	return p.CA.Issue(CertOptions{
		CommonName:   commonName,
		Organization: groups,
		Profile:      ProfileClient,
		KeyType:      p.Options.KeyType,
		Validity:     p.Options.Validity,
		Now:          p.Options.Now,
	})
}
