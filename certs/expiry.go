package certs

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kubeprim/kubeprim/internal/yamlerr"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/client-go/tools/clientcmd"
)

// ExpiryOptions configures CheckExpiration. The zero value reads only the
// PKI directory, with the real clock.
type ExpiryOptions struct {
	// KubeconfigDir, when set, is where admin.conf, super-admin.conf,
	// controller-manager.conf and scheduler.conf are read from. When the
	// directory given to CheckExpiration has a pki subdirectory (it is
	// /etc/kubernetes), that directory is used and this field is ignored.
	KubeconfigDir string
	// Decode bounds each file read.
	Decode DecodeOptions
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// ExpiryEntry is one line of the expiry report. Its JSON field names are
// those of kubeadm's output.kubeadm.k8s.io/v1alpha3 CertificateExpirationInfo.
type ExpiryEntry struct {
	// Name is kubeadm's name ("apiserver", "etcd-ca") or the kubeconfig file
	// name ("admin.conf").
	Name string `json:"name"`
	// File is the file read.
	File string `json:"file,omitempty"`
	// ExpirationDate is the certificate's NotAfter.
	ExpirationDate time.Time `json:"expirationDate,omitzero"`
	// ResidualTimeSeconds is the time left; negative once expired.
	ResidualTimeSeconds int64 `json:"residualTime"`
	// CAName is the signing CA's name; empty for CAs.
	CAName string `json:"caName,omitempty"`
	// ExternallyManaged is true when the signing CA's certificate exists but
	// its key does not, so the certificate cannot be renewed locally.
	ExternallyManaged bool `json:"externallyManaged"`
	// Missing is true when the file does not exist.
	Missing bool `json:"missing,omitempty"`
}

// Residual is the time left as a Duration.
func (e ExpiryEntry) Residual() time.Duration {
	return time.Duration(e.ResidualTimeSeconds) * time.Second
}

// ExpiryReport is the equivalent of `kubeadm certs check-expiration`.
type ExpiryReport struct {
	Certificates           []ExpiryEntry `json:"certificates"`
	CertificateAuthorities []ExpiryEntry `json:"certificateAuthorities"`
}

// kubeconfigFiles are the kubeconfigs whose client certificates kubeadm
// renews; kubelet.conf is left out because the kubelet rotates its own.
var kubeconfigFiles = []string{"admin.conf", "super-admin.conf", "controller-manager.conf", "scheduler.conf"}

// CheckExpiration reports the expiry of every certificate of a kubeadm PKI
// directory (and of the kubeconfig client certificates, see ExpiryOptions),
// as `kubeadm certs check-expiration` does: entries sorted by name, missing
// files marked Missing, externally managed CAs detected. A file that exists
// but cannot be parsed is an error; expired certificates are not (they are
// what the report is for). A directory without etcd/ca.crt and without any
// etcd certificate is an external-etcd tree, and its etcd entries are left out.
func CheckExpiration(dir string, opts ExpiryOptions) (*ExpiryReport, error) {
	pkiDir, kubeDir := dir, opts.KubeconfigDir
	if info, err := os.Stat(filepath.Join(dir, "pki")); err == nil && info.IsDir() {
		pkiDir, kubeDir = filepath.Join(dir, "pki"), dir
	}
	if _, err := os.Stat(pkiDir); err != nil {
		return nil, fmt.Errorf("check expiration: %w", err)
	}
	fsys := os.DirFS(pkiDir)
	now := clock(opts.Now)
	o := PKIOptions{ExternalEtcd: !anyExists(fsys, "etcd/ca.crt", "etcd/server.crt", "etcd/peer.crt", "etcd/healthcheck-client.crt", "apiserver-etcd-client.crt")}

	report := &ExpiryReport{}
	var errs []error
	baseOf := map[string]string{}
	for _, s := range treeSpecs(o) {
		baseOf[s.name] = s.base
	}
	externally := func(caName string) bool {
		return exists(fsys, baseOf[caName]+".crt") && !exists(fsys, baseOf[caName]+".key")
	}
	entry := func(name, file, caName string, cert *x509.Certificate) ExpiryEntry {
		e := ExpiryEntry{Name: name, File: file, CAName: caName}
		if cert == nil {
			e.Missing = true
			return e
		}
		e.ExpirationDate = cert.NotAfter
		e.ResidualTimeSeconds = int64(cert.NotAfter.Sub(now) / time.Second)
		e.ExternallyManaged = externally(caName)
		if caName == "" {
			e.ExternallyManaged = externally(name)
		}
		return e
	}
	for _, s := range treeSpecs(o) {
		file := filepath.Join(pkiDir, filepath.FromSlash(s.base)+".crt")
		cert, err := readCertIfExists(fsys, s.base+".crt", opts.Decode)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", file, err))
			continue
		}
		if s.isCA {
			report.CertificateAuthorities = append(report.CertificateAuthorities, entry(s.name, file, "", cert))
		} else {
			report.Certificates = append(report.Certificates, entry(s.name, file, s.caName, cert))
		}
	}
	if kubeDir != "" {
		for _, name := range kubeconfigFiles {
			file := filepath.Join(kubeDir, name)
			cert, err := kubeconfigClientCert(file, opts.Decode)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", file, err))
				continue
			}
			report.Certificates = append(report.Certificates, entry(name, file, NameCA, cert))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("check expiration of %s: %w", dir, errors.Join(errs...))
	}
	byName := func(a, b ExpiryEntry) int { return strings.Compare(a.Name, b.Name) }
	slices.SortFunc(report.Certificates, byName)
	slices.SortFunc(report.CertificateAuthorities, byName)
	return report, nil
}

