package scheduling

import (
	"errors"
	"fmt"
	"hash/maphash"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"
	ndf "k8s.io/component-helpers/nodedeclaredfeatures"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
)

// Simulator is a snapshot of nodes and the pods bound to them, against which
// it runs kube-scheduler 1.36's default filters for a pod that is not bound
// yet. NewSimulator does the per-node and per-pod work once (requested
// totals, host ports, taint sets, anti-affinity groups); each call then
// pre-computes what the scheduler's PreFilter plugins compute for the pod and
// checks every node without allocating per node.
//
// Filter and Feasible only read the snapshot and are safe for concurrent use
// by several goroutines. SetNamespaces changes it and must not run
// concurrently with any other method.
type Simulator struct {
	nodes     []nodeInfo
	nodeIndex map[string]int32

	// scalarNames are the scalar resources (extended, hugepages, ...) that any
	// node advertises or any bound pod requests, and scalarIndex their
	// positions. Each node's allocatable and requested scalars sit in
	// allocScalars and reqScalars at [node*len(scalarNames)+index].
	scalarNames  []corev1.ResourceName
	scalarIndex  map[corev1.ResourceName]int32
	allocScalars []int64
	reqScalars   []int64

	// taintSets are the distinct lists of NoSchedule and NoExecute taints
	// among the nodes; each node points at one (or none).
	taintSets [][]corev1.Taint

	pods []podInfo

	// antiGroups gather the required anti-affinity terms of bound pods by
	// identical term, with how many times each node holds one, so that a new
	// pod is matched against each distinct term once.
	antiGroups     []*antiGroup
	antiGroupIndex map[uint64][]int32
	hashSeed       maphash.Seed

	// namespaces are the labels of each namespace SetNamespaces was given;
	// namespaceSelectors are resolved against them.
	namespaces map[string]map[string]string

	// labelIndex finds bound pods by label; built on first use.
	labelOnce  sync.Once
	labelIndex *podLabelIndex

	// topology interns node label values per key; filled on first use of a
	// key.
	topoMu sync.Mutex
	topo   map[string]*topologyKey
}

// nodeInfo is what the filters need of one node.
type nodeInfo struct {
	node          *corev1.Node
	name          string
	labels        map[string]string
	fields        fields.Set
	unschedulable bool
	// taintSet indexes Simulator.taintSets; -1 when the node has no
	// NoSchedule or NoExecute taint.
	taintSet int32

	allowedPods int64
	allocCPU    int64
	allocMemory int64
	allocEph    int64

	reqCPU    int64
	reqMemory int64
	reqEph    int64
	// nonZeroCPU and nonZeroMemory are the scheduler's NonZeroRequested, for
	// scoring.
	nonZeroCPU    int64
	nonZeroMemory int64

	// pods are the indexes in Simulator.pods of the pods counted on the node
	// (removed ones excluded).
	pods  []int32
	ports []usedPort

	declared ndf.FeatureSet
}

// podInfo is what the filters need of one bound pod.
type podInfo struct {
	pod         *corev1.Pod
	node        int32
	terminating bool
	priority    int32
	// removed marks a pod taken out of the snapshot; indexes skip it.
	removed bool

	requests   amounts
	nonZeroCPU int64
	nonZeroMem int64
	ports      []hostPort

	// antiGroups are the groups of the pod's required anti-affinity terms,
	// one entry per term; nil when the pod has none or one fails to parse
	// (the scheduler then ignores all of them).
	antiGroups []int32
}

