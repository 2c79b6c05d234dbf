package fakeserver

import (
	"context"
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newRulesEnv is newEnv with the proxy settings of the key rules.
func newRulesEnv(t *testing.T, kind storeKind, cfg Config) *env {
	t.Helper()
	store, dsn := kind.open(t)
	cfg.MasterKey, cfg.Store, cfg.Seed = testMaster, store, 7
	srv, err := New(context.Background(), cfg)
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return &env{t: t, url: hs.URL, srv: srv, store: store, dsn: dsn, client: hs.Client()}
}

func TestDisableCustomKeys(t *testing.T) {
	e := newRulesEnv(t, allStores()[0], Config{DisableCustomKeys: true})
	r := e.call("POST", "/key/generate", map[string]any{"key_alias": "a1", "key": "sk-chosen-0123456789"})
	assert.Equal(t, 403, r.status)
	assert.JSONEq(t, envelopeOf("{'error': 'Custom API key values are disabled by your administrator. Keys must be auto-generated.'}",
		"internal_server_error", "None", "403"), string(r.raw))
	toks, err := e.store.TokensByAlias(context.Background(), []string{"a1"})
	require.NoError(t, err)
	assert.Empty(t, toks, "nothing written")
	g := e.generate(map[string]any{"key_alias": "a1"})
	assert.Regexp(t, `^sk-[A-Za-z0-9_-]{22}$`, g["key"], "generated keys still work")
}

func TestMinCustomKeyLength(t *testing.T) {
	e := newRulesEnv(t, allStores()[0], Config{MinCustomKeyLength: 16})
	r := e.call("POST", "/key/generate", map[string]any{"key_alias": "a1", "key": "sk-short"})
	assert.Equal(t, 400, r.status)
	assert.JSONEq(t, envelopeOf("{'error': 'Invalid key format. LiteLLM Virtual Key must be at least 16 characters long.'}",
		"internal_server_error", "None", "400"), string(r.raw))
	e.generate(map[string]any{"key_alias": "a1", "key": "sk-long-enough-000"})
	r = e.call("POST", "/key/generate", map[string]any{"key_alias": "a2", "key": "nope-0123456789abcdef"})
	assert.Equal(t, 400, r.status)
	assert.Contains(t, string(r.raw), "must start with 'sk-'", "the prefix rule comes first")
}

func TestRacyAlias(t *testing.T) {
	t.Parallel()
	for _, kind := range allStores() {
		t.Run(kind.name, func(t *testing.T) {
			t.Parallel()
			// A long pause: the creates overlap however loaded the machine is.
			e := newRulesEnv(t, kind, Config{RacyAlias: true, RacyAliasPause: 400 * time.Millisecond})
			var wg sync.WaitGroup
			codes := make([]int, 10)
			for i := range codes {
				wg.Add(1)
				go func(i int) {
					defer wg.Done()
					codes[i] = e.call("POST", "/key/generate", map[string]any{"key_alias": "racy", "key": fmt.Sprintf("sk-racy-key-%010d", i)}).status
				}(i)
			}
			wg.Wait()
			toks, err := e.store.TokensByAlias(context.Background(), []string{"racy"})
			require.NoError(t, err)
			assert.Greater(t, len(toks), 1, "concurrent creates of one alias all passed the check: %v", codes)
			// Sequentially the check still holds (every create above has answered).
			r := e.call("POST", "/key/generate", map[string]any{"key_alias": "racy"})
			assert.Equal(t, 400, r.status)
			assert.Contains(t, string(r.raw), "already exists")
			// The same key twice is one row: the second create writes nothing.
			e.generate(map[string]any{"key_alias": "same", "key": "sk-same-key-0123456789"})
			e.generate(map[string]any{"key_alias": "other", "key": "sk-same-key-0123456789"})
			toks, err = e.store.TokensByAlias(context.Background(), []string{"same", "other"})
			require.NoError(t, err)
			assert.Len(t, toks, 1)
		})
	}
}
