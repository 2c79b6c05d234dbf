package ansible

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// Ansible's boolean spellings (module_utils/parsing/convert_bool.py).
var (
	boolTrue  = map[string]bool{"y": true, "yes": true, "on": true, "1": true, "true": true, "t": true, "1.0": true}
	boolFalse = map[string]bool{"n": true, "no": true, "off": true, "0": true, "false": true, "f": true, "0.0": true}
)

// pyType names a decoded JSON value's type the way Python would.
func pyType(v any) string {
	switch t := v.(type) {
	case nil:
		return "NoneType"
	case string:
		return "str"
	case bool:
		return "bool"
	case json.Number:
		if strings.ContainsAny(t.String(), ".eE") {
			return "float"
		}
		return "int"
	case float64:
		if t == math.Trunc(t) {
			return "int"
		}
		return "float"
	case []any:
		return "list"
	case map[string]any:
		return "dict"
	}
	return fmt.Sprintf("%T", v)
}

func toBool(v any) (bool, error) {
	switch t := v.(type) {
	case bool:
		return t, nil
	case string:
		s := strings.ToLower(strings.TrimSpace(t))
		if boolTrue[s] {
			return true, nil
		}
		if boolFalse[s] {
			return false, nil
		}
	case json.Number:
		if f, err := t.Float64(); err == nil {
			if f == 1 {
				return true, nil
			}
			if f == 0 {
				return false, nil
			}
		}
	case float64:
		if t == 1 {
			return true, nil
		}
		if t == 0 {
			return false, nil
		}
	}
	return false, fmt.Errorf("The value '%v' is not a valid boolean. Valid booleans include: yes, no, true, false, on, off, y, n, t, f, 1, 0", pyRepr(v))
}

func toInt(v any) (int64, error) {
	switch t := v.(type) {
	case json.Number:
		if n, err := t.Int64(); err == nil {
			return n, nil
		}
		if f, err := t.Float64(); err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return int64(f), nil
		}
	case float64:
		if t == math.Trunc(t) && math.Abs(t) < 1<<53 {
			return int64(t), nil
		}
	case string:
		if n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, fmt.Errorf("<class '%s'> cannot be converted to an int", pyType(v))
}

func toFloat(v any) (float64, error) {
	switch t := v.(type) {
	case json.Number:
		if f, err := t.Float64(); err == nil {
			return f, nil
		}
	case float64:
		return t, nil
	case string:
		if f, err := strconv.ParseFloat(strings.TrimSpace(t), 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f, nil
		}
	}
	return 0, fmt.Errorf("<class '%s'> cannot be converted to a float", pyType(v))
}

// toStr converts scalars to text like Python's str(); it reports whether a
// conversion happened so the caller can warn like Ansible does.
func toStr(v any) (string, bool, error) {
	switch t := v.(type) {
	case string:
		return t, false, nil
	case json.Number:
		return t.String(), true, nil
	case bool:
		if t {
			return "True", true, nil
		}
		return "False", true, nil
	}
	return "", false, fmt.Errorf("'%s' is not a string and conversion is not allowed", pyType(v))
}

// toList implements Ansible's list type: a list as is, a string split on
// commas (items trimmed, empty ones dropped), a number as a one-item list.
// One extension of ours: a string that starts with `[` is a JSON array (as
// toDict takes a JSON object), so that a playbook can pass a large list as
// `"{{ items | to_json }}"`, which ansible-core 2.14 does not parse back.
func toList(v any) ([]any, error) {
	switch t := v.(type) {
	case []any:
		return t, nil
	case string:
		if s := strings.TrimSpace(t); strings.HasPrefix(s, "[") {
			return jsonList(s)
		}
		out := []any{}
		for _, p := range strings.Split(t, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out, nil
	case json.Number, bool:
		s, _, _ := toStr(t)
		return []any{s}, nil
	}
	return nil, fmt.Errorf("<class '%s'> cannot be converted to a list", pyType(v))
}

// jsonList decodes s as exactly one JSON array; anything else is an error,
// never a comma split.
func jsonList(s string) ([]any, error) {
	var l []any
	if !decodeOne(s, &l) || l == nil {
		return nil, errors.New("unable to parse the value as a JSON list")
	}
	return l, nil
}

// JSONObject decodes text as exactly one JSON object, and returns it with its
// keys in the order the text gives them: for a parameter a module takes raw
// (type any) that may also come as JSON text (`"{{ x | to_json }}"`), the same
// reading toDict gives a dict parameter.
func JSONObject(text string) (map[string]any, []string, error) {
	var m map[string]any
	if !decodeOne(text, &m) || m == nil {
		return nil, nil, errors.New("unable to parse the value as a JSON dictionary")
	}
	return m, textKeyOrder(text), nil
}

// decodeOne decodes s into v as exactly one JSON value (numbers as
// json.Number, as the args file is decoded; trailing text refused, as
// Python's json.loads does).
func decodeOne(s string, v any) bool {
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return false
	}
	_, err := dec.Token()
	return err == io.EOF
}

// toDict implements Ansible's dict type: a dict as is, a JSON object in a
// string, or `k1=v1, k2=v2` / `k1=v1 k2=v2` pairs.
func toDict(v any) (map[string]any, error) {
	switch t := v.(type) {
	case map[string]any:
		return t, nil
	case string:
		s := strings.TrimSpace(t)
		if strings.HasPrefix(s, "{") {
			m, _, err := JSONObject(s)
			return m, err
		}
		if s == "" {
			return map[string]any{}, nil
		}
		out := map[string]any{}
		for _, pair := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
			k, val, ok := strings.Cut(pair, "=")
			if !ok || k == "" {
				return nil, errors.New("dictionary requested, could not parse JSON or key=value")
			}
			out[strings.TrimSpace(k)] = strings.TrimSpace(val)
		}
		return out, nil
	}
	return nil, fmt.Errorf("<class '%s'> cannot be converted to a dict", pyType(v))
}

// pyRepr renders a scalar for an error message.
func pyRepr(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return "None"
	case json.Number:
		return t.String()
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
