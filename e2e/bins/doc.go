// Package bins builds, caches and locates the binaries of the e2e control
// plane: etcd, kube-apiserver, kube-controller-manager and kube-scheduler of
// Kubernetes 1.36.3, and kwok v0.8.0 with the stage definitions that make its
// fake nodes and pods behave like a kubelet's.
//
// Nothing is downloaded but Go modules. The Kubernetes binaries are built
// from the tools module in e2e/tools (k8s.io/kubernetes with each staging
// module replaced by its published release, and a one-line etcd main over
// etcdmain from the same module graph); kwok is built with go install at its
// tagged version, so its own go.mod decides its dependencies. The binaries
// are stripped and stamped with their versions, so /version and --version
// answer like a release build.
//
// The result lives under os.UserCacheDir()/kubeprim/e2e/<Key>: bin/ holds
// the executables, stages/ the kwok stage YAMLs, and a stamp file records
// what was built from which tools go.sum. A directory is only ever published
// complete (built in a temporary sibling, then renamed), so a build that is
// interrupted leaves nothing that looks finished. A file lock serializes
// concurrent callers (several test binaries at once): the first builds, the
// others wait and reuse. A stamp that no longer matches the tools module
// (its go.sum changed) is rebuilt.
//
// A cold build takes several minutes of CPU (about 9 on 2 cores); a warm
// Ensure returns in milliseconds.
package bins
