//go:build race

package virtualkey

const raceEnabled = true
