package cli_test

import (
	"flag"
	"fmt"
	"os"

	"github.com/kubeprim/kubeprim/examples/internal/cli"
)

// A mistyped flag ends the program with status 2 and one line that names
// the problem.
func ExampleParse() {
	flags := flag.NewFlagSet("demo", flag.ContinueOnError)
	flags.SetOutput(os.Stdout) // a program passes its stderr
	flags.Bool("dry-run", false, "change nothing")
	code, ok := cli.Parse(flags, []string{"--dryrun"})
	fmt.Println(code, ok)
	// Output:
	// demo: flag provided but not defined: -dryrun; see -h
	// 2 false
}
