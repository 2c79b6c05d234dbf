package ansible

// The parser turns an invocation's raw args into a params struct, in the order
// AnsibleModule checks them: names and aliases, mutually exclusive groups,
// environment fallbacks, required parameters, then each value (assign.go),
// its choices and the rules (validate.go). no_log values are collected first
// (nolog.go), so that any error that echoes input is already masked.

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"sort"
	"strings"
)

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
