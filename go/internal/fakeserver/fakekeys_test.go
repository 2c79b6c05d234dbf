package fakeserver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFakeKeys: the fake-only bulk insert stores past expiries, creation
// times and spend as given, in both stores, and is admin-only; the real
// /key/update sets spend on an existing key.
func TestFakeKeys(t *testing.T) {
	for _, kind := range allStores() {
		t.Run(kind.name, func(t *testing.T) {
			e := newEnv(t, kind)
			r := e.call("POST", "/_fake/keys", map[string]any{"keys": []map[string]any{
				{"key_alias": "virtkey-old1", "expires": "2020-01-02T03:04:05Z", "created_at": "2019-12-01T00:00:00Z",
					"metadata": map[string]any{"guid": "old1"}, "spend": 2.5, "blocked": true},
				{"key_alias": "virtkey-new1"},
			}})
			require.Equal(t, 200, r.status, "%s", r.raw)
			tokens := r.obj(t)["tokens"].([]any)
			require.Len(t, tokens, 2)

			info := e.call("GET", "/key/info?key="+tokens[0].(string), nil).obj(t)["info"].(map[string]any)
			assert.Equal(t, "virtkey-old1", info["key_alias"])
			assert.Contains(t, info["expires"], "2020-01-02T03:04:05")
			assert.Contains(t, info["created_at"], "2019-12-01T00:00:00")
			assert.Equal(t, 2.5, info["spend"])
			assert.Equal(t, true, info["blocked"])
			assert.Equal(t, map[string]any{"guid": "old1"}, info["metadata"])

			up := e.call("POST", "/key/update", map[string]any{"key": tokens[1], "spend": 0.75})
			require.Equal(t, 200, up.status, "%s", up.raw)
			info = e.call("GET", "/key/info?key="+tokens[1].(string), nil).obj(t)["info"].(map[string]any)
			assert.Equal(t, 0.75, info["spend"])
			assert.Nil(t, info["expires"])

			bad := e.call("POST", "/_fake/keys", `{"keys": [{"expires": "yesterday"}]}`)
			assert.Equal(t, 400, bad.status)
			user := e.call("POST", "/_fake/keys", `{"keys": []}`, "Authorization: Bearer sk-not-the-master-key")
			assert.Equal(t, 401, user.status)
		})
	}
}
