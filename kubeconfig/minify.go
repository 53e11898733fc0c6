package kubeconfig

import (
	"fmt"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Minify returns a copy of cfg that keeps only the current context and the
// cluster and user it names, as kubectl config view --minify does. cfg is
// not changed. It fails with ErrNoCurrentContext when there is no current
// context, and with ErrMissingEntry when the context names a cluster or user
// that is not in cfg.
func Minify(cfg *clientcmdapi.Config) (*clientcmdapi.Config, error) {
	if cfg == nil {
		return nil, fmt.Errorf("minify: %w", ErrNoCurrentContext)
	}
	current, err := currentContext(cfg)
	if err != nil {
		return nil, fmt.Errorf("minify: %w", err)
	}
	out := cfg.DeepCopy()
	ctx := out.Contexts[out.CurrentContext]
	out.Contexts = map[string]*clientcmdapi.Context{out.CurrentContext: ctx}
	clusters := map[string]*clientcmdapi.Cluster{}
	if current.Cluster != "" {
		c, ok := out.Clusters[current.Cluster]
		if !ok {
			return nil, fmt.Errorf("minify: context %q names cluster %q: %w", out.CurrentContext, current.Cluster, ErrMissingEntry)
		}
		clusters[current.Cluster] = c
	}
	users := map[string]*clientcmdapi.AuthInfo{}
	if current.AuthInfo != "" {
		a, ok := out.AuthInfos[current.AuthInfo]
		if !ok {
			return nil, fmt.Errorf("minify: context %q names user %q: %w", out.CurrentContext, current.AuthInfo, ErrMissingEntry)
		}
		users[current.AuthInfo] = a
	}
	out.Clusters = clusters
	out.AuthInfos = users
	return out, nil
}

// currentContext returns the context cfg.CurrentContext names.
func currentContext(cfg *clientcmdapi.Config) (*clientcmdapi.Context, error) {
	if cfg.CurrentContext == "" {
		return nil, ErrNoCurrentContext
	}
	ctx, ok := cfg.Contexts[cfg.CurrentContext]
	if !ok || ctx == nil {
		return nil, fmt.Errorf("context %q is not in the kubeconfig: %w", cfg.CurrentContext, ErrNoCurrentContext)
	}
	return ctx, nil
}
