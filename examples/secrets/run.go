package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/kubeprim/kubeprim/examples/internal/cli"
)

const usage = `usage: secrets <command> [flags]

commands:
  derive     derive site passwords as Helm's derivePassword does
  generate   generate random values from crypto/rand, without bias
  ensure     create a Secret or keep the one there, adding only missing keys

Without a command it runs all three on their bundled samples, one after the
other. Run "secrets <command> -h" for the flags of a command.
`

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help") {
		fmt.Fprint(stderr, usage)
		return 0
	}
	commands := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"derive":   runDerive,
		"generate": runGenerate,
		"ensure":   runEnsure,
	}
	if len(args) == 0 {
		// A newcomer's first run: each command on its bundled sample.
		for i, name := range []string{"derive", "generate", "ensure"} {
			if i > 0 {
				fmt.Fprintln(stdout)
			}
			fmt.Fprintf(stdout, "$ secrets %s\n", name)
			if code := run(ctx, []string{name}, stdout, stderr); code != 0 {
				return code
			}
		}
		return 0
	}
	command, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "secrets: unknown command %q; use derive, generate or ensure\n", args[0])
		return 2
	}
	err := command(ctx, args[1:], stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		// parse already printed the problem.
		return 2
	default:
		fmt.Fprintf(stderr, "secrets %s: %s\n", args[0], oneLine(err))
		return 1
	}
}

// errUsage marks a flag error parse has already reported.
var errUsage = errors.New("usage")

// newFlagSet returns a FlagSet that reports to stderr and returns errors.
func newFlagSet(name, summary string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("secrets "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: secrets %s [flags]\n\n%s\n\nflags:\n", name, summary)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args, reporting a flag error in one line and returning
// errUsage for it (flag.ErrHelp after -h).
func parse(fs *flag.FlagSet, args []string) error {
	if code, ok := cli.Parse(fs, args); !ok {
		if code == 0 {
			return flag.ErrHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(fs.Output(), "%s: unexpected argument %q; see -h\n", fs.Name(), fs.Arg(0))
		return errUsage
	}
	return nil
}

// listFlag collects a repeatable flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

func oneLine(err error) string { return strings.ReplaceAll(err.Error(), "\n", "; ") }
