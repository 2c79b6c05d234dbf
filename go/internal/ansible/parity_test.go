package ansible

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// subSecret is a sub-option struct with a secret that is not only hidden in
// invocation.
type subSecret struct {
	Name  string `ansible:"name"`
	Token string `ansible:"token" no_log:"true"`
}

type maskParams struct {
	Secret     string         `ansible:"secret" no_log:"true"`
	SecretInt  *int           `ansible:"secret_int" no_log:"true"`
	SecretList []string       `ansible:"secret_list" no_log:"true"`
	SecretDict map[string]any `ansible:"secret_dict" no_log:"true"`
	DefSecret  string         `ansible:"def_secret" no_log:"true" default:"default-s3cret"`
	Items      []subSecret    `ansible:"items"`
	One        *subSecret     `ansible:"one"`
	Env        []subSecret    `ansible:"env_items"`
	Echo       any            `ansible:"echo"`
	Choice     string         `ansible:"choice" choices:"a,b"`
}

type envSub struct {
	Name  string `ansible:"name" required:"true"`
	Token string `ansible:"token" no_log:"true" env:"TEST_ANSIBLE_SUB_TOKEN"`
	Count int    `ansible:"count"`
}

// echoMask returns what the module was given and p.Echo, so tests can see
// which values the masker hides.
func echoMask(_ context.Context, _ *Module, p *maskParams) (any, error) {
	return map[string]any{"echo": p.Echo, "params": p}, nil
}

func execJSON[P any](t *testing.T, args string, fn RunFunc[P]) (string, map[string]any) {
	t.Helper()
	out := Execute(context.Background(), "m", []byte(args), fn)
	var res map[string]any
	require.NoError(t, json.Unmarshal(out, &res), string(out))
	return string(out), res
}

// Secrets in sub-options given as JSON or k=v strings, in env fallbacks of
// sub-options and in no_log defaults were not collected before validation,
// so an error echoing them leaked them.
func TestSecretsCollectedBeforeAnyFailure(t *testing.T) {
	tests := []struct {
		name   string
		env    string
		args   string
		secret string
	}{
		{"sub-option as JSON string", "", `{"items":["{\"name\":\"n\",\"token\":\"tok-json-111\"}"],"choice":"tok-json-111"}`, "tok-json-111"},
		{"sub-option as k=v string", "", `{"one":"name=n token=tok-kv-2222","choice":"tok-kv-2222"}`, "tok-kv-2222"},
		{"list of sub-options as string", "", `{"items":"token=tok-list-333","choice":"tok-list-333"}`, "tok-list-333"},
		{"no_log default", "", `{"choice":"default-s3cret"}`, "default-s3cret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, res := execJSON(t, tt.args, echoMask)
			require.Equal(t, true, res["failed"], out)
			assert.NotContains(t, out, tt.secret)
			assert.Equal(t, "value of choice must be one of: a, b, got: ********", res["msg"])
		})
	}
}

