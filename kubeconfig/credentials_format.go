package kubeconfig

import "fmt"

// Format prints which credentials are set, with the token and the client
// key shown as REDACTED, whatever the verb; file paths and the certificate
// (public) are shown by size or name.
func (c Credentials) Format(f fmt.State, _ rune) {
	l := c.MarshalLog().(credentialsLog)
	_, _ = fmt.Fprintf(f, "kubeconfig.Credentials{Token: %s, TokenFile: %q, ClientCertificateData: %s, ClientKeyData: %s, ClientCertificate: %q, ClientKey: %q}",
		l.Token, l.TokenFile, l.ClientCertificateData, l.ClientKeyData, l.ClientCertificate, l.ClientKey)
}

// MarshalLog gives logr sinks the credentials with secrets redacted.
func (c Credentials) MarshalLog() any {
	l := credentialsLog{TokenFile: c.TokenFile, ClientCertificate: c.ClientCertificate, ClientKey: c.ClientKey}
	if c.Token != "" {
		l.Token = redactedText
	}
	if len(c.ClientKeyData) > 0 {
		l.ClientKeyData = redactedText
	}
	if len(c.ClientCertificateData) > 0 {
		l.ClientCertificateData = fmt.Sprintf("%d bytes", len(c.ClientCertificateData))
	}
	return l
}

type credentialsLog struct {
	Token                 string `json:"token,omitempty"`
	TokenFile             string `json:"tokenFile,omitempty"`
	ClientCertificateData string `json:"clientCertificateData,omitempty"`
	ClientKeyData         string `json:"clientKeyData,omitempty"`
	ClientCertificate     string `json:"clientCertificate,omitempty"`
	ClientKey             string `json:"clientKey,omitempty"`
}
