// Command secrets shows package secrets at work: derive prints Helm-compatible
// derived passwords, generate prints unbiased random values with their
// entropy, and ensure creates or keeps a Secret without losing a value, on an
// in-memory cluster by default or on a real one with --kubeconfig.
//
//	go run ./examples/secrets derive
//	go run ./examples/secrets generate --alphabet hex --bits 256
//	go run ./examples/secrets ensure
//	go run ./examples/secrets ensure --kubeconfig ~/.kube/config -f secret.yaml --dry-run
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
