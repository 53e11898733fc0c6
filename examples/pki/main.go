// Command pki writes the kubeadm certificate tree of a cluster into a
// directory and prints the expiry report, as `kubeadm init phase certs all`
// followed by `kubeadm certs check-expiration` would.
package main

import (
	"context"
	"os"
)

func main() { os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr)) }
