package labkeys

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver/fakeservertest"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gopkg.in/yaml.v3"
)

const (
	master = "sk-labkeys-test-master-key-never-shown"
	prefix = "ocp4_workload_litellm_virtual_keys_"
)

// packagesJSON are the role's default packages, as JSON text so that their
// order reaches the module as a task would give it.
const packagesJSON = `{
  "ai-beginner": {"models": ["openai/granite-3-2-8b-instruct"], "duration": "7d", "description": "intro"},
  "ai-developer": {"models": ["openai/granite-3-2-8b-instruct", "openai/mistral-7b-instruct"], "duration": "30d"},
  "ai-researcher": {"models": ["openai/granite-3-2-8b-instruct", "openai/mistral-7b-instruct", "openai/llama-3-8b-instruct"], "duration": "90d"}
}`

var developerModels = []any{"openai/granite-3-2-8b-instruct", "openai/mistral-7b-instruct"}

func newFake(t *testing.T) *fakeservertest.Fake {
	t.Helper()
	return fakeservertest.Start(t, fakeserver.Config{MasterKey: master})
}

// execute runs the module as Ansible would and returns the raw output and
// its decoded form.
func execute(t *testing.T, args map[string]any) (string, map[string]any) {
	t.Helper()
	b, err := json.Marshal(args)
	require.NoError(t, err)
	d := Deps{ClientOptions: []litellm.Option{litellm.WithRetryDelay(time.Millisecond, 5*time.Millisecond)}}
	out := ansible.Execute(context.Background(), Name, b, RunWith(d))
	var res map[string]any
	require.NoError(t, json.Unmarshal(out, &res), string(out))
	return string(out), res
}

// lab is a provision of guid on url writing its user info into dir.
func lab(url, dir, guid string, extra map[string]any) map[string]any {
	args := map[string]any{
		"state": "present", "guid": guid, "litellm_url": url, "litellm_master_key": master,
		"retry_delay": 0, "packages": json.RawMessage(packagesJSON), "subscription_package": "ai-developer",
		"output_dir": dir, "action": "provision", "records": true,
	}
	for k, v := range extra {
		args[k] = v
	}
	return args
}

// with is args with extra set (a nil value deletes the key).
func with(args map[string]any, extra map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range args {
		out[k] = v
	}
	for k, v := range extra {
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
	}
	return out
}

func report(t *testing.T, res map[string]any) []string {
	t.Helper()
	l, ok := res["report"].([]any)
	require.True(t, ok, "report is a list: %v", res["report"])
	out := make([]string, len(l))
	for i, x := range l {
		out[i], _ = x.(string)
	}
	return out
}

func facts(t *testing.T, res map[string]any) map[string]any {
	t.Helper()
	f, ok := res["facts"].(map[string]any)
	require.True(t, ok, "facts: %v", res)
	return f
}

func record(t *testing.T, res map[string]any, i int) map[string]any {
	t.Helper()
	keys, ok := res["keys"].([]any)
	require.True(t, ok, "keys: %v", res["keys"])
	require.Greater(t, len(keys), i)
	return keys[i].(map[string]any)
}

// infoLines are the messages of {dir}/{action}-user-info.yaml.
func infoLines(t *testing.T, dir, action string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, action+"-user-info.yaml"))
	require.NoError(t, err)
	var lines []string
	require.NoError(t, yaml.Unmarshal(b, &lines), string(b))
	return lines
}

func userData(t *testing.T, dir, action string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, action+"-user-data.yaml"))
	require.NoError(t, err)
	var d map[string]any
	require.NoError(t, yaml.Unmarshal(b, &d), string(b))
	return d
}

// setSpend records spend on the key with this raw secret, as LiteLLM's
// /key/update accepts it.
func setSpend(t *testing.T, f *fakeservertest.Fake, key string, spend float64) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"key": key, "spend": spend})
	req, err := http.NewRequest(http.MethodPost, f.URL+"/key/update", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+master)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
}

// closedURL is the URL of a loopback port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	return "http://" + addr
}

