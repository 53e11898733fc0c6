package kubeconfig

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net/url"
	"strings"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// DefaultClusterName names the cluster entry when Cluster.Name is empty; it
// is kubeadm's default cluster name.
const DefaultClusterName = "kubernetes"

// Cluster is the API server a kubeconfig points at and how to trust it.
type Cluster struct {
	// Name names the cluster entry. Empty means DefaultClusterName.
	Name string
	// Server is the API server's URL, https://host:port. Required.
	Server string
	// CertificateAuthorityData is the PEM bundle of CA certificates that
	// verifies the server's serving certificate.
	CertificateAuthorityData []byte
	// CertificateAuthority is the path of such a bundle, for configs that
	// reference files instead of embedding them. At most one of the two.
	// Neither means the system's trust store.
	CertificateAuthority string
	// TLSServerName is the name checked against the server's certificate
	// when it differs from the host in Server.
	TLSServerName string
}

// Credentials is how a kubeconfig user authenticates. Exactly one method:
// a bearer token (inline or by file) or a client certificate (inline or by
// files).
type Credentials struct {
	// Token is a bearer token.
	Token string
	// TokenFile is the path of a file holding a bearer token; client-go
	// rereads it, so a rotated token is picked up.
	TokenFile string
	// ClientCertificateData and ClientKeyData are a PEM certificate (chain)
	// and its PEM private key; both or neither.
	ClientCertificateData []byte
	ClientKeyData         []byte
	// ClientCertificate and ClientKey are paths of such files; both or neither.
	ClientCertificate string
	ClientKey         string
}

// New builds a kubeconfig with one cluster, one user and one context named
// "<user>@<cluster>" (kubeadm's convention), which is the current context.
// namespace, when not empty, is the context's namespace.
//
// Inline data is checked: the CA must be PEM certificates, a client
// certificate must match its key. Files are not read (they may not exist yet
// where the config is built); Validate and Flatten read them.
func New(cluster Cluster, user string, creds Credentials, namespace string) (*clientcmdapi.Config, error) {
	if err := checkCluster(cluster); err != nil {
		return nil, err
	}
	if user == "" {
		return nil, &FieldError{Field: "user", Reason: "must not be empty"}
	}
	if err := checkCredentials(creds); err != nil {
		return nil, err
	}
	clusterName := cluster.Name
	if clusterName == "" {
		clusterName = DefaultClusterName
	}
	contextName := user + "@" + clusterName

	cfg := clientcmdapi.NewConfig()
	c := clientcmdapi.NewCluster()
	c.Server = cluster.Server
	c.CertificateAuthorityData = cloneBytes(cluster.CertificateAuthorityData)
	c.CertificateAuthority = cluster.CertificateAuthority
	c.TLSServerName = cluster.TLSServerName
	cfg.Clusters[clusterName] = c

	a := clientcmdapi.NewAuthInfo()
	a.Token = creds.Token
	a.TokenFile = creds.TokenFile
	a.ClientCertificateData = cloneBytes(creds.ClientCertificateData)
	a.ClientKeyData = cloneBytes(creds.ClientKeyData)
	a.ClientCertificate = creds.ClientCertificate
	a.ClientKey = creds.ClientKey
	cfg.AuthInfos[user] = a

	ctx := clientcmdapi.NewContext()
	ctx.Cluster = clusterName
	ctx.AuthInfo = user
	ctx.Namespace = namespace
	cfg.Contexts[contextName] = ctx
	cfg.CurrentContext = contextName
	return cfg, nil
}

// ForToken builds a kubeconfig whose user authenticates with a bearer token.
func ForToken(cluster Cluster, user, token string) (*clientcmdapi.Config, error) {
	if token == "" {
		return nil, &FieldError{Field: "token", Reason: "must not be empty"}
	}
	return New(cluster, user, Credentials{Token: token}, "")
}

// ForTokenFile builds a kubeconfig whose user reads its bearer token from
// path each time client-go refreshes it (a projected ServiceAccount token, for
// instance).
func ForTokenFile(cluster Cluster, user, path string) (*clientcmdapi.Config, error) {
	if path == "" {
		return nil, &FieldError{Field: "tokenFile", Reason: "must not be empty"}
	}
	return New(cluster, user, Credentials{TokenFile: path}, "")
}

