package kubeconfig_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

func BenchmarkWrite(b *testing.B) {
	cfg, err := kubeconfig.ForToken(kubeconfig.Cluster{Server: testServer}, "ci", "token")
	require.NoError(b, err)
	path := filepath.Join(b.TempDir(), "config")
	for b.Loop() {
		if err := kubeconfig.Write(path, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadFiles(b *testing.B) {
	dir := b.TempDir()
	red, blue := filepath.Join(dir, "red"), filepath.Join(dir, "blue")
	require.NoError(b, os.WriteFile(red, []byte(redFile), 0o600))
	require.NoError(b, os.WriteFile(blue, []byte(blueFile), 0o600))
	for b.Loop() {
		if _, err := kubeconfig.LoadFiles(red, blue); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSafe(b *testing.B) {
	cert := newTestCert(b, "ca", time.Now().Add(time.Hour))
	cfg, err := kubeconfig.ForClientCertificate(kubeconfig.Cluster{Server: testServer, CertificateAuthorityData: cert.certPEM}, "admin", cert.certPEM, cert.keyPEM)
	require.NoError(b, err)
	for b.Loop() {
		_ = kubeconfig.Safe(cfg).String()
	}
}

func BenchmarkForServiceAccount(b *testing.B) {
	f := newFixture(b, existingSA())
	opts := kubeconfig.ServiceAccountOptions{Namespace: testNS, Name: testSA, ClusterRole: "view", Verify: true, NewClient: f.auth.NewClient}
	for b.Loop() {
		if _, err := kubeconfig.ForServiceAccount(b.Context(), f.client, f.rest, opts); err != nil {
			b.Fatal(err)
		}
	}
}
