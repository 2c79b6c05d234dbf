package ansible

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os/exec"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNonFiniteArgs: the tokens Python's json writes for inf and nan reach
// the module as NonFinite values and go back out as the same tokens, in the
// invocation and in the module's own result; text that merely looks like
// them is left alone.
func TestNonFiniteArgs(t *testing.T) {
	args := `{"api_url": "http://127.0.0.1:4000", "key_alias": "virtkey-x",
		"msg": {"inf": Infinity, "ninf": -Infinity, "nan": NaN, "l": [1, NaN, -Infinity],
		        "s": "NaN Infinity -Infinity \"NaN\" \\", "n": -1.5e3}}`
	var got any
	fn := func(_ context.Context, _ *Module, p *testParams) (any, error) {
		got = p.Raw
		return map[string]any{"echo": p.Raw}, nil
	}
	out := Execute(context.Background(), "litellm_key", []byte(args), fn)
	require.NotContains(t, string(out), `"failed"`, string(out))

	m := got.(map[string]any)
	assert.Equal(t, NonFinite(math.Inf(1)), m["inf"])
	assert.Equal(t, NonFinite(math.Inf(-1)), m["ninf"])
	nan, ok := m["nan"].(NonFinite)
	require.True(t, ok, "%T", m["nan"])
	assert.True(t, math.IsNaN(float64(nan)))
	l := m["l"].([]any)
	assert.Equal(t, json.Number("1"), l[0])
	assert.IsType(t, NonFinite(0), l[1])
	assert.Equal(t, NonFinite(math.Inf(-1)), l[2])
	assert.Equal(t, `NaN Infinity -Infinity "NaN" \`, m["s"])
	assert.Equal(t, json.Number("-1.5e3"), m["n"])

	// The output is what Python's json.loads reads back as the same floats.
	assert.NotContains(t, string(out), "nonfinite")
	py := exec.Command("python3", "-c", `import json, math, sys
r = json.load(sys.stdin)
for where in (r["echo"], r["invocation"]["module_args"]["msg"]):
    assert where["inf"] == math.inf and where["ninf"] == -math.inf and math.isnan(where["nan"]), where
    assert math.isnan(where["l"][1]) and where["l"][2] == -math.inf, where
    assert where["s"] == 'NaN Infinity -Infinity "NaN" \\', where
print("ok")`)
	py.Stdin = bytes.NewReader(out)
	res, err := py.CombinedOutput()
	require.NoError(t, err, "%s\noutput: %s", res, out)
}

func TestMarkNonFinite(t *testing.T) {
	for _, in := range []string{`{}`, `{"a":"NaN"}`, `{"a":"\\"}`, `{"a":"\"Infinity"}`, `{"a":-1,"b":[true,null]}`} {
		b, found := markNonFinite([]byte(in))
		assert.False(t, found, in)
		assert.Equal(t, in, string(b))
	}
	b, found := markNonFinite([]byte(`[NaN,-Infinity,"x",Infinity]`))
	require.True(t, found)
	var v []any
	require.NoError(t, json.Unmarshal(b, &v))
	require.Len(t, v, 4)
	restoreNonFinite(v)
	assert.IsType(t, NonFinite(0), v[0])
	assert.Equal(t, NonFinite(math.Inf(-1)), v[1])
	assert.Equal(t, "x", v[2])
	assert.Equal(t, NonFinite(math.Inf(1)), v[3])
	// Bad JSON stays bad JSON.
	_, err := decodeArgs([]byte(`{"a": Nan}`))
	assert.ErrorContains(t, err, "args file is not valid JSON")
}

func TestNonFiniteMarshal(t *testing.T) {
	b, err := json.Marshal(map[string]any{"a": NonFinite(math.NaN()), "b": NonFinite(2.5)})
	require.NoError(t, err)
	assert.Equal(t, `{"a":NaN,"b":2.5}`, string(unmarkNonFinite(b)))
}

func TestKeyOrder(t *testing.T) {
	args := `{"users": {"zed": {"b": 1, "a": NaN}, "amy": null, "mo": [1, {"x": 2}], "zed": {"c": 3}},
		"other": {"k": 1}, "s": "x"}`
	var m *Module
	fn := func(_ context.Context, mod *Module, _ *struct {
		Users any `ansible:"users"`
		Other any `ansible:"other"`
		S     any `ansible:"s"`
	}) (any, error) {
		m = mod
		return map[string]any{}, nil
	}
	out := Execute(context.Background(), "x", []byte(args), fn)
	require.NotContains(t, string(out), `"failed"`, string(out))
	assert.Equal(t, []string{"users", "other", "s"}, m.KeyOrder())
	assert.Equal(t, []string{"zed", "amy", "mo"}, m.KeyOrder("users"))
	assert.Equal(t, []string{"c"}, m.KeyOrder("users", "zed"), "the last duplicate counts")
	assert.Nil(t, m.KeyOrder("users", "amy"))
	assert.Nil(t, m.KeyOrder("users", "mo"))
	assert.Nil(t, m.KeyOrder("s"))
	assert.Nil(t, m.KeyOrder("missing"))
	assert.Equal(t, []string{"k"}, m.KeyOrder("other"))
}
