package kubeconfig_test

import (
	"context"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/kubeprim/kubeprim/kubeconfig"
)

// These declarations fail to compile when a name DESIGN.md promises
// ("Contract: names that exist") is renamed or changes its signature.
var (
	_ func(context.Context, kubernetes.Interface, *rest.Config, kubeconfig.ServiceAccountOptions) (*clientcmdapi.Config, error) = kubeconfig.ForServiceAccount
	_ func(string, *clientcmdapi.Config) error                                                                                  = kubeconfig.Write
)
