// Package kube gives the example programs a client for a real cluster, found
// by the usual kubectl rules: the --kubeconfig flag, else $KUBECONFIG, else
// ~/.kube/config.
package kube
