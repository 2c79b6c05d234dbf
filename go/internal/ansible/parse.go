package ansible

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
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

// parser turns the raw args of one invocation into a params struct.
type parser struct {
	module *Module
	getenv func(string) string
}

// parse fills dst (a pointer to a params struct) from raw and returns the
// invocation's module_args, in which no_log values are already hidden.
func (pr *parser) parse(sp *spec, raw map[string]any, dst any) (map[string]any, error) {
	pr.module.mu.Lock()
	pr.module.aliases = sp.aliasOf
	pr.module.mu.Unlock()
	pr.collectSpecSecrets(sp, map[*spec]bool{})
	pr.collectSecrets(sp, raw)
	return pr.parseStruct(sp, raw, reflect.ValueOf(dst).Elem(), "")
}

// collectSpecSecrets registers the secrets a spec itself brings, whatever the
// task gives: the values of no_log parameters' environment fallbacks and
// defaults, in sub-options too (Python's set_fallbacks and _set_defaults).
func (pr *parser) collectSpecSecrets(sp *spec, seen map[*spec]bool) {
	if seen[sp] {
		return
	}
	seen[sp] = true
	for _, f := range sp.fields {
		if f.noLog == noLogEverywhere {
			if f.env != "" {
				pr.module.AddSecret(pr.getenv(f.env))
			}
			if f.def != nil {
				pr.module.AddSecret(*f.def)
			}
		}
		if f.sub != nil {
			pr.collectSpecSecrets(f.sub, seen)
		}
	}
}

// collectSecrets registers the values of no_log parameters (top level and
// sub-options, whether given as dicts or as JSON / k=v strings) before
// anything can fail, so that even an error message that echoes input is
// masked.
func (pr *parser) collectSecrets(sp *spec, raw map[string]any) {
	for k, v := range raw {
		f, ok := sp.byName[k]
		if !ok {
			continue
		}
		if f.noLog == noLogEverywhere && !isZeroNumber(v) {
			for _, s := range leafStrings(v) {
				pr.module.AddSecret(s)
			}
		}
		if f.sub == nil || v == nil {
			continue
		}
		elems := []any{v}
		if f.typ.Kind() == reflect.Slice {
			if l, err := toList(v); err == nil {
				elems = l
			}
		}
		for _, e := range elems {
			if m, err := toDict(e); err == nil {
				pr.collectSecrets(f.sub, m)
			}
		}
	}
}

// isZeroNumber reports a top-level no_log value that Python's
// _list_no_log_values skips because it is falsy: masking "0" would hide every
// zero in the result.
func isZeroNumber(v any) bool {
	switch t := v.(type) {
	case json.Number:
		f, err := t.Float64()
		return err == nil && f == 0
	case int64:
		return t == 0
	case float64:
		return t == 0
	}
	return false
}

func suffix(prefix string) string {
	if prefix == "" {
		return ""
	}
	return " found in " + prefix
}

func (pr *parser) parseStruct(sp *spec, raw map[string]any, dst reflect.Value, prefix string) (map[string]any, error) {
	top := prefix == ""
	// Aliases -> canonical names; unknown names.
	params := map[string]any{}
	var unsupported []string
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		f, ok := sp.byName[k]
		if !ok {
			unsupported = append(unsupported, k)
			continue
		}
		if k == f.name {
			params[f.name] = raw[k]
		}
	}
	// Like Python's _handle_aliases, an alias overrides its option (so a task's
	// alias beats a module_defaults option), and of several aliases the last
	// declared wins.
	warnPrefix := ""
	if prefix != "" {
		warnPrefix = prefix + "."
	}
	for _, f := range sp.fields {
		for _, a := range f.aliases {
			v, ok := raw[a]
			if !ok {
				continue
			}
			if _, both := raw[f.name]; both {
				pr.module.Warn(fmt.Sprintf("Both option %s%s and its alias %s%s are set.", warnPrefix, f.name, warnPrefix, a))
			}
			params[f.name] = v
		}
	}
	if len(unsupported) > 0 {
		return nil, fmt.Errorf("Unsupported parameters for (%s) module: %s%s. Supported parameters include: %s.",
			pr.module.name, strings.Join(unsupported, ", "), suffix(prefix), sp.supported())
	}
	given := func(name string) bool { return params[name] != nil }
	if top {
		for name := range params {
			if given(name) {
				pr.module.given[name] = true
			}
		}
	}

	for _, group := range sp.rules.MutuallyExclusive {
		var set []string
		for _, n := range group {
			if given(n) {
				set = append(set, n)
			}
		}
		if len(set) > 1 {
			return nil, fmt.Errorf("parameters are mutually exclusive: %s%s", strings.Join(group, "|"), suffix(prefix))
		}
	}

	// Environment fallbacks.
	for _, f := range sp.fields {
		if f.env == "" || given(f.name) {
			continue
		}
		if v := pr.getenv(f.env); v != "" {
			params[f.name] = v
			if f.noLog == noLogEverywhere {
				pr.module.AddSecret(v)
			}
		}
	}

	var missing []string
	for _, f := range sp.fields {
		if f.required && !given(f.name) {
			missing = append(missing, f.name)
		}
	}
	if len(missing) > 0 {
		sort.Strings(missing)
		return nil, fmt.Errorf("missing required arguments: %s%s", strings.Join(missing, ", "), suffix(prefix))
	}

	inv := map[string]any{}
	present := map[string]bool{}
	for _, f := range sp.fields {
		v, fromDefault := params[f.name], false
		if v == nil && f.def != nil {
			v, fromDefault = *f.def, true
		}
		if v == nil {
			inv[f.name] = nil
			continue
		}
		present[f.name] = true
		fieldPrefix := f.name
		if prefix != "" {
			fieldPrefix = prefix + "." + f.name
		}
		invVal, err := pr.assign(f, v, dst.FieldByIndex(f.index), fieldPrefix, fromDefault, prefix)
		if err != nil {
			return nil, err
		}
		if f.noLog == noLogEverywhere && !isZeroNumber(invVal) {
			// The coerced value's parts are secrets too: the items of a list
			// given as "a,b", the values of a dict given as "k=v".
			for _, s := range leafStrings(invVal) {
				pr.module.AddSecret(s)
			}
		}
		if !fromDefault {
			mapped, err := checkChoices(f, dst.FieldByIndex(f.index), prefix)
			if err != nil {
				return nil, err
			}
			if mapped != nil {
				invVal = mapped
			}
		}
		switch f.noLog {
		case noLogEverywhere, noLogInvocation:
			inv[f.name] = NoLogPlaceholder
		default:
			inv[f.name] = invVal
		}
	}

	if err := checkRules(sp.rules, present, dst, sp, prefix); err != nil {
		return nil, err
	}
	for _, f := range sp.fields {
		if f.validate == "" || !present[f.name] {
			continue
		}
		if err := structValidator().Var(dst.FieldByIndex(f.index).Interface(), f.validate); err != nil {
			return nil, validationError(f, err, prefix)
		}
	}
	if v, ok := dst.Addr().Interface().(Validator); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	return inv, nil
}

