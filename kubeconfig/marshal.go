package kubeconfig

import (
	"errors"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Marshal encodes cfg as the YAML kubectl reads (apiVersion v1, kind
// Config), exactly as client-go's clientcmd.Write does. The result holds
// every secret of cfg; print Redact(cfg) or Safe(cfg) instead. A nil
// cluster, user or context is an error (client-go would panic on it).
func Marshal(cfg *clientcmdapi.Config) ([]byte, error) {
	if cfg == nil {
		return nil, errors.New("nil kubeconfig")
	}
	if errs := nilEntries(cfg); len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return clientcmd.Write(*cfg)
}
