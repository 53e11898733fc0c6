package cluster

import (
	"path/filepath"
	"strconv"
)

type portSet struct {
	etcdClient, etcdPeer, apiserver, controllerManager, scheduler int
}

func loopback(port int) string { return "https://127.0.0.1:" + strconv.Itoa(port) }

// etcdArgs run a single-member etcd with TLS for clients and peers from the
// etcd CA, as kubeadm's static pod does. fsync is off: the data directory
// lives for one test run and the disk is shared by many builds.
func etcdArgs(dir, pki string, p portSet) []string {
	etcd := filepath.Join(pki, "etcd")
	return []string{
		"--name=e2e",
		"--data-dir=" + filepath.Join(dir, "etcd"),
		"--listen-client-urls=" + loopback(p.etcdClient),
		"--advertise-client-urls=" + loopback(p.etcdClient),
		"--listen-peer-urls=" + loopback(p.etcdPeer),
		"--initial-advertise-peer-urls=" + loopback(p.etcdPeer),
		"--initial-cluster=e2e=" + loopback(p.etcdPeer),
		"--cert-file=" + filepath.Join(etcd, "server.crt"),
		"--key-file=" + filepath.Join(etcd, "server.key"),
		"--trusted-ca-file=" + filepath.Join(etcd, "ca.crt"),
		"--client-cert-auth=true",
		"--peer-cert-file=" + filepath.Join(etcd, "peer.crt"),
		"--peer-key-file=" + filepath.Join(etcd, "peer.key"),
		"--peer-trusted-ca-file=" + filepath.Join(etcd, "ca.crt"),
		"--peer-client-cert-auth=true",
		"--unsafe-no-fsync=true",
		"--log-level=warn",
	}
}

// apiserverArgs are kubeadm's kube-apiserver flags on loopback: our CA for
// clients, our serving certificate, the service-account key pair, etcd over
// mutual TLS, front-proxy for aggregation, and Node,RBAC authorization.
func apiserverArgs(pki string, p portSet) []string {
	f := func(name string) string { return filepath.Join(pki, name) }
	return []string{
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(p.apiserver),
		"--etcd-servers=" + loopback(p.etcdClient),
		"--etcd-cafile=" + f("etcd/ca.crt"),
		"--etcd-certfile=" + f("apiserver-etcd-client.crt"),
		"--etcd-keyfile=" + f("apiserver-etcd-client.key"),
		"--tls-cert-file=" + f("apiserver.crt"),
		"--tls-private-key-file=" + f("apiserver.key"),
		"--client-ca-file=" + f("ca.crt"),
		"--kubelet-client-certificate=" + f("apiserver-kubelet-client.crt"),
		"--kubelet-client-key=" + f("apiserver-kubelet-client.key"),
		"--proxy-client-cert-file=" + f("front-proxy-client.crt"),
		"--proxy-client-key-file=" + f("front-proxy-client.key"),
		"--requestheader-client-ca-file=" + f("front-proxy-ca.crt"),
		"--requestheader-allowed-names=front-proxy-client",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-username-headers=X-Remote-User",
		"--service-account-key-file=" + f("sa.pub"),
		"--service-account-signing-key-file=" + f("sa.key"),
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-cluster-ip-range=" + ServiceCIDR,
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--allow-privileged=true",
		"--profiling=false",
	}
}

// controllerManagerArgs run every controller, signing CSRs with our cluster
// CA and minting ServiceAccount tokens with our key, each controller under
// its own ServiceAccount as kubeadm does.
func controllerManagerArgs(dir, pki string, p portSet) []string {
	conf := filepath.Join(dir, controllerManagerConf)
	return []string{
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(p.controllerManager),
		"--kubeconfig=" + conf,
		"--authentication-kubeconfig=" + conf,
		"--authorization-kubeconfig=" + conf,
		"--client-ca-file=" + filepath.Join(pki, "ca.crt"),
		"--requestheader-client-ca-file=" + filepath.Join(pki, "front-proxy-ca.crt"),
		"--cluster-signing-cert-file=" + filepath.Join(pki, "ca.crt"),
		"--cluster-signing-key-file=" + filepath.Join(pki, "ca.key"),
		"--root-ca-file=" + filepath.Join(pki, "ca.crt"),
		"--service-account-private-key-file=" + filepath.Join(pki, "sa.key"),
		"--service-cluster-ip-range=" + ServiceCIDR,
		"--use-service-account-credentials=true",
		"--controllers=*,bootstrapsigner,tokencleaner",
		"--leader-elect=false",
		"--profiling=false",
	}
}

func schedulerArgs(dir string, p portSet) []string {
	conf := filepath.Join(dir, schedulerConf)
	return []string{
		"--bind-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(p.scheduler),
		"--kubeconfig=" + conf,
		"--authentication-kubeconfig=" + conf,
		"--authorization-kubeconfig=" + conf,
		"--leader-elect=false",
		"--profiling=false",
	}
}

// kwokArgs manage every node in the cluster with the stages bins copied from
// the kwok module: nodes Ready at once with heartbeats and leases, pods
// through the general lifecycle. The pod CIDR is wide enough for every pod
// the suite creates.
func kwokArgs(dir string, stages []string) []string {
	args := []string{
		"--kubeconfig=" + filepath.Join(dir, adminConf),
		"--manage-all-nodes=true",
		"--cidr=10.0.0.0/16",
		"--node-ip=127.0.0.1",
	}
	for _, s := range stages {
		args = append(args, "--config="+s)
	}
	return args
}
