// Package kubeprim is a Go SDK of Kubernetes operations primitives: the jobs a
// platform team otherwise does by hand with kubectl drain, openssl, kubectl
// create token and Helm template tricks, as small, exact packages that agree
// with a real Kubernetes 1.36 cluster case for case.
//
// This package holds no code; it is the map. Each section below names one
// package, the question it answers and where to start reading.
//
// # QoS
//
// Package qos answers "which of my pods is Guaranteed, and which dies first
// when the node runs out of memory?". qos.Compute gives the class the API
// server writes into status.qosClass, reading raw manifests as the API server
// defaults them; qos.Class prefers status.qosClass; qos.OOMScoreAdjust gives
// the kubelet's oom_score_adj for a container; qos.EvictionOrder ranks pods,
// with usage figures the caller supplies, as the kubelet evicts them under
// memory pressure.
package kubeprim
