package ansible

import (
	"context"
	"errors"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// deepSettings is embedded two levels down, and its type is unexported.
type deepSettings struct {
	Blocked bool     `ansible:"blocked" default:"false"`
	Region  string   `ansible:"region" aliases:"zone" default:"eu" choices:"eu,us"`
	Models  []string `ansible:"models"`
}

// EmbedLimits is embedded (exported type) by embedParams and embedItem.
type EmbedLimits struct {
	TPM   *int64 `ansible:"tpm_limit"`
	RPM   *int64 `ansible:"rpm_limit"`
	Token string `ansible:"token" no_log:"true"`
	deepSettings
}

type embedItem struct {
	Name string `ansible:"name" required:"true"`
	EmbedLimits
}

type embedParams struct {
	URL string `ansible:"api_url" required:"true"`
	EmbedLimits
	Items []embedItem `ansible:"items"`
	Echo  any         `ansible:"echo"`
}

func (embedParams) Rules() Rules {
	return Rules{MutuallyExclusive: [][]string{{"tpm_limit", "rpm_limit"}}}
}

var errTPMTooHigh = errors.New("tpm_limit above 1000")

// Validate sees the embedded fields.
func (p *embedParams) Validate() error {
	if p.TPM != nil && *p.TPM > 1000 {
		return errTPMTooHigh
	}
	return nil
}

func echoEmbed(_ context.Context, _ *Module, p *embedParams) (any, error) {
	return map[string]any{"params": p, "echo": p.Echo}, nil
}

func TestEmbeddedStructParameters(t *testing.T) {
	tests := []struct {
		name string
		args string
		// check inspects the decoded result; the raw output is given too.
		check func(t *testing.T, out string, res map[string]any, inv map[string]any)
	}{
		{
			name: "coercion of embedded fields at any depth",
			args: `{"api_url":"u","tpm_limit":"5","blocked":"yes","models":"a,b","zone":"us"}`,
			check: func(t *testing.T, _ string, res, inv map[string]any) {
				p := res["params"].(map[string]any)
				assert.Equal(t, float64(5), p["TPM"])
				assert.Equal(t, true, p["Blocked"])
				assert.Equal(t, []any{"a", "b"}, p["Models"])
				assert.Equal(t, "us", p["Region"])
				assert.Equal(t, float64(5), inv["tpm_limit"])
				assert.Equal(t, true, inv["blocked"])
				assert.Equal(t, []any{"a", "b"}, inv["models"])
				assert.Equal(t, "us", inv["region"])
				assert.NotContains(t, inv, "zone")
			},
		},
		{
			name: "defaults and absent embedded fields in invocation",
			args: `{"api_url":"u"}`,
			check: func(t *testing.T, _ string, res, inv map[string]any) {
				p := res["params"].(map[string]any)
				assert.Equal(t, "eu", p["Region"])
				assert.Equal(t, false, p["Blocked"])
				assert.Nil(t, p["TPM"])
				want := map[string]any{"api_url": "u", "tpm_limit": nil, "rpm_limit": nil, "token": nil,
					"blocked": false, "region": "eu", "models": nil, "items": nil, "echo": nil}
				assert.Equal(t, want, inv)
			},
		},
		{
			name: "no_log field of an embedded struct is masked",
			args: `{"api_url":"u","token":"embedded-s3cret-token","echo":"got embedded-s3cret-token"}`,
			check: func(t *testing.T, out string, res, inv map[string]any) {
				assert.NotContains(t, out, "embedded-s3cret-token")
				assert.Equal(t, NoLogPlaceholder, inv["token"])
				assert.Equal(t, "got ********", res["echo"])
			},
		},
		{
			name: "embedded no_log value masked in an error",
			args: `{"api_url":"u","token":"embedded-s3cret-token","region":"embedded-s3cret-token"}`,
			check: func(t *testing.T, out string, res, _ map[string]any) {
				assert.NotContains(t, out, "embedded-s3cret-token")
				assert.Equal(t, "value of region must be one of: eu, us, got: ********", res["msg"])
			},
		},
		{
			name: "choices of an embedded field",
			args: `{"api_url":"u","region":"asia"}`,
			check: func(t *testing.T, _ string, res, _ map[string]any) {
				assert.Equal(t, true, res["failed"])
				assert.Equal(t, "value of region must be one of: eu, us, got: asia", res["msg"])
			},
		},
		{
			name: "type error of an embedded field",
			args: `{"api_url":"u","rpm_limit":"many"}`,
			check: func(t *testing.T, _ string, res, _ map[string]any) {
				assert.Equal(t, true, res["failed"])
				assert.Contains(t, res["msg"], "argument 'rpm_limit' is of type str and we were unable to convert to int")
			},
		},
		{
			name: "parent rules name embedded parameters",
			args: `{"api_url":"u","tpm_limit":1,"rpm_limit":2}`,
			check: func(t *testing.T, _ string, res, _ map[string]any) {
				assert.Equal(t, true, res["failed"])
				assert.Equal(t, "parameters are mutually exclusive: tpm_limit|rpm_limit", res["msg"])
			},
		},
		{
			name: "parent Validate sees embedded fields",
			args: `{"api_url":"u","tpm_limit":5000}`,
			check: func(t *testing.T, _ string, res, _ map[string]any) {
				assert.Equal(t, true, res["failed"])
				assert.Equal(t, errTPMTooHigh.Error(), res["msg"])
			},
		},
		{
			name: "unsupported parameter lists embedded ones",
			args: `{"api_url":"u","bogus":1}`,
			check: func(t *testing.T, _ string, res, _ map[string]any) {
				assert.Equal(t, "Unsupported parameters for (m) module: bogus. Supported parameters include: "+
					"api_url, blocked, echo, items, models, region (zone), rpm_limit, token, tpm_limit.", res["msg"])
			},
		},
		{
			name: "embedding inside a []struct sub-option",
			args: `{"api_url":"u","items":[{"name":"a","tpm_limit":"3","token":"item-s3cret-token","zone":"us"},{"name":"b"}]}`,
			check: func(t *testing.T, out string, res, inv map[string]any) {
				assert.NotContains(t, out, "item-s3cret-token")
				items := res["params"].(map[string]any)["Items"].([]any)
				require.Len(t, items, 2)
				a, b := items[0].(map[string]any), items[1].(map[string]any)
				assert.Equal(t, "a", a["Name"])
				assert.Equal(t, float64(3), a["TPM"])
				assert.Equal(t, "us", a["Region"])
				assert.Equal(t, "eu", b["Region"])
				assert.Nil(t, b["TPM"])
				invItems := inv["items"].([]any)
				require.Len(t, invItems, 2)
				assert.Equal(t, map[string]any{"name": "a", "tpm_limit": float64(3), "rpm_limit": nil,
					"token": NoLogPlaceholder, "blocked": false, "region": "us", "models": nil}, invItems[0])
				assert.Equal(t, map[string]any{"name": "b", "tpm_limit": nil, "rpm_limit": nil,
					"token": nil, "blocked": false, "region": "eu", "models": nil}, invItems[1])
			},
		},
		{
			name: "embedded field errors in a sub-option name their place",
			args: `{"api_url":"u","items":[{"name":"a","region":"mars"}]}`,
			check: func(t *testing.T, _ string, res, _ map[string]any) {
				assert.Equal(t, "value of region must be one of: eu, us, got: mars found in items[0]", res["msg"])
			},
		},
		{
			name: "unsupported parameter in a sub-option lists embedded ones",
			args: `{"api_url":"u","items":[{"name":"a","echo":1}]}`,
			check: func(t *testing.T, _ string, res, _ map[string]any) {
				assert.Equal(t, "Unsupported parameters for (m) module: echo found in items[0]. Supported parameters include: "+
					"blocked, models, name, region (zone), rpm_limit, token, tpm_limit.", res["msg"])
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, res := execJSON(t, tt.args, echoEmbed)
			var inv map[string]any
			if i, ok := res["invocation"].(map[string]any); ok {
				inv, _ = i["module_args"].(map[string]any)
			}
			tt.check(t, out, res, inv)
		})
	}
}

func TestEmbeddedFieldIndexPath(t *testing.T) {
	sp, err := specOf(reflect.TypeFor[embedParams]())
	require.NoError(t, err)
	want := map[string][]int{"api_url": {0}, "tpm_limit": {1, 0}, "token": {1, 2}, "region": {1, 3, 1}, "items": {2}}
	for name, idx := range want {
		f, ok := sp.byName[name]
		require.True(t, ok, name)
		assert.Equal(t, idx, f.index, name)
	}
	assert.Equal(t, []int{1, 3, 1}, sp.byName["zone"].index)
	assert.Len(t, sp.fields, 9)
}

// Spec errors of embedding.
type dupParentSettings struct {
	Region string `ansible:"region"`
	deepSettings
}

type dupParentAlias struct {
	Zone string `ansible:"zone"`
	deepSettings
}

type dupTwoEmbedded struct {
	EmbedLimits
	otherLimits
}

type otherLimits struct {
	TPM int `ansible:"tpm_limit"`
}

type ptrEmbedded struct {
	Name string `ansible:"name"`
	*deepSettings
}

type dupInSubOption struct {
	Items []dupParentSettings `ansible:"items"`
}

// taggedEmbedded: an embedded struct with an ansible tag stays a sub-option
// (in which untagged embedded structs are flattened in turn).
type taggedEmbedded struct {
	EmbedLimits `ansible:"settings"`
}

// rulesSettings is an embedded struct with rules of its own.
type rulesSettings struct {
	Models []string `ansible:"models"`
	Team   string   `ansible:"team"`
}

func (rulesSettings) Rules() Rules { return Rules{RequiredOneOf: [][]string{{"models", "team"}}} }

// rulesOwn declares its own rules: the embedded struct's are not merged.
type rulesOwn struct {
	Name string `ansible:"name"`
	rulesSettings
}

func (rulesOwn) Rules() Rules { return Rules{RequiredTogether: [][]string{{"name", "team"}}} }

// rulesPromoted declares none: Go promotes the embedded struct's Rules
// method, which then are the parent's rules.
type rulesPromoted struct {
	Name string `ansible:"name"`
	rulesSettings
}

// Only the params struct's own Rules method applies, never a combination.
func TestEmbeddedStructRules(t *testing.T) {
	own := func(context.Context, *Module, *rulesOwn) (any, error) { return map[string]any{}, nil }
	promoted := func(context.Context, *Module, *rulesPromoted) (any, error) { return map[string]any{}, nil }
	tests := []struct {
		name string
		run  func(t *testing.T) map[string]any
		msg  any // nil: success
	}{
		{"own rules: embedded rule not merged", func(t *testing.T) map[string]any {
			_, r := execJSON(t, `{}`, own)
			return r
		}, nil},
		{"own rules apply to embedded parameters", func(t *testing.T) map[string]any {
			_, r := execJSON(t, `{"name":"n"}`, own)
			return r
		}, "parameters are required together: name, team"},
		{"promoted rules apply", func(t *testing.T) map[string]any {
			_, r := execJSON(t, `{"name":"n"}`, promoted)
			return r
		}, "one of the following is required: models, team"},
		{"promoted rules satisfied", func(t *testing.T) map[string]any {
			_, r := execJSON(t, `{"team":"t"}`, promoted)
			return r
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.run(t)
			if tt.msg == nil {
				assert.NotContains(t, r, "failed", r["msg"])
				return
			}
			assert.Equal(t, true, r["failed"])
			assert.Equal(t, tt.msg, r["msg"])
		})
	}
}

func TestEmbeddedSpecErrors(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T) map[string]any
		msg  string
	}{
		{"parent field shadows embedded name", func(t *testing.T) map[string]any {
			_, r := execJSON(t, `{}`, func(context.Context, *Module, *dupParentSettings) (any, error) { return nil, nil })
			return r
		}, "internal error in module m: parameter name region declared twice"},
		{"parent field shadows embedded alias", func(t *testing.T) map[string]any {
			_, r := execJSON(t, `{}`, func(context.Context, *Module, *dupParentAlias) (any, error) { return nil, nil })
			return r
		}, "internal error in module m: parameter name zone declared twice"},
		{"two embedded structs declare the same name", func(t *testing.T) map[string]any {
			_, r := execJSON(t, `{}`, func(context.Context, *Module, *dupTwoEmbedded) (any, error) { return nil, nil })
			return r
		}, "internal error in module m: parameter name tpm_limit declared twice"},
		{"embedded pointer to struct", func(t *testing.T) map[string]any {
			_, r := execJSON(t, `{}`, func(context.Context, *Module, *ptrEmbedded) (any, error) { return nil, nil })
			return r
		}, "internal error in module m: embedded field deepSettings: a pointer to a struct cannot be embedded, embed the struct itself"},
		{"duplicate inside a sub-option's embedding", func(t *testing.T) map[string]any {
			_, r := execJSON(t, `{}`, func(context.Context, *Module, *dupInSubOption) (any, error) { return nil, nil })
			return r
		}, "internal error in module m: parameter items: parameter name region declared twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.run(t)
			assert.Equal(t, true, r["failed"])
			assert.Equal(t, tt.msg, r["msg"])
		})
	}
}

