package certs

// ClientIdentity is the subject of a kubeconfig's client certificate: the
// Kubernetes user (CN) and groups (O).
type ClientIdentity struct {
	// File is the kubeconfig file kubeadm writes for it, such as "admin.conf".
	File string
	// CommonName is the user name.
	CommonName string
	// Groups are the group names, the certificate's Organization.
	Groups []string
}

// Well-known Kubernetes groups and users of kubeadm 1.36 kubeconfigs.
const (
	// GroupClusterAdmins is kubeadm's admin group, bound to cluster-admin by
	// the ClusterRoleBinding kubeadm:cluster-admins (RBAC can revoke it).
	GroupClusterAdmins = "kubeadm:cluster-admins"
	// GroupSystemMasters bypasses RBAC entirely: break-glass only.
	GroupSystemMasters = "system:masters"
	// GroupNodes is the group of kubelets.
	GroupNodes = "system:nodes"
	// UserControllerManager and UserScheduler are the component users the
	// default RBAC policy grants their permissions to.
	UserControllerManager = "system:kube-controller-manager"
	UserScheduler         = "system:kube-scheduler"
	// NodeUserPrefix prefixes a kubelet's user name, as the Node authorizer requires.
	NodeUserPrefix = "system:node:"
)

// KubeconfigIdentities returns the client identities of the kubeconfig files
// kubeadm 1.36 writes (phases/kubeconfig getKubeConfigSpecsBase): admin.conf,
// super-admin.conf, kubelet.conf for nodeName, controller-manager.conf and
// scheduler.conf. All are client certificates signed by the cluster CA.
func KubeconfigIdentities(nodeName string) []ClientIdentity {
	return []ClientIdentity{
		{File: "admin.conf", CommonName: "kubernetes-admin", Groups: []string{GroupClusterAdmins}},
		{File: "super-admin.conf", CommonName: "kubernetes-super-admin", Groups: []string{GroupSystemMasters}},
		{File: "kubelet.conf", CommonName: NodeUserPrefix + nodeName, Groups: []string{GroupNodes}},
		{File: "controller-manager.conf", CommonName: UserControllerManager},
		{File: "scheduler.conf", CommonName: UserScheduler},
	}
}