// assign coerces v into the field value dst and returns the value to show in
// invocation.module_args.
func (pr *parser) assign(f *field, v any, dst reflect.Value, fieldPrefix string, fromDefault bool, prefix string) (any, error) {
	typeErr := func(err error) error {
		if f.noLog != noLogNone {
			return fmt.Errorf("argument '%s' is of type %s%s and we were unable to convert to %s", f.name, pyType(v), suffix(prefix), f.typeName())
		}
		return fmt.Errorf("argument '%s' is of type %s%s and we were unable to convert to %s: %v", f.name, pyType(v), suffix(prefix), f.typeName(), err)
	}
	t := dst.Type()
	if t.Kind() == reflect.Pointer && f.sub == nil {
		p := reflect.New(t.Elem())
		inv, err := pr.assign(f, v, p.Elem(), fieldPrefix, fromDefault, prefix)
		if err != nil {
			return nil, err
		}
		dst.Set(p)
		return inv, nil
	}
	switch t.Kind() {
	case reflect.String:
		s, converted, err := toStr(v)
		if err != nil {
			return nil, typeErr(err)
		}
		if converted && !fromDefault && f.noLog == noLogNone {
			pr.module.Warn(fmt.Sprintf("The value '%s' (type %s) in a string field was converted to '%s' (type string). If this does not look like what you expect, quote the entire value to ensure it does not change.", s, pyType(v), s))
		}
		dst.SetString(s)
		return s, nil
	case reflect.Bool:
		b, err := toBool(v)
		if err != nil {
			return nil, typeErr(err)
		}
		dst.SetBool(b)
		return b, nil
	case reflect.Int, reflect.Int64:
		n, err := toInt(v)
		if err != nil {
			return nil, typeErr(err)
		}
		dst.SetInt(n)
		return n, nil
	case reflect.Float64:
		x, err := toFloat(v)
		if err != nil {
			return nil, typeErr(err)
		}
		dst.SetFloat(x)
		return x, nil
	case reflect.Interface:
		dst.Set(reflect.ValueOf(v))
		return v, nil
	case reflect.Map:
		m, err := toDict(v)
		if err != nil {
			return nil, typeErr(err)
		}
		dst.Set(reflect.ValueOf(m))
		return m, nil
	case reflect.Slice:
		items, err := toList(v)
		if err != nil {
			return nil, typeErr(err)
		}
		out := reflect.MakeSlice(t, len(items), len(items))
		invItems := make([]any, len(items))
		for i, item := range items {
			switch t.Elem().Kind() {
			case reflect.String:
				s, _, err := toStr(item)
				if err != nil {
					return nil, fmt.Errorf("Elements value for option '%s'%s is of type %s and we were unable to convert to str: %v", f.name, suffix(prefix), pyType(item), err)
				}
				out.Index(i).SetString(s)
				invItems[i] = s
			case reflect.Interface:
				if item != nil {
					out.Index(i).Set(reflect.ValueOf(item))
				}
				invItems[i] = item
			case reflect.Struct:
				m, err := toDict(item)
				if err != nil {
					return nil, fmt.Errorf("Elements value for option '%s'%s is of type %s and we were unable to convert to dict: %v", f.name, suffix(prefix), pyType(item), err)
				}
				inv, err := pr.parseStruct(f.sub, m, out.Index(i), fmt.Sprintf("%s[%d]", fieldPrefix, i))
				if err != nil {
					return nil, err
				}
				invItems[i] = inv
			}
		}
		dst.Set(out)
		return invItems, nil
	case reflect.Struct, reflect.Pointer:
		m, err := toDict(v)
		if err != nil {
			return nil, typeErr(err)
		}
		target := dst
		if t.Kind() == reflect.Pointer {
			p := reflect.New(t.Elem())
			dst.Set(p)
			target = p.Elem()
		}
		return pr.parseStruct(f.sub, m, target, fieldPrefix)
	}
	return nil, fmt.Errorf("internal error: parameter %s has unsupported type %s", f.name, t)
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