func TestProvisionSingleUser(t *testing.T) {
	f := newFake(t)
	dir := t.TempDir()
	args := lab(f.URL+"/v1/", dir, "abc12", nil)

	raw, res := execute(t, args)
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, true, res["changed"])
	assert.Equal(t, "LiteLLM virtual keys of abc12: 1 created (virtkey-abc12)", res["msg"])
	assert.Equal(t, f.URL, res["endpoint"])
	assert.Equal(t, f.URL+"/v1", res["base_url"])
	assert.NotEqual(t, true, res["proxy_unreachable"])
	assert.NotContains(t, res, "error_kind")
	assert.NotContains(t, res, "flat_user_data", "single-user: no flat user data")
	assert.NotContains(t, res, "user_info_writes", "only in check mode")
	assert.EqualValues(t, 1, res["totals"].(map[string]any)["created"])

	fa := facts(t, res)
	key, _ := fa["litellm_virtual_key"].(string)
	require.True(t, strings.HasPrefix(key, "sk-"), raw)
	assert.Equal(t, "virtkey-abc12", fa["litellm_key_alias"])
	assert.Equal(t, litellm.HashKey(key), fa["litellm_key_id"])
	assert.Equal(t, f.URL, fa["litellm_api_endpoint"])
	assert.Equal(t, f.URL+"/v1", fa["litellm_api_base_url"])
	assert.Equal(t, developerModels, fa["litellm_available_models"])
	assert.Equal(t, "30d", fa["litellm_key_duration"])
	assert.Equal(t, "ai-developer", fa["litellm_subscription_package"])
	assert.IsType(t, "", fa["litellm_key_expires"], "a 30d key expires")

	r := record(t, res, 0)
	assert.Equal(t, "abc12@lab.opentlc.com", r["user_id"])
	md := r["metadata"].(map[string]any)
	for k, v := range map[string]any{"guid": "abc12", "subscription_package": "ai-developer", "duration": "30d",
		"models": "openai/granite-3-2-8b-instruct,openai/mistral-7b-instruct", "environment": "sandbox",
		"owner": "abc12@lab.opentlc.com", "catalog_item": "unknown"} {
		assert.Equal(t, v, md[k], "metadata %s", k)
	}

	messages := []string{
		"LiteLLM API Endpoint: " + f.URL + "/v1",
		"LiteLLM Virtual Key: " + key,
		"Available Models: openai/granite-3-2-8b-instruct, openai/mistral-7b-instruct",
		"Key Duration: 30d",
	}
	want := []string{res["msg"].(string)}
	for _, m := range messages {
		want = append(want, "user.info: "+m)
	}
	assert.Equal(t, want, report(t, res))
	assert.Equal(t, messages, infoLines(t, dir, "provision"))

	data := userData(t, dir, "provision")
	for k, v := range map[string]any{
		"litellm_virtual_key": key, "litellm_key_alias": "virtkey-abc12", "litellm_key_id": litellm.HashKey(key),
		"litellm_api_endpoint": f.URL, "litellm_api_base_url": f.URL + "/v1",
		"litellm_available_models":      developerModels,
		"litellm_available_models_list": "openai/granite-3-2-8b-instruct, openai/mistral-7b-instruct",
		"litellm_key_duration":          "30d", "litellm_subscription_package": "ai-developer",
		"litellm_key_expires": fa["litellm_key_expires"],
	} {
		assert.Equal(t, v, data[k], "provision-user-data.yaml %s", k)
	}
	assert.NotContains(t, data, "users", "single-user: no users entry")
	assert.NotContains(t, data, "litellm_docling_model")

	// Re-provision: unchanged, and the secret is the one saved in the data file.
	raw, res = execute(t, args)
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, false, res["changed"])
	assert.Equal(t, "LiteLLM virtual keys of abc12: 1 unchanged (virtkey-abc12)", res["msg"])
	assert.Equal(t, key, facts(t, res)["litellm_virtual_key"])
	assert.Equal(t, "known_key", record(t, res, 0)["secret_recovered_by"], "recovered from provision-user-data.yaml")
	assert.Contains(t, report(t, res), "user.info: LiteLLM Virtual Key: "+key)
	assert.Equal(t, key, userData(t, dir, "provision")["litellm_virtual_key"])
	assert.Len(t, infoLines(t, dir, "provision"), 2*len(messages), "messages are appended, as AgnosticD does")
}

