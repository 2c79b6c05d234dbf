package ansible

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type item struct {
	Alias  string         `ansible:"key_alias" required:"true"`
	UserID *string        `ansible:"user_id"`
	Key    string         `ansible:"key" no_log:"invocation"`
	Meta   map[string]any `ansible:"metadata"`
}

type testParams struct {
	URL       string         `ansible:"api_url" aliases:"litellm_url,url" required:"true" validate:"url"`
	APIKey    string         `ansible:"api_key" aliases:"master_key" no_log:"true" env:"TEST_ANSIBLE_MASTER_KEY"`
	State     string         `ansible:"state" default:"present" choices:"present,absent"`
	Timeout   int            `ansible:"timeout" default:"30" validate:"min=1"`
	Verify    bool           `ansible:"validate_certs" default:"true"`
	Budget    *float64       `ansible:"max_budget"`
	Models    []string       `ansible:"models"`
	Metadata  map[string]any `ansible:"metadata"`
	Raw       any            `ansible:"msg"`
	Keys      []item         `ansible:"keys"`
	Alias     string         `ansible:"key_alias"`
	Retries   *int           `ansible:"retries"`
	DBURL     string         `ansible:"database_url" no_log:"true"`
	ForceDB   bool           `ansible:"force_db_delete"`
	KnownKey  string         `ansible:"key" no_log:"invocation"`
	Mode      *string        `ansible:"on_secret_unknown" choices:"keep,regenerate,fail"`
	CheckThis []string       `ansible:"tags" choices:"a,b"`
}

func (testParams) Rules() Rules {
	return Rules{
		MutuallyExclusive: [][]string{{"key_alias", "keys"}},
		RequiredOneOf:     [][]string{{"key_alias", "keys"}},
		RequiredIf:        []RequiredIf{{Param: "force_db_delete", Value: true, Requires: []string{"database_url"}}},
	}
}

// echo returns the parsed params so tests can see what the runtime made of them.
func echo(_ context.Context, m *Module, p *testParams) (any, error) {
	return map[string]any{"changed": false, "params": p, "check": m.CheckMode(), "diff": "d",
		"set_timeout": m.IsSet("timeout"), "set_api_url": m.IsSet("api_url"), "verbosity": m.Verbosity()}, nil
}

func run(t *testing.T, args map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(args)
	require.NoError(t, err)
	out := Execute(context.Background(), "litellm_key", b, echo)
	var res map[string]any
	require.NoError(t, json.Unmarshal(out, &res), string(out))
	return res
}

func base(extra map[string]any) map[string]any {
	m := map[string]any{"api_url": "http://127.0.0.1:4000", "key_alias": "virtkey-x"}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

func params(t *testing.T, res map[string]any) map[string]any {
	t.Helper()
	require.NotEqual(t, true, res["failed"], "unexpected failure: %v", res["msg"])
	p, ok := res["params"].(map[string]any)
	require.True(t, ok)
	return p
}

func TestCoercion(t *testing.T) {
	tests := []struct {
		name  string
		field string
		in    any
		goKey string
		want  any
	}{
		{"bool yes", "validate_certs", "yes", "Verify", true},
		{"bool NO", "validate_certs", "NO", "Verify", false},
		{"bool On", "validate_certs", "On", "Verify", true},
		{"bool off", "validate_certs", "off", "Verify", false},
		{"bool 1 string", "validate_certs", "1", "Verify", true},
		{"bool 0 number", "validate_certs", 0, "Verify", false},
		{"bool 1 number", "validate_certs", 1, "Verify", true},
		{"bool True", "validate_certs", "True", "Verify", true},
		{"bool false", "validate_certs", false, "Verify", false},
		{"bool y", "validate_certs", "y", "Verify", true},
		{"bool f", "validate_certs", "f", "Verify", false},
		{"int from string", "timeout", "45", "Timeout", float64(45)},
		{"int from number", "timeout", 12, "Timeout", float64(12)},
		{"int from integral float", "timeout", 12.0, "Timeout", float64(12)},
		{"int from padded string", "timeout", " 7 ", "Timeout", float64(7)},
		{"float from string", "max_budget", "2.5", "Budget", 2.5},
		{"float from int", "max_budget", 3, "Budget", float64(3)},
		{"list from comma string", "models", "a, b,,c", "Models", []any{"a", "b", "c"}},
		{"list from list", "models", []any{"x", 5}, "Models", []any{"x", "5"}},
		{"list from number", "models", 5, "Models", []any{"5"}},
		{"list from JSON text", "models", `["a", 5, "b,c"]`, "Models", []any{"a", "5", "b,c"}},
		{"list from padded JSON text", "models", " \n[\"x\"] ", "Models", []any{"x"}},
		{"empty list from JSON text", "models", "[]", "Models", []any{}},
		{"dict from json string", "metadata", `{"a": 1, "b": "x"}`, "Metadata", map[string]any{"a": float64(1), "b": "x"}},
		{"dict from k=v", "metadata", "a=1, b=two", "Metadata", map[string]any{"a": "1", "b": "two"}},
		{"dict from dict", "metadata", map[string]any{"k": []any{"v"}}, "Metadata", map[string]any{"k": []any{"v"}}},
		{"raw string", "msg", "hello", "Raw", "hello"},
		{"raw list", "msg", []any{"a", "b"}, "Raw", []any{"a", "b"}},
		{"string from number", "state", "absent", "State", "absent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params(t, run(t, base(map[string]any{tt.field: tt.in})))
			assert.Equal(t, tt.want, p[tt.goKey])
		})
	}
}

