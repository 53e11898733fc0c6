// Command drain drains a node without breaking a PodDisruptionBudget: it
// shows the plan (what happens to each pod, and what would block), cordons
// the node, evicts its pods as fast as their budgets allow, and reports.
// With no flags it drains worker-1 of a bundled in-memory cluster.
//
//	go run ./examples/drain
//	go run ./examples/drain --dry-run -o json
//	go run ./examples/drain --kubeconfig ~/.kube/config node-7
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
