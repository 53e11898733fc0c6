// Package fakecluster is an in-memory Kubernetes cluster for tests and
// demos: client-go's fake clientset plus the parts of the control plane that
// a drain, a budget or a scheduler question depends on, and that the plain
// fake lacks.
//
// What it adds to the fake clientset:
//
//   - pdb/pdbtest's API server: evictions answer as the eviction subresource
//     does (201 with the budget's disruption used and recorded in its
//     status, 429 with the DisruptionBudget cause, 500 for a pod under
//     several budgets, 404, 409 on a UID or resourceVersion precondition);
//     pod deletions are graceful (deletionTimestamp set, the pod removed
//     when its grace period is over and no finalizer is left; pods without
//     terminationGracePeriodSeconds go at once); budget statuses are kept
//     current by a disruption controller built on pdb.Compute. Watches see
//     these changes when they happen, with no request needed to trigger
//     them. Options.Termination makes pods stop sooner than their grace
//     period, or never while their kubelet is unreachable.
//   - Controllers replace what goes away: a ReplicaSet, ReplicationController
//     or Job pod gets a new pod (new name, new UID) as soon as it terminates;
//     a StatefulSet pod is recreated under the same name, with a new UID,
//     once it is gone; a DaemonSet pod on the same node if it still fits.
//     New pods go to the node scheduling's Schedule picks, as kube-scheduler
//     would (its filters and default scoring; ties to the first node by
//     name), run at once and turn Ready after Options.ReadyDelay; pods no
//     node accepts stay Pending until one does. The scheduler's view is
//     kept current change by change (Simulator.Assign and Remove), not
//     rebuilt for each pod; a node change rebuilds it.
//   - Lists and watches honour field selectors (spec.nodeName and the other
//     labels the API server supports) and resourceVersions: a watch from a
//     list's resourceVersion replays exactly what happened since, deletions
//     included, and never overflows.
//   - Every object carries a resourceVersion from one history; updates,
//     merge patches and preconditions with a stale one are refused with 409.
//   - Load builds a cluster from a manifest and starts its workloads.
//
// What it does not do: admission, RBAC, validation, garbage collection,
// Deployments' rollouts (a Deployment's ReplicaSet must be in the cluster),
// scheduling of pods created by the test without a node, readiness of pods
// the test created.
//
// Concurrency: a Cluster is safe for concurrent use. It runs one goroutine
// for its timers (readiness, the end of graceful terminations) and one per
// open watch; Close ends them all. Inside a testing/synctest bubble, create
// the Cluster in the bubble and Close it (t.Cleanup) before the bubble
// ends; grace periods and delays then follow the bubble's clock, so tests
// wait no real time.
package fakecluster
