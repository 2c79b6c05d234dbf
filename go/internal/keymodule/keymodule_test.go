package keymodule

import (
	"context"
	"encoding/json"
	"maps"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver/fakeservertest"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/virtualkey"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	master           = "sk-module-test-master-key"
	derivationSecret = "derivation-secret-never-shown"
)

type fake struct {
	srv   *fakeserver.Server
	store fakeserver.Store
	url   string
}

func newFake(t *testing.T, store fakeserver.Store) *fake {
	t.Helper()
	fs := fakeservertest.Start(t, fakeserver.Config{MasterKey: master, Store: store})
	return &fake{srv: fs.Server, store: fs.Store, url: fs.URL}
}

func (f *fake) faults(t *testing.T, rules ...fakeserver.FaultRule) {
	fakeservertest.SetFaultRules(t, f.srv, rules...)
}

// execute runs the module as Ansible would and returns the raw output and
// its decoded form.
func execute(t *testing.T, args map[string]any) (string, map[string]any) {
	t.Helper()
	b, err := json.Marshal(args)
	require.NoError(t, err)
	d := Deps{ClientOptions: []litellm.Option{litellm.WithRetryDelay(time.Millisecond, 5*time.Millisecond)}}
	out := ansible.Execute(context.Background(), Name, b, d.Run)
	var res map[string]any
	require.NoError(t, json.Unmarshal(out, &res), string(out))
	return string(out), res
}

func base(f *fake, extra map[string]any) map[string]any {
	args := map[string]any{"api_url": f.url + "/v1/", "api_key": master, "retry_delay": 0}
	for k, v := range extra {
		args[k] = v
	}
	return args
}

func TestModuleProvisionAndIdempotency(t *testing.T) {
	f := newFake(t, nil)
	args := base(f, map[string]any{"key_alias": "virtkey-mod", "models": []string{"Docling"}, "duration": "7d",
		"max_budget": "10", "user_id": "u@example.com", "metadata": map[string]any{"guid": "mod"}})
	raw, res := execute(t, args)
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, true, res["changed"])
	assert.Equal(t, true, res["created"])
	key, _ := res["key"].(string)
	require.True(t, strings.HasPrefix(key, "sk-"), raw)
	assert.Equal(t, litellm.HashKey(key), res["token"])
	assert.Equal(t, "created", res["secret_recovered_by"])
	assert.EqualValues(t, 4, res["api_requests"], "lookup, models, create, duplicate check")
	assert.Equal(t, []any{"Docling"}, res["models"])
	assert.EqualValues(t, 10, res["max_budget"])
	assert.NotContains(t, res, "diff", "diff only in diff mode")
	for _, field := range []string{"changed", "key", "key_alias", "token", "key_name", "expires", "models", "user_id", "max_budget",
		"metadata", "created", "updated", "deleted", "was_missing", "deleted_via", "secret_recovered_by", "api_requests"} {
		assert.Contains(t, res, field)
	}
	inv := res["invocation"].(map[string]any)["module_args"].(map[string]any)
	assert.Equal(t, ansible.NoLogPlaceholder, inv["api_key"])
	assert.NotContains(t, raw, master)

	// Second run with the key from the first: unchanged, key verified and returned.
	args["key"] = key
	raw, res = execute(t, args)
	assert.Equal(t, false, res["changed"], raw)
	assert.Equal(t, key, res["key"], "the verified key is returned")
	assert.Equal(t, "known_key", res["secret_recovered_by"])
	assert.EqualValues(t, 1, res["api_requests"])
	inv = res["invocation"].(map[string]any)["module_args"].(map[string]any)
	assert.Equal(t, ansible.NoLogPlaceholder, inv["key"], "the key is masked in invocation only")

	// Without the key: the secret is derived again from the master key.
	delete(args, "key")
	_, res = execute(t, args)
	assert.Equal(t, false, res["changed"])
	assert.Equal(t, key, res["key"])
	assert.Equal(t, "derivation", res["secret_recovered_by"])
	assert.Equal(t, virtualkey.Derive(virtualkey.MasterKeyDerivationSecret(master), "virtkey-mod"), key,
		"new keys' secrets are derived from the master key by default")

	// Without derivation the secret is unknown: kept, with a warning.
	args["key_derivation"] = "none"
	_, res = execute(t, args)
	assert.Equal(t, false, res["changed"])
	assert.Nil(t, res["key"])
	require.Len(t, res["warnings"], 1)
	assert.Contains(t, res["warnings"].([]any)[0], "cannot be recovered")
	delete(args, "key_derivation")

	// Destroy, twice.
	_, res = execute(t, base(f, map[string]any{"key_alias": "virtkey-mod", "state": "absent"}))
	assert.Equal(t, true, res["changed"])
	assert.Equal(t, true, res["deleted"])
	assert.Equal(t, "api", res["deleted_via"])
	assert.EqualValues(t, 3, res["api_requests"])
	_, res = execute(t, base(f, map[string]any{"key_alias": "virtkey-mod", "state": "absent"}))
	assert.Equal(t, false, res["changed"])
	assert.Equal(t, true, res["was_missing"])
}

