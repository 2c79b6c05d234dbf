package ansible

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
	"strconv"
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
	seen := map[string]bool{}
	s := make([]string, 0, len(secrets))
	for _, v := range secrets {
		for _, form := range secretForms(v) {
			if form != "" && !seen[form] {
				seen[form] = true
				s = append(s, form)
			}
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
		// Like remove_values: a number whose text equals or contains a
		// secret is replaced as a whole.
		if mk.str(t.String()) != t.String() {
			return NoLogPlaceholder
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
		case int64:
			out = append(out, strconv.FormatInt(t, 10))
		case float64:
			out = append(out, strconv.FormatFloat(t, 'g', -1, 64))
		}
	}
	walk(v)
	return out
}

// secretForms returns a secret and the other spellings under which it can
// appear in text a module returns: escaped inside a JSON string (an API error
// body quoting the request, with Go's or Python's escaping) and URL-encoded
// (a password inside a DSN or a query string). The masker works on decoded
// values, so only these re-encoded copies could otherwise slip through.
func secretForms(s string) []string {
	forms := []string{s}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(s) == nil {
		forms = append(forms, unquoteJSON(buf.String()))
	}
	if b, err := json.Marshal(s); err == nil {
		forms = append(forms, unquoteJSON(string(b)))
	}
	forms = append(forms, asciiJSON(s), url.QueryEscape(s), url.PathEscape(s))
	return forms
}

func unquoteJSON(q string) string {
	q = strings.TrimSpace(q)
	return strings.TrimSuffix(strings.TrimPrefix(q, `"`), `"`)
}

// asciiJSON escapes s the way Python's json.dumps does by default
// (ensure_ascii): quotes, backslashes, control characters and everything
// outside ASCII as \uXXXX (UTF-16 surrogate pairs above the BMP).
func asciiJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '"':
			b.WriteString(`\"`)
		case r == '\\':
			b.WriteString(`\\`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r < 0x20 || (r >= 0x7f && r <= 0xffff):
			fmt.Fprintf(&b, `\u%04x`, r)
		case r > 0xffff:
			r1, r2 := utf16Pair(r)
			fmt.Fprintf(&b, `\u%04x\u%04x`, r1, r2)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func utf16Pair(r rune) (rune, rune) {
	r -= 0x10000
	return 0xd800 + (r>>10)&0x3ff, 0xdc00 + r&0x3ff
}
