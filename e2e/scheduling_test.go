package e2e_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	nodev1 "k8s.io/api/node/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/utils/ptr"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
	"github.com/kubeprim/kubeprim/scheduling"
)

// The clusters and pods come from schedgen, the generator that also drives
// the in-process conformance test, adapted to what a real API server
// accepts: priorities through PriorityClasses, overhead through a
// RuntimeClass, extended resources with limits, terminating pods by a real
// graceful deletion that kwok holds for an hour.
const (
	schedLabel       = "kubeprim.dev/e2e-scheduling"
	overheadClass    = "e2e-overhead"
	holdDeletion     = "pod-delete.stage.kwok.x-k8s.io/delay"
	otherNamespace   = "other" // schedgen's second namespace
	maxEventNoteSize = 1024    // the events API's note limit, which the scheduler truncates to
)

// Pods created one at a time on random kwok clusters go Pending exactly when
// the Simulator, given the cluster as it was just before, finds no feasible
// node; they land only on nodes it finds feasible; and the pod's
// PodScheduled message and its FailedScheduling event equal
// Diagnosis.Error().
func TestSchedulingMatchesKubeScheduler(t *testing.T) {
	const scenarios, incoming = 8, 20
	seed := testSeed(t)
	setUpSchedulingObjects(t)

	var total, pending, bound, rejected int
	for i := range scenarios {
		t.Run(fmt.Sprintf("scenario-%d", i), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, uint64(i)))
			p, b, r := runSchedulingScenario(t, rng, incoming)
			pending, bound, rejected = pending+p, bound+b, rejected+r
			total += incoming
		})
	}
	t.Logf("%d pods: %d Pending as predicted, %d bound to a predicted node, %d refused by the API server", total, pending, bound, rejected)
	assert.Positive(t, pending, "some pods must fail to schedule, or the messages were never compared")
	assert.Positive(t, bound, "some pods must schedule")
}

// setUpSchedulingObjects creates what schedgen's pods refer to: the
// namespaces' team labels, PriorityClasses for its priorities and a
// RuntimeClass carrying its overhead.
func setUpSchedulingObjects(t *testing.T) {
	ctx := t.Context()
	client := kube.Client()
	_, err := client.CoreV1().Namespaces().Patch(ctx, metav1.NamespaceDefault, "application/merge-patch+json",
		[]byte(`{"metadata":{"labels":{"team":"a"}}}`), metav1.PatchOptions{})
	require.NoError(t, err)
	_, err = client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{
		Name: otherNamespace, Labels: map[string]string{"team": "b"}}}, metav1.CreateOptions{})
	require.NoError(t, err)
	waitUntil(t, 30*time.Second, "default ServiceAccount in "+otherNamespace, func(ctx context.Context) error {
		_, err := client.CoreV1().ServiceAccounts(otherNamespace).Get(ctx, "default", metav1.GetOptions{})
		return err
	})
	for _, v := range []int32{0, 100, 200} {
		_, err := client.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{
			ObjectMeta: metav1.ObjectMeta{Name: priorityClass(v)}, Value: v}, metav1.CreateOptions{})
		require.NoError(t, err)
		_, err = client.SchedulingV1().PriorityClasses().Create(ctx, &schedulingv1.PriorityClass{
			ObjectMeta: metav1.ObjectMeta{Name: priorityClass(v) + "-never"}, Value: v,
			PreemptionPolicy: ptr.To(corev1.PreemptNever)}, metav1.CreateOptions{})
		require.NoError(t, err)
	}
	_, err = client.NodeV1().RuntimeClasses().Create(ctx, &nodev1.RuntimeClass{
		ObjectMeta: metav1.ObjectMeta{Name: overheadClass}, Handler: "runc",
		Overhead: &nodev1.Overhead{PodFixed: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("250m"), corev1.ResourceMemory: resource.MustParse("120Mi")}},
	}, metav1.CreateOptions{})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx := context.Background()
		_ = client.CoreV1().Namespaces().Delete(ctx, otherNamespace, metav1.DeleteOptions{})
		for _, v := range []int32{0, 100, 200} {
			_ = client.SchedulingV1().PriorityClasses().Delete(ctx, priorityClass(v), metav1.DeleteOptions{})
			_ = client.SchedulingV1().PriorityClasses().Delete(ctx, priorityClass(v)+"-never", metav1.DeleteOptions{})
		}
		_ = client.NodeV1().RuntimeClasses().Delete(ctx, overheadClass, metav1.DeleteOptions{})
		// The namespace controller empties the namespace first; the next
		// run (-count) creates it again.
		waitUntilCtx(ctx, t, time.Minute, "namespace "+otherNamespace+" deleted", func(ctx context.Context) error {
			_, err := client.CoreV1().Namespaces().Get(ctx, otherNamespace, metav1.GetOptions{})
			if apierrors.IsNotFound(err) {
				return nil
			}
			if err == nil {
				err = fmt.Errorf("still there")
			}
			return err
		})
	})
}

