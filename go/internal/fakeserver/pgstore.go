package fakeserver

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/rhpds/litellm_virtual_keys/internal/litellmdb"
)

// aliasLockID is the transaction-scoped advisory lock that serialises alias
// uniqueness checks with the inserts and updates that follow them.
const aliasLockID int64 = 0x4c69746512

// PostgresStore is the Store over LiteLLM's own tables. It caches nothing:
// every call reads the database, so rows changed directly in SQL are seen at
// once.
type PostgresStore struct {
	cfg  *pgx.ConnConfig
	idle chan *pgx.Conn
	sem  chan struct{}
}

var _ Store = (*PostgresStore)(nil)

// ErrDatabaseConfig reports a database URL that cannot be used. Its text
// never contains the URL.
var ErrDatabaseConfig = errors.New("invalid database URL")

// parseDSN parses a PostgreSQL URL or keyword DSN. Prisma's "?schema=X"
// parameter becomes the search_path.
func parseDSN(dsn string) (*pgx.ConnConfig, error) {
	schema := ""
	if u, err := url.Parse(dsn); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		if s := q.Get("schema"); s != "" {
			schema = s
			q.Del("schema")
			u.RawQuery = q.Encode()
			dsn = u.String()
		}
	}
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx errors may quote the DSN; report only that it is invalid.
		return nil, ErrDatabaseConfig
	}
	if schema != "" {
		cfg.RuntimeParams["search_path"] = schema
	}
	return cfg, nil
}

// NewPostgresStore connects to the database, creates LiteLLM's tables if they
// are absent (under litellmdb.SchemaLockID) and returns the store. maxConns
// bounds the open connections (<= 0 means 8).
func NewPostgresStore(ctx context.Context, dsn string, maxConns int) (*PostgresStore, error) {
	cfg, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if maxConns <= 0 {
		maxConns = 8
	}
	s := &PostgresStore{cfg: cfg, idle: make(chan *pgx.Conn, maxConns), sem: make(chan struct{}, maxConns)}
	c, err := s.acquire(ctx)
	if err != nil {
		return nil, err
	}
	err = createSchema(ctx, c)
	s.release(c)
	if err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func createSchema(ctx context.Context, c *pgx.Conn) error {
	if _, err := c.Exec(ctx, "SELECT pg_advisory_lock($1)", litellmdb.SchemaLockID); err != nil {
		return fmt.Errorf("lock schema: %w", err)
	}
	_, err := c.Exec(ctx, litellmdb.Schema)
	_, uerr := c.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", litellmdb.SchemaLockID)
	if err != nil {
		return fmt.Errorf("create LiteLLM tables: %w", err)
	}
	if uerr != nil {
		return fmt.Errorf("unlock schema: %w", uerr)
	}
	return nil
}

func (s *PostgresStore) acquire(ctx context.Context) (*pgx.Conn, error) {
	select {
	case c := <-s.idle:
		return c, nil
	default:
	}
	select {
	case s.sem <- struct{}{}:
	case c := <-s.idle:
		return c, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	c, err := pgx.ConnectConfig(ctx, s.cfg)
	if err != nil {
		<-s.sem
		var pe *pgconn.PgError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("connect to PostgreSQL: %s (SQLSTATE %s)", pe.Message, pe.Code)
		}
		return nil, fmt.Errorf("connect to PostgreSQL at %s:%d: %w", s.cfg.Host, s.cfg.Port, errors.Unwrap(err))
	}
	return c, nil
}

func (s *PostgresStore) release(c *pgx.Conn) {
	if c.IsClosed() || c.PgConn().TxStatus() != 'I' {
		_ = c.Close(context.Background())
		<-s.sem
		return
	}
	s.idle <- c
}

// withConn runs fn on a pooled connection.
func (s *PostgresStore) withConn(ctx context.Context, fn func(c *pgx.Conn) error) error {
	c, err := s.acquire(ctx)
	if err != nil {
		return err
	}
	defer s.release(c)
	return fn(c)
}

// withTx runs fn in a transaction, committing when fn succeeds.
func (s *PostgresStore) withTx(ctx context.Context, fn func(tx pgx.Tx) error) error {
	return s.withConn(ctx, func(c *pgx.Conn) error {
		return pgx.BeginFunc(ctx, c, fn)
	})
}

// keyColumns are the columns the store reads and writes, in scan order.
const keyColumns = `token, key_name, key_alias, spend, expires, models, aliases, config, user_id, team_id,
 permissions, max_parallel_requests, metadata, blocked, tpm_limit, rpm_limit, max_budget, budget_duration,
 budget_reset_at, allowed_cache_controls, allowed_routes, model_spend, model_max_budget, budget_id,
 organization_id, created_at, created_by, updated_at, updated_by`

const keyColumnCount = 29

func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("$" + strconv.Itoa(from+i))
	}
	return b.String()
}

