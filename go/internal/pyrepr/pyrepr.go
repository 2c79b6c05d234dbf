// Package pyrepr writes values the way Python shows them, for messages that
// must read like those of the Python programs we stand in for or speak to
// (LiteLLM's errors, Ansible's and Jinja's str() of a variable).
package pyrepr

import (
	"math"
	"strconv"
	"strings"
)

// Float is Python's repr() of a float, which is also its str(): the shortest
// text that reads back the same, "-1.0", "0.5", "1e+20", "1e-05", "nan", "inf".
func Float(f float64) string {
	switch {
	case math.IsNaN(f):
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	e := strconv.FormatFloat(f, 'e', -1, 64) // d.ddde±XX
	mant, expStr, _ := strings.Cut(e, "e")
	exp, _ := strconv.Atoi(expStr)
	if exp < -4 || exp >= 16 {
		sign := "+"
		if exp < 0 {
			sign = "-"
			exp = -exp
		}
		es := strconv.Itoa(exp)
		if len(es) < 2 {
			es = "0" + es
		}
		return mant + "e" + sign + es
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}