func TestProvisionOptions(t *testing.T) {
	f := newFake(t)
	tests := []struct {
		name    string
		extra   map[string]any
		alias   string
		models  []any
		dur     string
		userID  string
		extraIn []string // extra report lines expected after the standard ones
		check   func(t *testing.T, res map[string]any, data map[string]any)
	}{
		{name: "package and docling", extra: map[string]any{"subscription_package": "ai-beginner", "include_docling": true},
			alias: "virtkey-opt1", models: []any{"openai/granite-3-2-8b-instruct", "Docling"}, dur: "7d", userID: "opt1@lab.opentlc.com",
			extraIn: []string{"user.info: Document Conversion Model (Docling): Docling"},
			check: func(t *testing.T, _ map[string]any, data map[string]any) {
				assert.Equal(t, "Docling", data["litellm_docling_model"])
			}},
		{name: "explicit models, duration, alias, user", extra: map[string]any{
			"guid": "opt2", "models": []string{" openai/mistral-7b-instruct ", "openai/mistral-7b-instruct", ""}, "duration": "2d",
			"alias_format": "lab-opt2", "user_id": []string{"", " owner@example.com ", "later@example.com"},
			"user_info_messages": []string{"Have fun"}},
			alias: "lab-opt2", models: []any{"openai/mistral-7b-instruct"}, dur: "2d", userID: "owner@example.com",
			extraIn: []string{"user.info: Have fun"}},
		{name: "custom package", extra: map[string]any{"guid": "opt3", "subscription_package": "custom",
			"custom_models": []string{"Docling"}, "custom_duration": "1h", "max_budget": "12.5"},
			alias: "virtkey-opt3", models: []any{"Docling"}, dur: "1h", userID: "opt3@lab.opentlc.com",
			check: func(t *testing.T, res map[string]any, _ map[string]any) {
				assert.EqualValues(t, 12.5, record(t, res, 0)["max_budget"])
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			raw, res := execute(t, lab(f.URL, dir, "opt1", tc.extra))
			require.Nil(t, res["failed"], raw)
			fa := facts(t, res)
			assert.Equal(t, tc.alias, fa["litellm_key_alias"])
			assert.Equal(t, tc.models, fa["litellm_available_models"])
			assert.Equal(t, tc.dur, fa["litellm_key_duration"])
			assert.Equal(t, tc.userID, record(t, res, 0)["user_id"])
			lines := report(t, res)
			require.Len(t, lines, 5+len(tc.extraIn), lines)
			assert.Equal(t, append([]string{}, tc.extraIn...), lines[5:])
			if tc.check != nil {
				tc.check(t, res, userData(t, dir, "provision"))
			}
		})
	}
}

func TestProvisionUserInfoSwitches(t *testing.T) {
	f := newFake(t)
	dir := t.TempDir()
	raw, res := execute(t, lab(f.URL, dir, "sw1", map[string]any{"enable_user_info_messages": false, "enable_user_info_data": false,
		"records": false}))
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, []string{"LiteLLM virtual keys of sw1: 1 created (virtkey-sw1)"}, report(t, res))
	assert.NotContains(t, res, "keys", "records: false")
	assert.NotEmpty(t, facts(t, res)["litellm_virtual_key"])
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "no user info written")

	raw, res = execute(t, lab(f.URL, dir, "sw2", map[string]any{"enable_user_info_messages": false}))
	require.Nil(t, res["failed"], raw)
	assert.NoFileExists(t, filepath.Join(dir, "provision-user-info.yaml"))
	assert.Equal(t, "virtkey-sw2", userData(t, dir, "provision")["litellm_key_alias"])
	assert.Len(t, report(t, res), 1, "no messages, no user.info lines")
}

