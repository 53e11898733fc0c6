// Command qos prints the QoS class of each pod and the OOM score adjustment
// the kubelet gives each of its containers, for the pods of a manifest or of
// a cluster. With no flags it reads a bundled sample manifest.
//
//	go run ./examples/qos
//	go run ./examples/qos -f deploy.yaml --memory 64Gi
//	go run ./examples/qos --kubeconfig ~/.kube/config -n shop
package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
