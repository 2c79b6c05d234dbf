package fakeserver

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math"
	"net/http"
	"strconv"
	"strings"
)

// maxBody bounds request bodies.
const maxBody = 1 << 20

// opt is an optional JSON field: absent, explicit null, or a value.
type opt[T any] struct {
	Set  bool // present in the body (possibly null)
	Null bool
	V    T
}

// has reports a present, non-null value.
func (o opt[T]) has() bool { return o.Set && !o.Null }

// body is a decoded JSON object body checked field by field the way pydantic
// (lax mode) validates LiteLLM's request models. Errors accumulate in items.
type body struct {
	raw   map[string]json.RawMessage
	whole json.RawMessage
	items []detailItem
}

// readBody reads a JSON object body. A missing, malformed or non-object body
// yields FastAPI's 422 items.
func readBody(r *http.Request) (*body, []detailItem) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		return nil, []detailItem{{Type: "missing", Loc: []any{"body"}, Msg: "Field required", Input: json.RawMessage("null")}}
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return nil, []detailItem{{Type: "missing", Loc: []any{"body"}, Msg: "Field required", Input: json.RawMessage("null")}}
	}
	var probe any
	if err := json.Unmarshal(data, &probe); err != nil {
		pos := 0
		var se *json.SyntaxError
		if errors.As(err, &se) {
			pos = int(se.Offset)
		}
		return nil, []detailItem{{
			Type: "json_invalid", Loc: []any{"body", pos}, Msg: "JSON decode error",
			Input: json.RawMessage("{}"), Ctx: map[string]any{"error": "Expecting value"},
		}}
	}
	b := &body{whole: data}
	if err := json.Unmarshal(data, &b.raw); err != nil || b.raw == nil {
		return nil, []detailItem{{
			Type: "model_attributes_type", Loc: []any{"body"},
			Msg: "Input should be a valid dictionary or object to extract fields from", Input: data,
		}}
	}
	return b, nil
}

func (b *body) fail(typ, msg string, input json.RawMessage, loc ...any) {
	b.items = append(b.items, detailItem{Type: typ, Loc: append([]any{"body"}, loc...), Msg: msg, Input: input})
}

// field returns the raw value of name and whether it is present and null.
func (b *body) field(name string) (json.RawMessage, bool, bool) {
	v, ok := b.raw[name]
	if !ok {
		return nil, false, false
	}
	return v, true, string(v) == "null"
}

// truthy mirrors Python's truthiness of a JSON value.
func (b *body) truthy(name string) bool {
	v, ok := b.raw[name]
	if !ok {
		return false
	}
	switch s := strings.TrimSpace(string(v)); s {
	case "null", "false", "0", `""`, "[]", "{}", "0.0":
		return false
	default:
		if strings.HasPrefix(s, "[") || strings.HasPrefix(s, "{") {
			var x any
			_ = json.Unmarshal(v, &x)
			switch t := x.(type) {
			case []any:
				return len(t) > 0
			case map[string]any:
				return len(t) > 0
			}
		}
		return true
	}
}

func (b *body) require(name string) {
	if _, ok := b.raw[name]; !ok {
		b.items = append(b.items, detailItem{Type: "missing", Loc: []any{"body", name}, Msg: "Field required", Input: b.whole})
	}
}

func decodeAny(v json.RawMessage) any {
	d := json.NewDecoder(bytes.NewReader(v))
	d.UseNumber()
	var x any
	_ = d.Decode(&x)
	return x
}

func (b *body) str(name string) opt[string] {
	v, set, null := b.field(name)
	o := opt[string]{Set: set, Null: null}
	if !set || null {
		return o
	}
	s, ok := decodeAny(v).(string)
	if !ok {
		b.fail("string_type", "Input should be a valid string", v, name)
		return opt[string]{}
	}
	o.V = s
	return o
}

func (b *body) float(name string) opt[float64] {
	v, set, null := b.field(name)
	o := opt[float64]{Set: set, Null: null}
	if !set || null {
		return o
	}
	switch t := decodeAny(v).(type) {
	case json.Number:
		f, err := t.Float64()
		if err == nil {
			o.V = f
			return o
		}
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
		if err == nil {
			o.V = f
			return o
		}
		b.fail("float_parsing", "Input should be a valid number, unable to parse string as a number", v, name)
		return opt[float64]{}
	case bool:
		o.V = 0
		if t {
			o.V = 1
		}
		return o
	}
	b.fail("float_type", "Input should be a valid number", v, name)
	return opt[float64]{}
}

func (b *body) int(name string) opt[int64] {
	v, set, null := b.field(name)
	o := opt[int64]{Set: set, Null: null}
	if !set || null {
		return o
	}
	switch t := decodeAny(v).(type) {
	case json.Number:
		if i, err := t.Int64(); err == nil {
			o.V = i
			return o
		}
		f, err := t.Float64()
		if err == nil && f == math.Trunc(f) && math.Abs(f) < 1<<62 {
			o.V = int64(f)
			return o
		}
		if err == nil {
			b.fail("int_from_float", "Input should be a valid integer, got a number with a fractional part", v, name)
			return opt[int64]{}
		}
	case string:
		if i, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64); err == nil {
			o.V = i
			return o
		}
		b.fail("int_parsing", "Input should be a valid integer, unable to parse string as an integer", v, name)
		return opt[int64]{}
	case bool:
		if t {
			o.V = 1
		}
		return o
	}
	b.fail("int_type", "Input should be a valid integer", v, name)
	return opt[int64]{}
}