func TestModuleCheckAndDiff(t *testing.T) {
	f := newFake(t, nil)
	args := base(f, map[string]any{"key_alias": "virtkey-diff", "models": []string{"Docling"},
		"key_derivation_secret": derivationSecret, "_ansible_check_mode": true, "_ansible_diff": true})
	raw, res := execute(t, args)
	assert.Equal(t, true, res["changed"], raw)
	require.Contains(t, res, "diff")
	diff := res["diff"].(map[string]any)
	assert.Equal(t, "absent", diff["before"].(map[string]any)["state"])
	assert.Equal(t, "present", diff["after"].(map[string]any)["state"])
	tokens, err := f.store.TokensByAlias(context.Background(), []string{"virtkey-diff"})
	require.NoError(t, err)
	assert.Empty(t, tokens, "check mode created nothing")
	assert.NotContains(t, raw, derivationSecret)

	args["_ansible_check_mode"] = false
	raw, res = execute(t, args)
	assert.Equal(t, virtualkey.Derive(derivationSecret, "virtkey-diff"), res["key"])
	assert.NotContains(t, raw, derivationSecret)
	assert.NotContains(t, raw, master)
	diff = res["diff"].(map[string]any)
	assert.NotContains(t, mustJSON(t, diff), res["key"].(string), "no secret in the diff")

	args["models"] = []string{"Docling", "openai/mistral-7b-instruct"}
	_, res = execute(t, args)
	assert.Equal(t, true, res["updated"])
	assert.Equal(t, "derivation", res["secret_recovered_by"])
	diff = res["diff"].(map[string]any)
	assert.Equal(t, []any{"Docling"}, diff["before"].(map[string]any)["models"])
}

func TestModuleBulk(t *testing.T) {
	f := newFake(t, nil)
	var keys []any
	for _, u := range []string{"user1", "user2", "user3"} {
		keys = append(keys, map[string]any{"key_alias": "virtkey-bulkmod-" + u, "user_id": u + "@example.com", "metadata": map[string]any{"user": u}})
	}
	args := base(f, map[string]any{"keys": keys, "models": []string{"Docling"}, "metadata": map[string]any{"guid": "bulkmod"},
		"_ansible_diff": true})
	raw, res := execute(t, args)
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, true, res["changed"])
	assert.Equal(t, map[string]any{"total": 3.0, "created": 3.0, "updated": 0.0, "deleted": 0.0, "unchanged": 0.0, "missing": 0.0, "failed": 0.0}, res["totals"])
	items := res["keys"].([]any)
	require.Len(t, items, 3)
	first := items[0].(map[string]any)
	assert.Equal(t, "virtkey-bulkmod-user1", first["key_alias"])
	assert.Equal(t, "user1@example.com", first["user_id"])
	assert.Equal(t, map[string]any{"guid": "bulkmod", "user": "user1"}, first["metadata"], "metadata merged")
	assert.NotContains(t, first, "diff")
	assert.Len(t, res["diff"], 3)
	assert.Equal(t, "virtkey-bulkmod-user1", res["diff"].([]any)[0].(map[string]any)["before_header"])

	// Per-item keys given back: nothing changes.
	for i := range keys {
		keys[i].(map[string]any)["key"] = items[i].(map[string]any)["key"]
	}
	raw, res = execute(t, args)
	assert.Equal(t, false, res["changed"], raw)
	assert.NotContains(t, res, "diff")
	inv := res["invocation"].(map[string]any)["module_args"].(map[string]any)
	assert.Equal(t, ansible.NoLogPlaceholder, inv["keys"].([]any)[0].(map[string]any)["key"])
}