// A list of sub-options given as JSON text (what `"{{ items | to_json }}"`
// templates to) is parsed like the list itself: items checked, numbers kept
// as given, the invocation echoing the items with their no_log values masked.
func TestListOfSubOptionsFromJSONText(t *testing.T) {
	text := `[{"key_alias": "a1", "key": "sk-json-text-secret-1", "metadata": {"n": 12345678901234567890}}, {"key_alias": "a2"}]`
	res := run(t, map[string]any{"api_url": "http://h:1", "keys": text})
	p := params(t, res)
	keys := p["Keys"].([]any)
	require.Len(t, keys, 2)
	assert.Equal(t, "a1", keys[0].(map[string]any)["Alias"])
	assert.Equal(t, map[string]any{"n": 12345678901234567890.0}, keys[0].(map[string]any)["Meta"])
	inv := res["invocation"].(map[string]any)["module_args"].(map[string]any)
	invKeys, ok := inv["keys"].([]any)
	require.True(t, ok, "the invocation echoes the parsed list, not the text: %v", inv["keys"])
	assert.Equal(t, NoLogPlaceholder, invKeys[0].(map[string]any)["key"])
	assert.Equal(t, "a1", invKeys[0].(map[string]any)["key_alias"])

	res = run(t, map[string]any{"api_url": "http://h:1", "keys": `[{"key_alias": "a1"}, {"key_alias": "a2", "nope": 1}]`})
	assert.Equal(t, true, res["failed"])
	assert.Contains(t, res["msg"], "Unsupported parameters for (litellm_key) module: nope found in keys[1].")
}

func TestBoolSpellingsTrue(t *testing.T) {
	for _, s := range []string{"yes", "YES", "on", "true", "TRUE", "t", "y", "1"} {
		p := params(t, run(t, base(map[string]any{"validate_certs": s})))
		assert.Equal(t, true, p["Verify"], s)
	}
}

func TestDefaultsAndEnv(t *testing.T) {
	t.Setenv("TEST_ANSIBLE_MASTER_KEY", "sk-from-env-1234")
	res := run(t, base(nil))
	p := params(t, res)
	assert.Equal(t, "present", p["State"])
	assert.Equal(t, float64(30), p["Timeout"])
	assert.Equal(t, true, p["Verify"])
	assert.Nil(t, p["Budget"])
	assert.Nil(t, p["Retries"])
	// The env value is a secret: the params echo shows it masked.
	assert.Equal(t, NoLogPlaceholder, p["APIKey"])
	assert.Equal(t, false, res["set_timeout"])
	assert.Equal(t, true, res["set_api_url"])
	inv := res["invocation"].(map[string]any)["module_args"].(map[string]any)
	assert.Equal(t, NoLogPlaceholder, inv["api_key"])
	assert.Equal(t, float64(30), inv["timeout"])
	assert.Contains(t, inv, "max_budget")
	assert.Nil(t, inv["max_budget"])
}