func TestProvisionMultiUser(t *testing.T) {
	f := newFake(t)
	dir := t.TempDir()
	args := lab(f.URL, dir, "mu1", map[string]any{"multi_user": true, "user_count": 3})

	raw, res := execute(t, args)
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, true, res["changed"])
	assert.Equal(t, []string{"LiteLLM virtual keys of mu1: 3 created (virtkey-mu1-user1..user3)"}, report(t, res))
	assert.EqualValues(t, 3, res["totals"].(map[string]any)["created"])

	var flat map[string]any
	require.NoError(t, json.Unmarshal([]byte(res["flat_user_data"].(string)), &flat))
	assert.Len(t, flat, 12)
	keys := make([]string, 3)
	for i, u := range []string{"user1", "user2", "user3"} {
		r := record(t, res, i)
		keys[i], _ = r["key"].(string)
		require.True(t, strings.HasPrefix(keys[i], "sk-"), raw)
		assert.Equal(t, "virtkey-mu1-"+u, r["key_alias"])
		assert.Equal(t, u+"@lab.opentlc.com", r["user_id"])
		assert.Equal(t, u, r["metadata"].(map[string]any)["user"])
		assert.Equal(t, keys[i], flat["litellm_"+u+"_virtual_key"])
		assert.Equal(t, "virtkey-mu1-"+u, flat["litellm_"+u+"_key_alias"])
		assert.Equal(t, litellm.HashKey(keys[i]), flat["litellm_"+u+"_key_id"])
		assert.Equal(t, u+"@lab.opentlc.com", flat["litellm_"+u+"_user_email"])
	}
	assert.Equal(t, keys[0], facts(t, res)["litellm_virtual_key"], "the facts are user 1's")
	assert.Equal(t, "virtkey-mu1-user1", facts(t, res)["litellm_key_alias"])

	assert.Equal(t, []string{"LiteLLM API Endpoint: " + f.URL + "/v1", "Created 3 virtual keys",
		"Available Models: openai/granite-3-2-8b-instruct, openai/mistral-7b-instruct", "Key Duration: 30d"},
		infoLines(t, dir, "provision"))
	data := userData(t, dir, "provision")
	assert.EqualValues(t, 3, data["litellm_user_count"])
	assert.Equal(t, []any{keys[0], keys[1], keys[2]}, data["litellm_virtual_keys"])
	assert.Equal(t, []any{"virtkey-mu1-user1", "virtkey-mu1-user2", "virtkey-mu1-user3"}, data["litellm_key_aliases"])
	assert.Equal(t, []any{"user1@lab.opentlc.com", "user2@lab.opentlc.com", "user3@lab.opentlc.com"}, data["litellm_user_ids"])
	assert.Equal(t, keys[1], data["litellm_user2_virtual_key"], "the flat names are in the data too")
	users := data["users"].(map[string]any)
	require.Len(t, users, 3)
	for i, u := range []string{"user1", "user2", "user3"} {
		ud := users[u].(map[string]any)
		assert.Equal(t, keys[i], ud["litellm_virtual_key"], u)
		assert.Equal(t, "virtkey-mu1-"+u, ud["litellm_key_alias"], u)
		assert.Equal(t, litellm.HashKey(keys[i]), ud["litellm_key_id"], u)
		assert.Equal(t, u+"@lab.opentlc.com", ud["litellm_user_email"], u)
		assert.Equal(t, f.URL+"/v1", ud["litellm_api_base_url"], u)
		assert.Equal(t, developerModels, ud["litellm_available_models"], u)
	}

	// Re-provision: every secret comes back from users.userN.
	raw, res = execute(t, args)
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, false, res["changed"])
	assert.Equal(t, []string{"LiteLLM virtual keys of mu1: 3 unchanged (virtkey-mu1-user1..user3)"}, report(t, res))
	for i := range keys {
		assert.Equal(t, keys[i], record(t, res, i)["key"])
		assert.Equal(t, "known_key", record(t, res, i)["secret_recovered_by"])
	}
}

func TestMultiUserFromNumUsers(t *testing.T) {
	f := newFake(t)
	tests := []struct {
		name  string
		extra map[string]any
		want  string
	}{
		{"num_users above 1", map[string]any{"num_users": "2"}, "2 created (virtkey-nu-user1..user2)"},
		{"num_users 1", map[string]any{"num_users": 1}, "1 created (virtkey-nu)"},
		{"user_count wins", map[string]any{"num_users": 5, "user_count": 2, "user_base": "student"}, "2 created (virtkey-nu-student1..student2)"},
		{"multi_user false wins", map[string]any{"num_users": 5, "multi_user": false}, "1 unchanged (virtkey-nu)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, res := execute(t, lab(f.URL, t.TempDir(), "nu", tc.extra))
			require.Nil(t, res["failed"], raw)
			assert.Equal(t, "LiteLLM virtual keys of nu: "+tc.want, res["msg"])
		})
	}
}