func keyArgs(k *Key) []any {
	c := k.Clone()
	c.normalize()
	return []any{c.Token, c.KeyName, c.KeyAlias, c.Spend, c.Expires, c.Models, c.Aliases, c.Config, c.UserID, c.TeamID,
		c.Permissions, c.MaxParallelRequests, c.Metadata, c.Blocked, c.TPMLimit, c.RPMLimit, c.MaxBudget, c.BudgetDuration,
		c.BudgetResetAt, c.AllowedCacheControls, c.AllowedRoutes, c.ModelSpend, c.ModelMaxBudget, c.BudgetID,
		c.OrganizationID, c.CreatedAt, c.CreatedBy, c.UpdatedAt, c.UpdatedBy}
}

// scanKey reads keyColumns, then any extra columns into extra.
func scanKey(row pgx.Row, extra ...any) (*Key, error) {
	var k Key
	var created, updated *time.Time
	err := row.Scan(append([]any{&k.Token, &k.KeyName, &k.KeyAlias, &k.Spend, &k.Expires, &k.Models, &k.Aliases, &k.Config,
		&k.UserID, &k.TeamID, &k.Permissions, &k.MaxParallelRequests, &k.Metadata, &k.Blocked, &k.TPMLimit,
		&k.RPMLimit, &k.MaxBudget, &k.BudgetDuration, &k.BudgetResetAt, &k.AllowedCacheControls, &k.AllowedRoutes,
		&k.ModelSpend, &k.ModelMaxBudget, &k.BudgetID, &k.OrganizationID, &created, &k.CreatedBy, &updated, &k.UpdatedBy},
		extra...)...)
	if err != nil {
		return nil, err
	}
	if created != nil {
		k.CreatedAt = created.UTC()
	}
	if updated != nil {
		k.UpdatedAt = updated.UTC()
	}
	if k.Expires != nil {
		e := k.Expires.UTC()
		k.Expires = &e
	}
	if k.BudgetResetAt != nil {
		e := k.BudgetResetAt.UTC()
		k.BudgetResetAt = &e
	}
	k.normalize()
	return &k, nil
}

// Insert implements Store.
func (s *PostgresStore) Insert(ctx context.Context, k *Key, opts InsertOptions) (bool, error) {
	var inserted bool
	err := s.withTx(ctx, func(tx pgx.Tx) error {
		if !opts.AllowDuplicateAlias && k.KeyAlias != nil {
			if err := aliasTaken(ctx, tx, *k.KeyAlias, ""); err != nil {
				return err
			}
		}
		tag, err := tx.Exec(ctx, `INSERT INTO `+litellmdb.TokenTable+` (`+keyColumns+`) VALUES (`+
			placeholders(1, keyColumnCount)+`) ON CONFLICT (token) DO NOTHING`, keyArgs(k)...)
		if err != nil {
			return fmt.Errorf("insert key: %w", err)
		}
		inserted = tag.RowsAffected() == 1
		return nil
	})
	return inserted, err
}

