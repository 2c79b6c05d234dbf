package keyinfo

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver/fakeservertest"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const master = "sk-info-test-master-key"

// now is the fixed clock of the tests.
var now = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

type fake struct {
	store fakeserver.Store
	url   string
	log   *fakeservertest.RequestLog
}

func newFake(t testing.TB) *fake {
	t.Helper()
	store := fakeserver.NewMemoryStore()
	log := &fakeservertest.RequestLog{}
	f := fakeservertest.Start(t, fakeserver.Config{MasterKey: master, Store: store, RequestLog: log})
	return &fake{store: store, url: f.URL, log: log}
}

// row is a key to insert: alias, expiry relative to now (nil = never),
// metadata guid ("" = none), spend, blocked.
type row struct {
	alias   string
	expires *time.Duration
	guid    string
	spend   float64
	blocked bool
	meta    map[string]any
}

func ago(d time.Duration) *time.Duration { d = -d; return &d }
func in(d time.Duration) *time.Duration  { return &d }

const day = 24 * time.Hour

func (f *fake) insert(t testing.TB, rows ...row) {
	t.Helper()
	for i, r := range rows {
		alias := r.alias
		k := &fakeserver.Key{Token: fakeserver.HashToken(fmt.Sprintf("sk-%s-%d-%d", alias, i, time.Now().UnixNano())), KeyAlias: &alias,
			Spend: r.spend, Metadata: map[string]any{}, CreatedAt: now.Add(-30 * day).Add(time.Duration(i) * time.Second), UpdatedAt: now}
		for mk, mv := range r.meta {
			k.Metadata[mk] = mv
		}
		if r.guid != "" {
			k.Metadata["guid"] = r.guid
		}
		if r.expires != nil {
			e := now.Add(*r.expires)
			k.Expires = &e
		}
		if r.blocked {
			k.Blocked = &r.blocked
		}
		_, err := f.store.Insert(context.Background(), k, fakeserver.InsertOptions{AllowDuplicateAlias: true})
		require.NoError(t, err)
	}
}

func execute(t testing.TB, args map[string]any) (string, map[string]any) {
	t.Helper()
	b, err := json.Marshal(args)
	require.NoError(t, err)
	d := Deps{Now: func() time.Time { return now }, ClientOptions: []litellm.Option{litellm.WithRetryDelay(time.Millisecond, 5*time.Millisecond)}}
	out := ansible.Execute(context.Background(), Name, b, d.Run)
	var res map[string]any
	require.NoError(t, json.Unmarshal(out, &res), string(out))
	return string(out), res
}

func (f *fake) args(extra map[string]any) map[string]any {
	args := map[string]any{"api_url": f.url + "/v1", "api_key": master, "retry_delay": 0}
	for k, v := range extra {
		args[k] = v
	}
	return args
}

func aliases(res map[string]any) []string {
	var out []string
	for _, k := range res["keys"].([]any) {
		out = append(out, k.(map[string]any)["key_alias"].(string))
	}
	sort.Strings(out)
	return out
}

func fixture(t *testing.T) *fake {
	f := newFake(t)
	f.insert(t,
		row{alias: "virtkey-act1", expires: in(20 * day), guid: "act1", spend: 1.5},
		row{alias: "virtkey-old1", expires: ago(10 * day), guid: "old1", spend: 0.25},
		row{alias: "virtkey-new1", expires: ago(day), guid: "new1"},
		row{alias: "virtkey-multi1-user1", expires: ago(8 * day)},
		row{alias: "virtkey-multi1-user2", expires: ago(8 * day)},
		row{alias: "virtkey-blk1", guid: "blk1", blocked: true},
		row{alias: "virtkey-meta1", guid: "other9", expires: ago(30 * day)},
		row{alias: "other-app-key", expires: ago(40 * day)},
		row{alias: "virtkey-", expires: ago(40 * day)},
		row{alias: "virtkey-sec1", guid: "sec1", meta: map[string]any{"api_key": "sk-abcdefghijklmnopqrstuv", "note": "sk-abcdefghijklmnopqrstuv", "nested": map[string]any{"password": "hunter2"}, "owner": "ops"}},
	)
	return f
}