func TestCheckMode(t *testing.T) {
	f := newFake(t)
	dir := t.TempDir()
	for _, multi := range []bool{false, true} {
		raw, res := execute(t, lab(f.URL, dir, "chk", map[string]any{"_ansible_check_mode": true, "multi_user": multi, "user_count": 2}))
		require.Nil(t, res["failed"], raw)
		assert.Equal(t, true, res["changed"])
		assert.Contains(t, res["msg"], "would be created", raw)
		writes, ok := res["user_info_writes"].([]any)
		require.True(t, ok, raw)
		assert.NotEmpty(t, writes)
		for _, w := range writes {
			assert.True(t, strings.HasPrefix(w.(map[string]any)["path"].(string), dir))
		}
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	assert.Empty(t, entries, "check mode writes nothing")
	tokens, err := f.Store.TokensByAlias(context.Background(), []string{"virtkey-chk", "virtkey-chk-user1", "virtkey-chk-user2"})
	require.NoError(t, err)
	assert.Empty(t, tokens, "check mode creates nothing")

	// Destroy in check mode: would be deleted, nothing written or deleted.
	_, res := execute(t, lab(f.URL, dir, "chk", nil))
	require.Nil(t, res["failed"])
	_, res = execute(t, lab(f.URL, dir, "chk", map[string]any{"state": "absent", "action": "destroy", "_ansible_check_mode": true}))
	require.Nil(t, res["failed"])
	assert.Equal(t, "LiteLLM virtual keys of chk: 1 would be deleted (virtkey-chk); spend 0.0 USD", res["msg"])
	assert.Equal(t, false, facts(t, res)["litellm_key_deleted"], "nothing deleted in check mode")
	assert.NoFileExists(t, filepath.Join(dir, "destroy-user-data.yaml"))
	tokens, err = f.Store.TokensByAlias(context.Background(), []string{"virtkey-chk"})
	require.NoError(t, err)
	assert.Len(t, tokens, 1, "the key is still there")
}

func TestDestroy(t *testing.T) {
	f := newFake(t)
	dir := t.TempDir()
	raw, res := execute(t, lab(f.URL, dir, "des1", nil))
	require.Nil(t, res["failed"], raw)
	setSpend(t, f, facts(t, res)["litellm_virtual_key"].(string), 1.23456)

	destroy := lab(f.URL, dir, "des1", map[string]any{"state": "absent", "action": "destroy"})
	raw, res = execute(t, destroy)
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, true, res["changed"])
	assert.Equal(t, "LiteLLM virtual keys of des1: 1 deleted (virtkey-des1); spend 1.2346 USD", res["msg"])
	assert.Equal(t, []string{res["msg"].(string)}, report(t, res))
	fa := facts(t, res)
	assert.Equal(t, true, fa["litellm_key_deleted"])
	assert.Equal(t, false, fa["litellm_key_was_missing"])
	assert.InDelta(t, 1.23456, fa["litellm_key_spend"], 1e-9)
	assert.Equal(t, "", fa["litellm_virtual_key"])
	assert.Equal(t, "virtkey-des1", fa["litellm_key_alias"])
	assert.Equal(t, f.URL, fa["litellm_api_endpoint"])
	assert.Equal(t, f.URL+"/v1", fa["litellm_api_base_url"])
	assert.Equal(t, developerModels, fa["litellm_available_models"], "the deleted key's models")
	assert.NotContains(t, fa, "litellm_key_spend_per_user")
	assert.InDelta(t, 1.23456, userData(t, dir, "destroy")["litellm_key_spend"], 1e-9)
	assert.NoFileExists(t, filepath.Join(dir, "destroy-user-info.yaml"), "destroy writes no messages")

	// Again: already gone, spend unknown.
	raw, res = execute(t, destroy)
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, false, res["changed"])
	assert.Equal(t, "LiteLLM virtual keys of des1: 1 already gone (virtkey-des1); spend unknown", res["msg"])
	fa = facts(t, res)
	assert.Equal(t, false, fa["litellm_key_deleted"])
	assert.Equal(t, true, fa["litellm_key_was_missing"])
	assert.Nil(t, fa["litellm_key_spend"])
	assert.Equal(t, []any{}, fa["litellm_available_models"])
	data := userData(t, dir, "destroy")
	assert.Contains(t, data, "litellm_key_spend")
	assert.Nil(t, data["litellm_key_spend"])
}

func TestDestroyMultiUser(t *testing.T) {
	f := newFake(t)
	dir := t.TempDir()
	raw, res := execute(t, lab(f.URL, dir, "dmu", map[string]any{"multi_user": true, "user_count": 3}))
	require.Nil(t, res["failed"], raw)
	setSpend(t, f, record(t, res, 0)["key"].(string), 2)
	setSpend(t, f, record(t, res, 2)["key"].(string), 0.5)
	// user2's key is gone before the destroy: its spend is unknown.
	_, res2 := execute(t, lab(f.URL, dir, "dmu", map[string]any{"state": "absent", "action": "destroy", "alias_format": "virtkey-dmu-user2",
		"multi_user": false, "enable_user_info_data": false}))
	require.Nil(t, res2["failed"])

	raw, res = execute(t, lab(f.URL, dir, "dmu", map[string]any{"state": "absent", "action": "destroy", "multi_user": true, "user_count": 3}))
	require.Nil(t, res["failed"], raw)
	assert.Equal(t, "LiteLLM virtual keys of dmu: 2 deleted (virtkey-dmu-user1, user3), 1 already gone (virtkey-dmu-user2); spend 2.5 USD",
		res["msg"])
	fa := facts(t, res)
	assert.Equal(t, true, fa["litellm_key_deleted"])
	assert.Equal(t, false, fa["litellm_key_was_missing"], "only some were missing")
	assert.InDelta(t, 2.5, fa["litellm_key_spend"], 1e-9)
	assert.Equal(t, map[string]any{"user1": 2.0, "user2": nil, "user3": 0.5}, fa["litellm_key_spend_per_user"])
	assert.Equal(t, "virtkey-dmu-user1", fa["litellm_key_alias"])
	data := userData(t, dir, "destroy")
	assert.EqualValues(t, 2.5, data["litellm_key_spend"])
	users := data["users"].(map[string]any)
	assert.EqualValues(t, 2, users["user1"].(map[string]any)["litellm_key_spend"])
	assert.Nil(t, users["user2"].(map[string]any)["litellm_key_spend"])
	assert.EqualValues(t, 0.5, users["user3"].(map[string]any)["litellm_key_spend"])
}

