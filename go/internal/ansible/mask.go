package ansible

import (
	"encoding/json"
	"sort"
	"strings"
)

// NoLogPlaceholder replaces a whole value that equals a secret, as in Ansible.
const NoLogPlaceholder = "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"

// maskedSubstring replaces a secret that appears inside a longer string.
const maskedSubstring = "********"

// masker replaces secrets in a decoded JSON value.
type masker struct {
	secrets []string // longest first, so a URL is masked before the password inside it
}

func newMasker(secrets []string) *masker {
	s := make([]string, 0, len(secrets))
	for _, v := range secrets {
		if v != "" {
			s = append(s, v)
		}
	}
	sort.Slice(s, func(i, j int) bool {
		if len(s[i]) != len(s[j]) {
			return len(s[i]) > len(s[j])
		}
		return s[i] < s[j]
	})
	return &masker{secrets: s}
}

// value masks v recursively: maps (keys and values), lists, strings and
// numbers whose text equals a secret.
func (mk *masker) value(v any) any {
	if len(mk.secrets) == 0 {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[mk.str(k)] = mk.value(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = mk.value(e)
		}
		return out
	case string:
		return mk.str(t)
	case json.Number:
		if s := mk.str(t.String()); s != t.String() {
			return s
		}
		return t
	default:
		return v
	}
}

// str masks one string: a whole secret becomes the placeholder, secrets inside
// it become asterisks.
func (mk *masker) str(s string) string {
	for _, sec := range mk.secrets {
		if s == sec {
			return NoLogPlaceholder
		}
	}
	for _, sec := range mk.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, maskedSubstring)
		}
	}
	return s
}

// leafStrings lists the text of every scalar inside v: a no_log list or dict
// parameter makes each of its values a secret, as in Ansible.
func leafStrings(v any) []string {
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, e := range t {
				walk(e)
			}
		case []any:
			for _, e := range t {
				walk(e)
			}
		case string:
			out = append(out, t)
		case json.Number:
			out = append(out, t.String())
		}
	}
	walk(v)
	return out
}