func priorityClass(v int32) string { return fmt.Sprintf("e2e-priority-%d", v) }

func runSchedulingScenario(t *testing.T, rng *rand.Rand, incoming int) (pending, bound, rejected int) {
	ctx := t.Context()
	gen := schedgen.RandomClusterSized(rng, 6, 20)
	createSchedulingNodes(t, gen.Nodes)
	t.Cleanup(func() { deleteSchedulingPods(t) })
	for _, p := range gen.Pods {
		createExistingPod(t, gen.Nodes, p)
	}
	waitUntil(t, time.Minute, "no pod terminating but those held on purpose", func(ctx context.Context) error {
		return onlyHeldPodsTerminating(ctx)
	})

	for i := range incoming {
		manifest := adaptPod(schedgen.RandomPod(rng), fmt.Sprintf("incoming-%d", i))
		manifest.Spec.NodeName = "" // a pod with nodeName never meets the scheduler
		manifest.Status = corev1.PodStatus{}

		sim := snapshot(t)
		created, err := kube.Client().CoreV1().Pods(manifest.Namespace).Create(ctx, manifest, metav1.CreateOptions{})
		if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) || apierrors.IsBadRequest(err) {
			rejected++
			t.Logf("%s refused: %v", manifest.Name, err)
			continue
		}
		require.NoError(t, err)
		feasible, diag := sim.Feasible(created)
		outcome := waitForScheduling(t, created)
		if len(feasible) == 0 {
			pending++
			if assert.Empty(t, outcome.node, "%s: the Simulator finds no node (%s) but the scheduler bound it", created.Name, diag.Error()) {
				assert.Equal(t, diag.Error(), outcome.message, "%s: PodScheduled message", created.Name)
				assert.Equal(t, truncateNote(diag.Error()), failedSchedulingEvent(t, created), "%s: FailedScheduling event", created.Name)
			}
		} else {
			bound++
			if assert.NotEmpty(t, outcome.node, "%s: the Simulator finds %v feasible but the scheduler says %q", created.Name, feasible, outcome.message) {
				assert.Contains(t, feasible, outcome.node, "%s: bound to a node the Simulator rejects: %v", created.Name, diag.Status(outcome.node))
			}
		}
		if outcome.node == "" {
			// A Pending pod would be retried, and maybe bound, later; and a
			// preemption it caused must finish before the next snapshot.
			forceDelete(t, created)
			waitUntil(t, time.Minute, "preemption victims to be gone", onlyHeldPodsTerminating)
		}
	}
	return pending, bound, rejected
}