func TestDestroyUnreachable(t *testing.T) {
	url := closedURL(t)
	tests := []struct {
		name   string
		ignore bool
		prefix string
	}{
		{"ignored", true, ""},
		{"ignored, role", true, prefix},
		{"fails", false, ""},
		{"fails, role", false, prefix},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := lab(url, dir, "unr", map[string]any{"state": "absent", "action": "destroy", "retry_count": 0,
				"ignore_unreachable_on_destroy": tc.ignore, "multi_user": true, "user_count": 2})
			if tc.prefix != "" {
				args["variable_prefix"] = tc.prefix
			}
			raw, res := execute(t, args)
			assert.Equal(t, true, res["proxy_unreachable"], raw)
			assert.Equal(t, "unreachable", res["error_kind"])
			assert.Equal(t, false, res["changed"])
			msg, _ := res["msg"].(string)
			option := tc.prefix + "ignore_unreachable_on_destroy"
			if tc.ignore {
				require.Nil(t, res["failed"], raw)
				assert.True(t, strings.HasPrefix(msg, "WARNING: LiteLLM proxy "+url+" is unreachable: the key(s) virtkey-unr-user1..user2 were NOT deleted"), msg)
				assert.Contains(t, msg, "Going on because "+option+" is true")
				assert.Equal(t, []string{msg}, report(t, res))
				fa := facts(t, res)
				assert.Equal(t, false, fa["litellm_key_deleted"])
				assert.Nil(t, fa["litellm_key_spend"])
				assert.Equal(t, map[string]any{}, fa["litellm_key_spend_per_user"])
			} else {
				assert.Equal(t, true, res["failed"], raw)
				assert.Contains(t, msg, "LiteLLM proxy "+url+" is unreachable, so the key(s) virtkey-unr-user1..user2 were NOT deleted")
				assert.Contains(t, msg, "set "+option+": true")
				assert.NotContains(t, res, "facts")
			}
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "nothing recorded when the keys were not deleted")
		})
	}
}

func TestProvisionUnreachableFails(t *testing.T) {
	raw, res := execute(t, lab(closedURL(t), t.TempDir(), "unr", map[string]any{"retry_count": 0}))
	assert.Equal(t, true, res["failed"], raw)
	assert.Equal(t, true, res["proxy_unreachable"])
	assert.Equal(t, "unreachable", res["error_kind"])
	assert.NotContains(t, res, "facts")
}

