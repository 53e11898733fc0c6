// Command etcd is etcd v3.6 as Kubernetes 1.36.3 pins it, built from the
// module graph of k8s.io/kubernetes so its version always matches the API
// server's client.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