func TestModuleErrors(t *testing.T) {
	f := newFake(t, nil)
	tests := []struct {
		name string
		args map[string]any
		want string
		kind string // error_kind; "" = a parameter error of the runtime, which has none
	}{
		{name: "both targets", args: base(f, map[string]any{"key_alias": "a1", "keys": []any{map[string]any{"key_alias": "b1"}}}), want: "mutually exclusive"},
		{name: "no target", args: base(f, nil), want: "one of the following is required: key_alias, keys"},
		{name: "malformed keys item", args: base(f, map[string]any{"keys": []any{map[string]any{"user_id": "x"}}}), want: "key_alias"},
		{name: "keys item not a dict", args: base(f, map[string]any{"keys": []any{"just-a-string"}}), want: "keys"},
		{name: "bad alias", args: base(f, map[string]any{"key_alias": "bad alias!"}), want: `invalid key_alias "bad alias!"`, kind: "validation"},
		{name: "bad duration", args: base(f, map[string]any{"key_alias": "ok-1", "duration": "30x"}), want: `invalid duration "30x"`, kind: "validation"},
		{name: "negative budget", args: base(f, map[string]any{"key_alias": "ok-1", "max_budget": -1}), want: "max_budget must be a non-negative number", kind: "validation"},
		{name: "empty user_id", args: base(f, map[string]any{"key_alias": "ok-1", "user_id": ""}), want: "user_id must not be empty", kind: "validation"},
		{name: "unknown models", args: base(f, map[string]any{"key_alias": "ok-1", "models": []string{"gpt-99"}}), want: "models not served by the proxy", kind: "validation"},
		{name: "bad state", args: base(f, map[string]any{"key_alias": "ok-1", "state": "gone"}), want: "value of state must be one of: present, absent, got: gone"},
		{name: "wrong master key", args: map[string]any{"api_url": f.url, "api_key": "sk-not-the-master", "key_alias": "ok-1", "retries": 0}, want: "rejected the master key", kind: "auth"},
		{name: "unreachable", args: map[string]any{"api_url": "http://127.0.0.1:1", "api_key": master, "key_alias": "ok-1", "retries": 1, "retry_delay": 0}, want: "cannot reach the LiteLLM proxy", kind: "unreachable"},
		{name: "bad url", args: map[string]any{"api_url": "not a url", "api_key": master, "key_alias": "ok-1"}, want: "invalid LiteLLM URL", kind: "validation"},
		{name: "credentials in the url", args: map[string]any{"api_url": strings.Replace(f.url, "http://", "http://admin:hunter2-url@", 1), "api_key": master, "key_alias": "ok-1"}, want: "api_url: invalid LiteLLM URL: it contains credentials", kind: "validation"},
		{name: "validate_certs typo", args: base(f, map[string]any{"key_alias": "ok-1", "validate_certs": "ture"}), want: "'ture' is not a valid boolean"},
		{name: "short key", args: base(f, map[string]any{"key_alias": "ok-1", "key": "sk-short"}), want: "at least 16 characters", kind: "validation"},
		{name: "dots in alias", args: base(f, map[string]any{"key_alias": "virtkey-../x"}), want: "contains '..'", kind: "validation"},
		{name: "zero budget_duration", args: base(f, map[string]any{"key_alias": "ok-1", "budget_duration": "0d"}), want: "must be positive", kind: "validation"},
		{name: "malformed database_url", args: base(f, map[string]any{"key_alias": "ok-1", "state": "absent", "force_db_delete": true, "database_url": "mysql://u:hunter2-db@h/db"}), want: "database_url: invalid database URL", kind: "validation"},
		{name: "bad key_derivation", args: base(f, map[string]any{"key_alias": "ok-1", "key_derivation": "sometimes"}), want: "key_derivation must be one of: master_key, none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, res := execute(t, tt.args)
			assert.Equal(t, true, res["failed"], raw)
			assert.Contains(t, res["msg"], tt.want)
			if tt.kind == "" {
				assert.NotContains(t, res, "error_kind")
			} else {
				assert.Equal(t, tt.kind, res["error_kind"])
			}
			assert.NotContains(t, res["msg"], "\n")
			assert.NotContains(t, raw, master)
			assert.NotContains(t, raw, "sk-not-the-master")
			assert.NotContains(t, raw, "hunter2")
			if tt.kind == "validation" && tt.name != "unknown models" {
				assert.EqualValues(t, 0, res["api_requests"], "refused before any request")
			}
		})
	}
	tokens, err := f.store.TokensByAlias(context.Background(), []string{"ok-1", "a1", "b1"})
	require.NoError(t, err)
	assert.Empty(t, tokens, "no error left anything behind")
}