func TestValidationMessage(t *testing.T) {
	t.Setenv("LITELLM_MASTER_KEY", "")
	t.Setenv("DATABASE_URL", "")
	f := newFake(t)
	ok := func(extra map[string]any) map[string]any { return lab(f.URL, t.TempDir(), "val", extra) }
	tests := []struct {
		name     string
		args     map[string]any
		is       string   // the whole message, when given
		prefix   string   // how it starts
		contains []string // what it names
	}{
		{name: "all missing, module names",
			args: with(ok(nil), map[string]any{"guid": nil, "litellm_url": nil, "litellm_master_key": nil}),
			is:   "litellm_lab_keys: missing required option(s): guid, litellm_url, litellm_master_key (or the LITELLM_MASTER_KEY environment variable)"},
		{name: "blank values are missing",
			args:   with(ok(nil), map[string]any{"guid": "  ", "litellm_url": " ", "litellm_master_key": ""}),
			prefix: "litellm_lab_keys: missing required option(s): guid, litellm_url, litellm_master_key"},
		{name: "role names",
			args: with(ok(nil), map[string]any{"guid": "", "variable_prefix": prefix, "api_timeout": 0}),
			is: "ocp4_workload_litellm_virtual_keys: missing required variable(s): guid; invalid: " +
				"ocp4_workload_litellm_virtual_keys_api_timeout must be a whole number of seconds of at least 1, got '0'"},
		{name: "every invalid number, role names",
			args: ok(map[string]any{"variable_prefix": prefix, "api_timeout": "soon", "retry_count": -1, "retry_delay": "x",
				"max_budget": -5, "multi_user": true, "user_count": "many"}),
			prefix: "ocp4_workload_litellm_virtual_keys: invalid: ",
			contains: []string{
				"ocp4_workload_litellm_virtual_keys_user_count (or num_users) must be a whole number of at least 1 in multi-user mode, got 'many'",
				"ocp4_workload_litellm_virtual_keys_api_timeout must be a whole number of seconds of at least 1, got 'soon'",
				"ocp4_workload_litellm_virtual_keys_retry_count must be a whole number of at least 0, got '-1'",
				"ocp4_workload_litellm_virtual_keys_retry_delay must be a number of seconds of at least 0, got 'x'",
				"ocp4_workload_litellm_virtual_keys_max_budget must be a number of at least 0 or null, got '-5'",
			}},
		{name: "no package and neither models nor duration",
			args: with(ok(nil), map[string]any{"subscription_package": nil, "packages": nil}),
			is: "litellm_lab_keys: invalid: no models: models is not set and no subscription_package is given; " +
				"no duration: duration is not set and no subscription_package is given"},
		{name: "unknown package, in the order given",
			args: ok(map[string]any{"subscription_package": "gold",
				"packages": json.RawMessage(`{"zeta": {"models": ["a"], "duration": "1d"}, "alpha": {"models": ["b"], "duration": "1d"}, "mid": {}}`)}),
			is: "litellm_lab_keys: invalid: subscription_package 'gold' is unknown; valid packages: zeta, alpha, mid, custom"},
		{name: "unknown package, role names",
			args: ok(map[string]any{"subscription_package": "gold", "variable_prefix": prefix}),
			is: "ocp4_workload_litellm_virtual_keys: invalid: ocp4_workload_litellm_virtual_keys_subscription_package 'gold' is unknown; " +
				"valid packages: ai-beginner, ai-developer, ai-researcher, custom"},
		{name: "custom without models",
			args: ok(map[string]any{"subscription_package": "custom", "variable_prefix": prefix}),
			is: "ocp4_workload_litellm_virtual_keys: invalid: no models: ocp4_workload_litellm_virtual_keys_custom_models " +
				"must list the models of the custom package"},
		{name: "package without models and duration",
			args: ok(map[string]any{"subscription_package": "mid", "packages": json.RawMessage(`{"mid": {"description": "nothing"}}`)}),
			is: "litellm_lab_keys: invalid: no models: package 'mid' has none and models is not set; " +
				"no duration: package 'mid' has none and duration is not set"},
		{name: "invalid guid",
			args: ok(map[string]any{"guid": "a..b"}),
			is: "litellm_lab_keys: invalid: guid 'a..b' is invalid: use letters, digits, '-', '_' and '.', " +
				"starting and ending with a letter or digit, without '..'"},
		{name: "force_db_delete without database_url",
			args: ok(map[string]any{"state": "absent", "force_db_delete": true, "variable_prefix": prefix}),
			is: "ocp4_workload_litellm_virtual_keys: invalid: ocp4_workload_litellm_virtual_keys_force_db_delete needs " +
				"ocp4_workload_litellm_virtual_keys_database_url (or the DATABASE_URL environment variable)"},
		{name: "destroy does not check the package",
			args: with(ok(map[string]any{"state": "absent", "subscription_package": "gold"}), map[string]any{"litellm_master_key": nil}),
			is:   "litellm_lab_keys: missing required option(s): litellm_master_key (or the LITELLM_MASTER_KEY environment variable)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, res := execute(t, tc.args)
			require.Equal(t, true, res["failed"], raw)
			msg, _ := res["msg"].(string)
			if tc.is != "" {
				assert.Equal(t, tc.is, msg)
			}
			assert.True(t, strings.HasPrefix(msg, tc.prefix), msg)
			for _, c := range tc.contains {
				assert.Contains(t, msg, c)
			}
			assert.Equal(t, "validation", res["error_kind"])
			assert.EqualValues(t, 0, res["api_requests"], "nothing sent")
			assert.Empty(t, res["report"])
			assert.NotContains(t, res, "facts")
			assert.NotContains(t, raw, master)
		})
	}
}

func TestMasterKeyFromEnvironment(t *testing.T) {
	t.Setenv("LITELLM_MASTER_KEY", master)
	f := newFake(t)
	raw, res := execute(t, with(lab(f.URL, t.TempDir(), "env1", nil), map[string]any{"litellm_master_key": nil}))
	require.Nil(t, res["failed"], raw)
	assert.NotContains(t, raw, master)
}

