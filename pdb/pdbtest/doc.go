// Package pdbtest gives the client-go fake clientset the eviction semantics
// of a Kubernetes 1.36 API server and a disruption controller, so that unit
// tests of code that drains nodes see what a cluster would do.
//
// The plain fake clientset ignores budgets: an eviction there deletes
// nothing and checks nothing, and budget statuses never change. After
// Install, an eviction through the clientset answers as the eviction
// endpoint does (201, 429 with the DisruptionBudget cause and Retry-After,
// 500 for a pod covered by several budgets, 404, 409 on a precondition
// mismatch), deletes the pod with its grace period, records it in the
// budget's disruptedPods, and budget statuses follow the pods the way the
// disruption controller keeps them. Code under test needs no change: it
// talks to a kubernetes.Interface.
//
// # Graceful deletion on a fake
//
// The fake has no kubelet, so the Server plays one: a pod deleted with a
// grace period (its own terminationGracePeriodSeconds, or the request's)
// gets deletionTimestamp = now + grace and stays, Terminating, until the
// Server's clock reaches that time; the next request on pods or budgets
// (or Server.Sync) then removes it. Pods without
// terminationGracePeriodSeconds, which the fake never defaults to 30, go
// at once, as do unscheduled and finished pods. Pass a clock with
// WithClock and move it, or run the test in testing/synctest, to see
// terminations end; the API server's time rounding to the second applies.
//
// # Composition
//
// Install returns a *Server. Its Sync method runs the kubelet's and the
// disruption controller's work on demand; WithManualSync leaves statuses to
// evictions and Sync; WithScale replaces the controller lookup; and
// WithPodRemoved reports pods leaving storage, which is how fakecluster
// replaces evicted pods of controllers. Reactors a test prepends after
// Install run before the Server's, so a test can still inject failures.
//
// # Limits
//
// The Server models the eviction and deletion rules and the disruption
// controller; it does not model admission (a terminating namespace),
// client-go's automatic retry of responses with Retry-After, the
// controller's reset of stale DisruptionTarget conditions, the status
// reset the API server applies to new pods, watches on anything but what
// the fake tracker emits, or policy/v1beta1 budgets.
package pdbtest
