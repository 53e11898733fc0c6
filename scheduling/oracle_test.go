package scheduling

import (
	"fmt"
	"math"
	"sort"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/version"
	ndf "k8s.io/component-helpers/nodedeclaredfeatures"
	resourcehelper "k8s.io/component-helpers/resource"
	corev1helpers "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// oracle is a second, deliberately plain implementation of the filters,
// written after the plugin sources of k8s.io/kubernetes v1.36.3 with their
// map-based state and component-helpers for node affinity and tolerations,
// and without any of the Simulator's indexes. Property tests compare the two
// on random clusters.
type oracle struct {
	nodes      []*corev1.Node
	podsOn     map[string][]*corev1.Pod
	namespaces map[string]map[string]string
}

func newOracle(nodes []*corev1.Node, pods []*corev1.Pod, namespaces []*corev1.Namespace) *oracle {
	o := &oracle{nodes: nodes, podsOn: map[string][]*corev1.Pod{}, namespaces: map[string]map[string]string{}}
	for _, p := range pods {
		if p.Spec.NodeName != "" && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			o.podsOn[p.Spec.NodeName] = append(o.podsOn[p.Spec.NodeName], p)
		}
	}
	for _, n := range namespaces {
		o.namespaces[n.Name] = n.Labels
	}
	return o
}

type topoPair struct{ key, value string }

type oracleTerm struct {
	namespaces map[string]bool
	selector   labels.Selector
	nsSelector labels.Selector
	key        string
}

func (t oracleTerm) matches(p *corev1.Pod, nsLabels labels.Set) bool {
	if t.namespaces[p.Namespace] || t.nsSelector.Matches(nsLabels) {
		return t.selector.Matches(labels.Set(p.Labels))
	}
	return false
}

func oracleTerms(pod *corev1.Pod, terms []corev1.PodAffinityTerm) ([]oracleTerm, error) {
	if terms == nil {
		return nil, nil
	}
	var out []oracleTerm
	for _, t := range terms {
		sel, err := metav1.LabelSelectorAsSelector(t.LabelSelector)
		if err != nil {
			return nil, err
		}
		nss := map[string]bool{}
		if len(t.Namespaces) == 0 && t.NamespaceSelector == nil {
			nss[pod.Namespace] = true
		}
		for _, n := range t.Namespaces {
			nss[n] = true
		}
		nsSel, err := metav1.LabelSelectorAsSelector(t.NamespaceSelector)
		if err != nil {
			return nil, err
		}
		out = append(out, oracleTerm{namespaces: nss, selector: sel, nsSelector: nsSel, key: t.TopologyKey})
	}
	return out, nil
}

func allMatch(terms []oracleTerm, p *corev1.Pod) bool {
	if len(terms) == 0 {
		return false
	}
	for _, t := range terms {
		if !t.matches(p, nil) {
			return false
		}
	}
	return true
}

// filter returns the status of pod on the named node.
func (o *oracle) filter(pod *corev1.Pod, nodeName string) Status {
	return o.filterNode(pod, nodeName, false)
}

