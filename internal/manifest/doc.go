// Package manifest decodes multi-document YAML or JSON manifests into typed
// Kubernetes objects, the way kubectl apply -f reads them.
package manifest
