package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	"github.com/kubeprim/kubeprim/certs"
	"github.com/kubeprim/kubeprim/examples/internal/cli"
	"github.com/kubeprim/kubeprim/examples/internal/kube"
)

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("pki", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: pki [flags]\n\nWrites the kubeadm PKI of a cluster (ca, apiserver, front-proxy, etcd, sa) and prints its expiry report.\nWith no flags it writes a single-node loopback cluster's PKI into a new temporary directory.\n\nWith --kubeconfig it asks that cluster instead for a client certificate for --user, through the\nCSR API and the kube-apiserver-client signer, and writes <user>.key and <user>.crt into --out.\n\nFlags:\n")
		fs.PrintDefaults()
	}
	var (
		out       = fs.String("out", "", "directory to write the PKI into (kubeadm's layout, like /etc/kubernetes/pki); default: a new temporary directory")
		check     = fs.String("check", "", "only print the expiry report of an existing PKI or /etc/kubernetes directory; write nothing")
		nodeName  = fs.String("node-name", "", "control-plane node name: SAN of apiserver and etcd, CN of the etcd server and peer certificates (default: the host name)")
		advertise = fs.String("advertise-address", "127.0.0.1", "IP address the apiserver and etcd advertise")
		svcCIDR   = fs.String("service-cidr", certs.DefaultServiceCIDR, "service subnet; its first address is an apiserver SAN")
		dnsDomain = fs.String("dns-domain", certs.DefaultDNSDomain, "cluster DNS domain")
		endpoint  = fs.String("control-plane-endpoint", "", "shared endpoint of the control plane, host or host:port (a load balancer)")
		extraSANs = fs.String("apiserver-cert-extra-sans", "", "comma-separated extra apiserver SANs, IPs or DNS names")
		keyType   = fs.String("key-type", string(certs.DefaultKeyType), "key type: "+keyTypeList())
		validity  = fs.Duration("validity", certs.DefaultValidity, "lifetime of the leaf certificates")
		caValid   = fs.Duration("ca-validity", certs.DefaultCAValidity, "lifetime of the CAs")
		extEtcd   = fs.Bool("external-etcd", false, "leave out the etcd CA and certificates, as kubeadm does with external etcd")
		overwrite = fs.Bool("overwrite", false, "replace existing files (by default nothing is ever overwritten)")
		output    = fs.String("o", "text", "report format: text or json")

		kubeconfig = fs.String("kubeconfig", "", "get a client certificate from the cluster of this kubeconfig `path` instead; --kubeconfig= (empty) follows $KUBECONFIG and ~/.kube/config as kubectl does")
		user       = fs.String("user", "kubeprim-user", "with --kubeconfig: the certificate's user name (CN)")
		groups     = fs.String("group", "", "with --kubeconfig: comma-separated groups (O) of the user")
		approve    = fs.Bool("approve", false, "with --kubeconfig: approve the request too (needs the right to approve for the signer)")
		certTTL    = fs.Duration("duration", 24*time.Hour, "with --kubeconfig: requested lifetime of the certificate (at least 10m; the signer may shorten it)")
		wait       = fs.Duration("wait", 2*time.Minute, "with --kubeconfig: how long to wait for the certificate")
	)
	if code, ok := cli.Parse(fs, args); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintln(stderr, "pki:", err)
		return 1
	}
	if fs.NArg() > 0 {
		return fail(fmt.Errorf("unexpected argument %q; see -h", fs.Arg(0)))
	}
	if *output != "text" && *output != "json" {
		return fail(fmt.Errorf("-o %q: want text or json", *output))
	}

	kubeconfigSet := false
	fs.Visit(func(f *flag.Flag) { kubeconfigSet = kubeconfigSet || f.Name == "kubeconfig" })
	if kubeconfigSet {
		if *check != "" {
			return fail(errors.New("use either --kubeconfig or --check, not both"))
		}
		if *user == "" || strings.ContainsAny(*user, `/\`) || *user == "." || *user == ".." {
			return fail(fmt.Errorf("--user %q cannot name the files <user>.key and <user>.crt; use a name without slashes", *user))
		}
		req := csrRequest{user: *user, approve: *approve, duration: *certTTL, timeout: *wait, dir: *out}
		if *groups != "" {
			req.groups = strings.Split(*groups, ",")
		}
		client, _, _, err := kube.Client(*kubeconfig)
		if err != nil {
			return fail(err)
		}
		if err := requestClientCertificate(ctx, client, req, stdout); err != nil {
			return fail(err)
		}
		return 0
	}

	if *check != "" {
		return report(*check, *output, stdout, stderr)
	}

	ip := net.ParseIP(*advertise)
	if ip == nil {
		return fail(fmt.Errorf("--advertise-address %q is not an IP address", *advertise))
	}
	opts := certs.PKIOptions{
		NodeName:             *nodeName,
		AdvertiseAddress:     ip,
		ServiceCIDR:          *svcCIDR,
		DNSDomain:            *dnsDomain,
		ControlPlaneEndpoint: *endpoint,
		ExternalEtcd:         *extEtcd,
		KeyType:              certs.KeyType(*keyType),
		Validity:             *validity,
		CAValidity:           *caValid,
	}
	if *extraSANs != "" {
		opts.APIServerCertSANs = strings.Split(*extraSANs, ",")
	}
	pki, err := certs.NewPKI(opts)
	if err != nil {
		return fail(err)
	}

	dir := *out
	if dir == "" {
		if dir, err = os.MkdirTemp("", "kubeprim-pki-"); err != nil {
			return fail(err)
		}
	}
	// WriteDir refuses to replace anything; Write with Overwrite is the opt-in.
	if err := pki.Write(dir, certs.WriteOptions{Overwrite: *overwrite}); err != nil {
		if errors.Is(err, certs.ErrExists) {
			return fail(fmt.Errorf("%s already holds PKI files; nothing was written (use --overwrite to replace them)", dir))
		}
		return fail(err)
	}

	// Check what was written the way a user would check a cluster's PKI:
	// every chain, every key pair.
	inspected, err := certs.Inspect(dir, certs.InspectOptions{})
	if err != nil {
		return fail(err)
	}
	if err := inspected.Err(); err != nil {
		return fail(err)
	}
	if *output == "text" {
		fmt.Fprintf(stdout, "Wrote the PKI of node %q to %s: %d certificates, chains verified, keys match.\n", pki.Options.NodeName, dir, len(inspected.Certificates))
		fmt.Fprintf(stdout, "apiserver serves %s\n\n", strings.Join(append(pki.APIServer.Cert.DNSNames, ipStrings(pki.APIServer.Cert.IPAddresses)...), ", "))
	}
	return report(dir, *output, stdout, stderr)
}

// report prints the kubeadm-style expiry report of dir.
func report(dir, format string, stdout, stderr io.Writer) int {
	rep, err := certs.CheckExpiration(dir, certs.ExpiryOptions{})
	if err != nil {
		fmt.Fprintln(stderr, "pki:", err)
		return 1
	}
	if format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(rep)
	} else {
		err = rep.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, "pki:", err)
		return 1
	}
	return 0
}

func keyTypeList() string {
	var names []string
	for _, t := range certs.KeyTypes() {
		names = append(names, string(t))
	}
	return strings.Join(names, ", ")
}

func ipStrings(ips []net.IP) []string {
	out := make([]string, len(ips))
	for i, ip := range ips {
		out[i] = ip.String()
	}
	return out
}
