package pyrepr

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
)

// The wants are what Python 3 prints for repr(f).
func TestFloat(t *testing.T) {
	for f, want := range map[float64]string{
		-1: "-1.0", -2.5: "-2.5", 0.1: "0.1", 0: "0.0", 2.5: "2.5", 1.2346: "1.2346",
		-1e20: "-1e+20", 1e16: "1e+16", 1e15: "1000000000000000.0", -0.00001: "-1e-05", 0.0001: "0.0001",
		math.NaN(): "nan", math.Inf(1): "inf", math.Inf(-1): "-inf",
	} {
		assert.Equal(t, want, Float(f), want)
	}
}
