package litellm_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scanEnv is a fake proxy with n keys "scan-NNNN" and a middleware hook.
func scanEnv(t *testing.T, n int, wrap func(store fakeserver.Store, next http.Handler) http.Handler) (*litellm.Client, fakeserver.Store) {
	t.Helper()
	const master = "sk-scan-master"
	store := fakeserver.NewMemoryStore()
	srv, err := fakeserver.New(context.Background(), fakeserver.Config{MasterKey: master, Store: store})
	require.NoError(t, err)
	now := time.Now().UTC()
	for i := 0; i < n; i++ {
		alias := fmt.Sprintf("scan-%04d", i)
		_, err := store.Insert(context.Background(), &fakeserver.Key{Token: fakeserver.HashToken("sk-" + alias + "-secret"), KeyAlias: &alias,
			CreatedAt: now.Add(time.Duration(i) * time.Millisecond), UpdatedAt: now}, fakeserver.InsertOptions{})
		require.NoError(t, err)
	}
	h := srv.Handler()
	if wrap != nil {
		h = wrap(store, h)
	}
	hs := httptest.NewServer(h)
	t.Cleanup(func() { srv.Close(); hs.Close() })
	c, err := litellm.New(hs.URL, litellm.WithAPIKey(master), litellm.WithRetryDelay(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	return c, store
}

func TestListAllKeys(t *testing.T) {
	tests := []struct {
		name      string
		keys      int
		parallel  int
		wantPages int
	}{
		{"one short page", 42, 4, 1},
		{"exactly one page", 99, 4, 1}, // + the master key's row = 100
		{"many pages in parallel", 1234, 4, 13},
		{"sequential", 250, 1, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := scanEnv(t, tt.keys, nil)
			keys, st, err := c.ListAllKeys(context.Background(), litellm.ListKeysOptions{}, tt.parallel)
			require.NoError(t, err)
			assert.Len(t, keys, tt.keys+1, "every key once, the master key's row included")
			assert.Equal(t, tt.wantPages, st.Pages)
			assert.EqualValues(t, tt.wantPages, c.Requests(), "one request per page")
			assert.Equal(t, tt.keys+1, st.FirstTotal)
			assert.Zero(t, st.Duplicates)
			seen := map[string]bool{}
			for _, k := range keys {
				assert.False(t, seen[k.Token], "duplicate %s", k.Token)
				seen[k.Token] = true
			}
		})
	}
}

// TestListAllKeysBareHashesDeletedMidScan: a proxy that ignores
// return_full_object lists hashes; keys deleted before /key/info reaches them
// are skipped, not an error, and the page shift the deletes caused (a key
// moved onto page 1, already fetched) is caught by a second pass.
func TestListAllKeysBareHashesDeletedMidScan(t *testing.T) {
	var lists atomic.Int32
	c, _ := scanEnv(t, 150, func(store fakeserver.Store, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/key/list" {
				q := r.URL.Query()
				q.Del("return_full_object")
				r.URL.RawQuery = q.Encode()
				if lists.Add(1) == 2 { // after both pages were listed... delete three keys
					for _, a := range []string{"scan-0000", "scan-0001", "scan-0149"} {
						_, err := store.Delete(r.Context(), []string{fakeserver.HashToken("sk-" + a + "-secret")}, "test")
						assert.NoError(t, err)
					}
				}
			}
			next.ServeHTTP(w, r)
		})
	})
	keys, st, err := c.ListAllKeys(context.Background(), litellm.ListKeysOptions{}, 1)
	require.NoError(t, err)
	assert.Equal(t, 1, st.Vanished, "scan-0149 was listed on page 1, then deleted")
	assert.Equal(t, 1, st.Rescans, "page 2 reported a smaller total_count")
	assert.False(t, st.Unstable)
	assert.Equal(t, 148, st.LastTotal)
	require.Len(t, keys, 151-3, "no key was missed")
	for _, k := range keys {
		assert.NotEmpty(t, k.Token)
		assert.NotContains(t, []string{"scan-0000", "scan-0001", "scan-0149"}, k.Alias())
	}
}

// TestListAllKeysFailure: a page that keeps failing fails the scan.
func TestListAllKeysFailure(t *testing.T) {
	c, _ := scanEnv(t, 300, func(_ fakeserver.Store, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/key/list" && r.URL.Query().Get("page") == "3" {
				http.Error(w, `{"error":{"message":"boom","type":"internal_server_error","param":"None","code":"500"}}`, http.StatusInternalServerError)
				return
			}
			next.ServeHTTP(w, r)
		})
	})
	_, _, err := c.ListAllKeys(context.Background(), litellm.ListKeysOptions{}, 4)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "boom")
}

// TestScanKeysParallel: within the page budget every key is visited; over
// it, the first page is the only request and the scan reports incomplete.
func TestScanKeysParallel(t *testing.T) {
	c, _ := scanEnv(t, 450, nil)
	n := 0
	ok, err := c.ScanKeysParallel(context.Background(), 5, 3, func(litellm.Key) bool { n++; return true })
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 451, n)
	assert.EqualValues(t, 5, c.Requests())

	c, _ = scanEnv(t, 450, nil)
	ok, err = c.ScanKeysParallel(context.Background(), 4, 3, func(litellm.Key) bool { t.Fatal("called"); return true })
	require.NoError(t, err)
	assert.False(t, ok)
	assert.EqualValues(t, 1, c.Requests())
}
