package ansible

import (
	"bytes"
	"encoding/json"
)

// KeyOrder returns the keys of the JSON object at path in the args file (a
// top-level parameter, then keys below it), in the order the file gives them,
// each once. Go maps have no order; a module whose behaviour depends on the
// order of a mapping the task wrote (Python dicts keep it) asks here. It
// returns nil when there is no object at path.
func (m *Module) KeyOrder(path ...string) []string {
	b, _ := markNonFinite(m.args)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	keys, ok := objectKeys(dec, path)
	if !ok {
		return nil
	}
	return keys
}

// objectKeys reads one value from dec: when it is an object, the keys at path
// below it (for duplicate keys, the last value counts, as in Python's json).
func objectKeys(dec *json.Decoder, path []string) ([]string, bool) {
	tok, err := dec.Token()
	if err != nil {
		return nil, false
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		if ok {
			skipRest(dec)
		}
		return nil, false
	}
	var keys []string
	seen := map[string]bool{}
	found := false
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, false
		}
		k, _ := kt.(string)
		switch {
		case len(path) == 0:
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
			skipValue(dec)
		case k == path[0]:
			keys, found = objectKeys(dec, path[1:])
		default:
			skipValue(dec)
		}
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, false
	}
	if len(path) == 0 {
		return keys, true
	}
	return keys, found
}

// skipValue reads one whole value.
func skipValue(dec *json.Decoder) {
	tok, err := dec.Token()
	if err != nil {
		return
	}
	if _, ok := tok.(json.Delim); ok {
		skipRest(dec)
	}
}

// skipRest reads up to the end of the object or array just opened.
func skipRest(dec *json.Decoder) {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return
		}
		if d, ok := tok.(json.Delim); ok {
			if d == '{' || d == '[' {
				depth++
			} else {
				depth--
			}
		}
	}
}

// textKeyOrder returns the keys of the JSON object in text, in the order the
// text gives them (nil when text is not a JSON object): for a mapping option
// given as JSON text, what KeyOrder is for one given as a mapping.
func textKeyOrder(text string) []string {
	dec := json.NewDecoder(bytes.NewReader([]byte(text)))
	dec.UseNumber()
	keys, ok := objectKeys(dec, nil)
	if !ok {
		return nil
	}
	return keys
}
