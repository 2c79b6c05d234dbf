package fakeserver

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestContract pins the LiteLLM contract (docs/litellm-api.md) against both
// stores, in both eras.
func TestContract(t *testing.T) {
	t.Parallel()
	for _, kind := range allStores() {
		for _, era := range Eras {
			t.Run(kind.name+"/"+era.String(), func(t *testing.T) {
				t.Parallel()
				e := newEraEnv(t, kind, era)
				testContract(t, e)
			})
		}
	}
}

func testContract(t *testing.T, e *env) {
	t.Run("auth", func(t *testing.T) { testAuth(t, e) })
	t.Run("generate", func(t *testing.T) { testGenerate(t, e) })
	t.Run("generate errors", func(t *testing.T) { testGenerateErrors(t, e) })
	t.Run("info", func(t *testing.T) { testInfo(t, e) })
	t.Run("soft budget", func(t *testing.T) { testSoftBudget(t, e) })
	t.Run("list", func(t *testing.T) { testList(t, e) })
	t.Run("delete", func(t *testing.T) { testDelete(t, e) })
	t.Run("update", func(t *testing.T) { testUpdate(t, e) })
	t.Run("block", func(t *testing.T) { testBlock(t, e) })
	t.Run("models and health", func(t *testing.T) { testModelsHealth(t, e) })
	t.Run("concurrent alias", func(t *testing.T) { testConcurrentAlias(t, e) })
	t.Run("durations", func(t *testing.T) { testDurationErrors(t, e) })
	t.Run("custom keys and aliases", func(t *testing.T) { testCustomKeysAndAliases(t, e) })
	t.Run("update by era", func(t *testing.T) { testUpdateEra(t, e) })
	t.Run("list sort and status", func(t *testing.T) { testListSortStatus(t, e) })
	t.Run("block and regenerate", func(t *testing.T) { testBlockRegenerate(t, e) })
}

func testAuth(t *testing.T, e *env) {
	vk := e.generate(map[string]any{"key_alias": "auth-vk", "user_id": "auth-user"})["key"].(string)
	tests := []struct {
		name    string
		path    string
		headers []string
		status  int
		body    string // exact JSON when set
		errType string
	}{
		{"no key", "/key/list", []string{"X-Other: 1"}, 401,
			envelopeOf("Authentication Error, No api key passed in.", "auth_error", "None", "401"), ""},
		{"authorization without Bearer", "/key/list", []string{"Authorization: " + testMaster}, 401,
			envelopeOf("Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.", "auth_error", "None", "401"), ""},
		{"not sk- and not master", "/key/list", []string{"x-api-key: abcdefghijklwxyz"}, 401,
			envelopeOf("Authentication Error, LiteLLM Virtual Key expected. Received=abcd****wxyz, expected to start with 'sk-'.", "auth_error", "None", "401"), ""},
		{"unknown sk- key", "/key/list", []string{"Authorization: Bearer sk-unknown-key-123"}, 401, "", "token_not_found_in_db"},
		{"x-litellm-api-key wins over Authorization", "/key/list", []string{"x-litellm-api-key: " + testMaster, "Authorization: nonsense"}, 200, "", ""},
		{"x-litellm-api-key with Bearer", "/key/list", []string{"x-litellm-api-key: Bearer " + testMaster}, 200, "", ""},
		{"lowercase bearer", "/key/list", []string{"Authorization: bearer " + testMaster}, 200, "", ""},
		{"Authorization wins over API-Key", "/key/list", []string{"Authorization: Bearer sk-unknown-key-123", "API-Key: " + testMaster}, 401, "", "token_not_found_in_db"},
		{"API-Key", "/key/list", []string{"API-Key: " + testMaster}, 200, "", ""},
		{"API-Key wins over x-api-key", "/key/list", []string{"API-Key: " + testMaster, "x-api-key: nonsense"}, 200, "", ""},
		{"x-api-key", "/key/list", []string{"x-api-key: " + testMaster}, 200, "", ""},
		{"virtual key on admin route", "/key/list", []string{"Authorization: Bearer " + vk}, 401, "", "auth_error"},
		{"virtual key on its own info", "/key/info", []string{"Authorization: Bearer " + vk}, 200, "", ""},
		{"virtual key on models", "/v1/models", []string{"Authorization: Bearer " + vk}, 200, "", ""},
		{"liveliness is public", "/health/liveliness", []string{"X-Other: 1"}, 200, `"I'm alive!"`, ""},
		{"liveness is public", "/health/liveness", []string{"X-Other: 1"}, 200, `"I'm alive!"`, ""},
		{"readiness is public", "/health/readiness", []string{"X-Other: 1"}, 200, "", ""},
		{"models need a key", "/v1/models", []string{"X-Other: 1"}, 401, "", "auth_error"},
		{"faults need the master key", "/_fake/faults", []string{"Authorization: Bearer " + vk}, 401, "", "auth_error"},
		{"unknown route", "/nope", []string{"X-Other: 1"}, 404, `{"detail":"Not Found"}`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call("GET", tt.path, nil, tt.headers...)
			require.Equal(t, tt.status, r.status, "body %s", r.raw)
			if tt.body != "" {
				assert.JSONEq(t, tt.body, string(r.raw))
			}
			if tt.errType != "" {
				errBody := r.obj(t)["error"].(map[string]any)
				assert.Equal(t, tt.errType, errBody["type"])
				assert.Equal(t, "401", errBody["code"])
				if tt.errType == "token_not_found_in_db" {
					assert.Equal(t, "key", errBody["param"])
				}
			}
		})
	}
	t.Run("wrong method", func(t *testing.T) {
		r := e.call("GET", "/key/generate", nil)
		assert.Equal(t, 405, r.status)
	})
	t.Run("master row seeded", func(t *testing.T) {
		r := e.call("GET", "/key/info?key="+HashToken(testMaster), nil)
		require.Equal(t, 200, r.status, "%s", r.raw)
		info := r.obj(t)["info"].(map[string]any)
		assert.Nil(t, info["key_alias"])
		// Without ?key= the info describes the caller's own key.
		r = e.call("GET", "/key/info", nil)
		require.Equal(t, 200, r.status)
		assert.Equal(t, HashToken(testMaster), r.obj(t)["key"])
	})
}

