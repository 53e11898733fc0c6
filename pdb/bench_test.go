package pdb_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/kubeprim/kubeprim/internal/testutil"
	"github.com/kubeprim/kubeprim/pdb"
)

// benchCluster is one namespace with apps workloads of 50 pods each, one
// budget per workload.
func benchCluster(apps int) ([]*policyv1.PodDisruptionBudget, []*corev1.Pod, pdb.ScaleFunc) {
	var budgets []*policyv1.PodDisruptionBudget
	var pods []*corev1.Pod
	for a := range apps {
		app := fmt.Sprintf("app-%d", a)
		budgets = append(budgets, testutil.PDB(app).MaxUnavailable("10%").Status(50, 45, 50, 5).Obj())
		for i := range 50 {
			rs := fmt.Sprintf("%s-rs-%d", app, i%2) // a rollout: two ReplicaSets
			pods = append(pods, testutil.PDBPod(fmt.Sprintf("%s-%d", app, i)).Labels("app", app).
				Controller("apps/v1", "ReplicaSet", rs, types.UID(rs)).Node(fmt.Sprintf("node-%d", i%20)).Obj())
		}
	}
	scale := func(_ string, ref metav1.OwnerReference) (pdb.Scale, error) {
		return pdb.Scale{Controller: types.UID(string(ref.UID)[:len(ref.UID)-5]), Replicas: 50}, nil
	}
	return budgets, pods, scale
}

func BenchmarkCompute(b *testing.B) {
	budgets, pods, scale := benchCluster(1)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := pdb.Compute(budgets[0], pods, scale, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckEviction(b *testing.B) {
	budgets, pods, _ := benchCluster(100)
	b.ReportAllocs()
	for b.Loop() {
		pdb.CheckEviction(pods[len(pods)/2], budgets)
	}
}

func BenchmarkTrackerEvictAll(b *testing.B) {
	budgets, pods, _ := benchCluster(20) // 1,000 pods
	b.ReportAllocs()
	for b.Loop() {
		pdb.NewTracker(budgets, pdb.TrackerOptions{}).EvictAll(pods)
	}
}

func BenchmarkLint(b *testing.B) {
	budgets, pods, scale := benchCluster(20)
	b.ReportAllocs()
	for b.Loop() {
		pdb.Lint(budgets, pods, scale)
	}
}
