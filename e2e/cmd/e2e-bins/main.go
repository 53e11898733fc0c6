// Command e2e-bins builds (or finds in the cache) the control-plane binaries
// of the e2e suite and prints where they are. `make e2e-bins` runs it; the
// suite's TestMain calls the same code, so running it first only moves the
// cold build out of the test's time.
//
//	go run ./cmd/e2e-bins [-cache DIR] [-tools DIR] [-q]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/kubeprim/kubeprim/e2e/bins"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("e2e-bins", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var opts bins.Options
	fs.StringVar(&opts.CacheDir, "cache", "", "parent directory of the versioned cache (default: the user cache directory + /kubeprim/e2e)")
	fs.StringVar(&opts.ToolsDir, "tools", "", "directory of the tools module (default: found above the working directory)")
	quiet := fs.Bool("q", false, "print only the cache directory, not the go command's output")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "e2e-bins: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	opts.Log = stderr
	if *quiet {
		opts.Log = nil
	}
	start := time.Now()
	paths, err := bins.Ensure(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "e2e-bins: %v\n", err)
		return 1
	}
	if !*quiet {
		fmt.Fprintf(stderr, "e2e-bins: ready in %s\n", time.Since(start).Round(time.Millisecond))
	}
	fmt.Fprintln(stdout, paths.Dir)
	return 0
}