func TestModuleTLSHint(t *testing.T) {
	srv := httptest.NewTLSServer(nil)
	t.Cleanup(srv.Close)
	_, res := execute(t, map[string]any{"api_url": srv.URL, "api_key": master, "key_alias": "ok-1"})
	assert.Equal(t, true, res["failed"])
	assert.Contains(t, res["msg"], "set ca_path")
	assert.Contains(t, res["msg"], "validate_certs: false")
	assert.Equal(t, "tls", res["error_kind"])
}

// TestModuleGatewayDownIsUnreachable: an OpenShift route answers 503 when the
// proxy's pods are gone; after every retry that counts as unreachable, in
// single and bulk mode, for create and delete.
func TestModuleGatewayDownIsUnreachable(t *testing.T) {
	f := newFake(t, nil)
	f.faults(t, fakeserver.FaultRule{Action: fakeserver.ActionStatus, Route: "*", Status: 503, Body: "<html>Application is not available</html>"})
	for _, args := range []map[string]any{
		base(f, map[string]any{"key_alias": "gw-1", "retries": 1}),
		base(f, map[string]any{"key_alias": "gw-1", "retries": 1, "state": "absent"}),
		base(f, map[string]any{"keys": []any{map[string]any{"key_alias": "gw-1"}, map[string]any{"key_alias": "gw-2"}}, "retries": 1, "state": "absent"}),
	} {
		raw, res := execute(t, args)
		assert.Equal(t, true, res["failed"], raw)
		assert.Equal(t, "unreachable", res["error_kind"], raw)
	}
	f.faults(t)
	// A proxy error that is not a gateway's is "api".
	f.faults(t, fakeserver.FaultRule{Action: fakeserver.ActionStatus, Route: "*", Status: 500})
	raw, res := execute(t, base(f, map[string]any{"key_alias": "gw-1", "retries": 0}))
	assert.Equal(t, true, res["failed"], raw)
	assert.Equal(t, "api", res["error_kind"], raw)
}

// TestModuleCreateFalse: create: false converges an existing key and never
// creates a missing one (the extend playbook relies on it).
func TestModuleCreateFalse(t *testing.T) {
	f := newFake(t, nil)
	for _, check := range []bool{true, false} {
		raw, res := execute(t, base(f, map[string]any{"key_alias": "cf-1", "create": false, "duration": "7d", "_ansible_check_mode": check}))
		assert.NotContains(t, res, "failed", raw)
		assert.Equal(t, false, res["changed"], raw)
		assert.Equal(t, true, res["was_missing"], raw)
		assert.Equal(t, false, res["created"], raw)
		assert.Nil(t, res["token"], raw)
	}
	tokens, err := f.store.TokensByAlias(context.Background(), []string{"cf-1"})
	require.NoError(t, err)
	assert.Empty(t, tokens, "create: false created nothing")

	_, created := execute(t, base(f, map[string]any{"key_alias": "cf-1", "duration": "7d"}))
	require.Equal(t, true, created["created"])
	raw, res := execute(t, base(f, map[string]any{"key_alias": "cf-1", "create": false, "duration": "30d", "refresh_expiry": true}))
	assert.NotContains(t, res, "failed", raw)
	assert.Equal(t, true, res["changed"], raw)
	assert.Equal(t, true, res["updated"], raw)
	assert.Equal(t, false, res["was_missing"], raw)
	assert.Equal(t, created["token"], res["token"])
	assert.NotEqual(t, created["expires"], res["expires"], "expiry moved 30 days out")

	raw, res = execute(t, base(f, map[string]any{"keys": []any{map[string]any{"key_alias": "cf-1"}, map[string]any{"key_alias": "cf-2"}}, "create": false}))
	assert.NotContains(t, res, "failed", raw)
	totals := res["totals"].(map[string]any)
	assert.Equal(t, float64(1), totals["missing"], raw)
	assert.Equal(t, float64(0), totals["created"], raw)
}

