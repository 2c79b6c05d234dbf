package ansible

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
)

// Parameters are declared as a Go struct whose fields carry these tags:
//
//	ansible:"name"        the parameter's name (fields without it are ignored)
//	aliases:"a,b"         other names accepted for it
//	required:"true"       it must be given (or come from env)
//	default:"30"          its value when not given, written as a task would write it
//	choices:"x,y"         the only values accepted
//	env:"VAR"             fallback from the module's environment when not given
//	no_log:"true"         a secret: masked in invocation and everywhere in the output
//	no_log:"invocation"   masked in invocation.module_args only, because the module may
//	                      deliberately return the value (a caller-supplied key it verified)
//	validate:"url"        go-playground/validator constraints, checked after coercion
//
// The Go type gives the Ansible type: string, bool, int, int64, float64,
// pointers to them (nil when not given), []string, []any, map[string]any,
// any (raw), struct or []struct (sub-options with the same tags).
//
// An anonymous (embedded) struct field without an ansible tag is flattened,
// as encoding/json does: its tagged fields are parameters of the struct that
// embeds it, at any depth, so that a group of settings can be shared by
// several params structs. Names do not shadow: a parameter name or alias
// declared both by a struct and by a struct it embeds is a spec error. Only
// structs are embedded this way; an embedded pointer to a struct is a spec
// error. An embedded struct with an ansible tag is an ordinary sub-option
// parameter. The cross-parameter rules are those of the params struct
// itself: an embedded struct's Rules (and Validate) are not merged with the
// parent's; they apply only through Go's method promotion, that is when the
// parent does not declare its own.

// noLogMode says how a parameter's value is hidden.
type noLogMode int

const (
	noLogNone noLogMode = iota
	noLogEverywhere
	noLogInvocation
)

type field struct {
	name     string
	aliases  []string
	required bool
	def      *string
	choices  []string
	env      string
	noLog    noLogMode
	validate string
	index    []int // path to the field, for reflect.Value.FieldByIndex
	typ      reflect.Type
	sub      *spec // struct or []struct
}

type spec struct {
	typ     reflect.Type
	fields  []*field
	byName  map[string]*field // names and aliases
	aliasOf map[string]string // alias -> name
	rules   Rules
}

// Rules are the cross-parameter constraints of Ansible's argument spec. A
// params struct declares them by implementing Ruler.
type Rules struct {
	// MutuallyExclusive: at most one parameter of each group may be given.
	MutuallyExclusive [][]string
	// RequiredOneOf: at least one parameter of each group must be given.
	RequiredOneOf [][]string
	// RequiredTogether: all parameters of each group, or none.
	RequiredTogether [][]string
	// RequiredIf: when Param has Value, Requires must be given (any one of
	// them when AnyOf).
	RequiredIf []RequiredIf
}

// RequiredIf is one conditional requirement.
type RequiredIf struct {
	Param    string
	Value    any
	Requires []string
	AnyOf    bool
}

// Ruler is implemented by params structs (and sub-option structs) that have
// cross-parameter rules.
type Ruler interface {
	Rules() Rules
}

// Validator is implemented by params structs that need a check the tags
// cannot express. It runs after coercion, defaults and rules.
type Validator interface {
	Validate() error
}

var specCache sync.Map // reflect.Type -> *spec

func specFor[P any]() (*spec, error) {
	return specOf(reflect.TypeFor[P]())
}

func specOf(t reflect.Type) (*spec, error) {
	if s, ok := specCache.Load(t); ok {
		return s.(*spec), nil
	}
	if t.Kind() != reflect.Struct {
		return nil, fmt.Errorf("parameters must be declared as a struct, not %s", t)
	}
	s := &spec{typ: t, byName: map[string]*field{}, aliasOf: map[string]string{}}
	if err := s.addFields(t, nil); err != nil {
		return nil, err
	}
	if r, ok := reflect.New(t).Elem().Interface().(Ruler); ok {
		rules, err := s.resolveRules(r.Rules())
		if err != nil {
			return nil, err
		}
		s.rules = rules
	}
	specCache.Store(t, s)
	return s, nil
}

// addFields adds the parameters declared by the fields of struct type t,
// found at index path prefix from the spec's own type; untagged embedded
// structs are flattened recursively. A field without an ansible tag is the
// parameter of its json name, if it has one: a struct shared with an API's
// wire format (litellm.KeySettings) is declared once, under the API's names.
func (s *spec) addFields(t reflect.Type, prefix []int) error {
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		index := append(append([]int(nil), prefix...), i)
		name, ok := sf.Tag.Lookup("ansible")
		if !ok && !sf.Anonymous {
			name, _, _ = strings.Cut(sf.Tag.Get("json"), ",")
			ok = name != ""
		}
		if !ok && sf.Anonymous {
			switch {
			case sf.Type.Kind() == reflect.Struct:
				if err := s.addFields(sf.Type, index); err != nil {
					return err
				}
			case sf.Type.Kind() == reflect.Pointer && sf.Type.Elem().Kind() == reflect.Struct:
				return fmt.Errorf("embedded field %s: a pointer to a struct cannot be embedded, embed the struct itself", sf.Name)
			}
			continue
		}
		if !ok || name == "" || name == "-" {
			continue
		}
		if !sf.IsExported() {
			return fmt.Errorf("parameter %s: field %s is not exported", name, sf.Name)
		}
		f, err := newField(name, sf, index)
		if err != nil {
			return err
		}
		for _, n := range append([]string{name}, f.aliases...) {
			if _, dup := s.byName[n]; dup {
				return fmt.Errorf("parameter name %s declared twice", n)
			}
			s.byName[n] = f
			if n != name {
				s.aliasOf[n] = name
			}
		}
		s.fields = append(s.fields, f)
	}
	return nil
}

