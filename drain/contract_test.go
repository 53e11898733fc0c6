package drain_test

import (
	"context"

	"k8s.io/client-go/kubernetes"

	"github.com/kubeprim/kubeprim/drain"
)

// These declarations fail to compile when a name DESIGN.md promises
// ("Contract: names that exist") is renamed or changes its signature.
var (
	_ func(kubernetes.Interface, drain.Options) (*drain.Drainer, error)       = drain.New
	_ func(*drain.Drainer, context.Context, string) (*drain.Plan, error)      = (*drain.Drainer).Plan
	_ func(*drain.Drainer, context.Context, ...string) (*drain.Report, error) = (*drain.Drainer).Drain
	_ func(drain.Event)                                                       = drain.Options{}.OnEvent
)