// createSchedulingNodes creates the generated nodes and waits until the
// controllers have reacted to them: Ready without the not-ready taint, and
// cordoned nodes tainted unschedulable.
func createSchedulingNodes(t *testing.T, nodes []*corev1.Node) {
	t.Helper()
	for _, n := range nodes {
		n = n.DeepCopy()
		if n.Labels == nil {
			n.Labels = map[string]string{}
		}
		n.Labels[schedLabel] = "true"
		createNodes(t, n)
		if n.Spec.Unschedulable {
			waitUntil(t, 30*time.Second, "the unschedulable taint on "+n.Name, func(ctx context.Context) error {
				got, err := kube.Client().CoreV1().Nodes().Get(ctx, n.Name, metav1.GetOptions{})
				if err != nil {
					return err
				}
				if !slices.ContainsFunc(got.Spec.Taints, func(tt corev1.Taint) bool { return tt.Key == corev1.TaintNodeUnschedulable }) {
					return fmt.Errorf("no %s taint yet", corev1.TaintNodeUnschedulable)
				}
				return nil
			})
		}
	}
}

// adaptPod turns a schedgen pod into one the API server accepts with the
// same meaning for the scheduler.
func adaptPod(p *corev1.Pod, name string) *corev1.Pod {
	p = p.DeepCopy()
	p.Name, p.UID = name, ""
	p.Labels[schedLabel] = "true"
	p.Annotations = map[string]string{}
	for k, v := range fastKwok {
		p.Annotations[k] = v
	}
	p.Spec.TerminationGracePeriodSeconds = ptr.To[int64](1)
	if p.Spec.Priority != nil {
		p.Spec.PriorityClassName = priorityClass(*p.Spec.Priority)
		if p.Spec.PreemptionPolicy != nil && *p.Spec.PreemptionPolicy == corev1.PreemptNever {
			p.Spec.PriorityClassName += "-never"
		}
		p.Spec.Priority, p.Spec.PreemptionPolicy = nil, nil
	} else if p.Spec.PreemptionPolicy != nil {
		p.Spec.PriorityClassName = priorityClass(0) + "-never"
		p.Spec.PreemptionPolicy = nil
	}
	makeValid(p)
	if p.Spec.Overhead != nil {
		p.Spec.RuntimeClassName = ptr.To(overheadClass)
		p.Spec.Overhead = nil
	}
	for _, cs := range [][]corev1.Container{p.Spec.InitContainers, p.Spec.Containers} {
		for i := range cs {
			cs[i].Image = "registry.k8s.io/pause:3.10"
			// Extended resources need a limit equal to the request.
			for res, q := range cs[i].Resources.Requests {
				if strings.Contains(string(res), "/") {
					if cs[i].Resources.Limits == nil {
						cs[i].Resources.Limits = corev1.ResourceList{}
					}
					cs[i].Resources.Limits[res] = q
				}
			}
		}
	}
	return p
}

// makeValid repairs what schedgen generates on purpose for the Simulator's
// robustness but the API server refuses, keeping the pod's intent: empty or
// malformed node selector terms, tolerations and spread constraints that
// validation rejects, user namespaces with the host network. Malformed
// label selectors stay, and are refused.
func makeValid(p *corev1.Pod) {
	p.Spec.HostUsers = nil
	for i := range p.Spec.Tolerations {
		tol := &p.Spec.Tolerations[i]
		if tol.Key == "" {
			tol.Operator = corev1.TolerationOpExists
		}
		if tol.Operator == corev1.TolerationOpExists {
			tol.Value = ""
		}
	}
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil && a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil {
		required := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		for i := range required.NodeSelectorTerms {
			term := &required.NodeSelectorTerms[i]
			for j := range term.MatchExpressions {
				req := &term.MatchExpressions[j]
				switch req.Operator {
				case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
					req.Values = nil
				case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt:
					req.Values = []string{"15"}
				case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
					if len(req.Values) == 0 {
						req.Values = []string{"a"}
					}
				default:
					req.Operator, req.Values = corev1.NodeSelectorOpIn, []string{"a"}
				}
			}
			term.MatchFields = slices.DeleteFunc(term.MatchFields, func(req corev1.NodeSelectorRequirement) bool {
				return req.Key != "metadata.name" || (req.Operator != corev1.NodeSelectorOpIn && req.Operator != corev1.NodeSelectorOpNotIn)
			})
			for j := range term.MatchFields {
				term.MatchFields[j].Values = term.MatchFields[j].Values[:1]
			}
		}
		if len(required.NodeSelectorTerms) == 0 {
			a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = nil
		}
	}
	seen := map[string]bool{}
	p.Spec.TopologySpreadConstraints = slices.DeleteFunc(p.Spec.TopologySpreadConstraints, func(c corev1.TopologySpreadConstraint) bool {
		key := c.TopologyKey + "/" + string(c.WhenUnsatisfiable)
		dup := seen[key]
		seen[key] = true
		return dup
	})
	for i := range p.Spec.TopologySpreadConstraints {
		c := &p.Spec.TopologySpreadConstraints[i]
		if c.WhenUnsatisfiable != corev1.DoNotSchedule {
			c.MinDomains = nil
		}
		if c.LabelSelector == nil {
			c.MatchLabelKeys = nil
		}
	}
}

