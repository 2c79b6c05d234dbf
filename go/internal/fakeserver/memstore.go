package fakeserver

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"
	"time"
)

// DeletedKey is one row of the memory store's audit table, the counterpart
// of "LiteLLM_DeletedVerificationToken".
type DeletedKey struct {
	ID        string
	Key       *Key
	DeletedAt time.Time
	DeletedBy string
}

// MemoryStore is the in-memory Store. One mutex makes every operation
// atomic, so alias uniqueness is deterministic.
type MemoryStore struct {
	mu      sync.RWMutex
	keys    map[string]*Key
	budgets map[string]Budget
	deleted []DeletedKey
	gen     uint64      // bumped by every write (see memstore_sorted.go)
	sorted  sortedCache // the rows in the last List's order
}

// NewMemoryStore returns an empty in-memory store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{keys: map[string]*Key{}, budgets: map[string]Budget{}}
}

// InsertBudget implements Store.
func (s *MemoryStore) InsertBudget(_ context.Context, b Budget) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if b.SoftBudget != nil {
		b.SoftBudget = ptr(*b.SoftBudget)
	}
	s.budgets[b.BudgetID] = b
	return nil
}

// Budget implements Store.
func (s *MemoryStore) Budget(_ context.Context, id string) (*Budget, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.budgets[id]
	if !ok {
		return nil, ErrBudgetNotFound
	}
	return &b, nil
}

var _ Store = (*MemoryStore)(nil)

func (s *MemoryStore) aliasTakenLocked(alias *string, except string) bool {
	if alias == nil {
		return false
	}
	for t, k := range s.keys {
		if t != except && k.KeyAlias != nil && *k.KeyAlias == *alias {
			return true
		}
	}
	return false
}

// Insert implements Store.
func (s *MemoryStore) Insert(_ context.Context, k *Key, opts InsertOptions) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !opts.AllowDuplicateAlias && s.aliasTakenLocked(k.KeyAlias, "") {
		return false, ErrDuplicateAlias
	}
	if _, ok := s.keys[k.Token]; ok {
		return false, nil
	}
	c := k.Clone()
	c.normalize()
	s.keys[k.Token] = c
	s.gen++
	return true, nil
}

// Get implements Store.
func (s *MemoryStore) Get(_ context.Context, token string) (*Key, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	k, ok := s.keys[token]
	if !ok {
		return nil, ErrKeyNotFound
	}
	return k.Clone(), nil
}

func aliasMatches(q ListQuery, k *Key) bool {
	if q.KeyAlias == nil || q.AliasMatch == AliasIgnore {
		return true
	}
	if k.KeyAlias == nil {
		return false
	}
	if q.AliasMatch == AliasSubstringFold {
		return strings.Contains(strings.ToLower(*k.KeyAlias), strings.ToLower(*q.KeyAlias))
	}
	return *k.KeyAlias == *q.KeyAlias
}

func eqOpt(want, got *string) bool {
	return want == nil || (got != nil && *got == *want)
}

// compareKeys orders rows like PostgreSQL's ORDER BY col [ASC|DESC], token:
// NULLs last ascending, first descending.
func compareKeys(col string, asc bool) func(a, b *Key) int {
	nullable := func(an, bn bool, c func() int) int {
		switch {
		case an && bn:
			return 0
		case an: // NULL sorts as the largest value
			return 1
		case bn:
			return -1
		}
		return c()
	}
	var by func(a, b *Key) int
	switch col {
	case "updated_at":
		by = func(a, b *Key) int { return a.UpdatedAt.Compare(b.UpdatedAt) }
	case "key_alias":
		by = func(a, b *Key) int {
			return nullable(a.KeyAlias == nil, b.KeyAlias == nil, func() int { return strings.Compare(*a.KeyAlias, *b.KeyAlias) })
		}
	case "spend":
		by = func(a, b *Key) int { return cmp.Compare(a.Spend, b.Spend) }
	case "max_budget":
		by = func(a, b *Key) int {
			return nullable(a.MaxBudget == nil, b.MaxBudget == nil, func() int { return cmp.Compare(*a.MaxBudget, *b.MaxBudget) })
		}
	case "token":
		by = func(a, b *Key) int { return strings.Compare(a.Token, b.Token) }
	default:
		by = func(a, b *Key) int { return a.CreatedAt.Compare(b.CreatedAt) }
	}
	return func(a, b *Key) int {
		c := by(a, b)
		if !asc {
			c = -c
		}
		if c != 0 {
			return c
		}
		return strings.Compare(a.Token, b.Token)
	}
}

