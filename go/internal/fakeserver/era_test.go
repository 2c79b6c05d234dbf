package fakeserver

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The tests below pin where LiteLLM releases differ; each runs in both eras
// (TestContract), the expected answers chosen with byEra.

// testDurationErrors: a bad duration reaches the client as the parser's own
// ValueError, a 500 on /key/generate; budget_duration is refused up front
// only on 2026-09.
func testDurationErrors(t *testing.T, e *env) {
	for d, msg := range map[string]string{
		"30x": "Unsupported duration unit, passed duration: 30x",
		"10":  "Unsupported duration unit, passed duration: 10",
		"abc": "Invalid duration format",
		"":    "Invalid duration format",
		"-1":  "Invalid duration format",
	} {
		r := e.call("POST", "/key/generate", map[string]any{"duration": d})
		require.Equal(t, 500, r.status, "duration %q: %s", d, r.raw)
		assert.JSONEq(t, envelopeOf(msg, "internal_server_error", "None", "500"), string(r.raw), d)
	}
	t.Run("the parser ignores what follows the unit", func(t *testing.T) {
		now := time.Now().UTC()
		for d, want := range map[string]time.Time{"30dx": now.AddDate(0, 0, 30), "5min": now.Add(5 * time.Minute), "1h30m": now.Add(time.Hour)} {
			g := e.generate(map[string]any{"duration": d})
			got, err := time.Parse(time.RFC3339Nano, g["expires"].(string))
			require.NoError(t, err, d)
			assert.WithinDuration(t, want, got, 5*time.Second, d)
		}
	})
	t.Run("budget_duration", func(t *testing.T) {
		r := e.call("POST", "/key/generate", map[string]any{"key_alias": "bd-bad", "budget_duration": "30x"})
		require.Equal(t, byEra(e, 200, 400), r.status, "%s", r.raw)
		if e.era == Era202609 {
			assert.JSONEq(t, envelopeOf(`{'error': "Invalid budget_duration '30x'. Use a format like '1h', '24h', '7d', or '30d'."}`,
				"internal_server_error", "None", "400"), string(r.raw))
			assert.Equal(t, 0.0, listOf(t, e, "key_alias=bd-bad")["total_count"], "nothing stored")
		} else {
			o := r.obj(t)
			assert.Equal(t, "30x", o["budget_duration"], "stored as given")
			reset, err := time.Parse(time.RFC3339Nano, o["budget_reset_at"].(string))
			require.NoError(t, err)
			now := time.Now().UTC()
			assert.True(t, reset.After(now) && !reset.After(now.Add(24*time.Hour)), "resets at the next midnight: %v", reset)
		}
		g := e.generate(map[string]any{"budget_duration": "7d"})
		r = e.call("POST", "/key/update", map[string]any{"key": g["key"], "budget_duration": "0d"})
		require.Equal(t, byEra(e, 200, 400), r.status, "%s", r.raw)
		if e.era == Era202609 {
			assert.JSONEq(t, envelopeOf(`{'error': "Invalid budget_duration '0d'. Use a format like '1h', '24h', '7d', or '30d'."}`,
				"auth_error", "None", "400"), string(r.raw))
		}
	})
	t.Run("update: empty duration leaves expires alone", func(t *testing.T) {
		g := e.generate(map[string]any{"duration": "1h"})
		r := e.call("POST", "/key/update", map[string]any{"key": g["key"], "duration": ""})
		require.Equal(t, 200, r.status, "%s", r.raw)
		info := e.call("GET", "/key/info?key="+g["token"].(string), nil).obj(t)["info"].(map[string]any)
		want, err := time.Parse(time.RFC3339Nano, g["expires"].(string))
		require.NoError(t, err)
		got, err := time.Parse(time.RFC3339Nano, info["expires"].(string))
		require.NoError(t, err)
		assert.True(t, want.Equal(got), "expires %v changed to %v", want, got)
	})
}

// testCustomKeysAndAliases: caller-chosen keys and alias formats.
func testCustomKeysAndAliases(t *testing.T, e *env) {
	short := "sk-short-0001" // 13 characters
	r := e.call("POST", "/key/generate", map[string]any{"key": short})
	require.Equal(t, byEra(e, 200, 400), r.status, "%s", r.raw)
	if e.era == Era202609 {
		assert.JSONEq(t, envelopeOf("{'error': 'Invalid key format. LiteLLM Virtual Key must be at least 16 characters long.'}",
			"internal_server_error", "None", "400"), string(r.raw))
	}
	assert.Equal(t, 200, e.call("POST", "/key/generate", map[string]any{"key": "sk-long-enough-01"}).status, "17 characters")

	for _, alias := range []string{"lab..x", "ctl\x01x", "nel\u0085x", "ls\u2028x"} {
		r := e.call("POST", "/key/generate", map[string]any{"key_alias": alias})
		require.Equal(t, byEra(e, 200, 400), r.status, "alias %q: %s", alias, r.raw)
		if e.era == Era202609 {
			assert.JSONEq(t, envelopeOf("Invalid key_alias", "bad_request_error", "key_alias", "400"), string(r.raw))
		}
	}
	g := e.generate(map[string]any{"key_alias": "fmt-ok.a@b/c"})
	r = e.call("POST", "/key/update", map[string]any{"key": g["key"], "key_alias": "fmt..bad"})
	assert.Equal(t, byEra(e, 200, 400), r.status, "%s", r.raw)

	t.Run("order of checks", func(t *testing.T) {
		e.generate(map[string]any{"key_alias": "ord-taken"})
		r := e.call("POST", "/key/generate", map[string]any{"key_alias": "ord-taken", "key": "no-prefix-key-123"})
		require.Equal(t, 400, r.status)
		assert.Contains(t, string(r.raw), byEra(e, "must start with 'sk-'", "already exists"),
			"2026-09 checks the alias before the key value")
		r = e.call("POST", "/key/generate", map[string]any{"key_alias": "ord-taken", "duration": "30x"})
		require.Equal(t, 400, r.status, "the alias is checked before the duration is parsed: %s", r.raw)
		assert.Contains(t, string(r.raw), "already exists")
	})
}

