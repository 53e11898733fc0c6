// Package drain cordons nodes and evicts their pods gracefully, without ever
// breaking a PodDisruptionBudget, faster and with fewer API requests than
// kubectl drain, and says what it does while it does it.
//
// # What it does
//
// A Drainer is made once with New (which validates the Options) and then:
//
//   - Plan(ctx, node) says what a drain would do, without changing anything
//     and without waiting: for every pod, evict, delete (a caller's Filter
//     only), wait (already terminating, or asking to be left running until
//     it completes), skip (DaemonSet, mirror, terminal, opted out) or
//     blocked (no controller, emptyDir data, a budget that allows nothing
//     now with its counts, several budgets naming each, no room for its
//     replacement once the node's leaving pods are placed together by the
//     scheduling package), with its tier, order group and escalation
//     policy, plus pdb.Lint's findings on the budgets involved. It reads
//     one list each of nodes, pods and budgets. A Plan prints as a table
//     and marshals to JSON.
//   - Drain(ctx, nodes...) cordons every node, then evicts each node's pods
//     tier by tier (ordinary pods, system-critical ones, then DaemonSet pods
//     when asked) and, within a tier, order group by order group, all pods
//     of a group at once as far as their budgets allow. It returns a Report
//     (per pod its outcome, attempts, time blocked and by which budget, and
//     the steps taken; per node its durations; the API requests sent), also
//     when it fails.
//   - Cordon and Uncordon, on their own.
//
// # How it is faster and safer than kubectl drain
//
// Budgets are watched, not guessed at: one list and one watch of every
// budget serve the whole drain, and each eviction is admitted against that
// live view through a pdb.Tracker that also counts the drain's own evictions
// still in flight. A pod the budget holds back waits for the budget's next
// status change (a replacement turning Ready) and is evicted at that moment,
// instead of retrying every 5 seconds; the API server rarely has to answer
// 429. When it does, the DisruptionBudget cause is reported, Retry-After is
// honoured, and the wait backs off with jitter. Nodes drained together share
// the view, so they never start more evictions than the budgets allow
// together; Options can bound the pods in flight further, overall, per node
// and per namespace (a tenant's share). Evictions under one budget are sent
// one at a time, budgets in parallel: the API server decrements a budget
// with optimistic concurrency, and makes an eviction that conflicts with
// another wait 500 ms before it tries again.
//
// Every request is sent once: client-go's REST client would repeat a 429 or
// 5xx carrying Retry-After up to ten times inside one call (some 100 s for
// a budget the disruption controller cannot process), unseen by the drain
// and uncounted. Drain builds its requests on the clientset's REST clients
// with those retries off and does the waiting itself, still watching the
// pod, its budgets and its deadline; Report.APIRequests counts every
// request sent. (A clientset without usable REST clients, such as
// client-go's fake, is called through its typed methods.)
//
// Each eviction carries the pod's UID as a precondition, so a same-named
// replacement (a StatefulSet's) is never evicted by mistake. Pods are waited
// for on one watch of the node's pods, not by a GET per pod per second.
// Nothing is ever deleted when it could be evicted: deletion happens only
// when a Filter asks for it, when an EscalationPolicy the caller gave says
// so, or when the TimeoutForceDelete policy applies, always with a UID
// precondition and never with a zero grace period.
//
// # Order, waiting and escalation
//
// What each of kubectl, Karpenter, cluster-autoscaler and cluster-api does
// about order and stuck pods, in one place:
//
//   - Options.Order puts pods in order groups, drained lowest first within
//     each tier: cluster-api's MachineDrainRule order, or, with
//     OrderByPriority, cluster-autoscaler's --drain-priority-config.
//   - Pods that ask to be left running until they complete, with
//     cluster-autoscaler's safe-to-evict: "on-completion" or cluster-api's
//     drain label "wait-completed" (or a Filter's ActionWait), are waited
//     for, never evicted; their group and tier wait with them.
//   - Options.Escalation gives each pod an EscalationPolicy: once budgets
//     have held it back, or it has been unready or terminating, or its node
//     unreachable, for too long, or the node's deadline is near, delete it
//     with a grace period (bypassing its budgets), and later leave it on
//     the node. Karpenter's terminationGracePeriod is one such policy. The
//     zero policy never escalates; every step taken is in PodReport.Steps.
//
// # Volumes
//
// A node deleted or terminated right after its drain must not go with CSI
// volumes still attached: their replacement pods would hang in
// ContainerCreating with FailedAttachVolume or Multi-Attach errors until
// the attach-detach controller gives up on the node, some 6 minutes. With
// Options.WaitForVolumeDetach, a node's drain ends only once no
// VolumeAttachment on the node is left for a volume of a pod the drain
// removed (pod volume, PVC, its spec.volumeName), as Karpenter's
// termination controller and cluster-api do; attachments of pods that stay
// (DaemonSet, skipped, left) are not waited for, nor are inline volumes
// migrated to CSI. The attachments are listed once and watched (filtered
// by node here: the API has no field selector for it), the claims read
// before any pod is evicted; the wait counts against Options.Timeout and
// ends in EventVolumesDetached, NodeReport.VolumesDetached, or a
// VolumeDetachError naming the attachments still there. It needs list and
// watch on volumeattachments and get on persistentvolumeclaims; a
// Forbidden answer is a PermissionError saying which.
//
// # What it does not do
//
// It does not wait for volumes to detach unless Options.WaitForVolumeDetach
// asks it to (see below), does not evict DaemonSet pods
// unless asked (their controller puts them back on any node they tolerate,
// so ask only with a Taint they do not tolerate), does not delete nodes,
// and does not fall back to policy/v1beta1 evictions (Kubernetes 1.22 and
// later serve policy/v1).
//
// # Invariants
//
//   - A budget is never asked for more disruptions than it allows, by this
//     drain's admissions taken together; the API server remains the judge.
//   - A drain that fails or is cancelled leaves every pod either untouched
//     or evicted (terminating), and the nodes cordoned (or uncordoned, with
//     UncordonOnFailure); running it again continues where it stopped.
//   - Options' zero value is safe: evict, never delete; each pod's own grace
//     period; no deadline but the context; no escalation.
//
// # Concurrency
//
// A Drainer is safe for concurrent use; it holds its client and options
// only. Drain returns only when every goroutine it started has ended.
// Options.OnEvent is called synchronously from Drain's goroutines, never
// concurrently. Logs go to the logr.Logger in the context.
package drain