var secretRE = regexp.MustCompile(`^sk-[A-Za-z0-9_-]{22}$`)

func testGenerate(t *testing.T, e *env) {
	before := time.Now().UTC()
	g := e.generate(map[string]any{
		"key_alias": "gen-a", "models": []string{"m1", "m2"}, "duration": "1h", "max_budget": 2.5,
		"budget_duration": "30d", "user_id": "gen-user", "team_id": "gen-team", "metadata": map[string]any{"guid": "x1"},
		"tpm_limit": 10, "rpm_limit": "20", "max_parallel_requests": 3, "blocked": false, "soft_budget": 1.0,
		"some_unknown_field": []int{1},
	})
	key := g["key"].(string)
	assert.Regexp(t, secretRE, key)
	assert.Len(t, key, 25)
	assert.Equal(t, HashToken(key), g["token"])
	assert.Equal(t, HashToken(key), g["token_id"])
	assert.Equal(t, "sk-..."+key[len(key)-4:], g["key_name"])
	assert.Nil(t, g["duration"])
	assert.Equal(t, "gen-a", g["key_alias"])
	assert.Equal(t, []any{"m1", "m2"}, g["models"])
	assert.Equal(t, 2.5, g["max_budget"])
	assert.Equal(t, "30d", g["budget_duration"])
	assert.Equal(t, "gen-user", g["user_id"])
	assert.Equal(t, "gen-team", g["team_id"])
	assert.Equal(t, map[string]any{"guid": "x1"}, g["metadata"])
	assert.Equal(t, 10.0, g["tpm_limit"])
	assert.Equal(t, 20.0, g["rpm_limit"], "lax int parsing of a numeric string")
	assert.Equal(t, 3.0, g["max_parallel_requests"])
	assert.Equal(t, false, g["blocked"])
	assert.Equal(t, 1.0, g["soft_budget"])
	assert.NotEmpty(t, g["created_at"])
	exp, err := time.Parse(time.RFC3339Nano, g["expires"].(string))
	require.NoError(t, err)
	assert.WithinDuration(t, before.Add(time.Hour), exp, 5*time.Second)

	t.Run("stored as returned", func(t *testing.T) {
		r := e.call("GET", "/key/info?key="+url.QueryEscape(key), nil)
		require.Equal(t, 200, r.status)
		info := r.obj(t)["info"].(map[string]any)
		assert.NotContains(t, info, "token")
		assert.Equal(t, "gen-a", info["key_alias"])
		assert.Equal(t, g["key_name"], info["key_name"])
		iexp, err := time.Parse(time.RFC3339Nano, info["expires"].(string))
		require.NoError(t, err)
		assert.True(t, exp.Equal(iexp), "expires %v != %v", exp, iexp)
		assert.Equal(t, 0.0, info["spend"])
	})
	t.Run("no duration never expires", func(t *testing.T) {
		g := e.generate(map[string]any{})
		assert.Nil(t, g["expires"])
		assert.Nil(t, g["key_alias"])
		assert.Equal(t, []any{}, g["models"])
	})
	t.Run("durations", func(t *testing.T) {
		now := time.Now().UTC()
		for d, want := range map[string]time.Time{
			"30s": now.Add(30 * time.Second), "15m": now.Add(15 * time.Minute), "2h": now.Add(2 * time.Hour),
			"7d": now.AddDate(0, 0, 7), "2w": now.AddDate(0, 0, 14), "1mo": now.AddDate(0, 1, 0),
		} {
			g := e.generate(map[string]any{"duration": d})
			got, err := time.Parse(time.RFC3339Nano, g["expires"].(string))
			require.NoError(t, err, d)
			assert.WithinDuration(t, want, got, 5*time.Second, d)
		}
	})
	t.Run("custom key", func(t *testing.T) {
		custom := "sk-custom-key-0001"
		g := e.generate(map[string]any{"key": custom, "key_alias": "gen-custom"})
		assert.Equal(t, custom, g["key"])
		assert.Equal(t, HashToken(custom), g["token"])
		// Reusing the value answers 200 but writes nothing (upstream bug).
		r := e.call("POST", "/key/generate", map[string]any{"key": custom, "key_alias": "gen-custom-2"})
		require.Equal(t, 200, r.status, "%s", r.raw)
		info := e.call("GET", "/key/info?key="+HashToken(custom), nil).obj(t)["info"].(map[string]any)
		assert.Equal(t, "gen-custom", info["key_alias"])
	})
}

