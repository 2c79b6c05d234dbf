package keymodule

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// step is one module run and what its result must say.
type step struct {
	name string
	args map[string]any
	msg  string
}

func runSteps(t *testing.T, f *fake, steps []step) {
	t.Helper()
	for _, s := range steps {
		raw, res := execute(t, base(f, s.args))
		require.NotContains(t, res, "failed", "%s: %s", s.name, raw)
		assert.Equal(t, s.msg, res["msg"], s.name)
		assert.Equal(t, f.url, res["endpoint"], s.name)
		assert.Equal(t, f.url+"/v1", res["base_url"], s.name)
		assert.NotContains(t, raw, master)
	}
}

// TestModuleSummarySingle: the one-line msg and the proxy's endpoint in
// single-key mode, both states, with and without check mode.
func TestModuleSummarySingle(t *testing.T) {
	f := newFake(t, nil)
	present := map[string]any{"key_alias": "virtkey-sum12"}
	absent := map[string]any{"key_alias": "virtkey-sum12", "state": "absent"}
	check := func(args map[string]any) map[string]any {
		out := map[string]any{"_ansible_check_mode": true}
		for k, v := range args {
			out[k] = v
		}
		return out
	}
	runSteps(t, f, []step{
		{"check, nothing there", check(present), "1 would be created (virtkey-sum12)"},
		{"create", present, "1 created (virtkey-sum12)"},
		{"again", present, "1 unchanged (virtkey-sum12)"},
		{"update", map[string]any{"key_alias": "virtkey-sum12", "metadata": map[string]any{"lab": "x"}}, "1 updated (virtkey-sum12)"},
		{"check, update", check(map[string]any{"key_alias": "virtkey-sum12", "metadata": map[string]any{"lab": "y"}}), "1 would be updated (virtkey-sum12)"},
		{"check, delete", check(absent), "1 would be deleted (virtkey-sum12)"},
		{"delete", absent, "1 deleted (virtkey-sum12)"},
		{"delete again", absent, "1 already gone (virtkey-sum12)"},
		{"check, delete again", check(absent), "1 already gone (virtkey-sum12)"},
		{"create: false", map[string]any{"key_alias": "virtkey-sum12", "create": false}, "1 missing (virtkey-sum12)"},
	})
}

// TestModuleSummaryBulk: the same in bulk mode, aliases as runs of numbers.
func TestModuleSummaryBulk(t *testing.T) {
	f := newFake(t, nil)
	users := func(ns ...int) []any {
		out := make([]any, len(ns))
		for i, n := range ns {
			out[i] = map[string]any{"key_alias": "virtkey-bsum-user" + string(rune('0'+n))}
		}
		return out
	}
	runSteps(t, f, []step{
		{"check", map[string]any{"keys": users(1, 2, 3), "_ansible_check_mode": true}, "3 would be created (virtkey-bsum-user1..user3)"},
		{"create", map[string]any{"keys": users(1, 2, 3, 5)}, "4 created (virtkey-bsum-user1..user3, user5)"},
		{"grow", map[string]any{"keys": users(5, 4, 3, 2, 1, 6, 7)},
			"3 created (virtkey-bsum-user4, user6..user7), 4 unchanged (virtkey-bsum-user1..user3, user5)"},
		{"update", map[string]any{"keys": users(7, 1), "metadata": map[string]any{"lab": "x"}},
			"2 updated (virtkey-bsum-user1, user7)"},
		{"check, create: false", map[string]any{"keys": users(1, 8), "create": false, "metadata": map[string]any{"lab": "y"}, "_ansible_check_mode": true},
			"1 would be updated (virtkey-bsum-user1), 1 missing (virtkey-bsum-user8)"},
		{"check, delete", map[string]any{"keys": users(1, 2, 3, 8), "state": "absent", "_ansible_check_mode": true},
			"3 would be deleted (virtkey-bsum-user1..user3), 1 already gone (virtkey-bsum-user8)"},
		{"delete", map[string]any{"keys": users(1, 2, 3, 4, 5, 6, 7, 8), "state": "absent"},
			"7 deleted (virtkey-bsum-user1..user7), 1 already gone (virtkey-bsum-user8)"},
		{"no keys", map[string]any{"keys": []any{}, "state": "absent"}, "no keys"},
		{"no keys given as JSON text", map[string]any{"keys": "[]"}, "no keys"},
	})
}

