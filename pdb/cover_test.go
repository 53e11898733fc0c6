package pdb_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/pdb"
)

func TestCovering(t *testing.T) {
	t.Parallel()
	web := testutil.PDB("web").Obj()
	all := testutil.PDB("all").Selector(&metav1.LabelSelector{}).Obj()
	none := testutil.PDB("none").Selector(nil).Obj()
	otherNamespace := testutil.PDB("web").Namespace("other").Obj()
	broken := testutil.PDB("broken").Selector(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "app", Operator: metav1.LabelSelectorOpIn}}}).Obj() // In needs values
	notIn := testutil.PDB("not-api").Selector(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "app", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"api"}}}}).Obj()
	budgets := []*policyv1.PodDisruptionBudget{web, all, none, otherNamespace, broken, nil, notIn}

	tests := []struct {
		name string
		pod  *corev1.Pod
		want []*policyv1.PodDisruptionBudget
	}{
		{"web pod", testutil.PDBPod("w").Labels("app", "web").Obj(), []*policyv1.PodDisruptionBudget{web, all, notIn}},
		{"api pod", testutil.PDBPod("a").Labels("app", "api").Obj(), []*policyv1.PodDisruptionBudget{all}},
		{"unlabelled pod", testutil.PDBPod("u").Obj(), []*policyv1.PodDisruptionBudget{all, notIn}},
		{"pod of another namespace", testutil.PDBPod("w").Namespace("other").Labels("app", "web").Obj(), []*policyv1.PodDisruptionBudget{otherNamespace}},
		{"pod of a namespace without budgets", testutil.PDBPod("w").Namespace("empty").Labels("app", "web").Obj(), nil},
		{"nil pod", nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, pdb.Covering(tc.pod, budgets))
		})
	}
}