func testGenerateErrors(t *testing.T, e *env) {
	e.generate(map[string]any{"key_alias": "dup-a"})
	tests := []struct {
		name   string
		body   string
		status int
		want   string
	}{
		{"duplicate alias", `{"key_alias":"dup-a"}`, 400,
			envelopeOf("Key with alias 'dup-a' already exists. Unique key aliases across all keys are required.", "bad_request_error", "key_alias", "400")},
		{"negative max_budget", `{"max_budget":-1}`, 400,
			envelopeOf(byEra(e, "{'error': 'max_budget cannot be negative. Received: -1.0'}",
				"{'error': 'max_budget must be a non-negative finite number. Received: -1.0'}"), "internal_server_error", "None", "400")},
		{"negative soft_budget", `{"soft_budget":-0.5}`, 400,
			envelopeOf(byEra(e, "{'error': 'soft_budget cannot be negative. Received: -0.5'}",
				"{'error': 'soft_budget must be a non-negative finite number. Received: -0.5'}"), "internal_server_error", "None", "400")},
		{"custom key without sk-", `{"key":"abcd-1234-wxyz"}`, 400,
			envelopeOf(`{'error': "Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: abcd****wxyz"}`, "internal_server_error", "None", "400")},
		{"alias not a string", `{"key_alias":123}`, 422,
			`{"detail":[{"type":"string_type","loc":["body","key_alias"],"msg":"Input should be a valid string","input":123}]}`},
		{"models not a list", `{"models":"m1"}`, 422,
			`{"detail":[{"type":"list_type","loc":["body","models"],"msg":"Input should be a valid list","input":"m1"}]}`},
		{"metadata not a dict", `{"metadata":[1]}`, 422,
			`{"detail":[{"type":"dict_type","loc":["body","metadata"],"msg":"Input should be a valid dictionary","input":[1]}]}`},
		{"max_budget not a number", `{"max_budget":"lots"}`, 422,
			`{"detail":[{"type":"float_parsing","loc":["body","max_budget"],"msg":"Input should be a valid number, unable to parse string as a number","input":"lots"}]}`},
		{"tpm_limit fractional", `{"tpm_limit":1.5}`, 422,
			`{"detail":[{"type":"int_from_float","loc":["body","tpm_limit"],"msg":"Input should be a valid integer, got a number with a fractional part","input":1.5}]}`},
		{"invalid JSON", `{"key_alias":`, 422,
			`{"detail":[{"type":"json_invalid","loc":["body",13],"msg":"JSON decode error","input":{},"ctx":{"error":"Expecting value"}}]}`},
		{"empty body", ``, 422,
			`{"detail":[{"type":"missing","loc":["body"],"msg":"Field required","input":null}]}`},
		{"array body", `[1]`, 422,
			`{"detail":[{"type":"model_attributes_type","loc":["body"],"msg":"Input should be a valid dictionary or object to extract fields from","input":[1]}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.call("POST", "/key/generate", tt.body)
			require.Equal(t, tt.status, r.status, "body %s", r.raw)
			assert.JSONEq(t, tt.want, string(r.raw))
		})
	}
}

func testInfo(t *testing.T, e *env) {
	g := e.generate(map[string]any{"key_alias": "info-a", "metadata": map[string]any{"a": "b"}})
	key, token := g["key"].(string), g["token"].(string)
	for _, passed := range []string{key, token} {
		r := e.call("GET", "/key/info?key="+url.QueryEscape(passed), nil)
		require.Equal(t, 200, r.status)
		o := r.obj(t)
		assert.Equal(t, passed, o["key"], "key is echoed as passed")
		info := o["info"].(map[string]any)
		for _, f := range []string{"key_alias", "key_name", "models", "expires", "spend", "max_budget", "metadata",
			"user_id", "team_id", "blocked", "created_at", "updated_at"} {
			assert.Contains(t, info, f)
		}
		assert.NotContains(t, info, "token")
		assert.Equal(t, map[string]any{"a": "b"}, info["metadata"])
	}
	for _, missing := range []string{"sk-does-not-exist", "0123abcd"} {
		r := e.call("GET", "/key/info?key="+missing, nil)
		require.Equal(t, 404, r.status)
		assert.JSONEq(t, envelopeOf("Key not found in database", "not_found_error", "key", "404"), string(r.raw))
	}
}

// testSoftBudget: LiteLLM keeps a soft budget in a LiteLLM_BudgetTable row
// linked by budget_id: /key/generate echoes the request's value at the top
// level, /key/info shows the row under litellm_budget_table, /key/list does
// not join it.
func testSoftBudget(t *testing.T, e *env) {
	g := e.generate(map[string]any{"key_alias": "soft-a", "soft_budget": 2.5})
	assert.Equal(t, 2.5, g["soft_budget"])
	budgetID, _ := g["budget_id"].(string)
	require.NotEmpty(t, budgetID, "the key links its budget row")

	info := e.call("GET", "/key/info?key="+g["token"].(string), nil).obj(t)["info"].(map[string]any)
	assert.Equal(t, budgetID, info["budget_id"])
	bt, ok := info["litellm_budget_table"].(map[string]any)
	require.True(t, ok, "info: %v", info["litellm_budget_table"])
	assert.Equal(t, budgetID, bt["budget_id"])
	assert.Equal(t, 2.5, bt["soft_budget"])
	assert.NotContains(t, info, "soft_budget", "not a column of the key")

	keys := listOf(t, e, "key_alias=soft-a&return_full_object=true")["keys"].([]any)
	require.Len(t, keys, 1)
	row := keys[0].(map[string]any)
	assert.Equal(t, budgetID, row["budget_id"])
	assert.Nil(t, row["litellm_budget_table"], "/key/list does not join the budget row")

	plain := e.generate(map[string]any{"key_alias": "soft-none"})
	assert.Nil(t, plain["soft_budget"], "echoed as null (LiteLLM sets it from the request)")
	assert.Nil(t, plain["budget_id"])
}

func listOf(t *testing.T, e *env, query string) map[string]any {
	t.Helper()
	r := e.call("GET", "/key/list?"+query, nil)
	require.Equal(t, 200, r.status, "%s", r.raw)
	return r.obj(t)
}

func testList(t *testing.T, e *env) {
	var tokens []string
	for i := range 12 {
		g := e.generate(map[string]any{"key_alias": fmt.Sprintf("list-%02d", i), "user_id": "list-user",
			"team_id": fmt.Sprintf("list-team-%d", i%2)})
		tokens = append(tokens, g["token"].(string))
		time.Sleep(2 * time.Millisecond) // distinct created_at (TIMESTAMP(3))
	}
	t.Run("defaults and pages", func(t *testing.T) {
		l := listOf(t, e, "user_id=list-user")
		assert.Len(t, l["keys"], 10, "default size is 10")
		assert.Equal(t, 12.0, l["total_count"])
		assert.Equal(t, 1.0, l["current_page"])
		assert.Equal(t, 2.0, l["total_pages"])
		want := make([]any, 0, 10)
		for i := 11; i >= 2; i-- {
			want = append(want, tokens[i])
		}
		assert.Equal(t, want, l["keys"], "newest first, token hashes")
		l = listOf(t, e, "user_id=list-user&page=2")
		assert.Equal(t, []any{tokens[1], tokens[0]}, l["keys"])
		assert.Equal(t, 2.0, l["current_page"])
		l = listOf(t, e, "user_id=list-user&size=100")
		assert.Len(t, l["keys"], 12)
		assert.Equal(t, 1.0, l["total_pages"])
		l = listOf(t, e, "user_id=list-user&sort_by=created_at&sort_order=asc&size=1")
		assert.Equal(t, []any{tokens[0]}, l["keys"])
		l = listOf(t, e, "user_id=list-user&sort_order=asc&size=1")
		assert.Equal(t, []any{tokens[11]}, l["keys"], "sort_order without sort_by is ignored")
		l = listOf(t, e, "user_id=nobody")
		assert.Equal(t, []any{}, l["keys"])
		assert.Equal(t, 0.0, l["total_count"])
		assert.Equal(t, 0.0, l["total_pages"])
	})
	t.Run("admin list is never empty", func(t *testing.T) {
		l := listOf(t, e, "size=100")
		assert.Contains(t, l["keys"], HashToken(testMaster))
	})
	t.Run("filters", func(t *testing.T) {
		e.generate(map[string]any{"key_alias": "list-0", "user_id": "list-other"})
		l := listOf(t, e, "key_alias=list-0")
		assert.Len(t, l["keys"], 1, "key_alias is an exact match")
		l = listOf(t, e, "key_alias=list-01")
		assert.Equal(t, []any{tokens[1]}, l["keys"])
		l = listOf(t, e, "user_id=list-user&team_id=list-team-1&size=100")
		assert.Len(t, l["keys"], 6)
		l = listOf(t, e, "key_hash="+tokens[3])
		assert.Equal(t, []any{tokens[3]}, l["keys"])
	})
	t.Run("full objects", func(t *testing.T) {
		l := listOf(t, e, "key_alias=list-05&return_full_object=true")
		keys := l["keys"].([]any)
		require.Len(t, keys, 1)
		o := keys[0].(map[string]any)
		assert.Equal(t, tokens[5], o["token"])
		assert.Equal(t, "list-05", o["key_alias"])
		assert.Equal(t, "list-user", o["user_id"])
	})
	tests := []struct {
		query string
		want  string
	}{
		{"size=0", `{"detail":[{"type":"greater_than_equal","loc":["query","size"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]}`},
		{"size=101", `{"detail":[{"type":"less_than_equal","loc":["query","size"],"msg":"Input should be less than or equal to 100","input":"101","ctx":{"le":100}}]}`},
		{"size=ten", `{"detail":[{"type":"int_parsing","loc":["query","size"],"msg":"Input should be a valid integer, unable to parse string as an integer","input":"ten"}]}`},
		{"page=0", `{"detail":[{"type":"greater_than_equal","loc":["query","page"],"msg":"Input should be greater than or equal to 1","input":"0","ctx":{"ge":1}}]}`},
		{"return_full_object=maybe", `{"detail":[{"type":"bool_parsing","loc":["query","return_full_object"],"msg":"Input should be a valid boolean, unable to interpret input","input":"maybe"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			r := e.call("GET", "/key/list?"+tt.query, nil)
			require.Equal(t, 422, r.status)
			assert.JSONEq(t, tt.want, string(r.raw))
		})
	}
}

func testDelete(t *testing.T, e *env) {
	notFound := envelopeOf("{'error': 'No keys found'}", "internal_server_error", "None", "404")
	t.Run("validation", func(t *testing.T) {
		for body, want := range map[string]string{
			`{"keys":[],"key_aliases":[]}`: `{"detail":[{"type":"value_error","loc":["body"],"msg":"Value error, At least one of 'keys' or 'key_aliases' must be provided.","input":{"keys":[],"key_aliases":[]},"ctx":{"error":{}}}]}`,
			`{}`:                           `{"detail":[{"type":"value_error","loc":["body"],"msg":"Value error, At least one of 'keys' or 'key_aliases' must be provided.","input":{},"ctx":{"error":{}}}]}`,
			`{"keys":"sk-abc"}`:            `{"detail":[{"type":"list_type","loc":["body","keys"],"msg":"Input should be a valid list","input":"sk-abc"}]}`,
		} {
			r := e.call("POST", "/key/delete", body)
			require.Equal(t, 422, r.status, body)
			assert.JSONEq(t, want, string(r.raw), body)
		}
	})
	t.Run("nothing matched", func(t *testing.T) {
		for _, body := range []string{`{"keys":["sk-missing-1"]}`, `{"key_aliases":["del-missing"]}`} {
			r := e.call("POST", "/key/delete", body)
			require.Equal(t, 404, r.status, body)
			assert.JSONEq(t, notFound, string(r.raw))
		}
	})
	t.Run("keys win over key_aliases", func(t *testing.T) {
		a := e.generate(map[string]any{"key_alias": "del-a"})
		b := e.generate(map[string]any{"key_alias": "del-b"})
		body := map[string]any{"keys": []string{a["key"].(string), "sk-missing-2"}, "key_aliases": []string{"del-b"}}
		r := e.call("POST", "/key/delete", body)
		require.Equal(t, 200, r.status, "%s", r.raw)
		assert.JSONEq(t, fmt.Sprintf(`{"deleted_keys":[%q,"sk-missing-2"]}`, a["key"]), string(r.raw), "input echoed")
		assert.Equal(t, 404, e.call("GET", "/key/info?key="+a["token"].(string), nil).status)
		assert.Equal(t, 200, e.call("GET", "/key/info?key="+b["token"].(string), nil).status)
		assert.Contains(t, e.auditTokens(), a["token"], "audit row written")
		// Deleting twice is not idempotent on the server.
		r = e.call("POST", "/key/delete", map[string]any{"keys": []string{a["token"].(string)}})
		assert.Equal(t, 404, r.status)
		assert.JSONEq(t, notFound, string(r.raw))
	})
	t.Run("by alias and by hash", func(t *testing.T) {
		a := e.generate(map[string]any{"key_alias": "del-c"})
		r := e.call("POST", "/key/delete", map[string]any{"key_aliases": []string{"del-c", "del-nope"}})
		require.Equal(t, 200, r.status)
		assert.JSONEq(t, `{"deleted_keys":["del-c","del-nope"]}`, string(r.raw))
		assert.Equal(t, 404, e.call("GET", "/key/info?key="+a["token"].(string), nil).status)
		b := e.generate(map[string]any{"key_alias": "del-d"})
		r = e.call("POST", "/key/delete", map[string]any{"keys": []string{b["token"].(string)}, "ignored": true})
		require.Equal(t, 200, r.status)
		assert.Equal(t, 404, e.call("GET", "/key/info?key="+b["token"].(string), nil).status)
		assert.Contains(t, e.auditTokens(), b["token"])
	})
}

func testUpdate(t *testing.T, e *env) {
	g := e.generate(map[string]any{"key_alias": "upd-a", "models": []string{"m1"}, "max_budget": 5,
		"metadata": map[string]any{"a": 1, "b": 2}, "user_id": "upd-user", "duration": "1h"})
	key, token := g["key"].(string), g["token"].(string)
	info := func() map[string]any {
		return e.call("GET", "/key/info?key="+token, nil).obj(t)["info"].(map[string]any)
	}
	t.Run("nulls clear, omitted stay, metadata replaces", func(t *testing.T) {
		r := e.call("POST", "/key/update", map[string]any{"key": key, "max_budget": nil, "metadata": map[string]any{"c": 3}, "whatever": 1})
		require.Equal(t, 200, r.status, "%s", r.raw)
		o := r.obj(t)
		assert.Equal(t, key, o["key"], "key echoed as sent")
		assert.Equal(t, token, o["token"])
		assert.Nil(t, o["max_budget"])
		assert.Equal(t, map[string]any{"c": 3.0}, o["metadata"])
		i := info()
		assert.Nil(t, i["max_budget"])
		assert.Equal(t, []any{"m1"}, i["models"])
		assert.Equal(t, "upd-a", i["key_alias"])
		assert.Equal(t, "upd-user", i["user_id"])
		assert.Equal(t, map[string]any{"c": 3.0}, i["metadata"])
		assert.NotNil(t, i["expires"])
	})
	t.Run("duration resets expires; -1 and null clear it", func(t *testing.T) {
		r := e.call("POST", "/key/update", map[string]any{"key": token, "duration": "2d"})
		require.Equal(t, 200, r.status, "%s", r.raw)
		exp, err := time.Parse(time.RFC3339Nano, info()["expires"].(string))
		require.NoError(t, err)
		assert.WithinDuration(t, time.Now().AddDate(0, 0, 2), exp, 5*time.Second)
		for _, d := range []any{"-1", nil} {
			require.Equal(t, 200, e.call("POST", "/key/update", map[string]any{"key": token, "duration": d}).status)
			assert.Nil(t, info()["expires"], "duration %v", d)
			require.Equal(t, 200, e.call("POST", "/key/update", map[string]any{"key": token, "duration": "1h"}).status)
			assert.NotNil(t, info()["expires"])
		}
	})
	t.Run("alias", func(t *testing.T) {
		e.generate(map[string]any{"key_alias": "upd-b"})
		r := e.call("POST", "/key/update", map[string]any{"key": token, "key_alias": "upd-b"})
		require.Equal(t, 400, r.status)
		assert.JSONEq(t, envelopeOf("Key with alias 'upd-b' already exists. Unique key aliases across all keys are required.", "bad_request_error", "key_alias", "400"), string(r.raw))
		assert.Equal(t, 200, e.call("POST", "/key/update", map[string]any{"key": token, "key_alias": "upd-a"}).status, "own alias")
		require.Equal(t, 200, e.call("POST", "/key/update", map[string]any{"key": token, "key_alias": nil, "models": nil}).status)
		assert.Nil(t, info()["key_alias"])
		assert.Equal(t, []any{}, info()["models"])
	})
	t.Run("errors", func(t *testing.T) {
		r := e.call("POST", "/key/update", map[string]any{"key": "sk-unknown-upd", "duration": "soon"})
		require.Equal(t, byEra(e, 401, 404), r.status, "the key is looked up before the duration is parsed")
		assert.JSONEq(t, byEra(e,
			envelopeOf("Authentication Error: invalid user key - user key does not exist in db. User Key=sk-unknown-upd", "auth_error", "None", "401"),
			envelopeOf("Key not found.", "not_found_error", "key", "404")), string(r.raw))
		r = e.call("POST", "/key/update", `{"models":[]}`)
		require.Equal(t, byEra(e, 422, 400), r.status)
		assert.JSONEq(t, byEra(e, `{"detail":[{"type":"missing","loc":["body","key"],"msg":"Field required","input":{"models":[]}}]}`,
			envelopeOf("either key or key_alias must be provided", "bad_request_error", "key", "400")), string(r.raw))
		r = e.call("POST", "/key/update", map[string]any{"key": token, "duration": "soon"})
		require.Equal(t, 400, r.status)
		assert.JSONEq(t, envelopeOf("Authentication Error, Invalid duration format", "auth_error", "None", "400"), string(r.raw))
		r = e.call("POST", "/key/update", map[string]any{"key": token, "duration": "30x"})
		assert.JSONEq(t, envelopeOf("Authentication Error, Unsupported duration unit, passed duration: 30x", "auth_error", "None", "400"), string(r.raw))
		r = e.call("POST", "/key/update", map[string]any{"key": token, "max_budget": -2.5})
		assert.JSONEq(t, envelopeOf(byEra(e, "{'error': 'max_budget cannot be negative. Received: -2.5'}",
			"{'error': 'max_budget must be a non-negative finite number. Received: -2.5'}"), "auth_error", "None", "400"), string(r.raw))
	})
}

func testBlock(t *testing.T, e *env) {
	g := e.generate(map[string]any{"key_alias": "blk-a"})
	key := g["key"].(string)
	r := e.call("POST", "/key/block", map[string]any{"key": key})
	require.Equal(t, 200, r.status, "%s", r.raw)
	assert.Equal(t, true, r.obj(t)["blocked"])
	r = e.call("GET", "/v1/models", nil, "Authorization: Bearer "+key)
	require.Equal(t, 401, r.status, "blocked key cannot authenticate")
	assert.JSONEq(t, envelopeOf("Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.",
		"auth_error", "None", "401"), string(r.raw))
	r = e.call("POST", "/key/unblock", map[string]any{"key": g["token"]})
	require.Equal(t, 200, r.status)
	assert.Equal(t, false, r.obj(t)["blocked"])
	assert.Equal(t, 200, e.call("GET", "/v1/models", nil, "Authorization: Bearer "+key).status)
	r = e.call("POST", "/key/block", map[string]any{"key": "sk-nope-blk"})
	require.Equal(t, 404, r.status)
	assert.JSONEq(t, envelopeOf("Key not found.", "not_found_error", "key", "404"), string(r.raw))
	assert.Equal(t, 422, e.call("POST", "/key/block", `{}`).status)
}

func testModelsHealth(t *testing.T, e *env) {
	for _, p := range []string{"/v1/models", "/models"} {
		r := e.call("GET", p, nil)
		require.Equal(t, 200, r.status)
		var got modelList
		require.NoError(t, json.Unmarshal(r.raw, &got))
		assert.Equal(t, "list", got.Object)
		require.Len(t, got.Data, len(DefaultModels))
		assert.Equal(t, modelEntry{ID: DefaultModels[0], Object: "model", Created: 1677610602, OwnedBy: "openai"}, got.Data[0])
	}
	for _, p := range []string{"/model/info", "/v1/model/info"} {
		r := e.call("GET", p, nil)
		require.Equal(t, 200, r.status)
		data := r.obj(t)["data"].([]any)
		require.Len(t, data, len(DefaultModels))
		first := data[0].(map[string]any)
		assert.Equal(t, DefaultModels[0], first["model_name"])
		assert.Equal(t, DefaultModels[0], first["litellm_params"].(map[string]any)["model"])
		assert.NotEmpty(t, first["model_info"].(map[string]any)["id"])
		assert.NotContains(t, first["litellm_params"], "api_key")
	}
	r := e.call("GET", "/health/readiness", nil)
	require.Equal(t, 200, r.status)
	o := r.obj(t)
	assert.Equal(t, "healthy", o["status"])
	assert.Equal(t, "connected", o["db"])
}

// testConcurrentAlias: 50 concurrent creates of one alias yield one key.
func testConcurrentAlias(t *testing.T, e *env) {
	const n = 50
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			statuses[i] = e.call("POST", "/key/generate", map[string]any{"key_alias": "race-a"}).status
		})
	}
	wg.Wait()
	count := map[int]int{}
	for _, s := range statuses {
		count[s]++
	}
	assert.Equal(t, map[int]int{200: 1, 400: n - 1}, count)
	l := listOf(t, e, "key_alias=race-a")
	assert.Equal(t, 1.0, l["total_count"])
}

func TestPythonRepr(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"No keys found", "'No keys found'"},
		{"must start with 'sk-'", `"must start with 'sk-'"`},
		{`both ' and "`, `'both \' and "'`},
		{"tab\tnew\nline\\", `'tab\tnew\nline\\'`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, pyRepr(tt.in), tt.in)
	}
	assert.Equal(t, "abcd****wxyz", maskKey("abcdefghwxyz"))
	assert.Equal(t, "****", maskKey("abcdefgh"))
}
