package pdb_test

import (
	"errors"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/pdb"
)

// FuzzBudget feeds budgets as they come from manifests (any minAvailable or
// maxUnavailable string, any selector) to Compute, CheckEviction and Lint:
// none may panic, statuses never allow a negative number of disruptions,
// and errors are the typed ones.
func FuzzBudget(f *testing.F) {
	f.Add("2", "", "app", "In", "web", uint8(3), uint8(0b101))
	f.Add("", "50%", "app", "NotIn", "api", uint8(4), uint8(0b1111))
	f.Add("100%", "", "", "Exists", "", uint8(1), uint8(1))
	f.Add("5.5%", "x", "a b", "Foo", "c", uint8(2), uint8(2))
	f.Add("-1", "-3%", "app", "DoesNotExist", "", uint8(0), uint8(0))
	f.Add("", "", "app", "In", "", uint8(5), uint8(0b11111))
	f.Fuzz(func(t *testing.T, minAvailable, maxUnavailable, key, operator, value string, pods, ready uint8) {
		builder := testutil.PDB("web").Selector(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
			{Key: key, Operator: metav1.LabelSelectorOperator(operator), Values: []string{value}},
		}})
		if minAvailable != "" {
			builder.MinAvailable(intstr.Parse(minAvailable))
		}
		if maxUnavailable != "" {
			builder.MaxUnavailable(intstr.Parse(maxUnavailable))
		}
		budget := builder.Obj()
		var all []*corev1.Pod
		for i := range int(pods % 8) {
			pod := webPod(fmt.Sprintf("web-%d", i), "rs-web-1").Labels(key, value)
			if ready&(1<<i) == 0 {
				pod.NotReady()
			}
			all = append(all, pod.Obj())
		}

		status, err := pdb.Compute(budget, all, workloads.lookup, now)
		if status.DisruptionsAllowed < 0 {
			t.Errorf("Compute(%v) allows %d disruptions", budget.Spec, status.DisruptionsAllowed)
		}
		var syncErr *pdb.SyncError
		var invalid *pdb.InvalidBudgetError
		if err != nil && !errors.As(err, &syncErr) && !errors.As(err, &invalid) {
			t.Errorf("Compute(%v) error %v is neither a SyncError nor an InvalidBudgetError", budget.Spec, err)
		}
		if (pdb.Validate(budget) == nil) != !errors.As(err, &invalid) {
			t.Errorf("Validate and Compute disagree on %v: %v", budget.Spec, err)
		}

		budget.Status = status
		budgets := []*policyv1.PodDisruptionBudget{budget}
		for _, pod := range all {
			d := pdb.CheckEviction(pod, budgets)
			if d.Allowed != (d.Err == nil) {
				t.Errorf("CheckEviction: Allowed %v with error %v", d.Allowed, d.Err)
			}
		}
		pdb.Lint(budgets, all, workloads.lookup)
		pdb.NewTracker(budgets, pdb.TrackerOptions{}).EvictAll(all)
	})
}