// aliasTaken takes the alias lock for the rest of the transaction and
// returns ErrDuplicateAlias when a row other than except has the alias.
func aliasTaken(ctx context.Context, tx pgx.Tx, alias, except string) error {
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", aliasLockID); err != nil {
		return fmt.Errorf("lock aliases: %w", err)
	}
	var taken bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+litellmdb.TokenTable+` WHERE key_alias = $1 AND token <> $2)`,
		alias, except).Scan(&taken)
	if err != nil {
		return fmt.Errorf("check alias: %w", err)
	}
	if taken {
		return ErrDuplicateAlias
	}
	return nil
}

// Get implements Store.
func (s *PostgresStore) Get(ctx context.Context, token string) (*Key, error) {
	var k *Key
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		var err error
		k, err = scanKey(c.QueryRow(ctx, `SELECT `+keyColumns+` FROM `+litellmdb.TokenTable+` WHERE token = $1`, token))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrKeyNotFound
		}
		return err
	})
	return k, err
}

var sortColumns = map[string]string{
	"": "created_at", "created_at": "created_at", "updated_at": "updated_at", "key_alias": "key_alias",
	"spend": "spend", "max_budget": "max_budget", "token": "token",
}

// List implements Store.
func (s *PostgresStore) List(ctx context.Context, q ListQuery) (ListPage, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if q.KeyAlias != nil {
		switch q.AliasMatch {
		case AliasExact:
			add("key_alias = ?", *q.KeyAlias)
		case AliasSubstringFold:
			add("strpos(lower(key_alias), lower(?)) > 0", *q.KeyAlias)
		}
	}
	if q.UserID != nil {
		add("user_id = ?", *q.UserID)
	}
	if q.TeamID != nil {
		add("team_id = ?", *q.TeamID)
	}
	if q.Token != nil {
		add("token = ?", *q.Token)
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	col := sortColumns[q.SortBy]
	if col == "" {
		col = "created_at"
	}
	dir := " DESC"
	if q.Asc {
		dir = " ASC"
	}
	table, cols := litellmdb.TokenTable, keyColumns
	if q.Deleted {
		table, cols = litellmdb.DeletedTokenTable, keyColumns+", deleted_at, deleted_by"
	}
	page := ListPage{Keys: []*Key{}}
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		if err := c.QueryRow(ctx, `SELECT count(*) FROM `+table+cond, args...).Scan(&page.Total); err != nil {
			return fmt.Errorf("count keys: %w", err)
		}
		la := append(args, q.Size, (q.Page-1)*q.Size)
		rows, err := c.Query(ctx, `SELECT `+cols+` FROM `+table+cond+` ORDER BY `+col+dir+
			`, token ASC LIMIT $`+strconv.Itoa(len(la)-1)+` OFFSET $`+strconv.Itoa(len(la)), la...)
		if err != nil {
			return fmt.Errorf("list keys: %w", err)
		}
		defer rows.Close()
		for rows.Next() {
			var extra []any
			var m DeletedMeta
			if q.Deleted {
				extra = []any{&m.At, &m.By}
			}
			k, err := scanKey(rows, extra...)
			if err != nil {
				return fmt.Errorf("scan key: %w", err)
			}
			page.Keys = append(page.Keys, k)
			if q.Deleted {
				m.At = m.At.UTC()
				page.Deleted = append(page.Deleted, m)
			}
		}
		return rows.Err()
	})
	return page, err
}

// Update implements Store.
func (s *PostgresStore) Update(ctx context.Context, token string, opts InsertOptions, fn UpdateFunc) (*Key, error) {
	var out *Key
	err := s.withTx(ctx, func(tx pgx.Tx) error {
		cur, err := scanKey(tx.QueryRow(ctx, `SELECT `+keyColumns+` FROM `+litellmdb.TokenTable+` WHERE token = $1 FOR UPDATE`, token))
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrKeyNotFound
		}
		if err != nil {
			return fmt.Errorf("read key: %w", err)
		}
		next := cur.Clone()
		if err := fn(next); err != nil {
			return err
		}
		next.Token = token
		if !opts.AllowDuplicateAlias && next.KeyAlias != nil && !eqPtr(cur.KeyAlias, next.KeyAlias) {
			if err := aliasTaken(ctx, tx, *next.KeyAlias, token); err != nil {
				return err
			}
		}
		cols := strings.Split(strings.ReplaceAll(keyColumns, "\n", ""), ",")
		var set []string
		for i, c := range cols[1:] {
			set = append(set, strings.TrimSpace(c)+" = $"+strconv.Itoa(i+2))
		}
		if _, err := tx.Exec(ctx, `UPDATE `+litellmdb.TokenTable+` SET `+strings.Join(set, ", ")+` WHERE token = $1`,
			keyArgs(next)...); err != nil {
			return fmt.Errorf("update key: %w", err)
		}
		next.normalize()
		out = next
		return nil
	})
	return out, err
}

