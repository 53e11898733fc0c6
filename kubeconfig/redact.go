package kubeconfig

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/url"

	"k8s.io/apimachinery/pkg/runtime"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"
)

// redactedText replaces every secret in a redacted config, as kubectl
// config view shows it.
const redactedText = "REDACTED"

// The kubeconfig encoder writes []byte fields as base64. These byte values
// are chosen so that their base64 form reads as the words, the trick
// kubectl's ShortenConfig uses, so a redacted file shows
// "client-key-data: REDACTED" instead of "UkVEQUNURUQ=".
var (
	redactedBytes    = mustDecodeBase64(redactedText)
	dataOmittedBytes = mustDecodeBase64("DATA+OMITTED")
)

func mustDecodeBase64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		panic(err) // a constant above is not valid base64: a programming error
	}
	return b
}

// Redact returns a copy of cfg in which every secret reads REDACTED: tokens,
// passwords, client key data, auth-provider settings (id and refresh tokens,
// client secrets), exec plugin arguments and environment values, the
// password of a proxy or server URL, and extension values (which may carry plugin
// configuration). Certificates, server URLs, file paths and user names are
// kept. cfg is not changed. The result is for display; it no longer
// authenticates.
func Redact(cfg *clientcmdapi.Config) *clientcmdapi.Config {
	if cfg == nil {
		return nil
	}
	out := cfg.DeepCopy()
	for _, a := range out.AuthInfos {
		if a == nil {
			continue
		}
		if a.Token != "" {
			a.Token = redactedText
		}
		if a.Password != "" {
			a.Password = redactedText
		}
		if len(a.ClientKeyData) > 0 {
			a.ClientKeyData = redactedBytes
		}
		if a.AuthProvider != nil {
			for k := range a.AuthProvider.Config {
				a.AuthProvider.Config[k] = redactedText
			}
		}
		if a.Exec != nil {
			for i := range a.Exec.Args {
				a.Exec.Args[i] = redactedText
			}
			for i := range a.Exec.Env {
				a.Exec.Env[i].Value = redactedText
			}
			if a.Exec.Config != nil {
				a.Exec.Config = redactedExtension()
			}
		}
		redactExtensions(a.Extensions)
	}
	for _, c := range out.Clusters {
		if c == nil {
			continue
		}
		c.ProxyURL = redactURL(c.ProxyURL)
		c.Server = redactServerURL(c.Server)
		redactExtensions(c.Extensions)
	}
	for _, c := range out.Contexts {
		if c != nil {
			redactExtensions(c.Extensions)
		}
	}
	redactExtensions(out.Extensions)
	redactExtensions(out.Preferences.Extensions)
	return out
}

func redactExtensions(m map[string]runtime.Object) {
	for k := range m {
		m[k] = redactedExtension()
	}
}

func redactedExtension() runtime.Object {
	return &runtime.Unknown{Raw: []byte(`"` + redactedText + `"`), ContentType: runtime.ContentTypeJSON}
}

// redactURL hides the password of a URL; an unparseable URL is hidden whole
// since it cannot be told apart.
func redactURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil {
		return redactedText
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), redactedText)
		return u.String()
	}
	return raw
}

// redactServerURL hides the password of a server URL: net/http sends a
// URL's user info as basic authentication, so https://user:pass@host is a
// credential. Other server URLs are kept as they are.
func redactServerURL(raw string) string {
	if userInfoOf(raw) == "" {
		return raw
	}
	return redactURL(raw)
}

// SafeConfig is a kubeconfig that can be printed and logged without leaking
// a credential: whatever verb fmt is given, whatever encoder or logr sink
// receives it, it yields the YAML kubectl config view shows, with secrets
// REDACTED and certificate data DATA+OMITTED. It holds only the redacted
// form, so not even reflection finds a secret in it. The zero SafeConfig
// prints as an empty string.
type SafeConfig struct {
	redacted *clientcmdapi.Config
	text     string
}

// Safe makes cfg printable. It redacts as Redact does and also omits
// certificate and CA data, which are public but long.
func Safe(cfg *clientcmdapi.Config) SafeConfig {
	if cfg == nil {
		return SafeConfig{text: "<nil>"}
	}
	short := Redact(cfg)
	for _, a := range short.AuthInfos {
		if a != nil && len(a.ClientCertificateData) > 0 {
			a.ClientCertificateData = dataOmittedBytes
		}
	}
	for _, c := range short.Clusters {
		if c != nil && len(c.CertificateAuthorityData) > 0 {
			c.CertificateAuthorityData = dataOmittedBytes
		}
	}
	data, err := Marshal(short)
	if err != nil {
		return SafeConfig{redacted: short, text: "<unprintable kubeconfig: " + err.Error() + ">"}
	}
	return SafeConfig{redacted: short, text: string(data)}
}

// String returns the redacted YAML.
func (s SafeConfig) String() string { return s.text }

// GoString returns the redacted YAML, so %#v prints no secret either.
func (s SafeConfig) GoString() string { return s.text }

// Format prints the redacted YAML for every verb (%q quotes it).
func (s SafeConfig) Format(f fmt.State, verb rune) {
	if verb == 'q' {
		fmt.Fprintf(f, "%q", s.text)
		return
	}
	_, _ = io.WriteString(f, s.text)
}

// MarshalJSON encodes the redacted config as the JSON form of a kubeconfig.
func (s SafeConfig) MarshalJSON() ([]byte, error) {
	if s.redacted == nil {
		return []byte("null"), nil
	}
	data, err := Marshal(s.redacted)
	if err != nil {
		return nil, err
	}
	// Marshal writes YAML; JSON is the same object.
	return yaml.YAMLToJSON(data)
}

// MarshalLog gives logr sinks the redacted YAML.
func (s SafeConfig) MarshalLog() any { return s.text }

// Config returns the redacted copy, for callers that want to walk it.
func (s SafeConfig) Config() *clientcmdapi.Config {
	if s.redacted == nil {
		return nil
	}
	return s.redacted.DeepCopy()
}

var _ json.Marshaler = SafeConfig{}
