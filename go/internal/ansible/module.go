// Package ansible is the runtime of this collection's Go binary modules: the
// only code that knows Ansible's wire format.
//
// Ansible runs a binary module as `<binary> <args-file>`; the args file is a
// flat JSON object holding the task's parameters and internal `_ansible_*`
// keys. The module prints one JSON object on stdout. The controller applies no
// argument spec and masks nothing for binary modules, so this package does
// what Python's AnsibleModule does: it coerces and validates parameters
// declared as a tagged Go struct (see Spec), reports errors in Ansible's own
// words, and masks every secret across the whole result. What Ansible does
// with a binary module, and so what this package relies on, is described in
// docs/ansible-binary-modules.md.
package ansible

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
)

// RunFunc is a module's logic: it receives the parsed parameters and returns
// a result that marshals to a JSON object (normally a struct with a
// `changed` field). Returning a non-nil error fails the task with the error's
// text as `msg`; the result's fields, if any, are kept in the failure.
type RunFunc[P any] func(ctx context.Context, m *Module, p *P) (any, error)

// Deprecation is one entry of a result's `deprecations` list. Ansible's
// callbacks on 2.14–2.18 crash on plain strings there, so it is always a dict.
type Deprecation struct {
	Msg     string `json:"msg"`
	Version string `json:"version,omitempty"`
}

// Module is what a running module knows about its invocation: flags from the
// controller, the parameters that were explicitly set, and the secrets to mask.
type Module struct {
	name      string
	checkMode bool
	diffMode  bool
	verbosity int
	noLog     bool
	args      []byte // the args file as read, for KeyOrder

	mu           sync.Mutex
	given        map[string]bool
	aliases      map[string]string // alias -> parameter name
	secrets      map[string]struct{}
	warnings     []string
	deprecations []Deprecation
	abbreviated  map[string]any // parameter -> what invocation shows instead of its value
}

// Name returns the module's name, as Ansible called it.
func (m *Module) Name() string { return m.name }

// CheckMode reports whether the task runs with --check: a module must change
// nothing then and report what it would do.
func (m *Module) CheckMode() bool { return m.checkMode }

// DiffMode reports whether the task runs with --diff; only then is a result's
// `diff` field returned.
func (m *Module) DiffMode() bool { return m.diffMode }

// AbbreviateInvocation makes invocation.module_args show v instead of the
// value of parameter name: for a large value whose echo nobody reads and the
// controller pays for (Ansible wraps and copies every value of a result).
func (m *Module) AbbreviateInvocation(name string, v any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.abbreviated == nil {
		m.abbreviated = map[string]any{}
	}
	m.abbreviated[name] = v
}

// Verbosity returns the number of -v flags given to ansible-playbook.
func (m *Module) Verbosity() int { return m.verbosity }

// IsSet reports whether the task set the top-level parameter name (or one of
// its aliases) explicitly, as opposed to a default or an environment fallback.
func (m *Module) IsSet(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if canonical, ok := m.aliases[name]; ok {
		name = canonical
	}
	return m.given[name]
}

// Warn adds a message to the result's `warnings`. Safe for concurrent use.
func (m *Module) Warn(msg string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range m.warnings {
		if w == msg {
			return
		}
	}
	m.warnings = append(m.warnings, msg)
}

// Deprecate adds an entry to the result's `deprecations`.
func (m *Module) Deprecate(msg, version string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.deprecations = append(m.deprecations, Deprecation{Msg: msg, Version: version})
}

// AddSecret registers a value learned at run time (a password parsed from a
// DSN, a derived secret) so that it is masked everywhere in the output, like
// the values of no_log parameters. Empty values are ignored. Safe for
// concurrent use.
func (m *Module) AddSecret(s string) {
	if s == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.secrets[s] = struct{}{}
}

func (m *Module) secretList() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]string, 0, len(m.secrets))
	for s := range m.secrets {
		out = append(out, s)
	}
	return out
}

// Main runs a module the way Ansible invokes it: it reads the args file named
// by os.Args[1], runs fn, prints the result as JSON on stdout and exits (1 when
// the task failed, which Ansible ignores in favour of the `failed` key).
func Main[P any](name string, fn RunFunc[P]) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	var out []byte
	if len(os.Args) < 2 {
		out = failureJSON(fmt.Sprintf("%s is an Ansible module: run it from a playbook, or as `%s ARGS_FILE` with a JSON args file", name, name))
	} else if args, err := os.ReadFile(os.Args[1]); err != nil {
		out = failureJSON(fmt.Sprintf("cannot read the module's args file: %v", errors.Unwrap(err)))
	} else {
		out = Execute(ctx, name, args, fn)
	}
	stop()
	_, _ = os.Stdout.Write(append(out, '\n'))
	if failed(out) {
		os.Exit(1)
	}
	os.Exit(0)
}

