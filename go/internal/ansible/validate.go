package ansible

// Checking coerced values: choices, the spec's rules (required together, one
// of, required if) and validator/v10 tags, each failure worded as one line
// naming the parameter.

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"

	"github.com/go-playground/validator/v10"
)

var (
	validateOnce sync.Once
	validate     *validator.Validate
)

func structValidator() *validator.Validate {
	validateOnce.Do(func() { validate = validator.New() })
	return validate
}

// checkChoices enforces a field's choices on its coerced value. Like
// Python's _validate_argument_values, a string field holding "True" or
// "False" (a YAML boolean converted to text) that is not a choice takes the
// one boolean spelling among the choices, if there is exactly one; the new
// value is returned so the invocation shows it.
func checkChoices(f *field, v reflect.Value, prefix string) (any, error) {
	if len(f.choices) == 0 {
		return nil, nil
	}
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil, nil
		}
		v = v.Elem()
	}
	allowed := map[string]bool{}
	for _, c := range f.choices {
		allowed[c] = true
	}
	if v.Kind() == reflect.Slice {
		var bad []string
		for i := 0; i < v.Len(); i++ {
			s := fmt.Sprint(v.Index(i).Interface())
			if !allowed[s] {
				bad = append(bad, s)
			}
		}
		if len(bad) > 0 {
			got := strings.Join(bad, ", ")
			if f.noLog != noLogNone {
				got = NoLogPlaceholder
			}
			return nil, fmt.Errorf("value of %s must be one or more of: %s. Got no match for: %s%s", f.name, strings.Join(f.choices, ", "), got, suffix(prefix))
		}
		return nil, nil
	}
	s := fmt.Sprint(v.Interface())
	if v.Kind() == reflect.Bool {
		s = map[bool]string{true: "True", false: "False"}[v.Bool()]
	}
	var mapped any
	if v.Kind() == reflect.String && !allowed[s] && (s == "True" || s == "False") {
		spellings := boolTrue
		if s == "False" {
			spellings = boolFalse
		}
		var overlap []string
		for _, c := range f.choices {
			if spellings[c] && c != "1.0" && c != "0.0" {
				overlap = append(overlap, c)
			}
		}
		if len(overlap) == 1 {
			s = overlap[0]
			v.SetString(s)
			mapped = s
		}
	}
	if !allowed[s] {
		got := s
		if f.noLog != noLogNone {
			got = NoLogPlaceholder
		}
		return nil, fmt.Errorf("value of %s must be one of: %s, got: %s%s", f.name, strings.Join(f.choices, ", "), got, suffix(prefix))
	}
	return mapped, nil
}

func checkRules(r Rules, present map[string]bool, dst reflect.Value, sp *spec, prefix string) error {
	for _, group := range r.RequiredTogether {
		n := 0
		for _, p := range group {
			if present[p] {
				n++
			}
		}
		if n > 0 && n < len(group) {
			return fmt.Errorf("parameters are required together: %s%s", strings.Join(group, ", "), suffix(prefix))
		}
	}
	for _, group := range r.RequiredOneOf {
		found := false
		for _, p := range group {
			found = found || present[p]
		}
		if !found {
			return fmt.Errorf("one of the following is required: %s%s", strings.Join(group, ", "), suffix(prefix))
		}
	}
	for _, ri := range r.RequiredIf {
		f, ok := sp.byName[ri.Param]
		if !ok || !present[ri.Param] {
			continue
		}
		val := dst.FieldByIndex(f.index)
		if val.Kind() == reflect.Pointer {
			val = val.Elem()
		}
		if pyStr(val.Interface()) != pyStr(ri.Value) {
			continue
		}
		var missing []string
		for _, p := range ri.Requires {
			if !present[p] {
				missing = append(missing, p)
			}
		}
		if len(missing) == 0 || (ri.AnyOf && len(missing) < len(ri.Requires)) {
			continue
		}
		which := "all"
		if ri.AnyOf {
			which = "any"
		}
		return fmt.Errorf("%s is %s but %s of the following are missing: %s%s", ri.Param, pyStr(ri.Value), which, strings.Join(missing, ", "), suffix(prefix))
	}
	return nil
}

// validationError words a validator/v10 failure as one line naming the
// parameter, the rule, and (unless the parameter is secret) the value.
func validationError(f *field, err error, prefix string) error {
	var ves validator.ValidationErrors
	if !errors.As(err, &ves) || len(ves) == 0 {
		return fmt.Errorf("value of %s is invalid%s: %v", f.name, suffix(prefix), err)
	}
	fe := ves[0]
	rule := describeRule(fe.Tag(), fe.Param())
	if f.noLog != noLogNone {
		return fmt.Errorf("value of %s is invalid%s: it %s", f.name, suffix(prefix), rule)
	}
	got := fe.Value()
	if b, err := json.Marshal(got); err == nil && reflect.TypeOf(got).Kind() != reflect.String {
		return fmt.Errorf("value of %s is invalid%s: it %s, got: %s", f.name, suffix(prefix), rule, b)
	}
	return fmt.Errorf("value of %s is invalid%s: it %s, got: %v", f.name, suffix(prefix), rule, got)
}

func describeRule(tag, param string) string {
	switch tag {
	case "url", "http_url":
		return "must be an absolute URL such as https://litellm.example.com"
	case "min", "gte":
		return "must be at least " + param
	case "max", "lte":
		return "must be at most " + param
	case "gt":
		return "must be greater than " + param
	case "lt":
		return "must be less than " + param
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(param, " ", ", ")
	case "startswith":
		return "must start with " + param
	case "required":
		return "must not be empty"
	case "hostname", "hostname_rfc1123":
		return "must be a host name"
	case "dir", "dirpath":
		return "must be an existing directory"
	case "file", "filepath":
		return "must be an existing file"
	case "printascii", "ascii":
		return "must contain only printable ASCII characters"
	}
	if param != "" {
		return fmt.Sprintf("must satisfy %s=%s", tag, param)
	}
	return "must satisfy " + tag
}

// pyStr renders a rule's value as Python's str() would: booleans as True and
// False.
func pyStr(v any) string {
	if b, ok := v.(bool); ok {
		if b {
			return "True"
		}
		return "False"
	}
	return fmt.Sprint(v)
}
