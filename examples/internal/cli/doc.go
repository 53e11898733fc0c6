// Package cli holds what every example program does the same way with its
// command line, so that each one's run function shows only its own job.
package cli
