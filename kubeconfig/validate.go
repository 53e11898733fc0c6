package kubeconfig

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net/url"
	"strings"

	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// InvalidError lists everything wrong with a kubeconfig. errors.Is and
// errors.As look through every problem (ErrNoCurrentContext, for one).
type InvalidError struct {
	Problems []error
}

// Error describes the InvalidError.
func (e *InvalidError) Error() string {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.Error()
	}
	return "invalid kubeconfig: " + strings.Join(msgs, "; ")
}

// Unwrap returns the problems, so errors.Is and errors.As see each one.
func (e *InvalidError) Unwrap() []error { return e.Problems }

// Validate checks that cfg can be used as it is: everything client-go's
// clientcmd.Validate checks (a server for each cluster, files that exist,
// one authentication method per user, contexts that name existing clusters
// and users, namespaces that are DNS labels), and in addition that the
// current context is set and exists, that inline CA data is PEM
// certificates, and that inline client certificates match their keys. The
// error is an *InvalidError listing every problem; it never contains a
// credential.
func Validate(cfg *clientcmdapi.Config) error {
	if cfg == nil {
		return &InvalidError{Problems: []error{errors.New("nil kubeconfig")}}
	}
	var problems []error
	if _, err := currentContext(cfg); err != nil {
		problems = append(problems, err)
	}
	problems = append(problems, nilEntries(cfg)...)
	if err := clientcmd.Validate(*withoutNilEntries(cfg)); err != nil {
		secrets := secretStrings(cfg)
		for _, p := range flattenErrors(err) {
			problems = append(problems, scrub(p, secrets))
		}
	}
	for _, name := range sortedKeys(cfg.Clusters) {
		c := cfg.Clusters[name]
		if c != nil && len(c.CertificateAuthorityData) > 0 {
			if err := checkCertificatesPEM(c.CertificateAuthorityData); err != nil {
				problems = append(problems, fmt.Errorf("cluster %q certificate-authority-data: %w", name, err))
			}
		}
	}
	for _, name := range sortedKeys(cfg.AuthInfos) {
		a := cfg.AuthInfos[name]
		if a != nil && len(a.ClientCertificateData) > 0 && len(a.ClientKeyData) > 0 {
			if _, err := tls.X509KeyPair(a.ClientCertificateData, a.ClientKeyData); err != nil {
				problems = append(problems, fmt.Errorf("user %q client certificate: %w", name, err))
			}
		}
	}
	if len(problems) == 0 {
		return nil
	}
	return &InvalidError{Problems: problems}
}

// flattenErrors turns client-go's aggregate into its single problems.
func flattenErrors(err error) []error {
	var agg utilerrors.Aggregate
	if errors.As(err, &agg) {
		var out []error
		for _, e := range agg.Errors() {
			out = append(out, flattenErrors(e)...)
		}
		return out
	}
	return []error{err}
}

// scrub keeps err unless its message holds a secret of the config (client-go
// prints an invalid proxy-url, user info included), in which case the
// secret is cut out of the text.
func scrub(err error, secrets []string) error {
	msg := err.Error()
	clean := msg
	for _, s := range secrets {
		clean = strings.ReplaceAll(clean, s, redactedText)
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

// secretStrings collects every credential of cfg that could be echoed in a
// message. Very short values are skipped: replacing them would garble the
// message and they are not worth a leak anyway.
func secretStrings(cfg *clientcmdapi.Config) []string {
	var out []string
	add := func(s string) {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	for _, a := range cfg.AuthInfos {
		if a == nil {
			continue
		}
		add(a.Token)
		add(a.Password)
		add(string(a.ClientKeyData))
		if a.AuthProvider != nil {
			for _, v := range a.AuthProvider.Config {
				add(v)
			}
		}
		if a.Exec != nil {
			for _, e := range a.Exec.Env {
				add(e.Value)
			}
		}
	}
	for _, c := range cfg.Clusters {
		if c == nil {
			continue
		}
		for _, raw := range []string{c.ProxyURL, c.Server} {
			if raw == "" {
				continue
			}
			if u, err := url.Parse(raw); err == nil && u.User != nil {
				if p, ok := u.User.Password(); ok {
					add(p)
				}
			}
			add(userInfoOf(raw))
		}
	}
	return out
}

// userInfoOf returns the "user:password" part of a URL-like string, found
// by hand because an invalid URL is exactly when client-go prints it.
func userInfoOf(raw string) string {
	rest := raw
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		return rest[:i]
	}
	return ""
}