// filterNode is filter; ignoreNarrowing checks the node with every filter
// even when the NodeAffinity PreFilter left it out, as the scheduler checks
// a pod's nominated node (findNodesThatFitPod, evaluateNominatedNode).
func (o *oracle) filterNode(pod *corev1.Pod, nodeName string, ignoreNarrowing bool) Status {
	logger := logr.Discard()
	req := nodeaffinity.GetRequiredNodeAffinity(pod)

	// PreFilter: NodeAffinity.
	var allowed map[string]bool
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		terms := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
		var names map[string]bool
		all := len(terms) == 0
		for _, t := range terms {
			var tn map[string]bool
			for _, r := range t.MatchFields {
				if r.Key == "metadata.name" && r.Operator == corev1.NodeSelectorOpIn {
					s := map[string]bool{}
					for _, v := range r.Values {
						s[v] = true
					}
					if tn == nil {
						tn = s
					} else {
						for k := range tn {
							if !s[k] {
								delete(tn, k)
							}
						}
					}
				}
			}
			if tn == nil {
				all = true
				break
			}
			if names == nil {
				names = map[string]bool{}
			}
			for k := range tn {
				names[k] = true
			}
		}
		if !all {
			if len(names) == 0 {
				return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginNodeAffinity, Reasons: []string{"pod affinity terms conflict"}}
			}
			allowed = names
		}
	}

	// PreFilter: PodTopologySpread.
	type constraint struct {
		maxSkew, minDomains int32
		key                 string
		sel                 labels.Selector
		honorAff, honorTnt  bool
	}
	var cs []constraint
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable != corev1.DoNotSchedule {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			return Status{Code: Error, Plugin: PluginPodTopologySpread, Reasons: []string{
				`running PreFilter plugin "PodTopologySpread": get constraints from pod: obtaining pod's hard topology spread constraints: ` + err.Error()}}
		}
		if len(c.MatchLabelKeys) > 0 {
			ml := labels.Set{}
			for _, k := range c.MatchLabelKeys {
				if v, ok := pod.Labels[k]; ok {
					ml[k] = v
				}
			}
			if len(ml) > 0 {
				if reqs, ok := sel.Requirements(); ok {
					m := labels.SelectorFromSet(ml)
					for _, r := range reqs {
						m = m.Add(r)
					}
					sel = m
				}
			}
		}
		md := int32(1)
		if c.MinDomains != nil {
			md = *c.MinDomains
		}
		cs = append(cs, constraint{maxSkew: c.MaxSkew, minDomains: md, key: c.TopologyKey, sel: sel,
			honorAff: c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor,
			honorTnt: c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor})
	}
	tpCounts := make([]map[string]int, len(cs))
	for i := range cs {
		tpCounts[i] = map[string]int{}
	}
	for _, n := range o.nodes {
		hasAll := true
		for _, c := range cs {
			if _, ok := n.Labels[c.key]; !ok {
				hasAll = false
			}
		}
		if !hasAll {
			continue
		}
		for i, c := range cs {
			if c.honorAff {
				if m, _ := req.Match(n); !m {
					continue
				}
			}
			if c.honorTnt {
				if _, bad := corev1helpers.FindMatchingUntoleratedTaint(logger, n.Spec.Taints, pod.Spec.Tolerations, doNotSchedule, false); bad {
					continue
				}
			}
			count := 0
			if !c.sel.Empty() {
				for _, p := range o.podsOn[n.Name] {
					if p.DeletionTimestamp == nil && p.Namespace == pod.Namespace && c.sel.Matches(labels.Set(p.Labels)) {
						count++
					}
				}
			}
			tpCounts[i][n.Labels[c.key]] += count
		}
	}

	// PreFilter: InterPodAffinity.
	var errs []error
	aff, err := oracleTerms(pod, requiredAffinityTerms(pod.Spec.Affinity))
	if err != nil {
		errs = append(errs, fmt.Errorf("requiredAffinityTerms: %w", err))
	}
	anti, err := oracleTerms(pod, requiredAntiAffinityTerms(pod.Spec.Affinity))
	if err != nil {
		errs = append(errs, fmt.Errorf("requiredAntiAffinityTerms: %w", err))
	}
	if a := pod.Spec.Affinity; a != nil {
		for i, list := range [][]corev1.WeightedPodAffinityTerm{podAffinityPreferred(a), podAntiAffinityPreferred(a)} {
			var terms []corev1.PodAffinityTerm
			for _, w := range list {
				terms = append(terms, w.PodAffinityTerm)
			}
			if _, err := oracleTerms(pod, terms); err != nil {
				errs = append(errs, fmt.Errorf("%s: %w", []string{"preferredAffinityTerms", "preferredAntiAffinityTerms"}[i], err))
			}
		}
	}
	if len(errs) > 0 {
		msg := errs[0].Error()
		if len(errs) > 1 {
			var parts []string
			for _, e := range errs {
				parts = append(parts, e.Error())
			}
			msg = "[" + join(parts, ", ") + "]"
		}
		return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginInterPodAffinity, Reasons: []string{"parsing pod: " + msg}}
	}
	for _, terms := range [][]oracleTerm{aff, anti} {
		for _, t := range terms {
			if !t.nsSelector.Empty() {
				for name, l := range o.namespaces {
					if t.nsSelector.Matches(labels.Set(l)) {
						t.namespaces[name] = true
					}
				}
			}
		}
	}
	nsLabels := labels.Set(nil)
	if l, ok := o.namespaces[pod.Namespace]; ok {
		nsLabels = labels.Merge(l, nil)
	}
	existing, affCounts, antiCounts := map[topoPair]int{}, map[topoPair]int{}, map[topoPair]int{}
	for _, n := range o.nodes {
		for _, p := range o.podsOn[n.Name] {
			ea, err := oracleTerms(p, requiredAntiAffinityTerms(p.Spec.Affinity))
			if err == nil {
				for _, t := range ea {
					if v, ok := n.Labels[t.key]; ok && t.matches(pod, nsLabels) {
						existing[topoPair{t.key, v}]++
					}
				}
			}
			if allMatch(aff, p) {
				for _, t := range aff {
					if v, ok := n.Labels[t.key]; ok {
						affCounts[topoPair{t.key, v}]++
					}
				}
			}
			for _, t := range anti {
				if v, ok := n.Labels[t.key]; ok && t.matches(p, nil) {
					antiCounts[topoPair{t.key, v}]++
				}
			}
		}
	}

	// Filters, in order.
	var node *corev1.Node
	for _, n := range o.nodes {
		if n.Name == nodeName {
			node = n
		}
	}
	if allowed != nil && !allowed[nodeName] && !ignoreNarrowing && nodeName != pod.Status.NominatedNodeName {
		// The nominated node is checked first; the plugin that rejects it
		// lands in the set this message lists.
		plugins := []string{PluginNodeAffinity}
		for _, n := range o.nodes {
			if n.Name == pod.Status.NominatedNodeName {
				if st := o.filterNode(pod, n.Name, true); st.IsRejected() && st.Plugin != PluginNodeAffinity {
					plugins = append(plugins, st.Plugin)
				}
			}
		}
		sort.Strings(plugins)
		return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginNodeAffinity, Reasons: []string{fmt.Sprintf("node(s) didn't satisfy plugin(s) %v", plugins)}}
	}
	if node.Spec.Unschedulable && !corev1helpers.TolerationsTolerateTaint(logger, pod.Spec.Tolerations, &corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}, false) {
		return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginNodeUnschedulable, Reasons: []string{"node(s) were unschedulable"}}
	}
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != node.Name {
		return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginNodeName, Reasons: []string{"node(s) didn't match the requested node name"}}
	}
	if _, bad := corev1helpers.FindMatchingUntoleratedTaint(logger, node.Spec.Taints, pod.Spec.Tolerations, doNotSchedule, false); bad {
		return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginTaintToleration, Reasons: []string{"node(s) had untolerated taint(s)"}}
	}
	if m, _ := req.Match(node); !m {
		return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginNodeAffinity, Reasons: []string{"node(s) didn't match Pod's node affinity/selector"}}
	}
	if st := o.ports(pod, node); !st.IsSuccess() {
		return st
	}
	if st := o.fit(pod, node); !st.IsSuccess() {
		return st
	}
	for i, c := range cs {
		v, ok := node.Labels[c.key]
		if !ok {
			return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginPodTopologySpread, Reasons: []string{"node(s) didn't match pod topology spread constraints (missing required label)"}}
		}
		minMatch := math.MaxInt32
		for _, n := range tpCounts[i] {
			minMatch = min(minMatch, n)
		}
		if len(tpCounts[i]) < int(c.minDomains) {
			minMatch = 0
		}
		self := 0
		if c.sel.Matches(labels.Set(pod.Labels)) {
			self = 1
		}
		if tpCounts[i][v]+self-minMatch > int(c.maxSkew) {
			return Status{Code: Unschedulable, Plugin: PluginPodTopologySpread, Reasons: []string{"node(s) didn't match pod topology spread constraints"}}
		}
	}
	podsExist := true
	for _, t := range aff {
		v, ok := node.Labels[t.key]
		if !ok {
			return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginInterPodAffinity, Reasons: []string{"node(s) didn't match pod affinity rules"}}
		}
		if affCounts[topoPair{t.key, v}] <= 0 {
			podsExist = false
		}
	}
	if !podsExist && !(len(affCounts) == 0 && allMatch(aff, pod)) {
		return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginInterPodAffinity, Reasons: []string{"node(s) didn't match pod affinity rules"}}
	}
	for _, t := range anti {
		if v, ok := node.Labels[t.key]; ok && antiCounts[topoPair{t.key, v}] > 0 {
			return Status{Code: Unschedulable, Plugin: PluginInterPodAffinity, Reasons: []string{"node(s) didn't match pod anti-affinity rules"}}
		}
	}
	for k, v := range node.Labels {
		if existing[topoPair{k, v}] > 0 {
			return Status{Code: Unschedulable, Plugin: PluginInterPodAffinity, Reasons: []string{"node(s) didn't satisfy existing pods anti-affinity rules"}}
		}
	}
	features, err := ndf.DefaultFramework.InferForPodScheduling(&ndf.PodInfo{Spec: &pod.Spec}, version.MustParse("1.36.3"))
	if err == nil && !features.IsEmpty() {
		if ok, _ := features.IsSubset(ndf.DefaultFramework.TryMap(node.Status.DeclaredFeatures)); !ok {
			return Status{Code: UnschedulableAndUnresolvable, Plugin: PluginNodeDeclaredFeatures, Reasons: []string{"node(s) didn't match Pod's required features"}}
		}
	}
	return Status{Code: Success}
}