func TestAliases(t *testing.T) {
	res := run(t, map[string]any{"litellm_url": "http://h:1", "key_alias": "a", "master_key": "sk-secret-alias"})
	p := params(t, res)
	assert.Equal(t, "http://h:1", p["URL"])
	assert.Equal(t, true, res["set_api_url"])

	res = run(t, map[string]any{"api_url": "http://canonical:1", "url": "http://alias:1", "key_alias": "a"})
	p = params(t, res)
	// As in Python's _handle_aliases, the alias wins (a task's alias beats module_defaults).
	assert.Equal(t, "http://alias:1", p["URL"])
	assert.Contains(t, res["warnings"], "Both option api_url and its alias url are set.")
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"missing required", map[string]any{"key_alias": "a"}, "missing required arguments: api_url"},
		{"unsupported", base(map[string]any{"bogus": 1, "another": 2}),
			"Unsupported parameters for (litellm_key) module: another, bogus. Supported parameters include: api_key (master_key), api_url (litellm_url, url), database_url, force_db_delete, key, key_alias, keys, max_budget, metadata, models, msg, on_secret_unknown, retries, state, tags, timeout, validate_certs."},
		{"choices", base(map[string]any{"state": "gone"}), "value of state must be one of: present, absent, got: gone"},
		{"list choices", base(map[string]any{"tags": "a,z"}), "value of tags must be one or more of: a, b. Got no match for: z"},
		{"pointer choices", base(map[string]any{"on_secret_unknown": "maybe"}), "value of on_secret_unknown must be one of: keep, regenerate, fail, got: maybe"},
		{"int from word", base(map[string]any{"timeout": "soon"}), "argument 'timeout' is of type str and we were unable to convert to int: <class 'str'> cannot be converted to an int"},
		{"int from float", base(map[string]any{"timeout": 1.5}), "argument 'timeout' is of type float and we were unable to convert to int: <class 'float'> cannot be converted to an int"},
		{"int from list", base(map[string]any{"timeout": []any{1}}), "argument 'timeout' is of type list and we were unable to convert to int"},
		{"bool from word", base(map[string]any{"validate_certs": "maybe"}), "argument 'validate_certs' is of type str and we were unable to convert to bool: The value 'maybe' is not a valid boolean."},
		{"bool from 2", base(map[string]any{"validate_certs": 2}), "argument 'validate_certs' is of type int and we were unable to convert to bool"},
		{"float from word", base(map[string]any{"max_budget": "lots"}), "argument 'max_budget' is of type str and we were unable to convert to float"},
		{"dict from junk", base(map[string]any{"metadata": "{not json"}), "argument 'metadata' is of type str and we were unable to convert to dict"},
		{"dict from JSON with junk after it", base(map[string]any{"metadata": `{"a": 1} x`}), "argument 'metadata' is of type str and we were unable to convert to dict: unable to parse the value as a JSON dictionary"},
		{"dict from pairs junk", base(map[string]any{"metadata": "novalue"}), "argument 'metadata' is of type str and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value"},
		{"list from broken JSON", base(map[string]any{"models": `["a", "b"`}), "argument 'models' is of type str and we were unable to convert to list: unable to parse the value as a JSON list"},
		{"list from JSON with junk after it", base(map[string]any{"models": `["a"] ["b"]`}), "argument 'models' is of type str and we were unable to convert to list: unable to parse the value as a JSON list"},
		{"list from a bracket word", base(map[string]any{"models": "[a,b]"}), "unable to parse the value as a JSON list"},
		{"JSON list of sub-options, item not a dict", map[string]any{"api_url": "http://h:1", "keys": `["a"]`}, "Elements value for option 'keys' is of type str and we were unable to convert to dict"},
		{"list from dict", base(map[string]any{"models": map[string]any{}}), "argument 'models' is of type dict and we were unable to convert to list"},
		{"string from list", base(map[string]any{"state": []any{"present"}}), "argument 'state' is of type list and we were unable to convert to str"},
		{"mutually exclusive", base(map[string]any{"keys": []any{map[string]any{"key_alias": "a"}}}), "parameters are mutually exclusive: key_alias|keys"},
		{"required one of", map[string]any{"api_url": "http://h:1"}, "one of the following is required: key_alias, keys"},
		{"required if", base(map[string]any{"force_db_delete": "yes"}), "force_db_delete is True but all of the following are missing: database_url"},
		{"validator url", base(map[string]any{"api_url": "not a url"}), "value of api_url is invalid: it must be an absolute URL such as https://litellm.example.com, got: not a url"},
		{"validator min", base(map[string]any{"timeout": 0}), "value of timeout is invalid: it must be at least 1, got: 0"},
		{"suboption missing", map[string]any{"api_url": "http://h:1", "keys": []any{map[string]any{"user_id": "u"}}}, "missing required arguments: key_alias found in keys[0]"},
		{"suboption unsupported", map[string]any{"api_url": "http://h:1", "keys": []any{map[string]any{"key_alias": "a"}, map[string]any{"key_alias": "b", "nope": 1}}},
			"Unsupported parameters for (litellm_key) module: nope found in keys[1]. Supported parameters include: key, key_alias, metadata, user_id."},
		{"suboption type", map[string]any{"api_url": "http://h:1", "keys": []any{map[string]any{"key_alias": "a", "user_id": []any{}}}}, "argument 'user_id' is of type list found in keys[0] and we were unable to convert to str"},
		{"list element not dict", map[string]any{"api_url": "http://h:1", "keys": []any{"a"}}, "Elements value for option 'keys' is of type str and we were unable to convert to dict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := run(t, tt.args)
			require.Equal(t, true, res["failed"], "expected a failure, got %v", res)
			assert.Contains(t, res["msg"], tt.want)
			assert.Equal(t, false, res["changed"])
		})
	}
}