// newField reads the tags of the struct field sf, parameter name.
func newField(name string, sf reflect.StructField, index []int) (*field, error) {
	f := &field{name: name, index: index, typ: sf.Type, env: sf.Tag.Get("env"), validate: sf.Tag.Get("validate")}
	if a := sf.Tag.Get("aliases"); a != "" {
		f.aliases = splitList(a)
	}
	f.required = sf.Tag.Get("required") == "true"
	if d, ok := sf.Tag.Lookup("default"); ok {
		f.def = &d
	}
	if c := sf.Tag.Get("choices"); c != "" {
		f.choices = splitList(c)
	}
	switch sf.Tag.Get("no_log") {
	case "", "false":
	case "true":
		f.noLog = noLogEverywhere
	case "invocation":
		f.noLog = noLogInvocation
	default:
		return nil, fmt.Errorf("parameter %s: no_log must be true, false or invocation", name)
	}
	if err := checkType(f); err != nil {
		return nil, fmt.Errorf("parameter %s: %w", name, err)
	}
	return f, nil
}

// checkType accepts the Go types the runtime can coerce into.
func checkType(f *field) error {
	t := f.typ
	if t.Kind() == reflect.Pointer && t.Elem().Kind() != reflect.Struct {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int, reflect.Int64, reflect.Float64:
		return nil
	case reflect.Interface:
		if t.NumMethod() == 0 {
			return nil
		}
	case reflect.Map:
		if t.Key().Kind() == reflect.String && t.Elem().Kind() == reflect.Interface {
			return nil
		}
	case reflect.Slice:
		switch t.Elem().Kind() {
		case reflect.String, reflect.Interface:
			return nil
		case reflect.Struct:
			sub, err := specOf(t.Elem())
			f.sub = sub
			return err
		}
	case reflect.Struct:
		sub, err := specOf(t)
		f.sub = sub
		return err
	case reflect.Pointer:
		sub, err := specOf(t.Elem())
		f.sub = sub
		return err
	}
	return fmt.Errorf("unsupported Go type %s", f.typ)
}

// typeName is the Ansible name of a field's type, used in error messages.
func (f *field) typeName() string {
	t := f.typ
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "str"
	case reflect.Bool:
		return "bool"
	case reflect.Int, reflect.Int64:
		return "int"
	case reflect.Float64:
		return "float"
	case reflect.Map, reflect.Struct:
		return "dict"
	case reflect.Slice:
		return "list"
	}
	return "raw"
}

// supported lists the parameters like Ansible does in its
// "Supported parameters include" message: sorted, aliases in parentheses.
func (s *spec) supported() string {
	names := make([]string, 0, len(s.fields))
	for _, f := range s.fields {
		if len(f.aliases) > 0 {
			a := append([]string(nil), f.aliases...)
			sort.Strings(a)
			names = append(names, fmt.Sprintf("%s (%s)", f.name, strings.Join(a, ", ")))
		} else {
			names = append(names, f.name)
		}
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// resolveRules checks that every name in the rules is a parameter and
// rewrites aliases to their parameter's name, so that a rule written with an
// alias still applies (as in Python, where aliases stay in the parameters).
func (s *spec) resolveRules(r Rules) (Rules, error) {
	resolve := func(n string) (string, error) {
		f, ok := s.byName[n]
		if !ok {
			return "", fmt.Errorf("rules name unknown parameter %s", n)
		}
		return f.name, nil
	}
	groups := func(in [][]string) ([][]string, error) {
		out := make([][]string, 0, len(in))
		for _, g := range in {
			ng := make([]string, 0, len(g))
			for _, n := range g {
				c, err := resolve(n)
				if err != nil {
					return nil, err
				}
				ng = append(ng, c)
			}
			out = append(out, ng)
		}
		return out, nil
	}
	var out Rules
	var err error
	if out.MutuallyExclusive, err = groups(r.MutuallyExclusive); err != nil {
		return Rules{}, err
	}
	if out.RequiredOneOf, err = groups(r.RequiredOneOf); err != nil {
		return Rules{}, err
	}
	if out.RequiredTogether, err = groups(r.RequiredTogether); err != nil {
		return Rules{}, err
	}
	for _, ri := range r.RequiredIf {
		param, err := resolve(ri.Param)
		if err != nil {
			return Rules{}, err
		}
		req, err := groups([][]string{ri.Requires})
		if err != nil {
			return Rules{}, err
		}
		out.RequiredIf = append(out.RequiredIf, RequiredIf{Param: param, Value: ri.Value, Requires: req[0], AnyOf: ri.AnyOf})
	}
	return out, nil
}
