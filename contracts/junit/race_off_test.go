//go:build !race

package junit

// raceEnabled is true under -race, which makes byte-at-a-time parsing of
// tens of MiB take minutes.
const raceEnabled = false
