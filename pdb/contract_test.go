package pdb_test

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/kubeprim/kubeprim/pdb"
)

// These declarations fail to compile when a name DESIGN.md promises
// ("Contract: names that exist") is renamed or changes its signature.
var (
	_ func(*policyv1.PodDisruptionBudget, []*corev1.Pod, pdb.ScaleFunc, time.Time) (policyv1.PodDisruptionBudgetStatus, error) = pdb.Compute
	_ func(string, metav1.OwnerReference) (pdb.Scale, error)                                                                   = pdb.ScaleFunc(nil)
	_ func(context.Context, kubernetes.Interface) pdb.ScaleFunc                                                                = pdb.ClientScale
	_                                                                                                                          = pdb.Scale{Controller: types.UID(""), Replicas: int32(0)}
)