// TestModuleEndpoint: endpoint is api_url as users see it, however api_url
// was spelled; base_url adds /v1. A failure after api_url was accepted names
// it too, and keeps its error as msg.
func TestModuleEndpoint(t *testing.T) {
	f := newFake(t, nil)
	for _, u := range []string{f.url, f.url + "/", f.url + "/v1", f.url + "/v1/", " " + f.url + "//v1// "} {
		raw, res := execute(t, map[string]any{"api_url": u, "api_key": master, "key_alias": "virtkey-ep", "state": "absent"})
		require.NotContains(t, res, "failed", raw)
		assert.Equal(t, f.url, res["endpoint"], u)
		assert.Equal(t, f.url+"/v1", res["base_url"], u)
	}

	raw, res := execute(t, map[string]any{"api_url": "http://127.0.0.1:1/v1/", "api_key": master, "key_alias": "ok-1", "retries": 0})
	require.Equal(t, true, res["failed"], raw)
	assert.Equal(t, "unreachable", res["error_kind"])
	assert.Contains(t, res["msg"], "cannot reach the LiteLLM proxy", "the error stays the msg")
	assert.Equal(t, "http://127.0.0.1:1", res["endpoint"])
	assert.Equal(t, "http://127.0.0.1:1/v1", res["base_url"])

	_, res = execute(t, base(f, map[string]any{"key_alias": "bad alias!"}))
	require.Equal(t, true, res["failed"])
	assert.Equal(t, "validation", res["error_kind"])
	assert.Equal(t, f.url, res["endpoint"], "invalid parameters other than api_url")
	assert.Equal(t, f.url+"/v1", res["base_url"])

	for _, u := range []string{"not a url", strings.Replace(f.url, "http://", "http://admin:hunter2@", 1)} {
		raw, res := execute(t, map[string]any{"api_url": u, "api_key": master, "key_alias": "ok-1"})
		require.Equal(t, true, res["failed"])
		assert.NotContains(t, res, "endpoint", "an api_url that was refused is no endpoint")
		assert.NotContains(t, res, "base_url")
		assert.NotContains(t, raw, "hunter2")
	}
}

// TestModuleKeysAsJSONText: keys given as JSON text (`"{{ specs | to_json }}"`)
// work like the list itself, secrets masked in the invocation.
func TestModuleKeysAsJSONText(t *testing.T) {
	f := newFake(t, nil)
	specs := []map[string]any{
		{"key_alias": "virtkey-json-user1", "user_id": "user1@example.com", "metadata": map[string]any{"user": "user1"}},
		{"key_alias": "virtkey-json-user2", "key": "sk-json-text-given-secret-2"},
	}
	text, err := json.Marshal(specs)
	require.NoError(t, err)
	raw, res := execute(t, base(f, map[string]any{"keys": string(text), "metadata": map[string]any{"guid": "json"}}))
	require.NotContains(t, res, "failed", raw)
	assert.Equal(t, "2 created (virtkey-json-user1..user2)", res["msg"])
	keys := res["keys"].([]any)
	require.Len(t, keys, 2)
	first, second := keys[0].(map[string]any), keys[1].(map[string]any)
	assert.Equal(t, "user1@example.com", first["user_id"])
	assert.Equal(t, map[string]any{"guid": "json", "user": "user1"}, first["metadata"])
	assert.Equal(t, "sk-json-text-given-secret-2", second["key"], "the given secret is the key's")
	inv := res["invocation"].(map[string]any)["module_args"].(map[string]any)
	invKeys, ok := inv["keys"].([]any)
	require.True(t, ok, "the invocation shows the parsed list: %v", inv["keys"])
	assert.Equal(t, "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", invKeys[1].(map[string]any)["key"])

	_, res = execute(t, base(f, map[string]any{"keys": `[{"key_alias": "virtkey-json-user3"}`}))
	assert.Equal(t, true, res["failed"])
	assert.Equal(t, "argument 'keys' is of type str and we were unable to convert to list: unable to parse the value as a JSON list", res["msg"])
}
