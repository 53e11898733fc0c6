// Package poddefaults applies to a raw pod manifest the resource defaulting
// the API server applies when it creates the pod, so that the packages that
// read requests and limits (qos, scheduling) see the pod as the cluster will
// store it. It is one implementation on purpose: two copies of a defaulting
// rule drift apart.
package poddefaults