func TestSubOptions(t *testing.T) {
	res := run(t, map[string]any{"api_url": "http://h:1", "keys": []any{
		map[string]any{"key_alias": "a", "user_id": "u1", "key": "sk-known-aaaa"},
		`{"key_alias": "b", "metadata": {"x": 1}}`,
	}})
	p := params(t, res)
	keys := p["Keys"].([]any)
	require.Len(t, keys, 2)
	assert.Equal(t, "a", keys[0].(map[string]any)["Alias"])
	assert.Equal(t, "u1", keys[0].(map[string]any)["UserID"])
	// invocation-only secrets stay usable by the module (and can be returned).
	assert.Equal(t, "sk-known-aaaa", keys[0].(map[string]any)["Key"])
	assert.Nil(t, keys[1].(map[string]any)["UserID"])
	inv := res["invocation"].(map[string]any)["module_args"].(map[string]any)
	invKeys := inv["keys"].([]any)
	assert.Equal(t, NoLogPlaceholder, invKeys[0].(map[string]any)["key"])
	assert.Equal(t, "u1", invKeys[0].(map[string]any)["user_id"])
}

func TestInternalKeysAndFlags(t *testing.T) {
	res := run(t, base(map[string]any{"_ansible_check_mode": true, "_ansible_diff": false, "_ansible_verbosity": 4,
		"_ansible_module_name": "rhpds.litellm_virtual_keys.litellm_key", "_ansible_future_thing": "x", "_ansible_tracebacks_for": []any{}}))
	params(t, res)
	assert.Equal(t, true, res["check"])
	assert.Equal(t, float64(4), res["verbosity"])
	assert.NotContains(t, res, "diff", "diff is returned only in diff mode")
	res = run(t, base(map[string]any{"_ansible_diff": "yes"}))
	assert.Equal(t, "d", res["diff"])
}

func TestUnsupportedNameUsesModuleName(t *testing.T) {
	res := run(t, base(map[string]any{"_ansible_module_name": "agnosticd_user_info", "zzz": 1}))
	assert.Contains(t, res["msg"], "Unsupported parameters for (agnosticd_user_info) module: zzz.")
}

const master = "sk-master-Sup3rSecret"
const dbPassword = "pgPassw0rdXYZ"

func leakyRun(_ context.Context, m *Module, p *testParams) (any, error) {
	m.AddSecret(dbPassword)
	return map[string]any{
		"changed": true,
		"echo":    "using key " + p.APIKey + " and " + p.DBURL,
		"nested":  map[string]any{"list": []any{p.APIKey, "ok"}, p.APIKey: "as a key"},
		"pw":      "connect failed: password=" + dbPassword,
		"known":   p.KnownKey,
	}, errors.New("request with " + p.APIKey + " failed")
}

func TestMaskingEverywhere(t *testing.T) {
	args, _ := json.Marshal(base(map[string]any{"api_key": master, "key": "sk-user-known-1",
		"database_url": "postgres://u:" + dbPassword + "@db:5432/litellm", "bogus_not": nil}))
	// bogus_not has a null value: still unsupported.
	out := string(Execute(context.Background(), "litellm_key", args, leakyRun))
	assert.NotContains(t, out, master)
	assert.NotContains(t, out, dbPassword)
	assert.Contains(t, out, "Unsupported parameters")

	args, _ = json.Marshal(base(map[string]any{"api_key": master, "key": "sk-user-known-1",
		"database_url": "postgres://u:" + dbPassword + "@db:5432/litellm"}))
	out = string(Execute(context.Background(), "litellm_key", args, leakyRun))
	assert.NotContains(t, out, master)
	assert.NotContains(t, out, dbPassword)
	assert.NotContains(t, out, "postgres://u:")
	var res map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.Equal(t, true, res["failed"])
	assert.Equal(t, "request with ******** failed", res["msg"])
	assert.Equal(t, "using key ******** and ********", res["echo"])
	nested := res["nested"].(map[string]any)
	assert.Equal(t, []any{NoLogPlaceholder, "ok"}, nested["list"])
	assert.Equal(t, "as a key", nested[NoLogPlaceholder])
	assert.Equal(t, "connect failed: password=********", res["pw"])
	// invocation-only secrets are returned when the module means to, but hidden in invocation.
	assert.Equal(t, "sk-user-known-1", res["known"])
	inv := res["invocation"].(map[string]any)["module_args"].(map[string]any)
	assert.Equal(t, NoLogPlaceholder, inv["key"])
	assert.Equal(t, NoLogPlaceholder, inv["api_key"])
	assert.Equal(t, NoLogPlaceholder, inv["database_url"])
}

