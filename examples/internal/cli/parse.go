package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
)

// Parse parses args into flags, whose output must be the program's stderr.
// It returns ok when the program should go on. Otherwise the program ends
// with code: 0 after -h, which prints the usage; 2 after a bad flag, which
// prints one line, "<flag set name>: <problem>; see -h", rather than the
// flag package's problem followed by the whole usage.
func Parse(flags *flag.FlagSet, args []string) (code int, ok bool) {
	usage, out := flags.Usage, flags.Output()
	// Silence the flag package while it parses; its own report of an error
	// is the problem and then the whole usage.
	flags.Usage = func() {}
	flags.SetOutput(io.Discard)
	err := flags.Parse(args)
	flags.Usage = usage
	flags.SetOutput(out)
	switch {
	case err == nil:
		return 0, true
	case errors.Is(err, flag.ErrHelp):
		if usage == nil {
			fmt.Fprintf(out, "Usage of %s:\n", flags.Name())
			flags.PrintDefaults()
		} else {
			usage()
		}
		return 0, false
	default:
		fmt.Fprintf(out, "%s: %v; see -h\n", flags.Name(), err)
		return 2, false
	}
}