func TestSelection(t *testing.T) {
	f := fixture(t)
	all := []string{"other-app-key", "virtkey-", "virtkey-act1", "virtkey-blk1", "virtkey-meta1", "virtkey-multi1-user1", "virtkey-multi1-user2", "virtkey-new1", "virtkey-old1", "virtkey-sec1"}
	tests := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"exact alias", map[string]any{"key_alias": "virtkey-old1"}, []string{"virtkey-old1"}},
		{"alias missing", map[string]any{"key_alias": "virtkey-nope"}, nil},
		{"prefix", map[string]any{"alias_prefix": "virtkey-multi1-"}, []string{"virtkey-multi1-user1", "virtkey-multi1-user2"}},
		{"prefix virtkey-", map[string]any{"alias_prefix": "virtkey-"}, all[1:]},
		{"guid from metadata", map[string]any{"guid": "old1"}, []string{"virtkey-old1"}},
		{"guid from the alias", map[string]any{"guid": []string{"multi1", "act1"}}, []string{"virtkey-act1", "virtkey-multi1-user1", "virtkey-multi1-user2"}},
		{"guid by alias part when metadata differs", map[string]any{"guid": "meta1"}, []string{"virtkey-meta1"}},
		{"expired", map[string]any{"expired": true, "alias_prefix": "virtkey-"}, []string{"virtkey-", "virtkey-meta1", "virtkey-multi1-user1", "virtkey-multi1-user2", "virtkey-new1", "virtkey-old1"}},
		{"not expired", map[string]any{"expired": false, "managed_only": true}, []string{"virtkey-act1", "virtkey-blk1", "virtkey-sec1"}},
		{"expired_for 7d", map[string]any{"expired_for": "7d", "managed_only": true}, []string{"virtkey-meta1", "virtkey-multi1-user1", "virtkey-multi1-user2", "virtkey-old1"}},
		{"expired_for 2w", map[string]any{"expired_for": "2w"}, []string{"other-app-key", "virtkey-", "virtkey-meta1"}},
		{"expired_for 36h", map[string]any{"expired_for": "36h", "alias_prefix": "virtkey-old"}, []string{"virtkey-old1"}},
		{"blocked", map[string]any{"blocked": true}, []string{"virtkey-blk1"}},
		{"managed only", map[string]any{"managed_only": true, "alias_prefix": "virtkey-"}, all[2:]},
		{"exclude guids by metadata or alias", map[string]any{"alias_prefix": "virtkey-", "managed_only": true, "exclude_guids": []string{"act1", "multi1", "meta1", "sec1"}}, []string{"virtkey-blk1", "virtkey-new1", "virtkey-old1"}},
		{"criteria combine", map[string]any{"alias_prefix": "virtkey-", "expired_for": "7d", "exclude_guids": []string{"old1"}, "managed_only": true}, []string{"virtkey-meta1", "virtkey-multi1-user1", "virtkey-multi1-user2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, res := execute(t, f.args(tt.args))
			require.Nil(t, res["failed"], raw)
			assert.Equal(t, false, res["changed"])
			assert.Equal(t, tt.want, aliases(res))
			totals := res["totals"].(map[string]any)
			assert.EqualValues(t, len(tt.want), totals["count"])
			scanned := 11 // ten keys and the master key's row
			if _, ok := tt.args["key_alias"]; ok {
				scanned = len(tt.want) // the proxy filters by alias
			}
			assert.EqualValues(t, scanned, totals["scanned"])
			assert.EqualValues(t, 1, res["api_requests"], "one page")
			assert.Equal(t, []string{"GET /key/list"}, f.log.Take())
		})
	}
}

func TestRecord(t *testing.T) {
	f := fixture(t)
	raw, res := execute(t, f.args(map[string]any{"alias_prefix": "virtkey-", "managed_only": true}))
	require.Nil(t, res["failed"], raw)
	by := map[string]map[string]any{}
	for _, k := range res["keys"].([]any) {
		by[k.(map[string]any)["key_alias"].(string)] = k.(map[string]any)
	}
	old := by["virtkey-old1"]
	for _, field := range []string{"key_alias", "token", "key_name", "user_id", "team_id", "models", "spend", "max_budget", "expires", "created_at", "blocked", "expired", "guid", "managed", "metadata"} {
		assert.Contains(t, old, field)
	}
	assert.Len(t, old["token"], 64)
	assert.Equal(t, 0.25, old["spend"])
	assert.Equal(t, true, old["expired"])
	assert.Equal(t, "old1", old["guid"])
	assert.Equal(t, now.Add(-10*day).Format(time.RFC3339Nano), old["expires"])
	assert.Equal(t, "multi1", by["virtkey-multi1-user2"]["guid"], "guid from the alias")
	assert.Equal(t, "other9", by["virtkey-meta1"]["guid"], "metadata wins")
	assert.Nil(t, by["virtkey-blk1"]["expires"])
	assert.Equal(t, true, by["virtkey-blk1"]["blocked"])

	md := by["virtkey-sec1"]["metadata"].(map[string]any)
	assert.Equal(t, Redacted, md["api_key"])
	assert.Equal(t, Redacted, md["note"])
	assert.Equal(t, Redacted, md["nested"].(map[string]any)["password"])
	assert.Equal(t, "ops", md["owner"])
	assert.NotContains(t, raw, "sk-abcdefghijklmnopqrstuv")
	assert.NotContains(t, raw, "hunter2")
	assert.NotContains(t, raw, master)

	totals := res["totals"].(map[string]any)
	assert.EqualValues(t, 8, totals["count"])
	assert.InDelta(t, 1.75, totals["spend"], 1e-9)
	assert.EqualValues(t, 5, totals["expired"])
	assert.EqualValues(t, 1, totals["blocked"])
}