// parseBool accepts pydantic's lax boolean spellings.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "on", "t", "true", "y", "yes":
		return true, true
	case "0", "off", "f", "false", "n", "no":
		return false, true
	}
	return false, false
}

func (b *body) bool(name string) opt[bool] {
	v, set, null := b.field(name)
	o := opt[bool]{Set: set, Null: null}
	if !set || null {
		return o
	}
	switch t := decodeAny(v).(type) {
	case bool:
		o.V = t
		return o
	case json.Number:
		switch t.String() {
		case "0":
			return o
		case "1":
			o.V = true
			return o
		}
		b.fail("bool_parsing", "Input should be a valid boolean, unable to interpret input", v, name)
		return opt[bool]{}
	case string:
		if bv, ok := parseBool(t); ok {
			o.V = bv
			return o
		}
		b.fail("bool_parsing", "Input should be a valid boolean, unable to interpret input", v, name)
		return opt[bool]{}
	}
	b.fail("bool_type", "Input should be a valid boolean", v, name)
	return opt[bool]{}
}

func (b *body) strList(name string) opt[[]string] {
	v, set, null := b.field(name)
	o := opt[[]string]{Set: set, Null: null}
	if !set || null {
		return o
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(v, &elems); err != nil || !strings.HasPrefix(strings.TrimSpace(string(v)), "[") {
		b.fail("list_type", "Input should be a valid list", v, name)
		return opt[[]string]{}
	}
	out := make([]string, 0, len(elems))
	bad := false
	for i, e := range elems {
		s, ok := decodeAny(e).(string)
		if !ok {
			b.fail("string_type", "Input should be a valid string", e, name, i)
			bad = true
			continue
		}
		out = append(out, s)
	}
	if bad {
		return opt[[]string]{}
	}
	o.V = out
	return o
}

func (b *body) dict(name string) opt[map[string]any] {
	v, set, null := b.field(name)
	o := opt[map[string]any]{Set: set, Null: null}
	if !set || null {
		return o
	}
	var m map[string]any
	if err := json.Unmarshal(v, &m); err != nil || m == nil {
		b.fail("dict_type", "Input should be a valid dictionary", v, name)
		return opt[map[string]any]{}
	}
	o.V = m
	return o
}

// keyFields are the /key/generate and /key/update fields the fake handles.
// Any other field in a body is ignored, like LiteLLM does.
type keyFields struct {
	Key                  opt[string]
	KeyAlias             opt[string]
	Duration             opt[string]
	Models               opt[[]string]
	MaxBudget            opt[float64]
	SoftBudget           opt[float64]
	BudgetDuration       opt[string]
	UserID               opt[string]
	TeamID               opt[string]
	Metadata             opt[map[string]any]
	TPMLimit             opt[int64]
	RPMLimit             opt[int64]
	MaxParallelRequests  opt[int64]
	Blocked              opt[bool]
	Spend                opt[float64]
	Aliases              opt[map[string]any]
	Config               opt[map[string]any]
	Permissions          opt[map[string]any]
	ModelMaxBudget       opt[map[string]any]
	AllowedCacheControls opt[[]string]
	AllowedRoutes        opt[[]string]
	OrganizationID       opt[string]
	BudgetID             opt[string]
}

func (b *body) keyFields() keyFields {
	return keyFields{
		Key:                  b.str("key"),
		KeyAlias:             b.str("key_alias"),
		Duration:             b.str("duration"),
		Models:               b.strList("models"),
		MaxBudget:            b.float("max_budget"),
		SoftBudget:           b.float("soft_budget"),
		BudgetDuration:       b.str("budget_duration"),
		UserID:               b.str("user_id"),
		TeamID:               b.str("team_id"),
		Metadata:             b.dict("metadata"),
		TPMLimit:             b.int("tpm_limit"),
		RPMLimit:             b.int("rpm_limit"),
		MaxParallelRequests:  b.int("max_parallel_requests"),
		Blocked:              b.bool("blocked"),
		Spend:                b.float("spend"),
		Aliases:              b.dict("aliases"),
		Config:               b.dict("config"),
		Permissions:          b.dict("permissions"),
		ModelMaxBudget:       b.dict("model_max_budget"),
		AllowedCacheControls: b.strList("allowed_cache_controls"),
		AllowedRoutes:        b.strList("allowed_routes"),
		OrganizationID:       b.str("organization_id"),
		BudgetID:             b.str("budget_id"),
	}
}

// queryInt parses an integer query parameter with bounds, returning FastAPI's
// 422 item on failure.
func queryInt(q map[string][]string, name string, def, ge, le int) (int, *detailItem) {
	vs, ok := q[name]
	if !ok || len(vs) == 0 {
		return def, nil
	}
	s := vs[len(vs)-1]
	in := rawJSON(s)
	n, err := strconv.Atoi(strings.TrimSpace(s))
	switch {
	case err != nil:
		return 0, &detailItem{Type: "int_parsing", Loc: []any{"query", name}, Msg: "Input should be a valid integer, unable to parse string as an integer", Input: in}
	case n < ge:
		return 0, &detailItem{Type: "greater_than_equal", Loc: []any{"query", name}, Msg: "Input should be greater than or equal to " + strconv.Itoa(ge), Input: in, Ctx: map[string]any{"ge": ge}}
	case le > 0 && n > le:
		return 0, &detailItem{Type: "less_than_equal", Loc: []any{"query", name}, Msg: "Input should be less than or equal to " + strconv.Itoa(le), Input: in, Ctx: map[string]any{"le": le}}
	}
	return n, nil
}