// WriteText writes the report as kubeadm prints it: two tables,
// certificates then certificate authorities, "!MISSING! <name>" for missing
// files, dates as "Jan 02, 2006 15:04 MST" and residual times as kubectl
// prints ages.
func (r *ExpiryReport) WriteText(w io.Writer) error {
	yesNo := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	var buf bytes.Buffer
	tw := tabwriter.NewWriter(&buf, 10, 4, 3, ' ', 0)
	fmt.Fprintln(tw, "CERTIFICATE\tEXPIRES\tRESIDUAL TIME\tCERTIFICATE AUTHORITY\tEXTERNALLY MANAGED")
	for _, e := range r.Certificates {
		if e.Missing {
			fmt.Fprintf(tw, "!MISSING! %s\t\t\t\t\n", e.Name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%-8v\n", e.Name, e.ExpirationDate.Format("Jan 02, 2006 15:04 MST"), humanDuration(e.Residual()), e.CAName, yesNo(e.ExternallyManaged))
	}
	fmt.Fprintln(tw)
	fmt.Fprintln(tw, "CERTIFICATE AUTHORITY\tEXPIRES\tRESIDUAL TIME\tEXTERNALLY MANAGED")
	for _, e := range r.CertificateAuthorities {
		if e.Missing {
			fmt.Fprintf(tw, "!MISSING! %s\t\t\t\n", e.Name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%-8v\n", e.Name, e.ExpirationDate.Format("Jan 02, 2006 15:04 MST"), humanDuration(e.Residual()), yesNo(e.ExternallyManaged))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// kubeadm's layout leaves padding at the ends of lines; drop it.
	lines := strings.SplitAfter(buf.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " \n")
		if strings.HasSuffix(l, "\n") {
			lines[i] += "\n"
		}
	}
	_, err := io.WriteString(w, strings.Join(lines, ""))
	return err
}

// humanDuration prints a duration as kubectl prints ages ("364d", "9y"),
// which is what kubeadm uses for residual times.
func humanDuration(d time.Duration) string { return duration.HumanDuration(d) }

func exists(fsys fs.FS, name string) bool {
	_, err := fs.Stat(fsys, name)
	return err == nil
}

func anyExists(fsys fs.FS, names ...string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return exists(fsys, n) })
}

// readCertIfExists returns the first certificate of a file, or nil when the
// file does not exist.
func readCertIfExists(fsys fs.FS, name string, opts DecodeOptions) (*x509.Certificate, error) {
	data, err := readLimited(fsys, name, opts)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return ParseCertificatePEM(data, opts)
}

// kubeconfigClientCert returns the client certificate of the current
// context's user, as kubeadm's renewal reads it, or nil when the file does
// not exist.
func kubeconfigClientCert(path string, opts DecodeOptions) (*x509.Certificate, error) {
	data, err := readLimited(os.DirFS(filepath.Dir(path)), filepath.Base(path), opts)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	cfg, err := clientcmd.Load(data)
	if err != nil {
		return nil, fmt.Errorf("parse kubeconfig: %w", yamlerr.Hide(err))
	}
	ctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok {
		return nil, fmt.Errorf("current context %q not found", cfg.CurrentContext)
	}
	user, ok := cfg.AuthInfos[ctx.AuthInfo]
	if !ok {
		return nil, fmt.Errorf("user %q of the current context not found", ctx.AuthInfo)
	}
	certPEM := user.ClientCertificateData
	if len(certPEM) == 0 && user.ClientCertificate != "" {
		file := user.ClientCertificate
		if !filepath.IsAbs(file) {
			file = filepath.Join(filepath.Dir(path), file)
		}
		if certPEM, err = readLimited(os.DirFS(filepath.Dir(file)), filepath.Base(file), opts); err != nil {
			return nil, err
		}
	}
	if len(certPEM) == 0 {
		return nil, fmt.Errorf("user %q has no client certificate", ctx.AuthInfo)
	}
	return ParseCertificatePEM(certPEM, opts)
}
