package ansible

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"math"
	"strings"
)

// Python's json module, which writes the args file, writes the floats JSON
// cannot hold as the bare tokens NaN, Infinity and -Infinity (a task's
// `data: {x: .inf}`), and reads them back in a module's output. encoding/json
// knows neither, so the runtime swaps each token for a marker string before
// decoding and back after encoding: a module sees such a value as a
// NonFinite, and a NonFinite in a result reaches Ansible as the same token.

// NonFinite is a float the args file held as NaN, Infinity or -Infinity. A
// NonFinite in a result is written back as that token, as Python's json does.
type NonFinite float64

// nonFiniteMark starts every marker string; the random part makes a marker
// impossible to meet in real input.
var nonFiniteMark = func() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return "\x00nonfinite-" + hex.EncodeToString(b) + ":"
}()

var nonFiniteTokens = []string{"NaN", "Infinity", "-Infinity"}

func (f NonFinite) token() string {
	switch {
	case math.IsInf(float64(f), 1):
		return "Infinity"
	case math.IsInf(float64(f), -1):
		return "-Infinity"
	case math.IsNaN(float64(f)):
		return "NaN"
	}
	return ""
}

// MarshalJSON writes a marker that finish turns into the bare token. A finite
// value (never decoded from an args file) is an ordinary number.
func (f NonFinite) MarshalJSON() ([]byte, error) {
	tok := f.token()
	if tok == "" {
		return json.Marshal(float64(f))
	}
	return json.Marshal(nonFiniteMark + tok)
}

// markNonFinite replaces each bare NaN, Infinity and -Infinity outside JSON
// strings with a marker string. It reports whether it replaced any.
func markNonFinite(b []byte) ([]byte, bool) {
	var out []byte
	inString, escaped, last := false, false, 0
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
			continue
		}
		if c == '"' {
			inString = true
			continue
		}
		if c != 'N' && c != 'I' && c != '-' {
			continue
		}
		for _, tok := range nonFiniteTokens {
			if bytes.HasPrefix(b[i:], []byte(tok)) {
				q, _ := json.Marshal(nonFiniteMark + tok)
				out = append(append(out, b[last:i]...), q...)
				i += len(tok) - 1
				last = i + 1
				break
			}
		}
	}
	if out == nil {
		return b, false
	}
	return append(out, b[last:]...), true
}

// restoreNonFinite turns the marker strings of a decoded value into NonFinite.
func restoreNonFinite(v any) any {
	switch t := v.(type) {
	case string:
		switch strings.TrimPrefix(t, nonFiniteMark) {
		case t:
		case "NaN":
			return NonFinite(math.NaN())
		case "Infinity":
			return NonFinite(math.Inf(1))
		case "-Infinity":
			return NonFinite(math.Inf(-1))
		}
	case map[string]any:
		for k, e := range t {
			t[k] = restoreNonFinite(e)
		}
	case []any:
		for i, e := range t {
			t[i] = restoreNonFinite(e)
		}
	}
	return v
}

// unmarkNonFinite turns the markers of an encoded result back into tokens.
func unmarkNonFinite(out []byte) []byte {
	q, _ := json.Marshal(nonFiniteMark)
	prefix := q[:len(q)-1] // `"\u0000nonfinite-…:` without the closing quote
	if !bytes.Contains(out, prefix) {
		return out
	}
	for _, tok := range nonFiniteTokens {
		out = bytes.ReplaceAll(out, append(append([]byte(nil), prefix...), []byte(tok+`"`)...), []byte(tok))
	}
	return out
}