// NewSimulator builds a snapshot of nodes and of the pods bound to them.
//
// Pods count as the scheduler's cache counts them: those with spec.nodeName
// set and a phase other than Succeeded or Failed, including Pending and
// terminating ones. Pods without spec.nodeName are not part of the snapshot
// and are ignored. The objects are not copied and must not change while the
// Simulator is in use.
//
// It returns an error wrapping ErrNilObject, ErrInvalidNode, ErrDuplicateNode
// or ErrUnknownNode (several joined) when the input cannot describe one
// cluster. Pods are counted as given: a pod listed twice counts twice.
func NewSimulator(nodes []*corev1.Node, pods []*corev1.Pod) (*Simulator, error) {
	s := &Simulator{
		nodes:          make([]nodeInfo, 0, len(nodes)),
		nodeIndex:      make(map[string]int32, len(nodes)),
		scalarIndex:    map[corev1.ResourceName]int32{},
		antiGroupIndex: map[uint64][]int32{},
		hashSeed:       maphash.MakeSeed(),
		topo:           map[string]*topologyKey{},
	}
	var errs []error
	taintSetIndex := map[string]int32{}
	emptyFeatures := ndf.DefaultFramework.NewFeatureSet()
	for i, node := range nodes {
		if node == nil {
			errs = append(errs, fmt.Errorf("node %d: %w", i, ErrNilObject))
			continue
		}
		if node.Name == "" {
			errs = append(errs, fmt.Errorf("node %d: %w: empty name", i, ErrInvalidNode))
			continue
		}
		if _, dup := s.nodeIndex[node.Name]; dup {
			errs = append(errs, fmt.Errorf("node %q: %w", node.Name, ErrDuplicateNode))
			continue
		}
		s.nodeIndex[node.Name] = int32(len(s.nodes))
		n := nodeInfo{
			node:          node,
			name:          node.Name,
			labels:        node.Labels,
			fields:        fields.Set{"metadata.name": node.Name},
			unschedulable: node.Spec.Unschedulable,
			taintSet:      internTaintSet(&s.taintSets, taintSetIndex, node.Spec.Taints),
			declared:      emptyFeatures,
		}
		if len(node.Status.DeclaredFeatures) > 0 {
			n.declared = ndf.DefaultFramework.TryMap(node.Status.DeclaredFeatures)
		}
		s.nodes = append(s.nodes, n)
	}
	// Scalar names first, so that the per-node tables are laid out once.
	for i := range s.nodes {
		for name := range s.nodes[i].node.Status.Allocatable {
			if isScalarResourceName(name) {
				s.internScalarName(name)
			}
		}
	}
	s.allocScalars = make([]int64, len(s.nodes)*len(s.scalarNames))
	s.reqScalars = make([]int64, len(s.nodes)*len(s.scalarNames))
	for i := range s.nodes {
		s.setAllocatable(int32(i))
	}

	// Which node each pod is on, and how many pods each node gets, first: the
	// per-node lists are then allocated once.
	s.pods = make([]podInfo, 0, len(pods))
	podNode := make([]int32, len(pods))
	perNode := make([]int32, len(s.nodes))
	for i, pod := range pods {
		podNode[i] = -1
		if pod == nil {
			errs = append(errs, fmt.Errorf("pod %d: %w", i, ErrNilObject))
			continue
		}
		if !countsOnNode(pod) {
			continue
		}
		node, ok := s.nodeIndex[pod.Spec.NodeName]
		if !ok {
			errs = append(errs, fmt.Errorf("pod %s/%s: %w: %q", pod.Namespace, pod.Name, ErrUnknownNode, pod.Spec.NodeName))
			continue
		}
		podNode[i] = node
		perNode[node]++
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("build scheduling snapshot: %w", errors.Join(errs...))
	}
	for i := range s.nodes {
		s.nodes[i].pods = make([]int32, 0, perNode[i])
	}
	for i, pod := range pods {
		if podNode[i] >= 0 {
			s.addPod(pod, podNode[i])
		}
	}
	return s, nil
}

// countsOnNode reports whether the scheduler's cache holds pod: bound, and
// not finished (the scheduler's pod informer drops Succeeded and Failed
// pods).
func countsOnNode(pod *corev1.Pod) bool {
	return pod.Spec.NodeName != "" &&
		pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}

// SetNamespaces gives the Simulator the cluster's namespaces, which the
// scheduler uses for inter-pod affinity: a namespaceSelector in the new pod's
// terms selects among these namespaces, and the existing pods' anti-affinity
// namespaceSelectors are matched against the labels of the new pod's
// namespace. Without them, namespaceSelectors select no namespace (an empty
// selector {} still selects all). It replaces any earlier list.
func (s *Simulator) SetNamespaces(namespaces []*corev1.Namespace) error {
	m := make(map[string]map[string]string, len(namespaces))
	var errs []error
	for i, ns := range namespaces {
		if ns == nil {
			errs = append(errs, fmt.Errorf("namespace %d: %w", i, ErrNilObject))
			continue
		}
		m[ns.Name] = ns.Labels
	}
	if len(errs) > 0 {
		return fmt.Errorf("set namespaces: %w", errors.Join(errs...))
	}
	s.namespaces = m
	return nil
}