// TestModuleSecretsNeverInOutput runs a failing force delete and a
// successful derivation with every secret set, and scans the whole output.
func TestModuleSecretsNeverInOutput(t *testing.T) {
	f := newFake(t, nil)
	dbPassword := "db-password-never-shown"
	dsn := "postgresql://litellm:" + dbPassword + "@127.0.0.1:1/litellm?connect_timeout=1"
	secrets := []string{master, derivationSecret, dbPassword, dsn}

	raw, res := execute(t, base(f, map[string]any{"key_alias": "virtkey-secrets", "key_derivation_secret": derivationSecret,
		"database_url": dsn, "_ansible_verbosity": 4, "_ansible_diff": true}))
	require.Nil(t, res["failed"], raw)
	for _, s := range secrets {
		assert.NotContains(t, raw, s)
	}
	f.faults(t, fakeserver.FaultRule{Action: fakeserver.ActionDeleteNoop})
	raw, res = execute(t, base(f, map[string]any{"key_alias": "virtkey-secrets", "state": "absent", "force_db_delete": true,
		"database_url": dsn, "key_derivation_secret": derivationSecret, "_ansible_verbosity": 4}))
	assert.Equal(t, true, res["failed"], raw)
	assert.Contains(t, res["msg"], "PostgreSQL")
	for _, s := range secrets {
		assert.NotContains(t, raw, s)
	}
}

func TestModuleForceDeleteRealPostgreSQL(t *testing.T) {
	store, dsn := fakeservertest.PostgresStore(t)
	f := newFake(t, store)
	_, res := execute(t, base(f, map[string]any{"key_alias": "virtkey-modpg"}))
	require.Equal(t, true, res["created"])

	f.faults(t, fakeserver.FaultRule{Action: fakeserver.ActionDeleteNoop})
	raw, res := execute(t, base(f, map[string]any{"key_alias": "virtkey-modpg", "state": "absent", "force_db_delete": true, "database_url": dsn}))
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, "database", res["deleted_via"])
	assert.NotEmpty(t, res["db_statements"])
	assert.NotContains(t, raw, dsn)
	for _, s := range []string{"60 s", "bypassing LiteLLM"} {
		assert.Contains(t, mustJSON(t, res["warnings"]), s)
	}
	tokens, err := store.TokensByAlias(context.Background(), []string{"virtkey-modpg"})
	require.NoError(t, err)
	assert.Empty(t, tokens)
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}

// specs puts each item's settings over the top-level ones (metadata merged,
// the item's entries winning); an empty top-level models list is kept.
func TestSpecsOverridesAndMerge(t *testing.T) {
	str := func(s string) *string { return &s }
	i64 := func(n int64) *int64 { return &n }
	models := func(m ...string) *[]string { out := append([]string{}, m...); return &out }
	yes := true
	tests := []struct {
		name string
		args map[string]any
		want []virtualkey.Spec
		err  string
	}{
		{
			name: "single key",
			args: map[string]any{"key_alias": "a", "key": "sk-a", "models": []string{"m1"}, "duration": "1d", "max_budget": 2,
				"user_id": "u", "team_id": "t", "metadata": map[string]any{"x": 1}, "tpm_limit": 3, "rpm_limit": 4,
				"max_parallel_requests": 5, "blocked": true, "budget_duration": "30d"},
			want: []virtualkey.Spec{{Alias: "a", Key: "sk-a", Models: models("m1"), Duration: str("1d"), KeySettings: litellm.KeySettings{MaxBudget: func() *float64 { f := 2.0; return &f }(),
				BudgetDuration: str("30d"), UserID: str("u"), TeamID: str("t"), Metadata: map[string]any{"x": json.Number("1")},
				TPMLimit: i64(3), RPMLimit: i64(4), MaxParallelRequests: i64(5), Blocked: &yes}}},
		},
		{
			name: "empty models list is all models",
			args: map[string]any{"key_alias": "a", "models": []string{}},
			want: []virtualkey.Spec{{Alias: "a", Models: models()}},
		},
		{
			name: "items override top level, metadata merged",
			args: map[string]any{"models": []string{"m1"}, "user_id": "top", "tpm_limit": 10, "metadata": map[string]any{"guid": "g", "k": "top"},
				"keys": []any{
					map[string]any{"alias": "a", "user_id": "ua", "models": []string{"m2"}, "metadata": map[string]any{"k": "item", "n": 1}, "key": "sk-a"},
					map[string]any{"key_alias": "b", "tpm_limit": 20, "blocked": true},
				}},
			want: []virtualkey.Spec{
				{Alias: "a", Key: "sk-a", Models: models("m2"), KeySettings: litellm.KeySettings{UserID: str("ua"), TPMLimit: i64(10),
					Metadata: map[string]any{"guid": "g", "k": "item", "n": json.Number("1")}}},
				{Alias: "b", Models: models("m1"), KeySettings: litellm.KeySettings{UserID: str("top"), TPMLimit: i64(20), Blocked: &yes,
					Metadata: map[string]any{"guid": "g", "k": "top"}}},
			},
		},
		{
			name: "item metadata without top level",
			args: map[string]any{"keys": []any{map[string]any{"alias": "a", "metadata": map[string]any{"n": "1"}}, map[string]any{"alias": "b"}}},
			want: []virtualkey.Spec{{Alias: "a", KeySettings: litellm.KeySettings{Metadata: map[string]any{"n": "1"}}}, {Alias: "b"}},
		},
		{
			name: "empty user_id of an item",
			args: map[string]any{"user_id": "u", "keys": []any{map[string]any{"alias": "a"}, map[string]any{"alias": "b", "user_id": ""}}},
			err:  "keys[1]: user_id must not be empty: omit it or give a value",
		},
		{
			name: "empty top-level team_id",
			args: map[string]any{"key_alias": "a", "team_id": ""},
			err:  "team_id must not be empty: omit it or give a value",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := map[string]any{"api_url": "http://127.0.0.1:1", "api_key": master}
			maps.Copy(args, tt.args)
			b, err := json.Marshal(args)
			require.NoError(t, err)
			var got []virtualkey.Spec
			var gotErr error
			out := ansible.Execute(context.Background(), Name, b, func(_ context.Context, m *ansible.Module, p *Params) (any, error) {
				got, gotErr = p.specs(m)
				return map[string]any{}, nil
			})
			require.NotContains(t, string(out), `"failed"`, string(out))
			if tt.err != "" {
				var ve *virtualkey.ValidationError
				require.ErrorAs(t, gotErr, &ve)
				assert.Equal(t, tt.err, ve.Msg)
				return
			}
			require.NoError(t, gotErr)
			assert.Equal(t, tt.want, got)
		})
	}
}

