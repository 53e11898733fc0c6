// Package pdb answers, ahead of time and exactly as a Kubernetes 1.36 cluster
// would, the questions a PodDisruptionBudget raises before maintenance: what
// status the disruption controller gives a budget, which budgets cover a pod,
// and what the eviction endpoint answers for it.
//
// # The maths
//
// Compute returns the status the disruption controller writes
// (pkg/controller/disruption in kube-controller-manager): expectedPods from
// the scale of the pods' controllers (each controller counted once, a
// Deployment for the pods of all its ReplicaSets) for maxUnavailable and
// percentage minAvailable, from the number of selected pods for integer
// minAvailable; percentages rounded up; currentHealthy counting Ready pods
// that are not being deleted and not recently evicted (disruptedPods younger
// than DeletionTimeout); disruptionsAllowed; the DisruptionAllowed condition
// with the controller's reasons; and the fail-closed status the controller
// writes when it cannot find a scale. The scale lookup is a ScaleFunc:
// ClientScale reads it through a client in the controller's order, tests
// pass a map.
//
// Covering says which budgets cover a pod with policy/v1 selector semantics:
// an empty selector selects every pod of the namespace, a nil selector none.
//
// CheckEviction says what the eviction endpoint (policy/v1 Eviction, the
// pods/eviction subresource) answers now, in the API server's order of checks
// and with its status codes, messages and DisruptionBudget causes, and names
// the budgets involved, which the API server does not do for a pod covered by
// several.
//
// # What-if and lint
//
// A Tracker accounts for a sequence of evictions, across nodes, against one
// set of budgets: each eviction sees what the earlier ones left, recorded
// the way the API server and the disruption controller record it. A drain of
// many nodes at once asks it before every eviction so that, together, the
// drains never ask for more than the budgets allow.
//
// Lint reports budgets that will surprise a maintenance window: invalid
// ones, ones that can never allow a disruption (maxUnavailable 0,
// minAvailable 100% or at the replicas, a single replica), ones selecting no
// pod, overlapping ones (the eviction API answers 500), percentages over
// pods without a controller, budgets the controller cannot compute, has not
// observed, or failed to sync. Each Finding names the budget, a Severity and
// what to do.
//
// # What it does not do
//
// The package reads nothing by itself except through ClientScale, writes
// nothing, and never waits. It does not emulate admission (a terminating
// namespace answers 403), API priority and fairness, or the races the API
// server guards with resource versions; pdb/pdbtest adds those to the
// client-go fake clientset. The policy/v1beta1 API, whose empty selector
// selects nothing, is out of scope.
//
// # Invariants and concurrency
//
// Functions never modify their arguments (budgets and pods are read, copies
// are returned) and never panic on bad input: an invalid budget is an
// *InvalidBudgetError naming it, a budget the controller cannot compute a
// *SyncError with the controller's message. Everything is safe for concurrent
// use as long as the ScaleFunc passed in is.
package pdb