func TestTaggedEmbeddedStructIsSubOption(t *testing.T) {
	out, res := execJSON(t, `{"settings":{"zone":"us","blocked":true,"tpm_limit":"7"}}`,
		func(_ context.Context, _ *Module, p *taggedEmbedded) (any, error) {
			return map[string]any{"region": p.Region, "blocked": p.Blocked, "tpm": *p.TPM}, nil
		})
	require.NotEqual(t, true, res["failed"], out)
	assert.Equal(t, "us", res["region"])
	assert.Equal(t, true, res["blocked"])
	assert.Equal(t, float64(7), res["tpm"])
	inv := res["invocation"].(map[string]any)["module_args"].(map[string]any)
	assert.Equal(t, map[string]any{"tpm_limit": float64(7), "rpm_limit": nil, "token": nil,
		"blocked": true, "region": "us", "models": nil}, inv["settings"])

	// A flattened name is not accepted at the top level of such a struct.
	_, res = execJSON(t, `{"region":"us"}`, func(context.Context, *Module, *taggedEmbedded) (any, error) { return nil, nil })
	assert.Equal(t, "Unsupported parameters for (m) module: region. Supported parameters include: settings.", res["msg"])
}

// wireSettings stands for a struct shared with an API's wire format: json
// tags only, no ansible tags.
type wireSettings struct {
	MaxBudget *float64 `json:"max_budget,omitempty"`
	Note      *string  `json:"note"`
	Internal  string   `json:"-"`
	Untagged  string
}