func TestSubOptionEnvSecretMaskedEvenOnFailure(t *testing.T) {
	// Other is parsed (and fails, echoing its value) before Items, whose
	// env fallback used to be read only when Items was parsed.
	type p struct {
		Other string   `ansible:"other" choices:"a,b"`
		Items []envSub `ansible:"items"`
	}
	t.Setenv("TEST_ANSIBLE_SUB_TOKEN", "env-sub-tok-999")
	fn := func(context.Context, *Module, *p) (any, error) { return nil, nil }
	tests := []struct {
		name string
		args string
	}{
		{"sub-option present", `{"other":"env-sub-tok-999","items":[{"name":"n"}]}`},
		{"sub-option absent", `{"other":"x-env-sub-tok-999"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, res := execJSON(t, tt.args, fn)
			require.Equal(t, true, res["failed"], out)
			assert.NotContains(t, out, "env-sub-tok-999")
			assert.Contains(t, res["msg"], "value of other must be one of: a, b, got: ")
		})
	}
}

// Masking parity with remove_values, plus the parts of coerced no_log values.
func TestMaskingParity(t *testing.T) {
	tests := []struct {
		name string
		args string
		want any // the masked echo
	}{
		{"number containing a secret is replaced whole", `{"secret_int":12,"echo":[12,312,1.12,"a12b",5]}`,
			[]any{NoLogPlaceholder, NoLogPlaceholder, NoLogPlaceholder, "a********b", float64(5)}},
		{"falsy no_log value 0 is not a secret", `{"secret_int":0,"echo":[0,10]}`, []any{float64(0), float64(10)}},
		{"zero inside a no_log list is a secret", `{"secret_list":[0],"echo":[0,10]}`, []any{NoLogPlaceholder, NoLogPlaceholder}},
		{"items of a list given as a comma string", `{"secret_list":"alpha1,beta22","echo":["alpha1","xbeta22x"]}`, []any{NoLogPlaceholder, "x********x"}},
		{"items of a list given as JSON text", `{"secret_list":"[\"alpha1\", \"beta22\"]","echo":["alpha1","xbeta22x"]}`, []any{NoLogPlaceholder, "x********x"}},
		{"values of a dict given as k=v", `{"secret_dict":"user=bob9 pass=pw-77","echo":["pw-77","bob9"]}`, []any{NoLogPlaceholder, NoLogPlaceholder}},
		{"no_log default", `{"echo":"d=default-s3cret"}`, "d=********"},
		{"sub-option given as a string", `{"one":"name=n token=tok-one-5","echo":"tok-one-5"}`, NoLogPlaceholder},
		{"JSON-escaped secret in text", `{"secret":"p\"q\\r","echo":"body {\"key\":\"p\\\"q\\\\r\"}"}`, `body {"key":"********"}`},
		{"ASCII-escaped secret in text", `{"secret":"pässwörd","echo":"{\"k\": \"p\\u00e4ssw\\u00f6rd\"}"}`, `{"k": "********"}`},
		{"URL-encoded secret in text", `{"secret":"p@ss/w rd","echo":"postgres://u:` + url.QueryEscape("p@ss/w rd") + `@h/db"}`, "postgres://u:********@h/db"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, res := execJSON(t, tt.args, echoMask)
			require.NotEqual(t, true, res["failed"], out)
			assert.Equal(t, tt.want, res["echo"])
		})
	}
}

func TestMaskerSecretForms(t *testing.T) {
	tests := []struct {
		secret string
		want   []string
	}{
		{`a"b`, []string{`a"b`, `a\"b`}},
		{"é<", []string{"é<", `é\u003c`, `\u00e9<`, "%C3%A9%3C"}},
		{"😀", []string{"😀", `\ud83d\ude00`}},
	}
	for _, tt := range tests {
		t.Run(tt.secret, func(t *testing.T) {
			forms := secretForms(tt.secret)
			for _, w := range tt.want {
				assert.Contains(t, forms, w)
			}
		})
	}
}

// A typed nil result returned with an error lost the error's message.
func TestTypedNilResultKeepsError(t *testing.T) {
	type result struct {
		Changed bool `json:"changed"`
	}
	tests := []struct {
		name    string
		fn      RunFunc[maskParams]
		failed  bool
		wantMsg any
	}{
		{"typed nil with error", func(context.Context, *Module, *maskParams) (any, error) {
			var r *result
			return r, errors.New("key not found")
		}, true, "key not found"},
		{"typed nil without error", func(context.Context, *Module, *maskParams) (any, error) {
			var r *result
			return r, nil
		}, false, nil},
		{"non-object result with error keeps the error", func(context.Context, *Module, *maskParams) (any, error) {
			return []int{1}, errors.New("boom")
		}, true, "boom (and the result is not a JSON object: json: cannot unmarshal array into Go value of type map[string]interface {})"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, res := execJSON(t, `{}`, tt.fn)
			assert.Equal(t, tt.failed, res["failed"] == true, out)
			assert.Equal(t, tt.wantMsg, res["msg"])
		})
	}
}

// Aliases: Python's _handle_aliases lets the alias win, the last declared of
// several; IsSet answers for aliases too; sub-option warnings name the path.
func TestAliasParity(t *testing.T) {
	type sub struct {
		Name string `ansible:"name" aliases:"n"`
	}
	type p struct {
		URL  string `ansible:"api_url" aliases:"url,litellm_url"`
		Subs []sub  `ansible:"subs"`
	}
	type seen struct {
		URL      string
		SetURL   bool
		SetAlias bool
		Sub      string
	}
	var got seen
	fn := func(_ context.Context, m *Module, p *p) (any, error) {
		got = seen{URL: p.URL, SetURL: m.IsSet("api_url"), SetAlias: m.IsSet("litellm_url")}
		if len(p.Subs) > 0 {
			got.Sub = p.Subs[0].Name
		}
		return nil, nil
	}
	tests := []struct {
		name    string
		args    string
		want    seen
		warning string
	}{
		{"alias beats option", `{"api_url":"o","url":"a"}`, seen{URL: "a", SetURL: true, SetAlias: true}, "Both option api_url and its alias url are set."},
		{"last declared alias wins", `{"litellm_url":"second","url":"first"}`, seen{URL: "second", SetURL: true, SetAlias: true}, ""},
		{"IsSet by alias", `{"url":"x"}`, seen{URL: "x", SetURL: true, SetAlias: true}, ""},
		{"sub-option warning path", `{"subs":[{"name":"o","n":"a"}]}`, seen{Sub: "a"}, "Both option subs[0].name and its alias subs[0].n are set."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got = seen{}
			out, res := execJSON(t, tt.args, fn)
			require.NotEqual(t, true, res["failed"], out)
			assert.Equal(t, tt.want, got)
			if tt.warning != "" {
				assert.Equal(t, []any{tt.warning}, res["warnings"])
			} else {
				assert.NotContains(t, res, "warnings")
			}
		})
	}
}

