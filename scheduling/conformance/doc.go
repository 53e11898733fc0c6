// Package conformance holds the test that compares package scheduling with
// the real kube-scheduler 1.36.3, in process: for thousands of random
// clusters and pods (internal/testutil/schedgen), a scheduler built with
// scheduler.New and the default profile over a fake clientset runs its
// PreFilter and Filter plugins on every node and, when no node fits, its
// SchedulePod and PostFilter (preemption) steps; the Simulator must give
// every node the same status (code, plugin, reasons) and the same
// FailedScheduling message.
//
// It is its own module so that k8s.io/kubernetes never becomes a
// dependency of kubeprim. Run it with
//
//	cd scheduling/conformance && go test ./...
//
// (the first build compiles the scheduler, a few minutes on two cores);
// -short runs a hundred cases.
package conformance
