package kubeconfig_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-logr/logr/funcr"
	"github.com/stretchr/testify/assert"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

func TestCredentialsNeverPrintSecrets(t *testing.T) {
	cert := newTestCert(t, "user", time.Now().Add(time.Hour))
	const token = "eyJhbGciOiJSUzI1NiJ9.secret-token-value"
	cases := []struct {
		name  string
		creds kubeconfig.Credentials
		shown string
	}{
		{name: "token", creds: kubeconfig.Credentials{Token: token}, shown: "REDACTED"},
		{name: "client key", creds: kubeconfig.Credentials{ClientCertificateData: cert.certPEM, ClientKeyData: cert.keyPEM}, shown: "REDACTED"},
		{name: "files", creds: kubeconfig.Credentials{ClientCertificate: "/pki/user.crt", ClientKey: "/pki/user.key"}, shown: "/pki/user.key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var logged strings.Builder
			log := funcr.New(func(_, args string) { logged.WriteString(args) }, funcr.Options{})
			log.Info("building", "creds", tc.creds, "ptr", &tc.creds)
			var out []string
			for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%d", "%x", "%q"} {
				out = append(out, fmt.Sprintf(verb, tc.creds), fmt.Sprintf(verb, &tc.creds))
			}
			all := strings.Join(out, "\n") + "\n" + logged.String()
			assertNoSecret(t, all, token, "secret-token-value", string(cert.keyPEM), fmt.Sprintf("%x", cert.keyPEM[:40]))
			assert.Contains(t, fmt.Sprint(tc.creds), tc.shown)
			assert.Contains(t, logged.String(), tc.shown)
		})
	}
}
