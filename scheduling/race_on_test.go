//go:build race

package scheduling

// raceEnabled: the race detector's runtime allocates now and then on its
// own, so allocation counts are only approximate.
const raceEnabled = true
