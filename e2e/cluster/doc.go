// Package cluster runs a real Kubernetes 1.36 control plane on loopback for
// one test binary: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, and kwok, which plays the kubelet of every node so that
// pods the real scheduler binds become Running and Ready without containers.
//
// The control plane is bootstrapped the way kubeadm does it, with kubeprim's
// own packages: the PKI tree from certs.NewPKI written by WriteDir in
// kubeadm's layout, and the admin, super-admin, controller-manager and
// scheduler kubeconfigs from the kubeconfig package. The controller manager
// signs CSRs with our cluster CA and runs every controller, the disruption
// controller included; the API server authorizes with Node,RBAC, so the
// suite sees the same answers a kubeadm cluster gives.
//
// Start picks free loopback ports, starts each component in its own process
// group with its output in its own log file, and returns only when etcd,
// /readyz, the controller manager and the scheduler are healthy, the
// default namespace is filled, and a canary pod scheduled onto a kwok node
// has become Ready (the canary is removed again, so tests start with no
// nodes). Stop signals each process group (SIGTERM, then SIGKILL) and
// removes the cluster directory; components also die with the test binary
// (Pdeathsig), and directories of dead runs are removed at the next Start.
// WriteLogTails and SaveLogs keep what the components said for a failed
// run.
//
// This package is for tests only and may print; it is Linux-only (process
// groups and Pdeathsig).
package cluster
