package drain_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/kubeprim/kubeprim/drain"
	"github.com/kubeprim/kubeprim/fakecluster"
)

// cluster is two workers running a Deployment "web" of four replicas behind
// a budget that keeps three of them up, and a StatefulSet "db" whose budget
// allows no disruption at all.
const cluster = `
apiVersion: v1
kind: Node
metadata: {name: worker-1}
status:
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: v1
kind: Node
metadata: {name: worker-2}
status:
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  conditions: [{type: Ready, status: "True"}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx, resources: {requests: {cpu: 100m}}}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web, namespace: shop}
spec: {minAvailable: 3, selector: {matchLabels: {app: web}}}
`

const statefulDB = `
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db, namespace: shop}
spec:
  replicas: 2
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: db, image: postgres, resources: {requests: {cpu: 100m}}}]}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: db, namespace: shop}
spec: {maxUnavailable: 0, selector: {matchLabels: {app: db}}}
`

// Plan shows what a drain would do, and what would stop it, before anything
// changes: here the budget of db, which allows no disruption.
func ExampleDrainer_Plan() {
	c, err := fakecluster.Load(strings.NewReader(cluster+statefulDB), fakecluster.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	d, err := drain.New(c, drain.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	plan, err := d.Plan(context.Background(), "worker-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range plan.Pods {
		fmt.Printf("%s/%s: %s (%s)\n", p.Namespace, p.Name, p.Action, p.Reason)
		if p.Action == drain.ActionBlocked {
			fmt.Println("  ", p.Message)
		}
	}
	fmt.Println("drainable:", plan.Drainable())
	// Output:
	// shop/db-0: Blocked (BudgetExhausted)
	//    The disruption budget db needs 2 healthy pods and has 2 currently
	// shop/web-eb78a544-d68xs: Evict (Replicated)
	// shop/web-eb78a544-tctnn: Evict (WaitsForBudget)
	// drainable: false
}

// Drain evicts the node's pods without ever breaking a budget: the second
// web pod goes only once the first one's replacement is Ready.
func ExampleDrainer_Drain() {
	c, err := fakecluster.Load(strings.NewReader(cluster), fakecluster.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()

	d, err := drain.New(c, drain.Options{
		Timeout: time.Minute,
		OnEvent: func(e drain.Event) {
			if e.Type == drain.EventBlocked {
				fmt.Fprintf(os.Stderr, "%s waits: %s\n", e.Pod, e.Message)
			}
		},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	report, err := d.Drain(context.Background(), "worker-1")
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range report.Pods {
		fmt.Printf("%s/%s: %s\n", p.Namespace, p.Name, p.Outcome)
	}
	fmt.Println("drained:", report.Nodes[0].Drained)
	// Output:
	// shop/web-eb78a544-kpx7z: Evicted
	// shop/web-eb78a544-z2b6k: Evicted
	// drained: true
}