func TestSecretsNeverInOutput(t *testing.T) {
	const derivation = "labkeys-derivation-secret-never-shown"
	const dbURL = "postgresql://litellm:db-password-never-shown@127.0.0.1:1/litellm"
	f := newFake(t)
	dir := t.TempDir()
	secrets := []string{master, derivation, "db-password-never-shown", "url-password-never-shown"}
	// Each run must end as expected, so that the scan looks at what each path prints.
	runs := []struct {
		args map[string]any
		ok   bool
	}{
		{lab(f.URL, dir, "sec", map[string]any{"key_derivation_secret": derivation}), true},
		{lab(f.URL, dir, "sec", map[string]any{"key_derivation_secret": derivation, "_ansible_verbosity": 4}), true},
		{lab(f.URL, dir, "sec", map[string]any{"_ansible_check_mode": true, "multi_user": true, "user_count": 2}), true},
		{lab(f.URL, dir, "sec", map[string]any{"multi_user": true, "user_count": 2, "models": []string{"not-served"}}), false},
		{lab(f.URL, dir, "sec", map[string]any{"subscription_package": "gold", "_ansible_verbosity": 4}), false},
		{lab(f.URL, dir, "sec", map[string]any{"litellm_master_key": "sk-wrong-" + master}), false},
		{lab(f.URL, dir, "sec", map[string]any{"state": "absent", "action": "destroy", "database_url": dbURL}), true},
		{lab(closedURL(t), dir, "sec", map[string]any{"state": "absent", "action": "destroy", "retry_count": 0, "ignore_unreachable_on_destroy": false}), false},
		{lab(f.URL, dir, "sec", map[string]any{"state": "absent", "action": "destroy", "force_db_delete": true,
			"database_url": "postgresql://litellm:db-password-never-shown@127.0.0.1:notaport/litellm"}), false},
		{lab("http://admin:url-password-never-shown@127.0.0.1:1", dir, "sec", nil), false},
		{lab(f.URL+"/v1?x=", dir, "", nil), false},
	}
	for i, r := range runs {
		raw, res := execute(t, r.args)
		assert.Equal(t, !r.ok, res["failed"] == true, "run %d: %v", i, res["msg"])
		for _, s := range secrets {
			assert.NotContains(t, raw, s, "run %d: %v", i, res["msg"])
		}
	}
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		require.NoError(t, err)
		for _, s := range secrets {
			assert.NotContains(t, string(b), s, e.Name())
		}
	}
}

func TestDestroyRecordsHaveNoDiff(t *testing.T) {
	f := newFake(t)
	dir := t.TempDir()
	_, res := execute(t, lab(f.URL, dir, "dif", nil))
	require.Nil(t, res["failed"])
	raw, res := execute(t, lab(f.URL, dir, "dif", map[string]any{"state": "absent", "action": "destroy", "_ansible_diff": true}))
	require.Nil(t, res["failed"], raw)
	assert.NotContains(t, record(t, res, 0), "diff", "records are the same in provision and destroy")
}

// Without a package (a direct call, no package table), explicit models and duration are enough.
func TestProvisionWithoutPackage(t *testing.T) {
	f := newFake(t)
	args := with(lab(f.URL, t.TempDir(), "nopkg", nil), map[string]any{"subscription_package": nil, "packages": nil,
		"models": []string{"openai/granite-3-2-8b-instruct"}, "duration": "1d"})
	raw, res := execute(t, args)
	require.Nil(t, res["failed"], raw)
	facts := res["facts"].(map[string]any)
	assert.Equal(t, []any{"openai/granite-3-2-8b-instruct"}, facts["litellm_available_models"])
	assert.Equal(t, "1d", facts["litellm_key_duration"])
	assert.Equal(t, "", facts["litellm_subscription_package"])
}

// Without records, the records follow the verbosity: Ansible prints the result from -v on.
func TestRecordsFollowVerbosity(t *testing.T) {
	f := newFake(t)
	for verbosity, want := range map[int]bool{0: false, 1: true, 3: true} {
		args := with(lab(f.URL, t.TempDir(), fmt.Sprintf("rv%d", verbosity), nil), map[string]any{"records": nil, "_ansible_verbosity": verbosity})
		raw, res := execute(t, args)
		require.Nil(t, res["failed"], raw)
		_, has := res["keys"]
		assert.Equal(t, want, has, "verbosity %d", verbosity)
	}
}
