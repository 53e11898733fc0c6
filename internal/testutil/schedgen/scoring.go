package schedgen

import (
	"fmt"
	"math/rand/v2"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// images are the container images the scoring generator puts on nodes and
// in pods, each name with one size (the scheduler takes a name's size from
// whichever node its cache saw first). "redis" is listed by nodes without a
// tag, which a pod's "redis" (normalised to redis:latest) does not match;
// the registry with a port checks the tag parsing.
var images = []struct {
	names []string
	size  int64
}{
	{[]string{"nginx:1.27", "docker.io/library/nginx:1.27"}, 180 << 20},
	{[]string{"redis"}, 120 << 20},
	{[]string{"redis:7"}, 140 << 20},
	{[]string{"app:v1"}, 900 << 20},
	{[]string{"registry.local:5000/tool"}, 50 << 20},
	{[]string{"ml:v2"}, 3 << 30},
	{[]string{"tiny:1"}, 5 << 20},
}

var podImages = []string{"nginx:1.27", "redis", "redis:7", "app:v1", "registry.local:5000/tool", "ml:v2", "tiny:1", "absent:1"}

// RandomScoringCluster is RandomCluster with what the score plugins read
// added: node images and PreferNoSchedule taints, bound pods with required
// and preferred (anti-)affinity terms and controller references, and the
// Services, ReplicationControllers, ReplicaSets and StatefulSets of the
// default topology spreading.
func RandomScoringCluster(rng *rand.Rand) Cluster { return RandomScoringClusterSized(rng, 8, 24) }

// RandomScoringClusterSized is RandomScoringCluster with 3 to maxNodes
// nodes and up to maxPods pods.
func RandomScoringClusterSized(rng *rand.Rand, maxNodes, maxPods int) Cluster {
	c := RandomClusterSized(rng, maxNodes, maxPods)
	for len(c.Nodes) < 3 { // a choice of nodes is what scoring is about
		c = RandomClusterSized(rng, maxNodes, maxPods)
	}
	for _, n := range c.Nodes {
		// Most nodes larger than the filters' generator makes them, so that
		// most pods have several feasible nodes to score.
		if n.Status.Allocatable != nil && rng.IntN(3) > 0 {
			n.Status.Allocatable[corev1.ResourceCPU] = q(pick(rng, "4", "8", "16"))
			n.Status.Allocatable[corev1.ResourceMemory] = q(pick(rng, "8Gi", "16Gi", "32Gi"))
			n.Status.Allocatable[corev1.ResourcePods] = q("110")
		}
		if rng.IntN(3) == 0 {
			n.Spec.Unschedulable = false
		}
		for _, img := range images {
			if rng.IntN(3) == 0 {
				n.Status.Images = append(n.Status.Images, corev1.ContainerImage{Names: img.names, SizeBytes: img.size})
			}
		}
		for range rng.IntN(3) {
			n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: pick(rng, "spot", "old", "gpu"), Value: pick(rng, "x", "y"),
				Effect: corev1.TaintEffectPreferNoSchedule})
		}
	}
	c.Services = []*corev1.Service{
		{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "front", Namespace: "default"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"tier": "front"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "db", Namespace: "other"}, Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "db"}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "headless", Namespace: "default"}},
	}
	c.ReplicationControllers = []*corev1.ReplicationController{
		{ObjectMeta: metav1.ObjectMeta{Name: "rc", Namespace: "default"}, Spec: corev1.ReplicationControllerSpec{Selector: map[string]string{"app": "cache"}}},
	}
	c.ReplicaSets = []*appsv1.ReplicaSet{
		{ObjectMeta: metav1.ObjectMeta{Name: "rs", Namespace: "default"}, Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"app": "web"}}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "rs", Namespace: "other"}, Spec: appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{
			MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpExists}}}}},
	}
	c.StatefulSets = []*appsv1.StatefulSet{
		{ObjectMeta: metav1.ObjectMeta{Name: "ss", Namespace: "default"}, Spec: appsv1.StatefulSetSpec{Selector: &metav1.LabelSelector{
			MatchLabels: map[string]string{"app": "db"}}}},
	}
	for _, p := range c.Pods {
		scoringPodExtras(rng, p)
		if rng.IntN(5) == 0 {
			if p.Spec.Affinity == nil {
				p.Spec.Affinity = &corev1.Affinity{}
			}
			p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: []corev1.PodAffinityTerm{randomPodTerm(rng)}}
		}
	}
	return c
}