// testUpdateEra: 2026-09 accepts key_alias in place of key.
func testUpdateEra(t *testing.T, e *env) {
	g := e.generate(map[string]any{"key_alias": "ua-a", "max_budget": 1})
	r := e.call("POST", "/key/update", map[string]any{"key_alias": "ua-a", "max_budget": 2})
	if e.era == EraLegacy {
		require.Equal(t, 422, r.status, "%s", r.raw)
		return
	}
	require.Equal(t, 200, r.status, "%s", r.raw)
	o := r.obj(t)
	assert.Equal(t, g["token"], o["key"], "the row's token is echoed")
	assert.Equal(t, 2.0, o["max_budget"])
	assert.Equal(t, "ua-a", o["key_alias"])

	r = e.call("POST", "/key/update", map[string]any{"key_alias": "ua-none", "max_budget": 2})
	require.Equal(t, 404, r.status)
	assert.JSONEq(t, envelopeOf("Key not found. No key with key_alias='ua-none'.", "not_found_error", "key_alias", "404"), string(r.raw))

	e.setFaults(`{"faults":[{"action":"allow_duplicate_aliases","count":1}]}`)
	e.generate(map[string]any{"key_alias": "ua-a"})
	r = e.call("POST", "/key/update", map[string]any{"key_alias": "ua-a", "max_budget": 3})
	require.Equal(t, 400, r.status)
	assert.JSONEq(t, envelopeOf("Multiple keys share key_alias='ua-a', so it cannot be used as an identifier.", "bad_request_error", "key_alias", "400"), string(r.raw))
	r = e.call("POST", "/key/update", map[string]any{"key": nil, "key_alias": "ua-none"})
	assert.Equal(t, 404, r.status, "a null key counts as absent")
}

// testListSortStatus: sort_by/sort_order validation, status=deleted and
// key_hash compared as given.
func testListSortStatus(t *testing.T, e *env) {
	var tokens []string
	var raw string
	for i := range 3 {
		g := e.generate(map[string]any{"key_alias": fmt.Sprintf("ls-%d", i), "user_id": "ls-user"})
		tokens = append(tokens, g["token"].(string))
		raw = g["key"].(string)
		time.Sleep(2 * time.Millisecond)
	}
	sorted := slices.Clone(tokens)
	slices.Sort(sorted)
	l := listOf(t, e, "user_id=ls-user&sort_by=token&sort_order=ASC")
	assert.Equal(t, []any{sorted[0], sorted[1], sorted[2]}, l["keys"], "token is a sort column; sort_order is case-insensitive")
	l = listOf(t, e, "user_id=ls-user&sort_by=key_alias&sort_order=desc")
	assert.Equal(t, []any{tokens[2], tokens[1], tokens[0]}, l["keys"])

	for q, msg := range map[string]string{
		"sort_by=expires":                   "{'error': 'Invalid sort column. Must be one of: spend, max_budget, created_at, updated_at, token, key_alias'}",
		"sort_by=bogus":                     "{'error': 'Invalid sort column. Must be one of: spend, max_budget, created_at, updated_at, token, key_alias'}",
		"sort_by=spend&sort_order=sideways": `{'error': "Invalid sort order. Must be 'asc' or 'desc'"}`,
		"status=active":                     `{'error': "Invalid status value. Currently only 'deleted' is supported."}`,
	} {
		r := e.call("GET", "/key/list?"+q, nil)
		require.Equal(t, 400, r.status, q)
		assert.JSONEq(t, envelopeOf(msg, "internal_server_error", "None", "400"), string(r.raw), q)
	}

	l = listOf(t, e, "key_hash="+url.QueryEscape(raw))
	assert.Equal(t, 0.0, l["total_count"], "a raw key is not hashed")
	l = listOf(t, e, "key_hash="+tokens[2])
	assert.Equal(t, []any{tokens[2]}, l["keys"])

	require.Equal(t, 200, e.call("POST", "/key/delete", map[string]any{"keys": []string{tokens[1]}}).status)
	l = listOf(t, e, "status=deleted&user_id=ls-user")
	assert.Equal(t, []any{tokens[1]}, l["keys"])
	assert.Equal(t, 1.0, l["total_count"])
	l = listOf(t, e, "status=deleted&key_alias=ls-1&return_full_object=true")
	keys := l["keys"].([]any)
	require.Len(t, keys, 1)
	o := keys[0].(map[string]any)
	assert.Equal(t, tokens[1], o["token"])
	assert.Equal(t, "ls-1", o["key_alias"])
	assert.Equal(t, adminUserID, o["deleted_by"])
	_, err := time.Parse(time.RFC3339Nano, o["deleted_at"].(string))
	assert.NoError(t, err)
	assert.Equal(t, 2.0, listOf(t, e, "user_id=ls-user")["total_count"], "live keys exclude the deleted one")
}

