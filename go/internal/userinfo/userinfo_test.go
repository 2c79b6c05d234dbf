package userinfo

import (
	"context"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// call is one module invocation of a scenario, as task arguments.
type call map[string]any

// TestRules checks every rule of the spec: files after a sequence of calls,
// as PyYAML loads them.
func TestRules(t *testing.T) {
	tests := []struct {
		name  string
		calls []call
		// want maps a file name to the JSON of what safe_load must return.
		want map[string]string
	}{
		{
			name:  "msg appends lines to the info file",
			calls: []call{{"msg": "one"}, {"msg": "two"}},
			want:  map[string]string{"provision-user-info.yaml": `["one","two"]`},
		},
		{
			name:  "list msg gives one line per item",
			calls: []call{{"msg": []any{"a", "b"}}, {"msg": "c"}},
			want:  map[string]string{"provision-user-info.yaml": `["a","b","c"]`},
		},
		{
			name:  "empty msg gives an empty line",
			calls: []call{{"msg": ""}, {"msg": "x"}},
			want:  map[string]string{"provision-user-info.yaml": `["","x"]`},
		},
		{
			name:  "empty list msg creates an empty info file",
			calls: []call{{"msg": []any{}}},
			want:  map[string]string{"provision-user-info.yaml": `null`},
		},
		{
			name:  "body appends to the body file",
			calls: []call{{"body": "b1"}, {"body": []any{"b2", "b3"}}},
			want:  map[string]string{"provision-user-body.yaml": `["b1","b2","b3"]`},
		},
		{
			name:  "numbers and booleans in msg become text",
			calls: []call{{"msg": []any{json.Number("42"), true}}},
			want:  map[string]string{"provision-user-info.yaml": `["42","True"]`},
		},
		{
			name: "data merges shallowly, last write wins, nested dicts replaced",
			calls: []call{
				{"data": map[string]any{"a": json.Number("1"), "n": map[string]any{"x": json.Number("1"), "y": json.Number("2")}}},
				{"data": map[string]any{"b": "two", "n": map[string]any{"z": json.Number("3")}}},
				{"data": map[string]any{"a": "one"}},
			},
			want: map[string]string{"provision-user-data.yaml": `{"a":"one","b":"two","n":{"z":3}}`},
		},
		{
			name:  "data_prefix is prepended to every key",
			calls: []call{{"data": map[string]any{"key": "k", "url": "u"}, "data_prefix": "litellm_"}},
			want:  map[string]string{"provision-user-data.yaml": `{"litellm_key":"k","litellm_url":"u"}`},
		},
		{
			name: "per-user data, msg and body",
			calls: []call{
				{"user": "alice", "data": map[string]any{"key": "k1"}, "msg": "m1"},
				{"user": "alice", "msg": []any{"m2", "m3"}, "data": map[string]any{"url": "u"}},
				{"user": "alice", "body": "b1"},
				{"user": "alice", "body": "b2"},
				{"user": "bob", "data": map[string]any{"key": "k2"}, "data_prefix": "p_"},
				{"user": "alice", "data": map[string]any{"key": "k3"}},
			},
			want: map[string]string{"provision-user-data.yaml": `{"users":{
				"alice":{"key":"k3","msg":"m1\nm2\nm3","url":"u","body":"b1\nb2"},
				"bob":{"p_key":"k2"}}}`},
		},
		{
			name:  "user alone creates an empty entry",
			calls: []call{{"user": "carol"}},
			want:  map[string]string{"provision-user-data.yaml": `{"users":{"carol":{}}}`},
		},
		{
			name:  "per-user empty msg is not appended and not written to the info file",
			calls: []call{{"user": "dave", "msg": "hi"}, {"user": "dave", "msg": ""}},
			want:  map[string]string{"provision-user-data.yaml": `{"users":{"dave":{"msg":"hi"}}}`},
		},
		{
			name:  "top-level data and users live side by side",
			calls: []call{{"data": map[string]any{"a": "1"}}, {"user": "u1", "data": map[string]any{"b": "2"}}},
			want:  map[string]string{"provision-user-data.yaml": `{"a":"1","users":{"u1":{"b":"2"}}}`},
		},
		{
			name:  "action selects the files",
			calls: []call{{"msg": "bye", "action": "destroy"}, {"data": map[string]any{"k": "v"}, "action": "destroy"}},
			want: map[string]string{
				"destroy-user-info.yaml": `["bye"]`,
				"destroy-user-data.yaml": `{"k":"v"}`,
			},
		},
		{
			name:  "falsy data that is not a dict is ignored",
			calls: []call{{"data": "", "msg": "m"}, {"data": []any{}}, {"data": json.Number("0")}},
			want:  map[string]string{"provision-user-info.yaml": `["m"]`},
		},
		{
			name: "mutually exclusive msg and body write nothing",
			calls: []call{
				{"msg": "m", "body": "b", "data": map[string]any{"a": "b"}},
				{"user": "u", "msg": "m", "body": "b"},
			},
			want: map[string]string{},
		},
		{
			name:  "data that is not a dict writes nothing",
			calls: []call{{"data": "x", "msg": "m"}, {"data": []any{"a"}, "user": "u"}},
			want:  map[string]string{},
		},
		{
			name:  "falsy msg with truthy body is allowed",
			calls: []call{{"msg": "", "body": "b"}},
			want: map[string]string{
				"provision-user-info.yaml": `[""]`,
				"provision-user-body.yaml": `["b"]`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			for _, c := range tt.calls {
				args := map[string]any{"output_dir": dir}
				for k, v := range c {
					args[k] = v
				}
				execModule(t, args)
			}
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			var names, paths []string
			for _, e := range entries {
				if filepath.Ext(e.Name()) == ".yaml" {
					names = append(names, e.Name())
					paths = append(paths, filepath.Join(dir, e.Name()))
				}
			}
			wantNames := slices.Sorted(maps.Keys(tt.want))
			require.ElementsMatch(t, wantNames, names)
			if len(paths) == 0 {
				return
			}
			got := pyLoad(t, paths...)
			for i, name := range names {
				assert.Equal(t, jsonValue(t, tt.want[name]), got[i], name)
			}
		})
	}
}

// TestResult checks the result fields and error texts.
func TestResult(t *testing.T) {
	tests := []struct {
		name string
		args call
		want string
	}{
		{"msg", call{"msg": "hi"}, `{"changed":false,"msg":"user.info: hi"}`},
		{"empty msg", call{"msg": ""}, `{"changed":false,"msg":"user.info: "}`},
		{"list msg", call{"msg": []any{"a", "b"}}, `{"changed":false,"msg":["user.info: a","user.info: b"]}`},
		{"body", call{"body": "b"}, `{"changed":false,"msg":"user.body: b"}`},
		{"data", call{"data": map[string]any{"k": "v"}, "data_prefix": "p_"}, `{"changed":false,"data":{"k":"v"}}`},
		{"user", call{"user": "u", "msg": []any{"a"}, "data": map[string]any{"k": "v"}},
			`{"changed":false,"user":"u","msg":["a"],"data":{"k":"v"}}`},
		{"user body", call{"user": "u", "body": "b"}, `{"changed":false,"user":"u","body":"b"}`},
		{"integer user", call{"user": json.Number("3"), "msg": "m"}, `{"changed":false,"user":3,"msg":"m"}`},
		{"falsy user is no user", call{"user": "", "msg": "m"}, `{"changed":false,"msg":"user.info: m"}`},
		{"body wins", call{"msg": "m", "body": ""}, `{"changed":false,"msg":"user.body: "}`},
		{"falsy data not echoed", call{"data": "", "msg": "m"}, `{"changed":false,"msg":"user.info: m"}`},
		{"users", call{"msg": "m", "users": map[string]any{"a": nil, "b": map[string]any{"data": map[string]any{"k": "v"}}}},
			`{"changed":false,"msg":"user.info: m","user_count":2}`},
		{"bad user", call{"user": []any{"x"}}, `{"changed":false,"failed":true,"error":"user must be a string, a number or a boolean","msg":"user must be a string, a number or a boolean"}`},
		{"mutually exclusive", call{"msg": "m", "body": "b"},
			`{"changed":false,"failed":true,"error":"msg and body are mutually exclusive","msg":"msg and body are mutually exclusive"}`},
		{"data not a dict", call{"data": "x"},
			`{"changed":false,"failed":true,"error":"data must be a dictionary of name/value pairs","msg":"data must be a dictionary of name/value pairs"}`},
		{"msg of dicts", call{"msg": []any{map[string]any{}}},
			`{"changed":false,"failed":true,"error":"msg must be a string or a list of strings","msg":"msg must be a string or a list of strings"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			args := call{"output_dir": t.TempDir()}
			for k, v := range tt.args {
				args[k] = v
			}
			res := execModule(t, args)
			delete(res, "invocation")
			assert.Equal(t, jsonValue(t, tt.want), any(res))
		})
	}
}

func TestUnknownOptionFails(t *testing.T) {
	res := execModule(t, call{"msg": "m", "bogus": 1, "output_dir": t.TempDir()})
	assert.Equal(t, true, res["failed"])
	assert.Contains(t, res["msg"], "Unsupported parameters for (agnosticd_user_info) module: bogus.")
}

func TestValidateTypedErrors(t *testing.T) {
	r := Request{Msg: &Text{Lines: []string{"m"}}, Body: &Text{Lines: []string{"b"}}}
	assert.ErrorIs(t, r.Validate(), ErrMutuallyExclusive)
	r = Request{Data: []any{"x"}}
	assert.ErrorIs(t, r.Validate(), ErrDataNotDict)
	r = Request{Data: map[string]any{}}
	assert.NoError(t, r.Validate())
}

// TestExistingStateErrors: a data file whose users entry is not a mapping is
// reported, not overwritten.
func TestExistingStateErrors(t *testing.T) {
	tests := []struct {
		name, file string
		req        Request
		want       error
	}{
		{"users not a mapping", "---\nusers: [1]\n", Request{User: "u"}, ErrNotDict},
		{"user not a mapping", "---\nusers: {u: x}\n", Request{User: "u"}, ErrNotDict},
		{"user msg not a string", "---\nusers: {u: {msg: 5}}\n", Request{User: "u", Msg: &Text{Lines: []string{"m"}}}, ErrNotString},
		{"file not a mapping", "---\n- a\n", Request{Data: map[string]any{"a": "b"}}, ErrNotMapping},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			p := filepath.Join(dir, "provision-user-data.yaml")
			require.NoError(t, os.WriteFile(p, []byte(tt.file), 0o640))
			tt.req.OutputDir = dir
			_, err := Apply(context.Background(), tt.req, Options{})
			require.Error(t, err)
			assert.True(t, errors.Is(err, tt.want), err.Error())
			assert.Equal(t, tt.file, readFile(t, p), "file untouched")
		})
	}
}

// TestCheckMode: nothing is written (not even the directory), and the would-be
// writes are reported.
func TestCheckMode(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out")
	res := execModule(t, call{"output_dir": dir, "msg": "m", "data": map[string]any{"k": "v"}, "_ansible_check_mode": true, "_ansible_diff": true})
	_, err := os.Stat(dir)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.Equal(t, false, res["changed"])
	ww, ok := res["would_write"].([]any)
	require.True(t, ok, "would_write: %v", res)
	require.Len(t, ww, 2)
	assert.Equal(t, map[string]any{"path": filepath.Join(dir, "provision-user-info.yaml"), "op": "append", "content": "---\n- \"m\"\n"}, ww[0])
	assert.Equal(t, map[string]any{"path": filepath.Join(dir, "provision-user-data.yaml"), "op": "replace", "content": "---\nk: \"v\"\n"}, ww[1])
	diff, ok := res["diff"].([]any)
	require.True(t, ok)
	require.Len(t, diff, 2)
	assert.Equal(t, "", diff[1].(map[string]any)["before"])
	assert.Equal(t, "---\nk: \"v\"\n", diff[1].(map[string]any)["after"])

	// With existing files: still untouched.
	dir = t.TempDir()
	execModule(t, call{"output_dir": dir, "msg": "m0", "user": "u", "data": map[string]any{"a": "b"}})
	execModule(t, call{"output_dir": dir, "msg": "m0"})
	before := map[string]string{}
	for _, n := range []string{"provision-user-data.yaml", "provision-user-info.yaml"} {
		before[n] = readFile(t, filepath.Join(dir, n))
	}
	res = execModule(t, call{"output_dir": dir, "msg": "m1", "user": "u", "_ansible_check_mode": true})
	require.NotContains(t, res, "failed")
	execModule(t, call{"output_dir": dir, "msg": "m1", "_ansible_check_mode": true})
	for n, want := range before {
		assert.Equal(t, want, readFile(t, filepath.Join(dir, n)), n)
	}
	_, hasDiff := res["diff"]
	assert.False(t, hasDiff, "diff only in diff mode")
}

// TestModes: new files are 0600 (they hold keys), a replaced data file keeps
// its mode, and no lock or temporary file is left behind.
func TestModes(t *testing.T) {
	dir := t.TempDir()
	_, err := Apply(context.Background(), Request{OutputDir: dir, Msg: &Text{Lines: []string{"m"}}, Data: map[string]any{"k": "v"}}, Options{})
	require.NoError(t, err)
	for _, n := range []string{"provision-user-data.yaml", "provision-user-info.yaml"} {
		st, err := os.Stat(filepath.Join(dir, n))
		require.NoError(t, err)
		assert.Equal(t, os.FileMode(0o600), st.Mode().Perm(), n)
	}
	data := filepath.Join(dir, "provision-user-data.yaml")
	require.NoError(t, os.Chmod(data, 0o644))
	st0, err := os.Stat(data)
	require.NoError(t, err)
	_, err = Apply(context.Background(), Request{OutputDir: dir, Data: map[string]any{"k2": "v2"}}, Options{})
	require.NoError(t, err)
	st1, err := os.Stat(data)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o644), st1.Mode().Perm())
	assert.False(t, os.SameFile(st0, st1), "replaced by rename, not rewritten in place")
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, []string{"provision-user-data.yaml", "provision-user-info.yaml"}, names, "no lock or temporary file left")
}

// TestSymlinkedDataFile: a symlinked data file is updated through the link.
func TestSymlinkedDataFile(t *testing.T) {
	dir, other := t.TempDir(), t.TempDir()
	target := filepath.Join(other, "real.yaml")
	require.NoError(t, os.WriteFile(target, []byte("---\na: b\n"), 0o600))
	link := filepath.Join(dir, "provision-user-data.yaml")
	require.NoError(t, os.Symlink(target, link))
	_, err := Apply(context.Background(), Request{OutputDir: dir, Data: map[string]any{"c": "d"}}, Options{})
	require.NoError(t, err)
	fi, err := os.Lstat(link)
	require.NoError(t, err)
	assert.Equal(t, os.ModeSymlink, fi.Mode()&os.ModeSymlink)
	assert.Equal(t, "---\na: \"b\"\nc: \"d\"\n", readFile(t, target))
}

// TestPrecreatedFiles: files AgnosticD pre-creates with `---` (with or without
// a final newline) stay valid YAML lists and mappings.
func TestPrecreatedFiles(t *testing.T) {
	for _, header := range []string{"---", "---\n", ""} {
		t.Run(header, func(t *testing.T) {
			dir := t.TempDir()
			for _, k := range []string{"info", "body", "data"} {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "provision-user-"+k+".yaml"), []byte(header), 0o644))
			}
			execModule(t, call{"output_dir": dir, "msg": "m"})
			execModule(t, call{"output_dir": dir, "body": "b"})
			execModule(t, call{"output_dir": dir, "data": map[string]any{"k": "v"}})
			got := pyLoad(t, filepath.Join(dir, "provision-user-info.yaml"), filepath.Join(dir, "provision-user-body.yaml"), filepath.Join(dir, "provision-user-data.yaml"))
			assert.Equal(t, []any{[]any{"m"}, []any{"b"}, map[string]any{"k": "v"}}, got)
		})
	}
}

// TestDefaultDirAndAction: without output_dir and action the module writes
// provision-* files in its working directory.
func TestDefaultDirAndAction(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	execModule(t, call{"msg": "m"})
	assert.Equal(t, "---\n- \"m\"\n", readFile(t, filepath.Join(dir, "provision-user-info.yaml")))
}