// List implements Store.
func (s *MemoryStore) List(_ context.Context, q ListQuery) (ListPage, error) {
	match := func(k *Key) bool {
		return aliasMatches(q, k) && eqOpt(q.UserID, k.UserID) && eqOpt(q.TeamID, k.TeamID) &&
			(q.Token == nil || *q.Token == k.Token)
	}
	type row struct {
		k    *Key
		meta DeletedMeta
	}
	s.mu.RLock()
	var rows []row
	if q.Deleted {
		for _, d := range s.deleted {
			if match(d.Key) {
				rows = append(rows, row{d.Key, DeletedMeta{At: d.DeletedAt, By: ptr(d.DeletedBy)}})
			}
		}
		s.mu.RUnlock()
		by := compareKeys(q.SortBy, q.Asc)
		slices.SortStableFunc(rows, func(a, b row) int { return by(a.k, b.k) })
	} else {
		for _, k := range s.sortedLocked(q.SortBy, q.Asc) { // filtering keeps the order
			if match(k) {
				rows = append(rows, row{k: k})
			}
		}
		s.mu.RUnlock()
	}
	page := ListPage{Total: len(rows), Keys: []*Key{}}
	start := (q.Page - 1) * q.Size
	for i := start; i >= 0 && i < len(rows) && i < start+q.Size; i++ {
		page.Keys = append(page.Keys, rows[i].k.Clone())
		if q.Deleted {
			page.Deleted = append(page.Deleted, rows[i].meta)
		}
	}
	return page, nil
}

// Update implements Store.
func (s *MemoryStore) Update(_ context.Context, token string, opts InsertOptions, fn UpdateFunc) (*Key, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.keys[token]
	if !ok {
		return nil, ErrKeyNotFound
	}
	next := cur.Clone()
	if err := fn(next); err != nil {
		return nil, err
	}
	if !opts.AllowDuplicateAlias && !eqPtr(cur.KeyAlias, next.KeyAlias) && s.aliasTakenLocked(next.KeyAlias, token) {
		return nil, ErrDuplicateAlias
	}
	next.Token = token
	next.normalize()
	s.keys[token] = next
	s.gen++
	return next.Clone(), nil
}

func eqPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// TokensByAlias implements Store.
func (s *MemoryStore) TokensByAlias(_ context.Context, aliases []string) ([]string, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []string
	for t, k := range s.keys {
		if k.KeyAlias != nil && slices.Contains(aliases, *k.KeyAlias) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out, nil
}

// Delete implements Store.
func (s *MemoryStore) Delete(_ context.Context, tokens []string, deletedBy string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var done []string
	now := nowMillis()
	for _, t := range tokens {
		k, ok := s.keys[t]
		if !ok || slices.Contains(done, t) {
			continue
		}
		s.deleted = append(s.deleted, DeletedKey{ID: newUUID(), Key: k.Clone(), DeletedAt: now, DeletedBy: deletedBy})
		delete(s.keys, t)
		s.gen++
		done = append(done, t)
	}
	return done, nil
}

// Deleted returns a copy of the audit table.
func (s *MemoryStore) Deleted() []DeletedKey {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]DeletedKey, len(s.deleted))
	for i, d := range s.deleted {
		d.Key = d.Key.Clone()
		out[i] = d
	}
	return out
}

// Ping implements Store.
func (s *MemoryStore) Ping(context.Context) error { return nil }

// Close implements Store.
func (s *MemoryStore) Close() {}