func podAffinityPreferred(a *corev1.Affinity) []corev1.WeightedPodAffinityTerm {
	if a.PodAffinity == nil {
		return nil
	}
	return a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution
}

func podAntiAffinityPreferred(a *corev1.Affinity) []corev1.WeightedPodAffinityTerm {
	if a.PodAntiAffinity == nil {
		return nil
	}
	return a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution
}

func join(parts []string, sep string) string {
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += sep
		}
		out += p
	}
	return out
}

func (o *oracle) ports(pod *corev1.Pod, node *corev1.Node) Status {
	used := map[string]map[string]bool{} // ip -> "proto/port"
	add := func(p corev1.ContainerPort) {
		ip, proto := p.HostIP, string(p.Protocol)
		if ip == "" {
			ip = "0.0.0.0"
		}
		if proto == "" {
			proto = "TCP"
		}
		if used[ip] == nil {
			used[ip] = map[string]bool{}
		}
		used[ip][fmt.Sprintf("%s/%d", proto, p.HostPort)] = true
	}
	hostPortsOf := func(p *corev1.Pod) []corev1.ContainerPort {
		var out []corev1.ContainerPort
		for _, c := range p.Spec.InitContainers {
			if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
				for _, cp := range c.Ports {
					if cp.HostPort > 0 {
						out = append(out, cp)
					}
				}
			}
		}
		for _, c := range p.Spec.Containers {
			for _, cp := range c.Ports {
				if cp.HostPort > 0 {
					out = append(out, cp)
				}
			}
		}
		return out
	}
	for _, p := range o.podsOn[node.Name] {
		for _, cp := range hostPortsOf(p) {
			add(cp)
		}
	}
	for _, cp := range hostPortsOf(pod) {
		ip, proto := cp.HostIP, string(cp.Protocol)
		if ip == "" {
			ip = "0.0.0.0"
		}
		if proto == "" {
			proto = "TCP"
		}
		key := fmt.Sprintf("%s/%d", proto, cp.HostPort)
		conflict := false
		if ip == "0.0.0.0" {
			for _, m := range used {
				conflict = conflict || m[key]
			}
		} else {
			conflict = used["0.0.0.0"][key] || used[ip][key]
		}
		if conflict {
			return Status{Code: Unschedulable, Plugin: PluginNodePorts, Reasons: []string{"node(s) didn't have free ports for the requested pod ports"}}
		}
	}
	return Status{Code: Success}
}

