package fakeserver

import (
	"context"
	"errors"
	"time"
)

// Errors a Store returns; handlers map them to LiteLLM's responses.
var (
	// ErrKeyNotFound means no row has the token.
	ErrKeyNotFound = errors.New("key not found")
	// ErrDuplicateAlias means another key already has the alias.
	ErrDuplicateAlias = errors.New("duplicate key alias")
	// ErrForeignKey means a row referencing the key (LiteLLM_JWTKeyMapping)
	// blocked its deletion.
	ErrForeignKey = errors.New("foreign key constraint failed")
)

// AliasMatch says how ListQuery.KeyAlias is compared.
type AliasMatch int

const (
	// AliasExact is the current builds' behaviour: key_alias = value.
	AliasExact AliasMatch = iota
	// AliasIgnore is very old builds' behaviour: the filter is ignored.
	AliasIgnore
	// AliasSubstringFold is some 2026 builds' behaviour: case-insensitive
	// substring match.
	AliasSubstringFold
)

// ListQuery selects one page of keys, newest first unless SortBy/Desc say
// otherwise. Empty filter strings select everything.
type ListQuery struct {
	Page       int // 1-based
	Size       int
	KeyAlias   *string
	AliasMatch AliasMatch
	UserID     *string
	TeamID     *string
	Token      *string
	SortBy     string // a column name; "" = created_at
	Asc        bool
	// Deleted lists the audit table ("LiteLLM_DeletedVerificationToken")
	// instead of the live keys.
	Deleted bool
}

// ListPage is the result of Store.List.
type ListPage struct {
	Keys  []*Key
	Total int
	// Deleted holds, when ListQuery.Deleted is set, when and by whom each
	// of Keys was deleted (same order).
	Deleted []DeletedMeta
}

// DeletedMeta is the audit information of a deleted key.
type DeletedMeta struct {
	At time.Time
	By *string
}

// InsertOptions tune Store.Insert.
type InsertOptions struct {
	// AllowDuplicateAlias skips the alias uniqueness check (the race the real
	// proxy has, re-opened on purpose by a fault).
	AllowDuplicateAlias bool
}

// UpdateFunc edits a row in place inside Store.Update. Returning an error
// aborts the update with that error.
type UpdateFunc func(k *Key) error

// Budget is a "LiteLLM_BudgetTable" row, as far as the fake keeps it.
type Budget struct {
	BudgetID   string   `json:"budget_id"`
	SoftBudget *float64 `json:"soft_budget"`
	CreatedBy  string   `json:"created_by"`
}

// ErrBudgetNotFound is returned by Budget for an unknown budget_id.
var ErrBudgetNotFound = errors.New("budget not found")

// Store keeps the proxy's keys. Implementations: memory (NewMemoryStore) and
// PostgreSQL with LiteLLM's own tables (NewPostgresStore). All methods are
// safe for concurrent use; keys passed in and returned are never shared with
// the store.
type Store interface {
	// Insert adds k. It returns inserted=false and no error when a row with
	// the same token exists (LiteLLM answers 200 and writes nothing), and
	// ErrDuplicateAlias when k.KeyAlias is taken (unless allowed by opts).
	// The alias check and the insert are atomic.
	Insert(ctx context.Context, k *Key, opts InsertOptions) (inserted bool, err error)
	// Get returns the row with this token or ErrKeyNotFound.
	Get(ctx context.Context, token string) (*Key, error)
	// List returns one page of rows and the total number matching.
	List(ctx context.Context, q ListQuery) (ListPage, error)
	// Update applies fn to the row with this token and stores the result,
	// atomically; a changed alias is checked for uniqueness against the other
	// rows unless opts allow duplicates. ErrKeyNotFound when absent.
	Update(ctx context.Context, token string, opts InsertOptions, fn UpdateFunc) (*Key, error)
	// TokensByAlias returns the tokens of the rows whose alias is one of
	// aliases.
	TokensByAlias(ctx context.Context, aliases []string) ([]string, error)
	// Delete removes the rows with these tokens, copying each into the
	// audit table ("LiteLLM_DeletedVerificationToken") first, in one
	// transaction. It returns the tokens that existed and were deleted.
	// ErrForeignKey when a referencing row blocks the delete (nothing is
	// deleted then).
	Delete(ctx context.Context, tokens []string, deletedBy string) ([]string, error)
	// InsertBudget adds a "LiteLLM_BudgetTable" row; Budget returns one
	// (ErrBudgetNotFound when absent).
	InsertBudget(ctx context.Context, b Budget) error
	Budget(ctx context.Context, budgetID string) (*Budget, error)
	// Ping reports whether the store is usable (/health/readiness).
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close()
}
