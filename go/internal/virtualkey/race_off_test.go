//go:build !race

package virtualkey

const raceEnabled = false
