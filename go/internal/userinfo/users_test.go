package userinfo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestUsersOrder: the users of one call are written in the order of the args
// file (Go maps have none), and match the single calls in that order.
func TestUsersOrder(t *testing.T) {
	t.Parallel()
	bulk, single := t.TempDir(), t.TempDir()
	res := execModuleJSON(t, []byte(`{"output_dir": "`+bulk+`", "data_prefix": "p_",
		"users": {"zed": {"data": {"k": 1}}, "amy": {"msg": "hi"}, "mo": null, "bob": {"data": {"k": NaN}}}}`))
	require.NotContains(t, res, "failed", res)
	assert.Equal(t, json.Number("4"), res["user_count"])
	for _, args := range []string{
		`{"user": "zed", "data": {"k": 1}, "data_prefix": "p_"}`,
		`{"user": "amy", "msg": "hi", "data_prefix": "p_"}`,
		`{"user": "mo", "data_prefix": "p_"}`,
		`{"user": "bob", "data": {"k": NaN}, "data_prefix": "p_"}`,
	} {
		r := execModuleJSON(t, withOutputDir(t, args, single))
		require.NotContains(t, r, "failed", r)
	}
	got := readFile(t, filepath.Join(bulk, "provision-user-data.yaml"))
	assert.Equal(t, readFile(t, filepath.Join(single, "provision-user-data.yaml")), got)
	assert.Equal(t, "---\nusers:\n  zed:\n    p_k: 1\n  amy:\n    msg: \"hi\"\n  mo: {}\n  bob:\n    p_k: .nan\n", got)
	_, err := os.Stat(filepath.Join(bulk, "provision-user-info.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist, "no top-level msg, no info file")
}

// TestUsersErrors: bad users input fails in one line naming the parameter,
// before anything is written.
func TestUsersErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, args, want string }{
		{"with user", `{"user": "u", "users": {"v": {}}}`, "parameters are mutually exclusive: user|users"},
		{"not a mapping", `{"users": ["u"]}`, "users must be a mapping of user name to {msg, data, body}"},
		{"entry not a mapping", `{"users": {"u": "x"}}`, "users.u must be a mapping with msg, data and/or body"},
		{"unknown key", `{"users": {"u": {"mgs": "x"}}}`, `users.u: unsupported key "mgs" (valid keys: body, data, msg)`},
		{"msg and body", `{"msg": "top", "users": {"a": {}, "u": {"msg": "m", "body": "b"}}}`, "users.u: msg and body are mutually exclusive"},
		{"data not a dict", `{"users": {"u": {"data": "x"}}}`, "users.u: data must be a dictionary of name/value pairs"},
		{"bad msg", `{"users": {"u": {"msg": [{}]}}}`, "users.u.msg must be a string or a list of strings"},
		{"top-level msg and body", `{"msg": "m", "body": "b", "users": {"u": {}}}`, "msg and body are mutually exclusive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			res := execModuleJSON(t, withOutputDir(t, tt.args, dir))
			assert.Equal(t, true, res["failed"], res)
			assert.Equal(t, tt.want, res["msg"])
			assert.NotContains(t, res["msg"], "\n")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			assert.Empty(t, entries, "nothing written")
		})
	}
}

// TestUsersCheckMode: check mode reports the one write per file a users:
// call would make, and writes nothing.
func TestUsersCheckMode(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "out")
	res := execModuleJSON(t, withOutputDir(t, `{"_ansible_check_mode": true, "msg": ["a", "b"],
		"users": {"u1": {"msg": "m1"}, "u2": {"data": {"k": "v"}}}}`, dir))
	require.NotContains(t, res, "failed", res)
	ww := res["would_write"].([]any)
	require.Len(t, ww, 2)
	assert.Equal(t, "append", ww[0].(map[string]any)["op"])
	assert.Equal(t, "---\n- \"a\"\n- \"b\"\n", ww[0].(map[string]any)["content"])
	data := ww[1].(map[string]any)
	assert.Equal(t, "replace", data["op"])
	assert.True(t, strings.Contains(data["content"].(string), "u1:\n    msg: \"m1\"\n  u2:\n    k: \"v\"\n"), data["content"])
	_, err := os.Stat(dir)
	assert.ErrorIs(t, err, os.ErrNotExist)
}

// TestUsersDataFileFails: a data file that cannot be kept fails a users: call
// after the top-level messages are appended, and is left as it was.
func TestUsersDataFileFails(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "provision-user-data.yaml")
	require.NoError(t, os.WriteFile(p, []byte("---\na: 1\n---\nb: 2\n"), 0o600))
	res := execModuleJSON(t, withOutputDir(t, `{"msg": "m", "users": {"u": {"data": {"k": "v"}}}}`, dir))
	assert.Equal(t, true, res["failed"], res)
	assert.Contains(t, res["msg"], "more than one YAML document")
	assert.Equal(t, "---\na: 1\n---\nb: 2\n", readFile(t, p))
	assert.Equal(t, "---\n- \"m\"\n", readFile(t, filepath.Join(dir, "provision-user-info.yaml")))
}