// RandomScoringPod is RandomPod with preferred node affinity, preferred pod
// affinity and anti-affinity, images, a controller reference and
// PreferNoSchedule tolerations, some of them malformed.
func RandomScoringPod(rng *rand.Rand) *corev1.Pod {
	p := RandomPod(rng)
	// Fewer hard constraints than the filters' generator, so that most pods
	// have several feasible nodes to score.
	if rng.IntN(2) == 0 {
		p.Spec.NodeSelector = nil
		p.Spec.NodeName = ""
		delete(p.Spec.Containers[0].Resources.Requests, "example.com/gpu")
		if a := p.Spec.Affinity; a != nil {
			a.NodeAffinity = nil
			a.PodAffinity = nil
		}
	}
	scoringPodExtras(rng, p)
	if rng.IntN(2) == 0 {
		var terms []corev1.PreferredSchedulingTerm
		for range 1 + rng.IntN(3) {
			t := corev1.PreferredSchedulingTerm{Weight: pick[int32](rng, 0, 1, 10, 50, 100), Preference: randomNodeSelectorTerm(rng)}
			if rng.IntN(6) > 0 { // mostly well-formed
				for i := range t.Preference.MatchExpressions {
					e := &t.Preference.MatchExpressions[i]
					switch e.Operator {
					case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
						e.Values = nil
					case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
						e.Values = []string{"15"}
					default:
						e.Operator = corev1.NodeSelectorOpIn
						e.Values = []string{pick(rng, "a", "b", "ssd")}
					}
				}
				t.Preference.MatchFields = nil
			}
			terms = append(terms, t)
		}
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &corev1.Affinity{}
		}
		p.Spec.Affinity.NodeAffinity = &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution:  requiredOf(p.Spec.Affinity.NodeAffinity),
			PreferredDuringSchedulingIgnoredDuringExecution: terms,
		}
	}
	if rng.IntN(4) == 0 {
		p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: pick(rng, "spot", "old", ""), Operator: pick[corev1.TolerationOperator](rng, "Exists", "Equal"),
			Value: pick(rng, "x", "y", ""), Effect: pick[corev1.TaintEffect](rng, "", corev1.TaintEffectPreferNoSchedule, corev1.TaintEffectNoSchedule)})
	}
	if rng.IntN(8) == 0 && len(p.Spec.TopologySpreadConstraints) > 0 {
		p.Spec.TopologySpreadConstraints[0].WhenUnsatisfiable = corev1.ScheduleAnyway
		if rng.IntN(3) == 0 {
			p.Spec.TopologySpreadConstraints[0].LabelSelector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: "Bogus"}}}
		}
	}
	return p
}

func requiredOf(a *corev1.NodeAffinity) *corev1.NodeSelector {
	if a == nil {
		return nil
	}
	return a.RequiredDuringSchedulingIgnoredDuringExecution
}

// scoringPodExtras gives a pod images, preferred pod (anti-)affinity terms
// and a controller reference.
func scoringPodExtras(rng *rand.Rand, p *corev1.Pod) {
	for i := range p.Spec.Containers {
		p.Spec.Containers[i].Image = pick(rng, podImages...)
	}
	for i := range p.Spec.InitContainers {
		if rng.IntN(2) == 0 {
			p.Spec.InitContainers[i].Image = pick(rng, podImages...)
		}
	}
	if rng.IntN(4) == 0 {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "side", Image: pick(rng, podImages...)})
	}
	if rng.IntN(3) == 0 {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &corev1.Affinity{}
		}
		var terms []corev1.WeightedPodAffinityTerm
		for range 1 + rng.IntN(2) {
			terms = append(terms, corev1.WeightedPodAffinityTerm{Weight: pick[int32](rng, 1, 5, 100), PodAffinityTerm: randomPodTerm(rng)})
		}
		if rng.IntN(2) == 0 {
			if p.Spec.Affinity.PodAffinity == nil {
				p.Spec.Affinity.PodAffinity = &corev1.PodAffinity{}
			}
			p.Spec.Affinity.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution = terms
		} else {
			if p.Spec.Affinity.PodAntiAffinity == nil {
				p.Spec.Affinity.PodAntiAffinity = &corev1.PodAntiAffinity{}
			}
			p.Spec.Affinity.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = terms
		}
	}
	if rng.IntN(2) == 0 {
		owner := pick(rng,
			metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs"},
			metav1.OwnerReference{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "ss"},
			metav1.OwnerReference{APIVersion: "v1", Kind: "ReplicationController", Name: "rc"},
			metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "gone"},
			metav1.OwnerReference{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "ds"},
		)
		owner.UID = types.UID(fmt.Sprintf("uid-%s-%s", owner.Kind, owner.Name))
		controller := rng.IntN(5) > 0
		owner.Controller = &controller
		p.OwnerReferences = []metav1.OwnerReference{owner}
	}
}
