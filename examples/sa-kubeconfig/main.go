// Command sa-kubeconfig makes a kubeconfig for a ServiceAccount in one step:
// it creates the ServiceAccount if needed, binds it a role, gets a token
// (TokenRequest, or a legacy token Secret with --legacy), checks that the
// token authenticates as the ServiceAccount, and prints the kubeconfig with
// the token REDACTED (--show-token prints it) or writes it, mode 0600, with
// -o. Without --kubeconfig it runs on a built-in fake cluster.
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
