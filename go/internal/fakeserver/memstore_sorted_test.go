package fakeserver

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMemoryStoreSortedCache: List reuses its order only while nothing was
// written; inserts, updates and deletes show in the next List.
func TestMemoryStoreSortedCache(t *testing.T) {
	ctx := context.Background()
	s := NewMemoryStore()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	add := func(tok string, at time.Time) {
		_, err := s.Insert(ctx, &Key{Token: tok, KeyAlias: ptr("a-" + tok), CreatedAt: at, UpdatedAt: at}, InsertOptions{})
		require.NoError(t, err)
	}
	order := func() []string {
		p, err := s.List(ctx, ListQuery{Page: 1, Size: 10})
		require.NoError(t, err)
		var out []string
		for _, k := range p.Keys {
			out = append(out, k.Token)
		}
		return out
	}
	add("a", t0)
	add("b", t0.Add(time.Hour))
	assert.Equal(t, []string{"b", "a"}, order(), "newest first")
	assert.Equal(t, []string{"b", "a"}, order(), "cached")
	add("c", t0.Add(2*time.Hour))
	assert.Equal(t, []string{"c", "b", "a"}, order())
	_, err := s.Update(ctx, "a", InsertOptions{}, func(k *Key) error { k.CreatedAt = t0.Add(3 * time.Hour); return nil })
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "c", "b"}, order())
	_, err = s.Delete(ctx, []string{"c"}, "test")
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, order())
	p, err := s.List(ctx, ListQuery{Page: 1, Size: 10, Asc: true, SortBy: "key_alias"})
	require.NoError(t, err)
	require.Len(t, p.Keys, 2)
	assert.Equal(t, "a", p.Keys[0].Token, "another order is sorted afresh")
}
