package main

import (
	"bytes"
	"context"
	_ "embed"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/client-go/rest"

	"github.com/kubeprim/kubeprim/certs"
	"github.com/kubeprim/kubeprim/internal/manifest"
	"github.com/kubeprim/kubeprim/kubeconfig"
	"github.com/kubeprim/kubeprim/kubeconfig/kubeconfigtest"
)

//go:embed cluster.yaml
var clusterYAML []byte

// fakeServer is the address the fake cluster pretends to serve on.
const fakeServer = "https://127.0.0.1:6443"

// fakeCluster loads cluster.yaml into a fake clientset and gives it what a
// real control plane has for credentials: a cluster CA published as
// kube-root-ca.crt in every namespace, the TokenRequest API, the token
// controller for --legacy, and SelfSubjectReview for --verify.
func fakeCluster(ctx context.Context, opts *kubeconfig.ServiceAccountOptions) (kubernetes.Interface, *rest.Config, error) {
	objects, err := manifest.Decode(bytes.NewReader(clusterYAML))
	if err != nil {
		return nil, nil, fmt.Errorf("sample cluster: %w", err)
	}
	ca, err := certs.NewCA(certs.CAOptions{CommonName: "kubernetes"})
	if err != nil {
		return nil, nil, err
	}
	client := fake.NewClientset(objects...)
	for _, obj := range objects {
		if ns, ok := obj.(*corev1.Namespace); ok {
			cm := &corev1.ConfigMap{
				ObjectMeta: metav1.ObjectMeta{Namespace: ns.Name, Name: kubeconfig.RootCAConfigMap},
				Data:       map[string]string{kubeconfig.RootCAKey: string(ca.CertPEM())},
			}
			if err := client.Tracker().Add(cm); err != nil {
				return nil, nil, err
			}
		}
	}
	apiserver := &kubeconfigtest.Authenticator{CA: ca.CertPEM()}
	apiserver.Install(client)
	if err := apiserver.StartTokenController(ctx, client); err != nil {
		return nil, nil, err
	}
	// The new kubeconfig's credentials are checked by the fake API server.
	opts.NewClient = apiserver.NewClient
	return client, &rest.Config{Host: fakeServer, TLSClientConfig: rest.TLSClientConfig{CAData: ca.CertPEM()}}, nil
}
