package scheduling_test

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/kubeprim/kubeprim/scheduling"
)

// These declarations fail to compile when a name DESIGN.md promises
// ("Contract: names that exist") is renamed or changes its signature.
var (
	_ func(*corev1.Pod) corev1.ResourceList                                     = scheduling.PodRequests
	_ func([]*corev1.Node, []*corev1.Pod) (*scheduling.Simulator, error)        = scheduling.NewSimulator
	_ func(*scheduling.Simulator, *corev1.Pod, string) scheduling.Status        = (*scheduling.Simulator).Filter
	_ func(*scheduling.Simulator, *corev1.Pod) ([]string, scheduling.Diagnosis) = (*scheduling.Simulator).Feasible
	_ func(*scheduling.Simulator, *corev1.Pod) (scheduling.Decision, error)     = (*scheduling.Simulator).Schedule
	_ func(scheduling.Status) bool                                              = scheduling.Status.IsSuccess
	_ func(scheduling.Code) string                                              = scheduling.Code.String
	_ error                                                                     = scheduling.Diagnosis{}
	_                                                                           = scheduling.Status{Code: scheduling.Success, Plugin: "", Reasons: []string(nil)}
	_                                                                           = []scheduling.Code{scheduling.Unschedulable, scheduling.UnschedulableAndUnresolvable}
	_ string                                                                    = scheduling.Decision{}.Node
	_ int64                                                                     = scheduling.Decision{}.Score
)
