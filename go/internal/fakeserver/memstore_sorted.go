package fakeserver

import (
	"slices"
	"sync"
)

// sortedCache keeps the memory store's rows in the order of the last List,
// so that paging through a large store costs one sort, not one per page
// (scanning 20,000 keys takes 201 pages). Every write bumps
// MemoryStore.gen, which invalidates it. Stored *Key values are never
// mutated in place (Update stores a new one), so the cached pointers stay
// valid for as long as gen is unchanged.
type sortedCache struct {
	mu   sync.Mutex
	ok   bool
	gen  uint64
	col  string
	asc  bool
	rows []*Key
}

// sortedLocked returns every row ordered like compareKeys(col, asc). The
// caller holds s.mu (read or write) and must not modify the slice.
func (s *MemoryStore) sortedLocked(col string, asc bool) []*Key {
	c := &s.sorted
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ok && c.gen == s.gen && c.col == col && c.asc == asc {
		return c.rows
	}
	rows := make([]*Key, 0, len(s.keys))
	for _, k := range s.keys {
		rows = append(rows, k)
	}
	slices.SortFunc(rows, compareKeys(col, asc))
	c.ok, c.gen, c.col, c.asc, c.rows = true, s.gen, col, asc, rows
	return rows
}