// A YAML boolean given to a string option with yes/no-like choices maps to the
// one matching spelling, like _validate_argument_values.
func TestChoicesBooleanSpelling(t *testing.T) {
	type p struct {
		Mode  string  `ansible:"mode" choices:"yes,no,auto"`
		Twice *string `ansible:"twice" choices:"on,true,off"`
	}
	var mode, twice string
	fn := func(_ context.Context, _ *Module, p *p) (any, error) {
		mode = p.Mode
		if p.Twice != nil {
			twice = *p.Twice
		}
		return nil, nil
	}
	tests := []struct {
		name      string
		args      string
		wantMode  string
		wantTwice string
		wantErr   string
	}{
		{"true to yes", `{"mode":true}`, "yes", "", ""},
		{"False string to no", `{"mode":"False"}`, "no", "", ""},
		{"false to off (one false spelling)", `{"twice":false}`, "", "off", ""},
		{"true is ambiguous", `{"twice":true}`, "", "", "value of twice must be one of: on, true, off, got: True"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mode, twice = "", ""
			out, res := execJSON(t, tt.args, fn)
			if tt.wantErr != "" {
				assert.Equal(t, tt.wantErr, res["msg"], out)
				return
			}
			require.NotEqual(t, true, res["failed"], out)
			assert.Equal(t, tt.wantMode, mode)
			assert.Equal(t, tt.wantTwice, twice)
			inv := res["invocation"].(map[string]any)["module_args"].(map[string]any)
			if tt.wantMode != "" {
				assert.Equal(t, tt.wantMode, inv["mode"])
			}
		})
	}
}

// Rules naming an alias apply; rules naming an unknown parameter (including
// in RequiredIf) are a spec error instead of being silently ignored.
func TestRulesResolution(t *testing.T) {
	out, res := execJSON(t, `{"url":"u","keys":"a"}`, func(context.Context, *Module, *aliasRules) (any, error) { return nil, nil })
	assert.Equal(t, "parameters are mutually exclusive: api_url|keys", res["msg"], out)

	tests := []struct {
		name string
		run  func() map[string]any
	}{
		{"unknown RequiredIf param", func() map[string]any {
			_, r := execJSON(t, `{}`, func(context.Context, *Module, *badRequiredIfParam) (any, error) { return nil, nil })
			return r
		}},
		{"unknown RequiredIf requirement", func() map[string]any {
			_, r := execJSON(t, `{}`, func(context.Context, *Module, *badRequiredIfReq) (any, error) { return nil, nil })
			return r
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.run()
			assert.Equal(t, true, r["failed"])
			assert.Contains(t, r["msg"], "rules name unknown parameter stat")
		})
	}
}

type aliasRules struct {
	URL  string   `ansible:"api_url" aliases:"url"`
	Keys []string `ansible:"keys"`
}

func (aliasRules) Rules() Rules { return Rules{MutuallyExclusive: [][]string{{"url", "keys"}}} }

type badRequiredIfParam struct {
	State string `ansible:"state"`
}

func (badRequiredIfParam) Rules() Rules {
	return Rules{RequiredIf: []RequiredIf{{Param: "stat", Value: "x", Requires: []string{"state"}}}}
}

type badRequiredIfReq struct {
	State string `ansible:"state"`
}

func (badRequiredIfReq) Rules() Rules {
	return Rules{RequiredIf: []RequiredIf{{Param: "state", Value: "x", Requires: []string{"stat"}}}}
}

// A list option with choices that is hidden in invocation must not echo its
// values in the choices error either.
func TestListChoicesNoLog(t *testing.T) {
	type p struct {
		Scopes []string `ansible:"scopes" choices:"read,write" no_log:"invocation"`
	}
	out, res := execJSON(t, `{"scopes":["read","hidden-scope-value"]}`, func(context.Context, *Module, *p) (any, error) { return nil, nil })
	assert.NotContains(t, out, "hidden-scope-value")
	assert.Equal(t, "value of scopes must be one or more of: read, write. Got no match for: "+NoLogPlaceholder, res["msg"])
}
