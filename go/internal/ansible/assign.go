package ansible

// Coercing one parameter's value into its Go field (the conversions are in
// coerce.go).

import (
	"fmt"
	"reflect"
)

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