// testBlockRegenerate: /key/block's format check and /key/regenerate, an
// Enterprise feature.
func testBlockRegenerate(t *testing.T, e *env) {
	for _, k := range []string{"not a key", "sk-", "abc123", "sk-has space"} {
		r := e.call("POST", "/key/block", map[string]any{"key": k})
		require.Equal(t, 400, r.status, "%q: %s", k, r.raw)
		assert.JSONEq(t, envelopeOf("Invalid key format.", "bad_request_error", "key", "400"), string(r.raw))
	}
	g := e.generate(map[string]any{"key_alias": "regen-a"})
	want := envelopeOf("Regenerating Virtual Keys is an Enterprise feature, "+notPremiumMessage, "internal_server_error", "None", "500")
	for _, p := range []string{"/key/regenerate", "/key/" + g["key"].(string) + "/regenerate", "/key/" + g["token"].(string) + "/regenerate"} {
		r := e.call("POST", p, map[string]any{"key": g["key"]})
		require.Equal(t, 500, r.status, p)
		assert.JSONEq(t, want, string(r.raw), p)
	}
	assert.Equal(t, 500, e.call("POST", "/key/regenerate", nil).status, "no body")
	assert.Equal(t, 422, e.call("POST", "/key/regenerate", `{"key":`).status)
	assert.Equal(t, 405, e.call("GET", "/key/x/regenerate", nil).status)
	assert.Equal(t, 404, e.call("POST", "/key//regenerate", nil).status)
	assert.Equal(t, 401, e.call("POST", "/key/regenerate", nil, "Authorization: Bearer "+g["key"].(string)).status)
	assert.Equal(t, 200, e.call("GET", "/key/info?key="+g["token"].(string), nil).status, "the key is untouched")
}

func TestAddDuration(t *testing.T) {
	jan31 := time.Date(2027, 1, 31, 10, 20, 30, 0, time.UTC)
	for d, want := range map[string]time.Time{
		"1mo":  time.Date(2027, 2, 28, 10, 20, 30, 0, time.UTC), // clamped to the month's last day
		"13mo": time.Date(2028, 2, 29, 10, 20, 30, 0, time.UTC),
		"2w":   time.Date(2027, 2, 14, 10, 20, 30, 0, time.UTC),
		"90s":  time.Date(2027, 1, 31, 10, 22, 0, 0, time.UTC),
		"25h":  time.Date(2027, 2, 1, 11, 20, 30, 0, time.UTC),
		"0d":   jan31,
		"7dz":  time.Date(2027, 2, 7, 10, 20, 30, 0, time.UTC),
	} {
		got, err := addDuration(jan31, d)
		require.NoError(t, err, d)
		assert.Equal(t, want, got, d)
	}
	for d, msg := range map[string]string{
		"":                       "Invalid duration format",
		"d7":                     "Invalid duration format",
		" 7d":                    "Invalid duration format",
		"7":                      "Unsupported duration unit, passed duration: 7",
		"7 d":                    "Unsupported duration unit, passed duration: 7 d",
		"7D":                     "Unsupported duration unit, passed duration: 7D",
		"99999999999w":           "date value out of range",
		"999999999999999999999d": "date value out of range",
	} {
		_, err := addDuration(jan31, d)
		require.Error(t, err, d)
		assert.Equal(t, msg, err.Error(), d)
	}
}

// TestRunEra: --era selects the era; a bad value is refused naming the
// valid ones.
func TestRunEra(t *testing.T) {
	var out, errb strings.Builder
	err := Run(context.Background(), []string{"--master-key", testMaster, "--era", "2027-01"}, &out, &errb)
	require.Error(t, err)
	assert.Equal(t, `--era: unknown era "2027-01" (valid: legacy, 2026-09)`, err.Error())
	assert.Empty(t, out.String())

	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	logs := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"--master-key", testMaster, "--port", "0", "--era", "2026-09"}, pw, logs)
		pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	req, err := http.NewRequest("POST", strings.TrimSpace(line)+"/key/update", strings.NewReader(`{"key_alias":"nope"}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+testMaster)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, 404, res.StatusCode, "key_alias identifies the key on 2026-09")
	cancel()
	require.NoError(t, <-done)
	assert.Contains(t, logs.String(), "era=2026-09")
}