// TokensByAlias implements Store.
func (s *PostgresStore) TokensByAlias(ctx context.Context, aliases []string) ([]string, error) {
	var out []string
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		rows, err := c.Query(ctx, `SELECT token FROM `+litellmdb.TokenTable+` WHERE key_alias = ANY($1) ORDER BY token`, aliases)
		if err != nil {
			return fmt.Errorf("find keys by alias: %w", err)
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	return out, err
}

// Delete implements Store.
func (s *PostgresStore) Delete(ctx context.Context, tokens []string, deletedBy string) ([]string, error) {
	var done []string
	err := s.withTx(ctx, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+keyColumns+` FROM `+litellmdb.TokenTable+` WHERE token = ANY($1) ORDER BY token FOR UPDATE`, tokens)
		if err != nil {
			return fmt.Errorf("read keys: %w", err)
		}
		keys, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (*Key, error) { return scanKey(r) })
		if err != nil {
			return fmt.Errorf("read keys: %w", err)
		}
		for _, k := range keys {
			args := append([]any{newUUID()}, keyArgs(k)...)
			args = append(args, deletedBy)
			if _, err := tx.Exec(ctx, `INSERT INTO `+litellmdb.DeletedTokenTable+` (id, `+keyColumns+`, deleted_by) VALUES (`+
				placeholders(1, keyColumnCount+2)+`)`, args...); err != nil {
				return fmt.Errorf("write audit row: %w", err)
			}
			done = append(done, k.Token)
		}
		if len(done) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `DELETE FROM `+litellmdb.TokenTable+` WHERE token = ANY($1)`, done); err != nil {
			var pe *pgconn.PgError
			if errors.As(err, &pe) && pe.Code == "23503" {
				return fmt.Errorf("%w on the field: `%s (index)`", ErrForeignKey, pe.ConstraintName)
			}
			return fmt.Errorf("delete keys: %w", err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return done, nil
}

// InsertBudget implements Store.
func (s *PostgresStore) InsertBudget(ctx context.Context, b Budget) error {
	return s.withConn(ctx, func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, `INSERT INTO `+litellmdb.BudgetTable+` (budget_id, soft_budget, model_max_budget, created_by, updated_by)`+
			` VALUES ($1, $2, '{}', $3, $3)`, b.BudgetID, b.SoftBudget, b.CreatedBy)
		return err
	})
}

// Budget implements Store.
func (s *PostgresStore) Budget(ctx context.Context, id string) (*Budget, error) {
	b := Budget{BudgetID: id}
	err := s.withConn(ctx, func(c *pgx.Conn) error {
		return c.QueryRow(ctx, `SELECT soft_budget, created_by FROM `+litellmdb.BudgetTable+` WHERE budget_id = $1`, id).
			Scan(&b.SoftBudget, &b.CreatedBy)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, ErrBudgetNotFound
	}
	if err != nil {
		return nil, err
	}
	return &b, nil
}

// Ping implements Store.
func (s *PostgresStore) Ping(ctx context.Context) error {
	return s.withConn(ctx, func(c *pgx.Conn) error { return c.Ping(ctx) })
}

// Close closes the idle connections. Connections in use are closed when
// released after Close only if broken; call Close after the server stopped.
func (s *PostgresStore) Close() {
	for {
		select {
		case c := <-s.idle:
			_ = c.Close(context.Background())
			<-s.sem
		default:
			return
		}
	}
}
