// Package schedgen generates random clusters and pods for property tests of
// the scheduling package: small clusters that exercise every filter (zones,
// taints, cordons, allocatable with and without extended resources, host
// ports, priorities, terminating and finished pods, anti-affinity) and pods
// with every kind of scheduling constraint, malformed selectors included. The
// same generator drives the comparison with the real kube-scheduler
// framework in scheduling/conformance.
package schedgen
