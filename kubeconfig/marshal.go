package kubeconfig

import (
	"errors"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Marshal encodes cfg as the YAML kubectl reads (apiVersion v1, kind
// Config), exactly as client-go's clientcmd.Write does. The result holds
// every secret of cfg; print Redact(cfg) or Safe(cfg) instead.
func Marshal(cfg *clientcmdapi.Config) ([]byte, error) {
	if cfg == nil {
		return nil, errors.New("nil kubeconfig")
	}
	return clientcmd.Write(*cfg)
}
