// Package e2e is kubeprim's end-to-end suite: every package's claims checked
// against a real Kubernetes 1.36.3 control plane (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler) with kwok nodes, built from Go
// modules by package bins and run by package cluster. The tests live in this
// directory's _test.go files and share one control plane started in
// TestMain; `make e2e` runs them.
package e2e