// Execute runs fn for the args JSON and returns exactly what the module would
// print. It never panics: a panic in fn becomes a failed result.
func Execute[P any](ctx context.Context, name string, args []byte, fn RunFunc[P]) []byte {
	m := &Module{name: name, args: args, given: map[string]bool{}, secrets: map[string]struct{}{}}
	res := map[string]any{}
	var invocation map[string]any

	out := func() (out []byte) {
		defer func() {
			if r := recover(); r != nil {
				out = m.finish(map[string]any{"failed": true, "changed": false,
					"msg": fmt.Sprintf("internal error in module %s: %v", name, r)}, invocation)
			}
		}()
		raw, err := decodeArgs(args)
		if err != nil {
			return m.finish(map[string]any{"failed": true, "msg": err.Error()}, nil)
		}
		m.readInternal(raw)

		sp, err := specFor[P]()
		if err != nil {
			return m.finish(map[string]any{"failed": true, "msg": fmt.Sprintf("internal error in module %s: %v", name, err)}, nil)
		}
		var p P
		pr := &parser{module: m, getenv: os.Getenv}
		inv, err := pr.parse(sp, raw, &p)
		invocation = inv
		if err != nil {
			return m.finish(map[string]any{"failed": true, "msg": err.Error()}, invocation)
		}

		result, runErr := fn(ctx, m, &p)
		if result != nil {
			fields, err := ToObject(result)
			switch {
			case errors.Is(err, errNullResult):
				// A typed nil (e.g. a nil *result returned with an error)
				// is no result; the error, if any, still becomes msg.
			case err != nil && runErr != nil:
				runErr = fmt.Errorf("%w (and the result is not a JSON object: %v)", runErr, err)
			case err != nil:
				return m.finish(map[string]any{"failed": true, "msg": fmt.Sprintf("internal error in module %s: result is not a JSON object: %v", name, err)}, invocation)
			default:
				res = fields
			}
		}
		if runErr != nil {
			res["failed"] = true
			res["msg"] = runErr.Error()
		}
		return m.finish(res, invocation)
	}()
	return out
}

// readInternal reads the `_ansible_*` keys the runtime cares about and
// removes all of them, known or not, from the parameters.
func (m *Module) readInternal(raw map[string]any) {
	for k, v := range raw {
		if !strings.HasPrefix(k, "_ansible_") {
			continue
		}
		switch k {
		case "_ansible_check_mode":
			m.checkMode, _ = toBool(v)
		case "_ansible_diff":
			m.diffMode, _ = toBool(v)
		case "_ansible_no_log":
			m.noLog, _ = toBool(v)
		case "_ansible_verbosity":
			if n, err := toInt(v); err == nil {
				m.verbosity = int(n)
			}
		case "_ansible_module_name":
			if s, ok := v.(string); ok && s != "" {
				m.name = s
			}
		}
		delete(raw, k)
	}
}

// finish completes a result: defaults for changed/failed, warnings,
// deprecations, invocation, diff only in diff mode, and masking of every
// secret. It returns the JSON to print.
func (m *Module) finish(res map[string]any, invocation map[string]any) []byte {
	if _, ok := res["changed"]; !ok {
		res["changed"] = false
	}
	if f, ok := res["failed"].(bool); ok && !f {
		delete(res, "failed")
	}
	if !m.diffMode {
		delete(res, "diff")
	}
	for k := range res {
		if strings.HasPrefix(k, "_ansible_") {
			delete(res, k)
		}
	}
	m.mu.Lock()
	if len(m.warnings) > 0 {
		res["warnings"] = append([]string(nil), m.warnings...)
	}
	if len(m.deprecations) > 0 {
		res["deprecations"] = append([]Deprecation(nil), m.deprecations...)
	}
	if invocation != nil {
		for name, v := range m.abbreviated {
			if _, ok := invocation[name]; ok {
				invocation[name] = v
			}
		}
		res["invocation"] = map[string]any{"module_args": invocation}
	}
	m.mu.Unlock()
	masked := newMasker(m.secretList()).value(normalize(res))
	out, err := json.Marshal(masked)
	if err != nil {
		return failureJSON("internal error: cannot encode the result")
	}
	return unmarkNonFinite(out)
}

// normalize turns typed values (structs, typed slices) into the generic JSON
// shapes so that masking can walk them.
func normalize(v map[string]any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return map[string]any{"failed": true, "msg": "internal error: result cannot be encoded as JSON: " + err.Error()}
	}
	var out any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return map[string]any{"failed": true, "msg": "internal error: result cannot be decoded"}
	}
	return out
}

// errNullResult is ToObject's answer for a value that marshals to null.
var errNullResult = errors.New("null")

// ToObject is v as the JSON object Ansible sees (numbers kept as json.Number):
// a result, or a record of one.
func ToObject(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&out); err != nil {
		return nil, err
	}
	if out == nil {
		return nil, errNullResult
	}
	return out, nil
}

func decodeArgs(b []byte) (map[string]any, error) {
	b, nonFinite := markNonFinite(b) // see nonfinite.go
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("the module's args file is not valid JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("the module's args file is not valid JSON: data after the object")
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, errors.New("the module's args file must hold a JSON object")
	}
	if nonFinite {
		restoreNonFinite(obj)
	}
	return obj, nil
}

func failureJSON(msg string) []byte {
	b, _ := json.Marshal(map[string]any{"failed": true, "changed": false, "msg": msg})
	return b
}

func failed(out []byte) bool {
	var r struct {
		Failed bool `json:"failed"`
	}
	_ = json.Unmarshal(out, &r)
	return r.Failed
}
