// Command fits answers "where would this pod go, and why not elsewhere?"
// the way kube-scheduler 1.36 answers it: for each node, whether the pod
// fits and, if not, the first filter that rejects it with the scheduler's
// words; the FailedScheduling-style summary; the node the scheduler would
// bind it to, with the score of each default plugin; and how many more
// copies of the pod fit. With no flags it reads a bundled sample pod and
// a bundled sample cluster.
//
//	go run ./examples/fits
//	go run ./examples/fits -f pod.yaml --kubeconfig ~/.kube/config
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
