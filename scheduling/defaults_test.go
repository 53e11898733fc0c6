package scheduling

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestApplyDefaultsRequests(t *testing.T) {
	pod := specPod(
		[]corev1.Container{{Name: "i", Resources: corev1.ResourceRequirements{Limits: rl("cpu", "2")}}},
		[]corev1.Container{
			{Name: "a", Resources: corev1.ResourceRequirements{Limits: rl("cpu", "1", "memory", "1Gi")}},
			{Name: "b", Resources: corev1.ResourceRequirements{Limits: rl("cpu", "1", "memory", "1Gi"), Requests: rl("cpu", "250m")}},
		})
	assertSameList(t, rl("cpu", "250m"), PodRequests(pod)) // before defaulting only b's explicit request counts
	ApplyDefaults(pod)
	assertSameList(t, rl("cpu", "1", "memory", "1Gi"), pod.Spec.Containers[0].Resources.Requests)
	assertSameList(t, rl("cpu", "250m", "memory", "1Gi"), pod.Spec.Containers[1].Resources.Requests)
	assertSameList(t, rl("cpu", "2"), pod.Spec.InitContainers[0].Resources.Requests)
	// max(init 2, sum 1.25) cpu; memory 2Gi.
	assertSameList(t, rl("cpu", "2", "memory", "2Gi"), PodRequests(pod))
}

func TestApplyDefaultsPodLevel(t *testing.T) {
	pod := specPod(nil, []corev1.Container{ctr("a", rl("cpu", "500m"))})
	pod.Spec.Resources = &corev1.ResourceRequirements{Limits: rl("cpu", "2", "memory", "1Gi")}
	ApplyDefaults(pod)
	// cpu from the containers' aggregate (overcommittable), memory from the
	// pod-level limit (no container requests it).
	assertSameList(t, rl("cpu", "500m", "memory", "1Gi"), pod.Spec.Resources.Requests)

	huge := specPod(nil, []corev1.Container{{Name: "a", Resources: corev1.ResourceRequirements{Limits: rl("hugepages-2Mi", "4Mi", "memory", "1Gi")}}})
	huge.Spec.Resources = &corev1.ResourceRequirements{Requests: rl("memory", "1Gi")}
	ApplyDefaults(huge)
	assertSameList(t, rl("hugepages-2Mi", "4Mi"), huge.Spec.Resources.Limits)
	// The hugepage limit just defaulted makes the pod-level request default
	// to it too (defaultHugePagePodLimits runs before defaultPodRequests).
	assertSameList(t, rl("memory", "1Gi", "hugepages-2Mi", "4Mi"), huge.Spec.Resources.Requests)

	none := specPod(nil, []corev1.Container{ctr("a", rl("cpu", "1"))})
	ApplyDefaults(none)
	assert.Nil(t, none.Spec.Resources)
}

func TestApplyDefaultsPorts(t *testing.T) {
	pod := makePod("p", func(p *corev1.Pod) {
		p.Spec.HostNetwork = true
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080}, {ContainerPort: 9090, HostPort: 9999, Protocol: corev1.ProtocolUDP}}
		p.Spec.InitContainers = []corev1.Container{{Name: "i", Ports: []corev1.ContainerPort{{ContainerPort: 53}}}}
	})
	ApplyDefaults(pod)
	assert.Equal(t, []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080, Protocol: corev1.ProtocolTCP}, {ContainerPort: 9090, HostPort: 9999, Protocol: corev1.ProtocolUDP}}, pod.Spec.Containers[0].Ports)
	assert.Equal(t, []corev1.ContainerPort{{ContainerPort: 53, HostPort: 53, Protocol: corev1.ProtocolTCP}}, pod.Spec.InitContainers[0].Ports)
	assert.Equal(t, corev1.DefaultSchedulerName, pod.Spec.SchedulerName)

	plain := makePod("p", hostPorts(corev1.ContainerPort{ContainerPort: 8080}))
	ApplyDefaults(plain)
	assert.Equal(t, []corev1.ContainerPort{{ContainerPort: 8080, Protocol: corev1.ProtocolTCP}}, plain.Spec.Containers[0].Ports)
}

func TestApplyDefaultsLabelKeys(t *testing.T) {
	pod := makePod("p", podLabels("app", "web", "version", "v2"),
		podAntiAffinity(
			corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: selector("app", "web"), MatchLabelKeys: []string{"version", "absent"}, MismatchLabelKeys: []string{"app"}},
			corev1.PodAffinityTerm{TopologyKey: zoneKey, MatchLabelKeys: []string{"version"}}, // nil selector stays nil
		),
		spread(zoneSpread(1, selector("app", "web"), func(c *corev1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"version"} })))
	ApplyDefaults(pod)
	terms := pod.Spec.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution
	assert.Equal(t, []metav1.LabelSelectorRequirement{
		{Key: "version", Operator: metav1.LabelSelectorOpIn, Values: []string{"v2"}},
		{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"web"}},
	}, terms[0].LabelSelector.MatchExpressions)
	assert.Nil(t, terms[1].LabelSelector)
	assert.Equal(t, []metav1.LabelSelectorRequirement{{Key: "version", Operator: metav1.LabelSelectorOpIn, Values: []string{"v2"}}},
		pod.Spec.TopologySpreadConstraints[0].LabelSelector.MatchExpressions)
}

func TestApplyDefaultsTolerations(t *testing.T) {
	seconds := int64(300)
	notReady := corev1.Toleration{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds}
	unreachable := corev1.Toleration{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: &seconds}
	tests := []struct {
		name string
		have []corev1.Toleration
		want []corev1.Toleration
	}{
		{name: "none", want: []corev1.Toleration{notReady, unreachable}},
		{name: "tolerate everything", have: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}, want: []corev1.Toleration{{Operator: corev1.TolerationOpExists}}},
		{name: "not-ready with any effect",
			have: []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists}},
			want: []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists}, unreachable}},
		{name: "a NoSchedule toleration does not count",
			have: []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}},
			want: []corev1.Toleration{{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}, notReady, unreachable}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pod := makePod("p", tolerate(tc.have...))
			ApplyDefaults(pod)
			assert.Equal(t, tc.want, pod.Spec.Tolerations)
		})
	}
}

func TestApplyDefaultsIdempotent(t *testing.T) {
	pod := makePod("p", podLabels("app", "web", "version", "v2"),
		func(p *corev1.Pod) {
			p.Spec.HostNetwork = true
			p.Spec.Containers[0].Resources.Limits = rl("cpu", "1")
			p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 80}}
			p.Spec.Resources = &corev1.ResourceRequirements{Limits: rl("memory", "1Gi")}
		},
		podAffinity(corev1.PodAffinityTerm{TopologyKey: zoneKey, LabelSelector: selector("app", "web"), MatchLabelKeys: []string{"version"}}))
	ApplyDefaults(pod)
	once := pod.DeepCopy()
	ApplyDefaults(pod)
	require.Equal(t, once, pod)
	ApplyDefaults(nil) // no panic
}
