package testutil_test

import (
	"fmt"

	"github.com/kubeprim/kubeprim/internal/testutil"
)

// A budget builder starts from the name (selector app=<name>, namespace
// default) and sets only what a test cares about.
func ExamplePDB() {
	budget := testutil.PDB("web").Namespace("shop").MinAvailable("50%").Obj()
	fmt.Println(budget.Namespace, budget.Name, budget.Spec.Selector.MatchLabels, budget.Spec.MinAvailable)
	// Output: shop web map[app:web] 50%
}
