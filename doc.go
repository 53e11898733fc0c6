// Package kubeprim is a Go SDK of Kubernetes operations primitives: the jobs a
// platform team otherwise does by hand with kubectl drain, openssl, kubectl
// create token and Helm template tricks, as small, exact packages that agree
// with a real Kubernetes 1.36 cluster case for case.
//
// This package holds no code; it is the map. Each section below names one
// package, the question it answers and where to start reading.
//
// # Drain
//
// Package drain answers "how do I take these nodes down without breaking a
// budget, and what is happening while it runs?". Drainer.Plan says, without
// changing or waiting for anything, what happens to each pod and what would
// block: a budget with its counts, several budgets, no other node that fits,
// pdb.Lint's findings. Drainer.Drain cordons the nodes and evicts their pods
// tier by tier, each with a UID precondition. Each eviction is checked
// against one live watch of every budget, shared by all nodes, so a blocked
// pod goes the moment a replacement is Ready, instead of retrying every 5 s
// as kubectl drain does, and evictions from several nodes never overrun a
// budget. Progress comes as typed events; a Report marshals to JSON. Package
// fakecluster is the in-memory cluster its tests, examples and downstream
// tests run on. Every request is sent once (client-go would silently repeat
// a 429 carrying Retry-After ten times inside one call) and counted in the
// Report; Plan places the node's replacements together, so it names exactly
// the pods that would have nowhere to go. Order groups, pods waited on until they complete, and
// per-pod escalation policies (delete with a grace period, then leave, each
// step in the report) combine what kubectl, Karpenter, cluster-autoscaler and
// cluster-api each do; their zero values never escalate.
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
//
// # Scheduling
//
// Package scheduling answers "why is this pod Pending, and where would it
// fit?" as kube-scheduler 1.36 does, without a scheduler: PodRequests charges
// sidecars, init containers, overhead, pod-level requests and in-place
// resizes exactly as the scheduler does; Simulator.Feasible runs every default
// filter that needs no volume objects over a snapshot of nodes and pods and
// returns the feasible nodes and a Diagnosis whose Error is the scheduler's
// FailedScheduling message, in under a millisecond for 5,000 nodes.
// Simulator.Schedule scores the feasible nodes as the default profile does,
// plugin by plugin; Place, Capacity and Drainable answer "where would these
// go, how many more fit, and does everything still fit if I drain these
// nodes?" without touching a cluster; Admit gives the kubelet's answer for
// pods that name their node.
//
// # PDB
//
// Package pdb answers "which budgets will block my drain, why, and by how
// much?" ahead of time, exactly as Kubernetes 1.36 would: pdb.Compute gives
// the status the disruption controller writes, pdb.CheckEviction what the
// eviction endpoint answers for a pod (naming every budget involved),
// pdb.Tracker the cumulative effect of many evictions across nodes, and
// pdb.Lint the budgets that can never allow a disruption or will surprise a
// maintenance window. Package pdb/pdbtest gives the client-go fake clientset
// the API server's eviction semantics and a disruption controller.
//
// # Certificates
//
// Package certs answers "give me my cluster's PKI, and tell me what is wrong
// with the one I have". certs.NewPKI makes the kubeadm 1.36 tree and
// (*PKI).WriteDir writes it in kubeadm's layout; certs.NewCA and (*CA).Issue
// make CAs and certificates with safe defaults (ECDSA P-256, backdated, never
// outliving their CA). certs.Inspect checks chain, purpose, hosts, key match
// and expiry; certs.CheckExpiration reports like kubeadm certs
// check-expiration. certs.RequestCertificate drives the certificates.k8s.io/v1
// API by watching. Everything it writes passes openssl verify -x509_strict.
//
// # Kubeconfig
//
// Package kubeconfig answers "give this ServiceAccount a working kubeconfig,
// and prove it works". kubeconfig.ForServiceAccount creates or requires the
// ServiceAccount, binds it a role, gets a TokenRequest token (or waits, by
// watching, for a legacy token Secret), takes the CA from kube-root-ca.crt and
// checks the result with a SelfSubjectReview; Forbidden at any step names the
// missing permission. kubeconfig.Write writes atomically with mode 0600 even
// over a world-readable file; Load, Minify, Flatten (tokenFile too), Validate,
// Expiry and ForKubeadm cover the rest, and Safe prints a config without its
// secrets. Package kubeconfig/kubeconfigtest adds TokenRequest,
// SelfSubjectReview and the token controller to the fake clientset.
//
// # Secrets
//
// Package secrets answers "how do I get a password that survives helm
// upgrade?". secrets.DerivePassword and secrets.NewDeriver give exactly what
// Helm's derivePassword gives (Master Password v3), ObjectDeriver derives
// values from namespace/name/key/counter for GitOps renders, and Generate
// draws unbiased values from crypto/rand. Builders make every standard Secret
// type as the API server validates it (TLS from a certs.KeyPair, docker
// registries, ssh keys, bootstrap tokens, kubectl's --append-hash names), and
// secrets.Ensure creates a Secret or keeps the one there without ever losing
// a value.
//
// # Proved on a real cluster
//
// The e2e module (make e2e) builds etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler 1.36.3 and kwok from Go modules,
// starts them on loopback with a PKI from certs and kubeconfigs from
// kubeconfig, and checks each package against what the cluster does:
// qos.Compute equals status.qosClass, pdb.Compute the disruption controller's
// status, pdb.CheckEviction every real eviction's answer, the Simulator's
// diagnosis kube-scheduler's FailedScheduling message; CSRs are signed by the
// real signer, ServiceAccount kubeconfigs get exactly the access their RBAC
// grants, and a 60-pod node behind budgets drains without a budget ever
// dropping below its minimum.
package kubeprim
