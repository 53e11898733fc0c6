package scheduling

import corev1 "k8s.io/api/core/v1"

const reasonPorts = "node(s) didn't have free ports for the requested pod ports"

// bindAllHostIP is how the scheduler writes an empty hostIP.
const bindAllHostIP = "0.0.0.0"

// hostPort is one (hostIP, protocol, hostPort) a pod takes on its node, with
// the scheduler's defaults applied: an empty hostIP is 0.0.0.0 and an empty
// protocol TCP.
type hostPort struct {
	ip       string
	protocol string
	port     int32
}

// usedPort is a host port taken on a node and how many pods take it.
type usedPort struct {
	hostPort
	count int32
}

// podHostPorts lists the host ports a pod takes, as
// pkg/scheduler/util.GetHostPorts does: every port with hostPort > 0 of the
// regular containers and of the sidecars (restartable init containers), but
// not of the other init containers, which are done before the pod runs.
func podHostPorts(pod *corev1.Pod) []hostPort {
	var out []hostPort
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if !isSidecar(c) {
			continue
		}
		out = appendHostPorts(out, c.Ports)
	}
	for i := range pod.Spec.Containers {
		out = appendHostPorts(out, pod.Spec.Containers[i].Ports)
	}
	return out
}

func appendHostPorts(out []hostPort, ports []corev1.ContainerPort) []hostPort {
	for _, p := range ports {
		if p.HostPort <= 0 {
			continue
		}
		hp := hostPort{ip: p.HostIP, protocol: string(p.Protocol), port: p.HostPort}
		if hp.ip == "" {
			hp.ip = bindAllHostIP
		}
		if hp.protocol == "" {
			hp.protocol = string(corev1.ProtocolTCP)
		}
		out = append(out, hp)
	}
	return out
}

func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// usePort counts a pod taking (delta 1) or releasing (delta -1) a host port.
func usePort(used []usedPort, hp hostPort, delta int32) []usedPort {
	for i := range used {
		if used[i].hostPort == hp {
			used[i].count += delta
			if used[i].count <= 0 {
				return append(used[:i], used[i+1:]...)
			}
			return used
		}
	}
	if delta > 0 {
		used = append(used, usedPort{hostPort: hp, count: delta})
	}
	return used
}

// portConflict is HostPortInfo.CheckConflict: 0.0.0.0 on either side
// conflicts with any address, otherwise only the same address does; "::" is
// an address like any other. Different protocols never conflict.
func portConflict(used []usedPort, want hostPort) bool {
	for i := range used {
		u := &used[i]
		if u.port != want.port || u.protocol != want.protocol {
			continue
		}
		if want.ip == bindAllHostIP || u.ip == bindAllHostIP || u.ip == want.ip {
			return true
		}
	}
	return false
}

// portsFit reports whether none of the wanted ports conflicts with the used
// ones.
func portsFit(used []usedPort, want []hostPort) bool {
	if len(used) == 0 {
		return true
	}
	for _, w := range want {
		if portConflict(used, w) {
			return false
		}
	}
	return true
}