// TestJSONText: data and users given as JSON text (`{{ x | to_json }}`, which
// Ansible passes on without parsing it back) write exactly what the same
// mappings write, users in the text's order; broken text fails, naming the
// parameter, before anything is written.
func TestJSONText(t *testing.T) {
	t.Parallel()
	text, mapping := t.TempDir(), t.TempDir()
	users := `{"user10": {"data": {"k": 10}}, "user2": {"data": {"k": 2, "f": 1.5}}, "user1": {"msg": "hi"}}`
	data := `{"lab": "x", "n": 3}`
	quoted := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	r := execModuleJSON(t, withOutputDir(t, `{"msg": "top", "data": `+quoted(data)+`, "users": `+quoted(users)+`}`, text))
	require.NotContains(t, r, "failed", r)
	assert.Equal(t, json.Number("3"), r["user_count"])
	assert.Equal(t, map[string]any{"lab": "x", "n": json.Number("3")}, r["data"], "the result echoes the mapping, not the text")
	r = execModuleJSON(t, withOutputDir(t, `{"msg": "top", "data": `+data+`, "users": `+users+`}`, mapping))
	require.NotContains(t, r, "failed", r)
	for _, f := range []string{"provision-user-data.yaml", "provision-user-info.yaml"} {
		assert.Equal(t, readFile(t, filepath.Join(mapping, f)), readFile(t, filepath.Join(text, f)), f)
	}
	got := readFile(t, filepath.Join(text, "provision-user-data.yaml"))
	assert.Less(t, strings.Index(got, "user10:"), strings.Index(got, "user2:"), got)
	assert.Less(t, strings.Index(got, "user2:"), strings.Index(got, "user1:"), got)

	for _, tt := range []struct{ name, args, want string }{
		{"broken data", `{"data": "{\"a\": "}`, "data: unable to parse the value as a JSON dictionary"},
		{"trailing text", `{"data": "{\"a\": 1} x"}`, "data: unable to parse the value as a JSON dictionary"},
		{"broken users", `{"users": "{\"u\": {]"}`, "users: unable to parse the value as a JSON dictionary"},
		{"users text of a list", `{"users": "[1]"}`, "users must be a mapping of user name to {msg, data, body}"},
		{"data text that is not JSON", `{"data": "a=1"}`, "data must be a dictionary of name/value pairs"},
	} {
		dir := t.TempDir()
		res := execModuleJSON(t, withOutputDir(t, tt.args, dir))
		assert.Equal(t, true, res["failed"], tt.name)
		assert.Equal(t, tt.want, res["msg"], tt.name)
		entries, _ := os.ReadDir(dir)
		assert.Empty(t, entries, "%s: nothing written", tt.name)
	}
}

// TestInvocationAbbreviated: a large lab's users and data are not echoed in
// invocation; a small one's are.
func TestInvocationAbbreviated(t *testing.T) {
	t.Parallel()
	users := map[string]any{}
	data := map[string]any{}
	for i := 1; i <= 101; i++ {
		users["user"+strconv.Itoa(i)] = map[string]any{"data": map[string]any{"k": i}}
		data["litellm_user"+strconv.Itoa(i)+"_key"] = i
	}
	r := execModule(t, map[string]any{"output_dir": t.TempDir(), "users": users, "data": data})
	require.NotContains(t, r, "failed", r)
	inv := r["invocation"].(map[string]any)["module_args"].(map[string]any)
	assert.Equal(t, "101 users, not echoed (more than 20)", inv["users"])
	assert.Equal(t, "101 entries, not echoed (more than 100)", inv["data"])

	r = execModule(t, map[string]any{"output_dir": t.TempDir(), "users": map[string]any{"u": map[string]any{}}, "data": map[string]any{"a": 1}})
	inv = r["invocation"].(map[string]any)["module_args"].(map[string]any)
	assert.Equal(t, map[string]any{"u": map[string]any{}}, inv["users"])
	assert.Equal(t, map[string]any{"a": json.Number("1")}, inv["data"])
}

// TestDefaultAction: run directly without action, default_action names the
// files; an action given wins.
func TestDefaultAction(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	r := execModule(t, map[string]any{"output_dir": dir, "msg": "m", "default_action": "destroy"})
	require.NotContains(t, r, "failed", r)
	assert.FileExists(t, filepath.Join(dir, "destroy-user-info.yaml"))
	r = execModule(t, map[string]any{"output_dir": dir, "msg": "m", "action": "stop", "default_action": "destroy"})
	require.NotContains(t, r, "failed", r)
	assert.FileExists(t, filepath.Join(dir, "stop-user-info.yaml"))
	_, err := os.Stat(filepath.Join(dir, "provision-user-info.yaml"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}