// ForClientCertificate builds a kubeconfig whose user authenticates with a
// client certificate and key embedded as PEM. The certificate must match the
// key.
func ForClientCertificate(cluster Cluster, user string, certPEM, keyPEM []byte) (*clientcmdapi.Config, error) {
	if len(certPEM) == 0 || len(keyPEM) == 0 {
		return nil, &FieldError{Field: "client certificate", Reason: "certificate and key must both be given"}
	}
	return New(cluster, user, Credentials{ClientCertificateData: certPEM, ClientKeyData: keyPEM}, "")
}

// ForClientCertificateFiles builds a kubeconfig whose user authenticates
// with a client certificate and key read from files when the config is used.
// Relative paths are resolved, by client-go, against the directory of the
// kubeconfig file.
func ForClientCertificateFiles(cluster Cluster, user, certFile, keyFile string) (*clientcmdapi.Config, error) {
	if certFile == "" || keyFile == "" {
		return nil, &FieldError{Field: "client certificate", Reason: "certificate and key files must both be given"}
	}
	return New(cluster, user, Credentials{ClientCertificate: certFile, ClientKey: keyFile}, "")
}

func checkCluster(cluster Cluster) error {
	if cluster.Server == "" {
		return &FieldError{Field: "Cluster.Server", Reason: "must not be empty; give the API server's URL, https://host:port"}
	}
	u, err := url.Parse(cluster.Server)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return &FieldError{Field: "Cluster.Server", Reason: "must be a URL of the form https://host:port"}
	}
	if len(cluster.CertificateAuthorityData) > 0 && cluster.CertificateAuthority != "" {
		return &FieldError{Field: "Cluster.CertificateAuthority", Reason: "give the CA as data or as a file, not both"}
	}
	if len(cluster.CertificateAuthorityData) > 0 {
		if err := checkCertificatesPEM(cluster.CertificateAuthorityData); err != nil {
			return &FieldError{Field: "Cluster.CertificateAuthorityData", Reason: err.Error()}
		}
	}
	return nil
}

func checkCredentials(creds Credentials) error {
	methods := 0
	if creds.Token != "" || creds.TokenFile != "" {
		methods++
	}
	if creds.Token != "" && creds.TokenFile != "" {
		return &FieldError{Field: "Credentials", Reason: "give the token inline or by file, not both"}
	}
	if creds.Token != "" && strings.ContainsAny(creds.Token, " \t\r\n") {
		// A token with white space would break the Authorization header.
		return &FieldError{Field: "Credentials.Token", Reason: "must not contain white space"}
	}
	inline := len(creds.ClientCertificateData) > 0 || len(creds.ClientKeyData) > 0
	files := creds.ClientCertificate != "" || creds.ClientKey != ""
	if inline || files {
		methods++
	}
	if inline && files {
		return &FieldError{Field: "Credentials", Reason: "give the client certificate inline or by files, not both"}
	}
	if methods != 1 {
		return &FieldError{Field: "Credentials", Reason: "exactly one of a token or a client certificate is needed"}
	}
	if inline {
		if len(creds.ClientCertificateData) == 0 || len(creds.ClientKeyData) == 0 {
			return &FieldError{Field: "Credentials", Reason: "client certificate and key must both be given"}
		}
		// X509KeyPair's errors name the problem, never the key.
		if _, err := tls.X509KeyPair(creds.ClientCertificateData, creds.ClientKeyData); err != nil {
			return &FieldError{Field: "Credentials.ClientCertificateData", Reason: err.Error()}
		}
	}
	if files && (creds.ClientCertificate == "" || creds.ClientKey == "") {
		return &FieldError{Field: "Credentials", Reason: "client certificate and key files must both be given"}
	}
	return nil
}

// checkCertificatesPEM accepts one or more PEM CERTIFICATE blocks and
// nothing else (a private key pasted into a CA field would otherwise end up
// in a world-shared file).
func checkCertificatesPEM(data []byte) error {
	rest := data
	n := 0
	for {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		if block.Type != "CERTIFICATE" {
			return errUnexpectedBlock(block.Type)
		}
		if _, err := x509.ParseCertificate(block.Bytes); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return errNoCertificates
	}
	if len(strings.TrimSpace(string(rest))) > 0 {
		return errTrailingData
	}
	return nil
}

func cloneBytes(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte(nil), b...)
}
