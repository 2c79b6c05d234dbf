package litellm_test

import (
	"context"
	"net/http"
	"reflect"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver/fakeservertest"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a RoundTripper noting the method, path and status of every
// request the client sends.
type recorder struct {
	mu   sync.Mutex
	seen map[string][]int
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(req)
	r.mu.Lock()
	defer r.mu.Unlock()
	st := 0
	if resp != nil {
		st = resp.StatusCode
	}
	r.seen[req.Method+" "+req.URL.Path] = append(r.seen[req.Method+" "+req.URL.Path], st)
	return resp, err
}

// TestEndpointAudit calls every exported method of the client against
// fake-litellm and checks that each (method, path) it sends is served there
// with the same request shape: no 404 route miss, no 405, no 422.
func TestEndpointAudit(t *testing.T) {
	const master = "sk-audit-master"
	fake := fakeservertest.Start(t, fakeserver.Config{MasterKey: master})
	rec := &recorder{seen: map[string][]int{}}
	c, err := litellm.New(fake.URL, litellm.WithAPIKey(master), litellm.WithRetries(0),
		litellm.WithHTTPClient(&http.Client{Transport: rec}), litellm.WithRetryDelay(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	ctx := context.Background()

	called := map[string]bool{}
	call := func(name string) { called[name] = true }

	alias, secret := "audit-key", "sk-audit-secret-0001"
	gk, err := c.GenerateKey(ctx, &litellm.GenerateKeyRequest{
		Key: &secret, KeyAlias: &alias, Models: []string{"Docling"}, Duration: ptr("1h"), KeySettings: litellm.KeySettings{MaxBudget: ptr(1.5),
			BudgetDuration: ptr("30d"), UserID: ptr("u"), TeamID: ptr("t"), Metadata: map[string]any{"a": 1},
			TPMLimit: ptr(int64(1)), RPMLimit: ptr(int64(2)), MaxParallelRequests: ptr(int64(3)), Blocked: ptr(false)},
	})
	require.NoError(t, err)
	call("GenerateKey")
	assert.Equal(t, litellm.HashKey(secret), gk.Token)
	alias2, secret2 := "audit-key-2", "sk-audit-secret-0002"
	gk2, err := c.GenerateKeyResolving(ctx, &litellm.GenerateKeyRequest{Key: &secret2, KeyAlias: &alias2},
		func(context.Context, error) (*litellm.GeneratedKey, error) { return nil, nil })
	require.NoError(t, err)
	call("GenerateKeyResolving")
	_, err = c.DeleteKeys(ctx, []string{gk2.Token})
	require.NoError(t, err)

	info, err := c.KeyInfo(ctx, gk.Token)
	require.NoError(t, err)
	call("KeyInfo")
	assert.Equal(t, alias, info.Alias())
	assert.Equal(t, []string{"Docling"}, info.Models)
	assert.Equal(t, int64(3), *info.MaxParallelRequests)

	page, err := c.ListKeys(ctx, &litellm.ListKeysOptions{KeyAlias: alias, UserID: "u", TeamID: "t", KeyHash: gk.Token,
		ReturnFullObject: true, Page: 1, Size: 100, SortBy: "created_at", SortOrder: "asc"})
	require.NoError(t, err)
	call("ListKeys")
	require.Len(t, page.Keys, 1)
	assert.True(t, page.FullObjects)

	keys, err := c.FindByAlias(ctx, alias)
	require.NoError(t, err)
	call("FindByAlias")
	require.Len(t, keys, 1)
	require.NoError(t, c.EachKey(ctx, litellm.ListKeysOptions{}, func(litellm.Key) bool { return true }))
	call("EachKey")
	ok, err := c.ScanKeys(ctx, 10, func(litellm.Key) bool { return true })
	require.NoError(t, err)
	call("ScanKeys")
	assert.True(t, ok)
	all, _, err := c.ListAllKeys(ctx, litellm.ListKeysOptions{}, 2)
	require.NoError(t, err)
	call("ListAllKeys")
	assert.NotEmpty(t, all)
	ok, err = c.ScanKeysParallel(ctx, 10, 2, func(litellm.Key) bool { return true })
	require.NoError(t, err)
	call("ScanKeysParallel")
	assert.True(t, ok)

	up, err := c.UpdateKey(ctx, &litellm.UpdateKeyRequest{Key: gk.Token, Models: &[]string{}, Duration: ptr("2h"),
		KeySettings: litellm.KeySettings{MaxBudget: ptr(2.5), BudgetDuration: ptr("7d"), UserID: ptr("u2"), TeamID: ptr("t2"), Metadata: map[string]any{"b": 2},
			TPMLimit: ptr(int64(10)), RPMLimit: ptr(int64(20)), MaxParallelRequests: ptr(int64(30)), Blocked: ptr(true)}})
	require.NoError(t, err)
	call("UpdateKey")
	assert.Equal(t, 2.5, *up.MaxBudget)

	_, err = c.ModelInfo(ctx)
	require.NoError(t, err)
	fake.SetFaults(fakeserver.FaultSpec{Faults: []fakeserver.FaultRule{{Action: fakeserver.ActionStatus, Route: "GET /model/info", Status: 404}}})
	models, err := c.ModelInfo(ctx) // falls back to /v1/models
	require.NoError(t, err)
	fake.SetFaults(fakeserver.FaultSpec{})
	call("ModelInfo")
	assert.NotEmpty(t, models)

	_, err = c.DeleteKeys(ctx, []string{gk.Token})
	require.NoError(t, err)
	_, err = c.DeleteKeys(ctx, []string{gk.Token})
	assert.ErrorIs(t, err, litellm.ErrNotFound)
	call("DeleteKeys")

	for _, m := range []string{"BaseURL", "Requests", "Retries"} {
		call(m)
	}

	// Every exported method was exercised (a new one must join this test).
	ct := reflect.TypeOf(c)
	for i := 0; i < ct.NumMethod(); i++ {
		assert.True(t, called[ct.Method(i).Name], "client method %s is not covered by the endpoint audit", ct.Method(i).Name)
	}

	want := []string{"GET /key/info", "GET /key/list", "GET /model/info", "GET /v1/models", "POST /key/delete", "POST /key/generate", "POST /key/update"}
	var got []string
	for k := range rec.seen {
		got = append(got, k)
	}
	sort.Strings(got)
	assert.Equal(t, want, got)
	for route, statuses := range rec.seen {
		for _, st := range statuses {
			assert.NotContains(t, []int{405, 422}, st, route)
			if st == 404 {
				assert.Contains(t, []string{"GET /model/info", "POST /key/delete"}, route, "only injected or key-missing 404s")
			}
		}
	}
}

func ptr[T any](v T) *T { return &v }
