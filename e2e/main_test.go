package e2e_test

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"testing"
	"time"

	"github.com/kubeprim/kubeprim/e2e/bins"
	"github.com/kubeprim/kubeprim/e2e/cluster"
)

// kube is the control plane every test of the suite runs on.
var kube *cluster.Cluster

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	ctx := context.Background()
	start := time.Now()
	paths, err := bins.Ensure(ctx, bins.Options{Log: os.Stderr})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the control-plane binaries could not be built: %v\n", err)
		return 1
	}
	kube, err = cluster.Start(ctx, cluster.Options{Bins: paths, Log: os.Stderr})
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: the control plane did not start: %v\n", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: control plane up in %s at %s\n", time.Since(start).Round(10*time.Millisecond), kube.Server())

	// An interrupt must not leave the components running.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		fmt.Fprintln(os.Stderr, "e2e: interrupted, stopping the control plane")
		_ = kube.Stop()
		os.Exit(130)
	}()

	code := m.Run()
	if code != 0 {
		kube.WriteLogTails(os.Stderr, 40)
		if dir, err := kube.SaveLogs(); err == nil {
			fmt.Fprintf(os.Stderr, "e2e: component logs kept in %s\n", dir)
		}
	}
	if err := kube.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopping the control plane: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}
