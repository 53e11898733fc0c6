package kube_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kubeprim/kubeprim/examples/internal/kube"
)

// The server and the current context's namespace come from the kubeconfig
// named by --kubeconfig; nothing is contacted until the client is used.
func ExampleClient() {
	dir, err := os.MkdirTemp("", "kube-example")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "config")
	const cfg = `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: not-a-real-token}}]
contexts: [{name: ctx, context: {cluster: c, user: u, namespace: shop}}]
current-context: ctx
`
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		fmt.Println(err)
		return
	}
	_, restConfig, namespace, err := kube.Client(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(restConfig.Host, namespace)
	// Output: https://127.0.0.1:6443 shop
}
