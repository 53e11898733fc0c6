package manifest_test

import (
	"fmt"
	"strings"

	"github.com/kubeprim/kubeprim/internal/manifest"
)

// A multi-document manifest decodes into typed objects in order; empty
// documents (a lone comment here) are skipped, as kubectl apply -f skips them.
func ExampleDecode() {
	const doc = `apiVersion: v1
kind: Pod
metadata: {name: web-0}
---
# only a comment
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
`
	objs, err := manifest.Decode(strings.NewReader(doc))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, obj := range objs {
		fmt.Printf("%T\n", obj)
	}
	// Output:
	// *v1.Pod
	// *v1.Deployment
}
