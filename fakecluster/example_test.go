package fakecluster_test

import (
	"context"
	"fmt"
	"strings"

	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/kubeprim/kubeprim/fakecluster"
)

// Load builds a cluster from a manifest, with the pods its workloads would
// have; an eviction then answers as the API server would, and the evicted
// pod is replaced.
func ExampleLoad() {
	c, err := fakecluster.Load(strings.NewReader(`
apiVersion: v1
kind: Node
metadata: {name: worker-1}
status:
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db, namespace: shop}
spec: {minAvailable: 1, selector: {matchLabels: {app: db}}}
`), fakecluster.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	ctx := context.Background()

	evict := func(name string) {
		err := c.PolicyV1().Evictions("shop").Evict(ctx, &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: name}})
		fmt.Printf("evict %s: %v\n", name, err)
	}
	budget := func() {
		b, _ := c.PolicyV1().PodDisruptionBudgets("shop").Get(ctx, "db", metav1.GetOptions{})
		fmt.Printf("budget db: %d healthy, allows %d\n", b.Status.CurrentHealthy, b.Status.DisruptionsAllowed)
	}
	budget()
	evict("db-0")
	// The StatefulSet recreated db-0 at once (zero Options: no delays), so
	// the budget allows the next eviction again.
	budget()
	evict("db-1")
	// Output:
	// budget db: 2 healthy, allows 1
	// evict db-0: <nil>
	// budget db: 2 healthy, allows 1
	// evict db-1: <nil>
}