// TestBadInput: one line naming the parameter, and no request sent.
func TestBadInput(t *testing.T) {
	f := newFake(t)
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"unparsable expired_for", map[string]any{"expired_for": "a week"}, `expired_for "a week" is not a duration`},
		{"expired_for without unit", map[string]any{"expired_for": "7"}, "expired_for"},
		{"expired false and expired_for", map[string]any{"expired_for": "7d", "expired": false}, "expired must not be false"},
		{"empty prefix", map[string]any{"alias_prefix": ""}, "alias_prefix must not be empty"},
		{"empty alias", map[string]any{"key_alias": ""}, "key_alias must not be empty"},
		{"empty guid entry", map[string]any{"guid": []string{"a", " "}}, "guid[1] is empty"},
		{"empty exclude entry", map[string]any{"exclude_guids": []string{""}}, "exclude_guids[0] is empty"},
		{"not a bool", map[string]any{"blocked": "maybe"}, "blocked"},
		{"parallel out of range", map[string]any{"parallel": 0}, "parallel"},
		{"unknown option", map[string]any{"state": "absent"}, "state"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw, res := execute(t, f.args(tt.args))
			assert.Equal(t, true, res["failed"], raw)
			msg, _ := res["msg"].(string)
			assert.Contains(t, msg, tt.want)
			assert.NotContains(t, msg, "\n")
			assert.Empty(t, f.log.Take(), "no request")
		})
	}
}

func TestUnreachable(t *testing.T) {
	raw, res := execute(t, map[string]any{"api_url": "http://127.0.0.1:1", "api_key": master, "retries": 0})
	assert.Equal(t, true, res["failed"], raw)
	assert.Equal(t, "unreachable", res["error_kind"])
	assert.Contains(t, res["msg"], "check api_url")
	assert.NotContains(t, raw, master)
}

// TestPagesAndRequests: api_requests = ceil(N/100) for N listed keys, check
// mode included (the module is read-only either way).
func TestPagesAndRequests(t *testing.T) {
	f := newFake(t)
	rows := make([]row, 0, 349)
	for i := 0; i < 349; i++ {
		rows = append(rows, row{alias: fmt.Sprintf("virtkey-p%03d", i), expires: ago(time.Duration(i) * time.Hour)})
	}
	f.insert(t, rows...)
	for _, check := range []bool{false, true} {
		raw, res := execute(t, f.args(map[string]any{"alias_prefix": "virtkey-p1", "_ansible_check_mode": check, "parallel": 3}))
		require.Nil(t, res["failed"], raw)
		assert.EqualValues(t, 350, res["totals"].(map[string]any)["scanned"])
		assert.EqualValues(t, 4, res["pages"])
		assert.EqualValues(t, 4, res["api_requests"], "ceil(350/100)")
		assert.Len(t, res["keys"], 100)
		for _, m := range f.log.Take() {
			assert.Equal(t, "GET /key/list", m)
		}
	}
}

func TestAliasGUID(t *testing.T) {
	tests := []struct {
		alias, guid string
		ok          bool
	}{
		{"virtkey-abc12", "abc12", true},
		{"virtkey-abc12-user3", "abc12", true},
		{"virtkey-abc12-student10", "abc12", true},
		{"virtkey-a-b-user1", "a-b", true},
		{"virtkey-abc-12", "abc-12", true},
		{"virtkey-", "", false},
		{"virtkey--user1", "", false},
		{"virtkey-abc12-", "", false},
		{"virtkey-a b", "", false},
		{"other-abc12", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		g, ok := AliasGUID(tt.alias)
		assert.Equal(t, tt.ok, ok, tt.alias)
		assert.Equal(t, tt.guid, g, tt.alias)
	}
}

func TestParseDuration(t *testing.T) {
	for s, want := range map[string]time.Duration{"30s": 30 * time.Second, "5m": 5 * time.Minute, "36h": 36 * time.Hour,
		"7d": 7 * day, "2w": 14 * day, "1mo": 30 * day, "0d": 0} {
		d, ok := ParseDuration(s)
		assert.True(t, ok, s)
		assert.Equal(t, want, d, s)
	}
	for _, s := range []string{"", "7", "d", "-1d", "7 days", "1y", "1.5d", strings.Repeat("9", 30) + "d"} {
		_, ok := ParseDuration(s)
		assert.False(t, ok, s)
	}
}