// TestModuleSoftBudget: soft_budget goes into /key/generate only; the proxy
// keeps it in a budget row linked by budget_id and echoes it, and the module
// reports the echo. An existing key is not changed (LiteLLM's key lists do
// not show the budget row).
func TestModuleSoftBudget(t *testing.T) {
	f := newFake(t, nil)
	raw, res := execute(t, base(f, map[string]any{"key_alias": "soft-1", "soft_budget": "2.5", "max_budget": 5}))
	require.Equal(t, true, res["created"], raw)
	assert.Equal(t, 2.5, res["soft_budget"], raw)
	k, err := f.store.Get(context.Background(), res["token"].(string))
	require.NoError(t, err)
	require.NotNil(t, k.BudgetID, "the key links a budget row")
	b, err := f.store.Budget(context.Background(), *k.BudgetID)
	require.NoError(t, err)
	assert.Equal(t, 2.5, *b.SoftBudget)

	raw, res = execute(t, base(f, map[string]any{"key_alias": "soft-1", "soft_budget": 9, "max_budget": 5}))
	assert.Equal(t, false, res["changed"], "soft_budget is create-only: %s", raw)
	assert.Nil(t, res["soft_budget"], "unknown for an existing key")

	// Bulk: per-key override on top of the top-level value.
	raw, res = execute(t, base(f, map[string]any{"soft_budget": 1, "keys": []any{
		map[string]any{"key_alias": "soft-2"}, map[string]any{"key_alias": "soft-3", "soft_budget": 3}}}))
	keys := res["keys"].([]any)
	require.Len(t, keys, 2, raw)
	assert.Equal(t, 1.0, keys[0].(map[string]any)["soft_budget"])
	assert.Equal(t, 3.0, keys[1].(map[string]any)["soft_budget"])

	// null (the role's unset variable) is not given.
	raw, res = execute(t, base(f, map[string]any{"key_alias": "soft-5", "soft_budget": nil}))
	require.Equal(t, true, res["created"], raw)
	assert.Nil(t, res["soft_budget"], raw)

	_, res = execute(t, base(f, map[string]any{"key_alias": "soft-4", "soft_budget": -1}))
	assert.Equal(t, "soft_budget must be a non-negative number, got -1", res["msg"])
	assert.Equal(t, "validation", res["error_kind"])
}