// NodeNames returns the names of the snapshot's nodes in the order they were
// given; Feasible lists feasible nodes in this order.
func (s *Simulator) NodeNames() []string {
	names := make([]string, len(s.nodes))
	for i := range s.nodes {
		names[i] = s.nodes[i].name
	}
	return names
}

// internScalarName returns the index of a scalar resource name, adding it
// (and widening the per-node tables, if they exist) when it is new.
func (s *Simulator) internScalarName(name corev1.ResourceName) int32 {
	if i, ok := s.scalarIndex[name]; ok {
		return i
	}
	i := int32(len(s.scalarNames))
	old := len(s.scalarNames)
	s.scalarNames = append(s.scalarNames, name)
	s.scalarIndex[name] = i
	if s.allocScalars != nil {
		s.allocScalars = widen(s.allocScalars, len(s.nodes), old)
		s.reqScalars = widen(s.reqScalars, len(s.nodes), old)
	}
	return i
}

// widen re-lays a node-major table of width old as one of width old+1.
func widen(table []int64, nodes, old int) []int64 {
	out := make([]int64, nodes*(old+1))
	for n := 0; n < nodes; n++ {
		copy(out[n*(old+1):n*(old+1)+old], table[n*old:n*old+old])
	}
	return out
}

// setAllocatable reads a node's allocatable as NodeInfo.SetNode does
// (framework.NewResource): no fallback to capacity, a missing entry is zero.
func (s *Simulator) setAllocatable(i int32) {
	n := &s.nodes[i]
	width := int32(len(s.scalarNames))
	for name, q := range n.node.Status.Allocatable {
		switch name {
		case corev1.ResourceCPU:
			n.allocCPU = q.MilliValue()
		case corev1.ResourceMemory:
			n.allocMemory = q.Value()
		case corev1.ResourceEphemeralStorage:
			n.allocEph = q.Value()
		case corev1.ResourcePods:
			n.allowedPods = q.Value()
		default:
			if isScalarResourceName(name) {
				s.allocScalars[i*width+s.scalarIndex[name]] = q.Value()
			}
		}
	}
}

// addPod adds a bound pod to node, as NodeInfo.AddPod does.
func (s *Simulator) addPod(pod *corev1.Pod, node int32) int32 {
	id := int32(len(s.pods))
	p := podInfo{
		pod:         pod,
		node:        node,
		terminating: pod.DeletionTimestamp != nil,
		priority:    corev1helpers.PodPriority(pod),
		ports:       podHostPorts(pod),
	}
	p.requests, p.nonZeroCPU, p.nonZeroMem = boundPodAmounts(pod)
	for i := range p.requests.scalars {
		p.requests.scalars[i].index = s.internScalarName(p.requests.scalars[i].name)
	}
	p.antiGroups = s.groupAntiAffinity(pod, node)
	s.pods = append(s.pods, p)
	s.chargeNode(id, 1)
	s.nodes[node].pods = append(s.nodes[node].pods, id)
	return id
}

// chargeNode adds (sign 1) or takes back (sign -1) a pod's requests and host
// ports on its node.
func (s *Simulator) chargeNode(id int32, sign int64) {
	p := &s.pods[id]
	n := &s.nodes[p.node]
	n.reqCPU += sign * p.requests.milliCPU
	n.reqMemory += sign * p.requests.memory
	n.reqEph += sign * p.requests.ephemeral
	n.nonZeroCPU += sign * p.nonZeroCPU
	n.nonZeroMemory += sign * p.nonZeroMem
	width := int32(len(s.scalarNames))
	for _, sc := range p.requests.scalars {
		s.reqScalars[p.node*width+sc.index] += sign * sc.value
	}
	for _, hp := range p.ports {
		n.ports = usePort(n.ports, hp, int32(sign))
	}
}