// createExistingPod creates a pod the scheduler finds already on its node
// (or, unbound, held back by a scheduling gate), terminating when schedgen
// says so. Pods on a node with a NoExecute taint tolerate it, or the taint
// manager would evict them under the test.
func createExistingPod(t *testing.T, nodes []*corev1.Node, gen *corev1.Pod) {
	t.Helper()
	p := adaptPod(gen, gen.Name)
	terminating := p.DeletionTimestamp != nil
	p.DeletionTimestamp, p.Finalizers = nil, nil
	p.Status = corev1.PodStatus{}
	if p.Spec.NodeName == "" {
		p.Spec.SchedulingGates = []corev1.PodSchedulingGate{{Name: "kubeprim.dev/e2e-hold"}}
	}
	for _, n := range nodes {
		if n.Name != p.Spec.NodeName {
			continue
		}
		for _, taint := range n.Spec.Taints {
			if taint.Effect == corev1.TaintEffectNoExecute {
				p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: taint.Key, Operator: corev1.TolerationOpExists})
			}
		}
	}
	if terminating {
		p.Annotations[holdDeletion] = "1h"
	}
	created, err := kube.Client().CoreV1().Pods(p.Namespace).Create(t.Context(), p, metav1.CreateOptions{})
	if apierrors.IsInvalid(err) || apierrors.IsForbidden(err) {
		t.Logf("existing pod %s refused: %v", p.Name, err)
		return
	}
	require.NoError(t, err)
	if terminating {
		require.NoError(t, kube.Client().CoreV1().Pods(p.Namespace).Delete(t.Context(), created.Name,
			metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](3600)}))
	}
}

// snapshot builds a Simulator from the cluster as the API server has it.
func snapshot(t *testing.T) *scheduling.Simulator {
	t.Helper()
	ctx := t.Context()
	nodeList, err := kube.Client().CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	podList, err := kube.Client().CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	nsList, err := kube.Client().CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
	require.NoError(t, err)
	nodes := make([]*corev1.Node, len(nodeList.Items))
	exists := map[string]bool{}
	for i := range nodeList.Items {
		nodes[i] = &nodeList.Items[i]
		exists[nodes[i].Name] = true
	}
	// Pods of earlier tests may outlive their nodes while their namespace
	// is being deleted; the scheduler keeps them out of its snapshot too.
	var pods []*corev1.Pod
	for i := range podList.Items {
		if exists[podList.Items[i].Spec.NodeName] {
			pods = append(pods, &podList.Items[i])
		}
	}
	namespaces := make([]*corev1.Namespace, len(nsList.Items))
	for i := range nsList.Items {
		namespaces[i] = &nsList.Items[i]
	}
	sim, err := scheduling.NewSimulator(nodes, pods)
	require.NoError(t, err)
	require.NoError(t, sim.SetNamespaces(namespaces))
	return sim
}

