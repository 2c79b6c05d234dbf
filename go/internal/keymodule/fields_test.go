package keymodule

import (
	"fmt"
	"testing"

	"github.com/rhpds/litellm_virtual_keys/internal/virtualkey"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRecordFields: bulk records carry only the fields asked for, a failed
// item still says why, and bad record_fields fail before any request.
func TestRecordFields(t *testing.T) {
	f := newFake(t, nil)
	keys := []any{map[string]any{"key_alias": "virtkey-rf-user1"}, map[string]any{"key_alias": "virtkey-rf-user2", "user_id": "u2@x"}}

	raw, res := execute(t, base(f, map[string]any{"keys": keys, "record_fields": []any{"key", "key_alias", "user_id"}}))
	require.NotContains(t, res, "failed", raw)
	recs := res["keys"].([]any)
	require.Len(t, recs, 2)
	for _, r := range recs {
		rec := r.(map[string]any)
		assert.ElementsMatch(t, []string{"key", "key_alias", "user_id"}, keysOf(rec), raw)
		assert.Regexp(t, `^sk-\S+$`, rec["key"])
	}
	assert.Equal(t, "virtkey-rf-user2", recs[1].(map[string]any)["key_alias"])
	assert.Equal(t, "u2@x", recs[1].(map[string]any)["user_id"])
	assert.Equal(t, "2 created (virtkey-rf-user1..user2)", res["msg"])
	assert.EqualValues(t, 2, res["totals"].(map[string]any)["created"])

	// Without record_fields every field is there.
	_, res = execute(t, base(f, map[string]any{"keys": keys}))
	rec := res["keys"].([]any)[0].(map[string]any)
	for _, name := range recordFieldNames {
		if name != "db_statements" { // omitted unless a database delete ran
			assert.Contains(t, rec, name)
		}
	}

}

func TestRecordFieldsRefused(t *testing.T) {
	f := newFake(t, nil)
	for _, tt := range []struct {
		name string
		args map[string]any
		want string
	}{
		{"unknown field", map[string]any{"keys": []any{map[string]any{"key_alias": "a"}}, "record_fields": []any{"key", "secret"}},
			"record_fields: unknown field 'secret'; valid fields: changed, key, key_alias, token"},
		{"single-key mode", map[string]any{"key_alias": "a", "record_fields": []any{"key"}},
			"record_fields selects the fields of the records of keys (bulk mode): omit it with key_alias"},
	} {
		_, res := execute(t, base(f, tt.args))
		assert.Equal(t, true, res["failed"], tt.name)
		assert.Contains(t, res["msg"], tt.want, tt.name)
		assert.Equal(t, "validation", res["error_kind"], tt.name)
		assert.EqualValues(t, 0, res["api_requests"], "%s: no request for invalid record_fields", tt.name)
	}
}

// TestProjectKeepsFailures: a failed item's record keeps failed, msg and
// error_kind whatever record_fields says.
func TestProjectKeepsFailures(t *testing.T) {
	token := "abc"
	recs, err := project([]*virtualkey.KeyResult{
		{KeyAlias: "a", Token: &token, Created: true},
		{KeyAlias: "b", Failed: true, Msg: "models: no-such-model is not served", ErrorKind: virtualkey.ErrorValidation},
	}, []string{"key_alias", "created"})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"key_alias": "a", "created": true}, recs[0])
	assert.Equal(t, map[string]any{"key_alias": "b", "created": false, "failed": true,
		"msg": "models: no-such-model is not served", "error_kind": virtualkey.ErrorValidation}, recs[1])
}

func keysOf(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

// TestInvocationAbbreviated: more than echoedKeys keys are not echoed in
// invocation (their records are in keys); up to echoedKeys they are.
func TestInvocationAbbreviated(t *testing.T) {
	f := newFake(t, nil)
	keys := func(n int) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = map[string]any{"key_alias": fmt.Sprintf("virtkey-inv%d-user%d", n, i+1)}
		}
		return out
	}
	_, res := execute(t, base(f, map[string]any{"keys": keys(echoedKeys), "validate_models": false}))
	require.NotContains(t, res, "failed")
	inv := res["invocation"].(map[string]any)["module_args"].(map[string]any)
	assert.Len(t, inv["keys"], echoedKeys)

	_, res = execute(t, base(f, map[string]any{"keys": keys(echoedKeys + 1), "validate_models": false}))
	require.NotContains(t, res, "failed")
	inv = res["invocation"].(map[string]any)["module_args"].(map[string]any)
	assert.Equal(t, fmt.Sprintf("%d keys, not echoed (more than %d); their records are in keys", echoedKeys+1, echoedKeys), inv["keys"])
	assert.Len(t, res["keys"], echoedKeys+1)
	assert.Equal(t, f.url+"/v1/", inv["api_url"], "the other parameters are echoed as ever")
}
