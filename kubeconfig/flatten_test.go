package kubeconfig_test

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

const filesConfig = `apiVersion: v1
kind: Config
current-context: files
clusters:
- name: c
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: pki/ca.crt
users:
- name: cert
  user:
    client-certificate: pki/admin.crt
    client-key: pki/admin.key
- name: tok
  user:
    tokenFile: secrets/token
contexts:
- name: files
  context: {cluster: c, user: tok}
`

func TestFlattenInlinesEveryFile(t *testing.T) {
	ca := newTestCert(t, "ca", time.Now().Add(time.Hour))
	admin := newTestCert(t, "admin", time.Now().Add(time.Hour))
	dir := writeFiles(t, map[string]string{
		"config":        filesConfig,
		"pki/ca.crt":    string(ca.certPEM),
		"pki/admin.crt": string(admin.certPEM),
		"pki/admin.key": string(admin.keyPEM),
		// A trailing newline, as `kubectl create token > file` leaves.
		"secrets/token": "the-token\n",
	})
	path := filepath.Join(dir, "config")

	for _, load := range []struct {
		name string
		load func() (*clientcmdapi.Config, error)
	}{
		{name: "loaded (absolute paths)", load: func() (*clientcmdapi.Config, error) { return kubeconfig.LoadFile(path) }},
		{name: "parsed with an origin (relative paths)", load: func() (*clientcmdapi.Config, error) {
			cfg, err := kubeconfig.Parse([]byte(filesConfig))
			if err != nil {
				return nil, err
			}
			for _, c := range cfg.Clusters {
				c.LocationOfOrigin = path
			}
			for _, a := range cfg.AuthInfos {
				a.LocationOfOrigin = path
			}
			return cfg, nil
		}},
	} {
		t.Run(load.name, func(t *testing.T) {
			cfg, err := load.load()
			require.NoError(t, err)
			before := cfg.DeepCopy()

			flat, err := kubeconfig.Flatten(cfg)
			require.NoError(t, err)

			assert.Equal(t, before, cfg, "input changed")
			c := flat.Clusters["c"]
			assert.Empty(t, c.CertificateAuthority)
			assert.Equal(t, ca.certPEM, c.CertificateAuthorityData)
			assert.Empty(t, flat.AuthInfos["cert"].ClientCertificate)
			assert.Equal(t, admin.certPEM, flat.AuthInfos["cert"].ClientCertificateData)
			assert.Equal(t, admin.keyPEM, flat.AuthInfos["cert"].ClientKeyData)
			// client-go trims the token file when it reads it; so do we.
			assert.Empty(t, flat.AuthInfos["tok"].TokenFile)
			assert.Equal(t, "the-token", flat.AuthInfos["tok"].Token)

			// Client-go's own FlattenConfig agrees on the files it handles,
			// and leaves the token file as a path.
			theirs := cfg.DeepCopy()
			require.NoError(t, clientcmdapi.FlattenConfig(theirs))
			assert.Equal(t, theirs.Clusters["c"].CertificateAuthorityData, c.CertificateAuthorityData)
			assert.Equal(t, theirs.AuthInfos["cert"].ClientKeyData, flat.AuthInfos["cert"].ClientKeyData)
			assert.NotEmpty(t, theirs.AuthInfos["tok"].TokenFile)

			// Nothing refers to a file any more, and client-go reads the
			// flat config wherever it is written.
			for _, ref := range clientcmd.GetConfigFileReferences(flat) {
				assert.Empty(t, *ref)
			}
			moved := filepath.Join(t.TempDir(), "portable")
			require.NoError(t, kubeconfig.Write(moved, flat))
			rc, err := clientcmd.BuildConfigFromFlags("", moved)
			require.NoError(t, err)
			assert.Equal(t, "the-token", rc.BearerToken)
			assert.Equal(t, ca.certPEM, rc.CAData)
		})
	}
}

func TestFlattenTokenFileWinsOverToken(t *testing.T) {
	dir := writeFiles(t, map[string]string{"token": "  from-file  \n"})
	cfg := clientcmdapi.NewConfig()
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "inline", TokenFile: filepath.Join(dir, "token")}

	flat, err := kubeconfig.Flatten(cfg)
	require.NoError(t, err)
	assert.Equal(t, "from-file", flat.AuthInfos["u"].Token)
	assert.Empty(t, flat.AuthInfos["u"].TokenFile)
}

func TestFlattenErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{"empty-token": "\n\t\n", "ca.crt": "x"})
	tests := []struct {
		name string
		cfg  func() *clientcmdapi.Config
		is   error
	}{
		{
			name: "missing file",
			cfg: func() *clientcmdapi.Config {
				cfg := clientcmdapi.NewConfig()
				cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://x", CertificateAuthority: filepath.Join(dir, "nope.crt")}
				return cfg
			},
			is: fs.ErrNotExist,
		},
		{
			name: "missing token file",
			cfg: func() *clientcmdapi.Config {
				cfg := clientcmdapi.NewConfig()
				cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{TokenFile: filepath.Join(dir, "nope")}
				return cfg
			},
			is: fs.ErrNotExist,
		},
		{
			name: "empty token file",
			cfg: func() *clientcmdapi.Config {
				cfg := clientcmdapi.NewConfig()
				cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{TokenFile: filepath.Join(dir, "empty-token")}
				return cfg
			},
		},
		{
			name: "path and data both given",
			cfg: func() *clientcmdapi.Config {
				cfg := clientcmdapi.NewConfig()
				cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: "https://x", CertificateAuthority: filepath.Join(dir, "ca.crt"), CertificateAuthorityData: []byte("y")}
				return cfg
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			flat, err := kubeconfig.Flatten(tc.cfg())
			require.Error(t, err)
			assert.Nil(t, flat)
			if tc.is != nil {
				assert.True(t, errors.Is(err, tc.is), "error %v is not %v", err, tc.is)
				var fileErr *kubeconfig.FileError
				assert.ErrorAs(t, err, &fileErr)
			}
		})
	}
}
