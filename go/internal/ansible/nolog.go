package ansible

// Collecting the values of no_log parameters before anything can fail.

import (
	"encoding/json"
	"reflect"
)

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
