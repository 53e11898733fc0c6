package kubeconfig

import (
	"fmt"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// nilEntries names every cluster, user and context of cfg whose value is
// nil. client-go dereferences them without a check (clientcmd.Write and
// clientcmd.Validate panic), so they are reported before it sees them. A
// decoded file never has them; a config built in code may.
func nilEntries(cfg *clientcmdapi.Config) []error {
	var errs []error
	for _, name := range sortedKeys(cfg.Clusters) {
		if cfg.Clusters[name] == nil {
			errs = append(errs, fmt.Errorf("cluster %q is nil; remove it or give it a server", name))
		}
	}
	for _, name := range sortedKeys(cfg.AuthInfos) {
		if cfg.AuthInfos[name] == nil {
			errs = append(errs, fmt.Errorf("user %q is nil; remove it or give it credentials", name))
		}
	}
	for _, name := range sortedKeys(cfg.Contexts) {
		if cfg.Contexts[name] == nil {
			errs = append(errs, fmt.Errorf("context %q is nil; remove it or give it a cluster and a user", name))
		}
	}
	return errs
}

// withoutNilEntries returns cfg, or a shallow copy in which nil clusters,
// users and contexts are empty ones, for client-go functions that would
// dereference them.
func withoutNilEntries(cfg *clientcmdapi.Config) *clientcmdapi.Config {
	if len(nilEntries(cfg)) == 0 {
		return cfg
	}
	out := *cfg
	out.Clusters = fillNil(cfg.Clusters)
	out.AuthInfos = fillNil(cfg.AuthInfos)
	out.Contexts = fillNil(cfg.Contexts)
	return &out
}

func fillNil[V any](m map[string]*V) map[string]*V {
	out := make(map[string]*V, len(m))
	for k, v := range m {
		if v == nil {
			v = new(V)
		}
		out[k] = v
	}
	return out
}