func TestMaskingInValidationErrors(t *testing.T) {
	// A secret that is also echoed by a choices error or a type error must not show.
	type p struct {
		Secret string `ansible:"secret" no_log:"true" choices:"a,b"`
		Other  int    `ansible:"other"`
	}
	fn := func(context.Context, *Module, *p) (any, error) { return nil, nil }
	out := string(Execute(context.Background(), "m", []byte(`{"secret":"topsecretvalue"}`), fn))
	assert.NotContains(t, out, "topsecretvalue")
	assert.Contains(t, out, "value of secret must be one of: a, b, got: "+NoLogPlaceholder)
	out = string(Execute(context.Background(), "m", []byte(`{"secret":"topsecretvalue","other":"topsecretvalue"}`), fn))
	assert.NotContains(t, out, "topsecretvalue")
}

func TestPanicBecomesFailure(t *testing.T) {
	fn := func(_ context.Context, m *Module, p *testParams) (any, error) {
		panic("boom with " + p.APIKey)
	}
	args, _ := json.Marshal(base(map[string]any{"api_key": master}))
	out := string(Execute(context.Background(), "litellm_key", args, fn))
	var res map[string]any
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.Equal(t, true, res["failed"])
	assert.Equal(t, "internal error in module litellm_key: boom with ********", res["msg"])
	assert.NotContains(t, out, "goroutine")
	assert.Contains(t, res, "invocation")
}

func TestBadArgsFile(t *testing.T) {
	for _, in := range []string{"", "[]", "{", `{"a":1} {}`, "null"} {
		out := Execute(context.Background(), "litellm_key", []byte(in), echo)
		var res map[string]any
		require.NoError(t, json.Unmarshal(out, &res), in)
		assert.Equal(t, true, res["failed"], in)
		assert.True(t, strings.Contains(res["msg"].(string), "args file"), in)
	}
}

func TestResultShape(t *testing.T) {
	type result struct {
		Changed bool   `json:"changed"`
		Key     string `json:"key_alias"`
		Diff    any    `json:"diff,omitempty"`
	}
	fn := func(_ context.Context, m *Module, _ *testParams) (any, error) {
		m.Warn("careful")
		m.Warn("careful")
		m.Deprecate("old thing", "3.0.0")
		return result{Changed: true, Key: "virtkey-x", Diff: map[string]any{"before": 1, "after": 2}}, nil
	}
	args, _ := json.Marshal(base(map[string]any{"_ansible_diff": true}))
	var res map[string]any
	require.NoError(t, json.Unmarshal(Execute(context.Background(), "litellm_key", args, fn), &res))
	assert.Equal(t, true, res["changed"])
	assert.NotContains(t, res, "failed")
	assert.Equal(t, []any{"careful"}, res["warnings"])
	assert.Equal(t, []any{map[string]any{"msg": "old thing", "version": "3.0.0"}}, res["deprecations"])
	assert.Equal(t, map[string]any{"before": float64(1), "after": float64(2)}, res["diff"])
}

func TestStringConversionWarns(t *testing.T) {
	res := run(t, base(map[string]any{"key_alias": 12345}))
	p := params(t, res)
	assert.Equal(t, "12345", p["Alias"])
	require.Contains(t, res, "warnings")
	assert.Contains(t, res["warnings"].([]any)[0], "The value '12345' (type int) in a string field was converted to '12345' (type string).")
}

func TestBadSpecIsInternalError(t *testing.T) {
	type bad struct {
		C chan int `ansible:"c"`
	}
	fn := func(context.Context, *Module, *bad) (any, error) { return nil, nil }
	var res map[string]any
	require.NoError(t, json.Unmarshal(Execute(context.Background(), "m", []byte(`{}`), fn), &res))
	assert.Equal(t, true, res["failed"])
	assert.Contains(t, res["msg"], "unsupported Go type")
}