type wireParams struct {
	URL string `ansible:"api_url" required:"true"`
	wireSettings
	Override *string `ansible:"override_name" json:"override"`
}

func echoWire(_ context.Context, _ *Module, p *wireParams) (any, error) {
	return map[string]any{"max_budget": p.MaxBudget, "note": p.Note, "override": p.Override}, nil
}

// TestJSONNameWithoutAnsibleTag: a field without an ansible tag is the
// parameter of its json name; json:"-" and untagged fields are none; an
// ansible tag wins over a json tag.
func TestJSONNameWithoutAnsibleTag(t *testing.T) {
	sp, err := specOf(reflect.TypeFor[wireParams]())
	require.NoError(t, err)
	var names []string
	for _, f := range sp.fields {
		names = append(names, f.name)
	}
	assert.Equal(t, []string{"api_url", "max_budget", "note", "override_name"}, names)

	_, res := execJSON(t, `{"api_url":"u","max_budget":"2.5","note":"n","override_name":"o"}`, echoWire)
	assert.Equal(t, 2.5, res["max_budget"])
	assert.Equal(t, "n", res["note"])
	assert.Equal(t, "o", res["override"])

	_, res = execJSON(t, `{"api_url":"u","Internal":"x"}`, echoWire)
	assert.Equal(t, true, res["failed"])
	assert.Contains(t, res["msg"], "Unsupported parameters for (m) module: Internal.")
}
