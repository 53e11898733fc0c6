package conformance

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/kubernetes/pkg/kubelet/lifecycle"
	schedulerframework "k8s.io/kubernetes/pkg/scheduler/framework"

	"github.com/kubeprim/kubeprim/internal/testutil/schedgen"
	"github.com/kubeprim/kubeprim/scheduling"
)

// keepReasons is an AdmissionFailureHandler that recovers from nothing:
// the kubelet's own handler only evicts pods to admit critical pods, which
// the Simulator does not model.
type keepReasons struct{}

func (keepReasons) HandleAdmissionFailure(_ context.Context, _ *corev1.Pod, reasons []lifecycle.PredicateFailureReason) ([]lifecycle.PredicateFailureReason, error) {
	return reasons, nil
}

// TestAdmitAgainstKubelet binds random pods to random nodes of random
// clusters and compares Simulator.Admit with the kubelet's predicate
// admission handler (lifecycle.NewPredicateAdmitHandler) given the node and
// the other pods on it: the same verdict, reason and message.
func TestAdmitAgainstKubelet(t *testing.T) {
	cases := 3000
	if testing.Short() {
		cases = 200
	}
	rng := rand.New(rand.NewPCG(2026, 5))
	rejected := map[string]int{}
	for i := range cases {
		c := schedgen.RandomScoringCluster(rng)
		pod := schedgen.RandomScoringPod(rng)
		node := c.Nodes[rng.IntN(len(c.Nodes))]
		if rng.IntN(6) > 0 {
			pod.Spec.NodeName = node.Name
		}
		if rng.IntN(5) == 0 {
			pod.Spec.Tolerations = append(pod.Spec.Tolerations, corev1.Toleration{Key: "dedicated", Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute})
		}
		if rng.IntN(8) == 0 {
			pod.Annotations = map[string]string{"kubernetes.io/config.source": "file"}
		}
		t.Run(fmt.Sprintf("case%04d", i), func(t *testing.T) {
			sim, err := scheduling.NewSimulator(c.Nodes, c.Pods)
			if err != nil {
				t.Fatal(err)
			}
			got, err := sim.Admit(pod, node.Name)
			if err != nil {
				t.Fatal(err)
			}
			var others []*corev1.Pod
			for _, p := range c.Pods {
				if p.Spec.NodeName == node.Name && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed &&
					!(p.Namespace == pod.Namespace && p.Name == pod.Name) {
					others = append(others, p)
				}
			}
			handler := lifecycle.NewPredicateAdmitHandler(
				func(context.Context, bool) (*corev1.Node, error) { return node.DeepCopy(), nil },
				keepReasons{},
				func(*schedulerframework.NodeInfo, *lifecycle.PodAdmitAttributes) error { return nil })
			want := handler.Admit(&lifecycle.PodAdmitAttributes{Pod: pod, OtherPods: others})
			if got.Admit != want.Admit || got.Reason != want.Reason || got.Message != want.Message {
				t.Errorf("Simulator %+v, kubelet %+v\npod: %s", got, want, describe(pod))
			}
			rejected[want.Reason]++
		})
	}
	t.Logf("kubelet reasons over %d cases: %v", cases, rejected)
}