func (o *oracle) fit(pod *corev1.Pod, node *corev1.Node) Status {
	type res struct {
		cpu, mem, eph int64
		scalar        map[corev1.ResourceName]int64
	}
	toRes := func(list corev1.ResourceList) res {
		r := res{scalar: map[corev1.ResourceName]int64{}}
		for n, q := range list {
			switch n {
			case corev1.ResourceCPU:
				r.cpu += q.MilliValue()
			case corev1.ResourceMemory:
				r.mem += q.Value()
			case corev1.ResourceEphemeralStorage:
				r.eph += q.Value()
			default:
				if isScalarResourceName(n) {
					r.scalar[n] += q.Value()
				}
			}
		}
		return r
	}
	alloc := toRes(node.Status.Allocatable)
	allowed := node.Status.Allocatable[corev1.ResourcePods]
	used := res{scalar: map[corev1.ResourceName]int64{}}
	for _, p := range o.podsOn[node.Name] {
		r := toRes(resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{UseStatusResources: true, InPlacePodLevelResourcesVerticalScalingEnabled: true}))
		used.cpu += r.cpu
		used.mem += r.mem
		used.eph += r.eph
		for n, v := range r.scalar {
			used.scalar[n] += v
		}
	}
	want := toRes(resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{}))
	want.cpu, want.mem, want.eph = max(want.cpu, 0), max(want.mem, 0), max(want.eph, 0)
	var reasons []string
	unres := false
	if int64(len(o.podsOn[node.Name]))+1 > allowed.Value() {
		reasons = append(reasons, "Too many pods")
	}
	if want.cpu > 0 && want.cpu > alloc.cpu-used.cpu {
		reasons = append(reasons, "Insufficient cpu")
		unres = unres || want.cpu > alloc.cpu
	}
	if want.mem > 0 && want.mem > alloc.mem-used.mem {
		reasons = append(reasons, "Insufficient memory")
		unres = unres || want.mem > alloc.mem
	}
	if want.eph > 0 && want.eph > alloc.eph-used.eph {
		reasons = append(reasons, "Insufficient ephemeral-storage")
		unres = unres || want.eph > alloc.eph
	}
	var names []string
	for n := range want.scalar {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, n := range names {
		q := max(want.scalar[corev1.ResourceName(n)], 0)
		if q == 0 {
			continue
		}
		if q > alloc.scalar[corev1.ResourceName(n)]-used.scalar[corev1.ResourceName(n)] {
			reasons = append(reasons, "Insufficient "+n)
			unres = unres || q > alloc.scalar[corev1.ResourceName(n)]
		}
	}
	if len(reasons) == 0 {
		return Status{Code: Success}
	}
	code := Unschedulable
	if unres {
		code = UnschedulableAndUnresolvable
	}
	return Status{Code: code, Plugin: PluginNodeResourcesFit, Reasons: reasons}
}