type schedulingOutcome struct {
	node    string // the node the pod was bound to, or empty
	message string // the PodScheduled=False message when it was not
}

// waitForScheduling watches the pod until the scheduler has bound it or
// marked it unschedulable, whichever it does first.
func waitForScheduling(t *testing.T, pod *corev1.Pod) schedulingOutcome {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	w, err := kube.Client().CoreV1().Pods(pod.Namespace).Watch(ctx, metav1.ListOptions{
		FieldSelector:   fields.OneTermEqualSelector("metadata.name", pod.Name).String(),
		ResourceVersion: pod.ResourceVersion,
	})
	require.NoError(t, err)
	defer w.Stop()
	for ev := range w.ResultChan() {
		p, ok := ev.Object.(*corev1.Pod)
		if !ok {
			continue
		}
		if p.Spec.NodeName != "" {
			return schedulingOutcome{node: p.Spec.NodeName}
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
				return schedulingOutcome{message: c.Message}
			}
		}
	}
	require.FailNow(t, "the scheduler neither bound nor rejected "+pod.Name, "%v", ctx.Err())
	return schedulingOutcome{}
}

// failedSchedulingEvent waits for the scheduler's FailedScheduling event of
// the pod and returns its message.
func failedSchedulingEvent(t *testing.T, pod *corev1.Pod) string {
	t.Helper()
	var message string
	waitUntil(t, 30*time.Second, "the FailedScheduling event of "+pod.Name, func(ctx context.Context) error {
		events, err := kube.Client().CoreV1().Events(pod.Namespace).List(ctx, metav1.ListOptions{
			FieldSelector: fields.SelectorFromSet(fields.Set{
				"involvedObject.name": pod.Name, "involvedObject.uid": string(pod.UID), "reason": "FailedScheduling",
			}).String(),
		})
		if err != nil {
			return err
		}
		if len(events.Items) == 0 {
			return fmt.Errorf("no event yet")
		}
		message = events.Items[0].Message
		return nil
	})
	return message
}

func truncateNote(s string) string {
	if len(s) <= maxEventNoteSize {
		return s
	}
	const suffix = " ..."
	return s[:maxEventNoteSize-len(suffix)] + suffix
}

func forceDelete(t *testing.T, pod *corev1.Pod) {
	t.Helper()
	err := kube.Client().CoreV1().Pods(pod.Namespace).Delete(t.Context(), pod.Name, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)})
	if !apierrors.IsNotFound(err) {
		require.NoError(t, err)
	}
}

// onlyHeldPodsTerminating holds when every terminating pod is one the test
// made terminating on purpose.
func onlyHeldPodsTerminating(ctx context.Context) error {
	pods, err := kube.Client().CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: schedLabel})
	if err != nil {
		return err
	}
	for _, p := range pods.Items {
		if p.DeletionTimestamp != nil && p.Annotations[holdDeletion] == "" {
			return fmt.Errorf("pod %s/%s is terminating", p.Namespace, p.Name)
		}
	}
	return nil
}

// deleteSchedulingPods removes the scenario's pods at once, terminating ones
// included, so the next scenario starts from nodes only.
func deleteSchedulingPods(t *testing.T) {
	ctx := context.Background()
	for _, ns := range []string{metav1.NamespaceDefault, otherNamespace} {
		err := kube.Client().CoreV1().Pods(ns).DeleteCollection(ctx, metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)},
			metav1.ListOptions{LabelSelector: schedLabel})
		if err != nil {
			t.Errorf("delete the scheduling pods in %s: %v", ns, err)
		}
	}
	waitUntilCtx(ctx, t, time.Minute, "the scheduling pods to be gone", func(ctx context.Context) error {
		pods, err := kube.Client().CoreV1().Pods(metav1.NamespaceAll).List(ctx, metav1.ListOptions{LabelSelector: schedLabel})
		if err != nil {
			return err
		}
		if n := len(pods.Items); n > 0 {
			return fmt.Errorf("%d left", n)
		}
		return nil
	})
}
