//go:build unix

package scheduling

import (
	"syscall"
	"testing"
	"time"
)

// reportCPU reports the process CPU time per operation beside the wall time:
// on a machine shared with other builds the wall time mostly measures the
// wait for a core. Call it after ResetTimer and defer the returned function.
func reportCPU(b *testing.B) func() {
	start := cpuNow()
	return func() {
		b.ReportMetric(float64(cpuNow()-start)/float64(b.N), "cpu-ns/op")
	}
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
