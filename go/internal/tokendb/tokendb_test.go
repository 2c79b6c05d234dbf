package tokendb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/rhpds/litellm_virtual_keys/internal/litellmdb"
	"github.com/rhpds/litellm_virtual_keys/internal/testpg"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const deletedBy = "rhpds.litellm_virtual_keys"

// hashOf returns the token hash of the raw key "sk-"+name.
func hashOf(name string) string {
	sum := sha256.Sum256([]byte("sk-" + name))
	return hex.EncodeToString(sum[:])
}

func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// setup returns a fresh database with LiteLLM's tables and a connection to it.
func setup(t *testing.T) (string, *pgx.Conn) {
	t.Helper()
	dsn := testpg.NewDatabase(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return dsn, conn
}

func exec(t *testing.T, conn *pgx.Conn, sql string, args ...any) {
	t.Helper()
	_, err := conn.Exec(testCtx(t), sql, args...)
	require.NoError(t, err, sql)
}

func insertKey(t *testing.T, conn *pgx.Conn, token, alias string) {
	t.Helper()
	exec(t, conn, `INSERT INTO `+litellmdb.TokenTable+` (token, key_name, key_alias, spend, models, metadata,
		user_id, max_budget, created_by) VALUES ($1, $2, $3, 1.5, '{gpt-4o,granite}', '{"guid":"g1"}', 'u1', 10, 'admin')`,
		token, "sk-...abcd", alias)
}

func insertMapping(t *testing.T, conn *pgx.Conn, token string) {
	t.Helper()
	id, err := newUUID()
	require.NoError(t, err)
	exec(t, conn, `INSERT INTO `+litellmdb.JWTKeyMappingTable+` (id, jwt_claim_name, jwt_claim_value, token)
		VALUES ($1, 'sub', $2, $3)`, id, "user-"+token[:8], token)
}

func tokens(t *testing.T, conn *pgx.Conn, table string) []string {
	t.Helper()
	rows, err := conn.Query(testCtx(t), `SELECT token FROM `+table+` ORDER BY token`)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}

func count(t *testing.T, conn *pgx.Conn, table string) int {
	t.Helper()
	var n int
	require.NoError(t, conn.QueryRow(testCtx(t), `SELECT count(*) FROM `+table).Scan(&n))
	return n
}

func sorted(s ...string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

func TestDeleteOnlyMatchingTokenAndAlias(t *testing.T) {
	t.Parallel()
	mine1, mine2 := hashOf("mine-1"), hashOf("mine-2")
	otherAlias := hashOf("other-alias")
	unrelated := hashOf("unrelated")
	missing := hashOf("missing")

	tests := []struct {
		name        string
		tokens      []string
		wantDeleted []string
		wantLeft    []string
	}{
		{
			name:        "matching rows deleted, same token with another alias survives",
			tokens:      []string{mine1, mine2, otherAlias},
			wantDeleted: sorted(mine1, mine2),
			wantLeft:    sorted(otherAlias, unrelated),
		},
		{
			name:        "upper-case and duplicate hashes are normalised",
			tokens:      []string{strings.ToUpper(mine1), mine1},
			wantDeleted: []string{mine1},
			wantLeft:    sorted(mine2, otherAlias, unrelated),
		},
		{
			name:        "already gone deletes nothing",
			tokens:      []string{missing, otherAlias},
			wantDeleted: []string{},
			wantLeft:    sorted(mine1, mine2, otherAlias, unrelated),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dsn, conn := setup(t)
			insertKey(t, conn, mine1, "mine")
			insertKey(t, conn, mine2, "mine")
			insertKey(t, conn, otherAlias, "someone-else")
			insertKey(t, conn, unrelated, "unrelated")
			insertMapping(t, conn, otherAlias)
			insertMapping(t, conn, unrelated)
			mappingsBefore := tokens(t, conn, litellmdb.JWTKeyMappingTable)

			res, err := Delete(testCtx(t), dsn, Request{Alias: "mine", Tokens: tt.tokens, DeletedBy: deletedBy})
			require.NoError(t, err)
			assert.Equal(t, tt.wantDeleted, res.Deleted)
			assert.Equal(t, tt.wantLeft, tokens(t, conn, litellmdb.TokenTable))
			assert.Equal(t, tt.wantDeleted, tokens(t, conn, litellmdb.DeletedTokenTable), "audit rows")
			assert.Equal(t, int64(len(tt.wantDeleted)), res.AuditRows)
			assert.Zero(t, res.MappingsDeleted)
			assert.Equal(t, mappingsBefore, tokens(t, conn, litellmdb.JWTKeyMappingTable),
				"mapping rows of other keys survive")
			if len(tt.wantDeleted) == 0 {
				assert.Equal(t, stmtRollback, res.Statements[len(res.Statements)-1])
			} else {
				assert.Equal(t, stmtCommit, res.Statements[len(res.Statements)-1])
			}
		})
	}
}

func TestDeleteWritesAuditRow(t *testing.T) {
	t.Parallel()
	uuidV4 := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	tests := []struct {
		name          string
		deletedBy     string
		wantDeletedBy *string
	}{
		{name: "deleted_by recorded", deletedBy: deletedBy, wantDeletedBy: new(deletedBy)},
		{name: "empty deleted_by is NULL", deletedBy: "", wantDeletedBy: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dsn, conn := setup(t)
			tok, tok2 := hashOf("audit"), hashOf("audit-2")
			insertKey(t, conn, tok, "audited")
			insertKey(t, conn, tok2, "audited")

			before := time.Now().UTC()
			res, err := Delete(testCtx(t), dsn, Request{Alias: "audited", Tokens: []string{tok, tok2}, DeletedBy: tt.deletedBy})
			require.NoError(t, err)
			require.Equal(t, int64(2), res.AuditRows)

			var (
				id, token, keyName, alias, userID, createdBy string
				spend, maxBudget                             float64
				models                                       []string
				metadata                                     map[string]any
				deletedAt                                    time.Time
				gotDeletedBy                                 *string
			)
			err = conn.QueryRow(testCtx(t), `SELECT id, token, key_name, key_alias, user_id, created_by, spend,
				max_budget, models, metadata, deleted_at, deleted_by FROM `+litellmdb.DeletedTokenTable+
				` WHERE token = $1`, tok).
				Scan(&id, &token, &keyName, &alias, &userID, &createdBy, &spend, &maxBudget, &models, &metadata,
					&deletedAt, &gotDeletedBy)
			require.NoError(t, err)
			assert.Regexp(t, uuidV4, id)
			assert.Equal(t, tok, token)
			assert.Equal(t, "sk-...abcd", keyName)
			assert.Equal(t, "audited", alias)
			assert.Equal(t, "u1", userID)
			assert.Equal(t, "admin", createdBy)
			assert.InDelta(t, 1.5, spend, 1e-9)
			assert.InDelta(t, 10.0, maxBudget, 1e-9)
			assert.Equal(t, []string{"gpt-4o", "granite"}, models)
			assert.Equal(t, map[string]any{"guid": "g1"}, metadata)
			assert.Equal(t, tt.wantDeletedBy, gotDeletedBy)
			// TIMESTAMP(3) without time zone, in UTC: pgx reads it as UTC.
			assert.WithinDuration(t, before, deletedAt, time.Minute)

			var distinctIDs int
			require.NoError(t, conn.QueryRow(testCtx(t),
				`SELECT count(DISTINCT id) FROM `+litellmdb.DeletedTokenTable).Scan(&distinctIDs))
			assert.Equal(t, 2, distinctIDs, "one fresh id per audit row")
		})
	}
}

func TestDeleteRemovesJWTMappingsFirst(t *testing.T) {
	t.Parallel()
	dsn, conn := setup(t)
	tok, other := hashOf("mapped"), hashOf("mapped-other")
	insertKey(t, conn, tok, "mapped")
	insertKey(t, conn, other, "other")
	insertMapping(t, conn, tok)
	insertMapping(t, conn, tok)
	insertMapping(t, conn, other)

	// Without removing the mapping rows first, the delete fails (RESTRICT).
	ctx := testCtx(t)
	tx, err := conn.Begin(ctx)
	require.NoError(t, err)
	_, err = tx.Exec(ctx, stmtDeleteTokens, []string{tok}, "mapped")
	var pgErr *pgconn.PgError
	require.ErrorAs(t, err, &pgErr)
	assert.Equal(t, "23503", pgErr.Code, "foreign key violation")
	require.NoError(t, tx.Rollback(ctx))

	res, err := Delete(ctx, dsn, Request{Alias: "mapped", Tokens: []string{tok}, DeletedBy: deletedBy})
	require.NoError(t, err)
	assert.Equal(t, []string{tok}, res.Deleted)
	assert.Equal(t, int64(2), res.MappingsDeleted)
	assert.Equal(t, []string{other}, tokens(t, conn, litellmdb.JWTKeyMappingTable), "other key's mapping survives")
	assert.Equal(t, []string{other}, tokens(t, conn, litellmdb.TokenTable))
	assert.Less(t, slices.Index(res.Statements, stmtDeleteMappings), slices.Index(res.Statements, stmtDeleteTokens))
	assert.GreaterOrEqual(t, slices.Index(res.Statements, stmtDeleteMappings), 0)
}

func TestDeleteWithoutOptionalTables(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		drop         []string
		wantMappings bool
		wantAudit    bool
	}{
		{name: "no audit table", drop: []string{litellmdb.DeletedTokenTable}, wantMappings: true},
		{name: "no mapping table", drop: []string{litellmdb.JWTKeyMappingTable}, wantAudit: true},
		{name: "neither", drop: []string{litellmdb.DeletedTokenTable, litellmdb.JWTKeyMappingTable}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dsn, conn := setup(t)
			tok := hashOf("bare")
			insertKey(t, conn, tok, "bare")
			if tt.wantMappings {
				insertMapping(t, conn, tok)
			}
			for _, table := range tt.drop {
				exec(t, conn, `DROP TABLE `+table)
			}

			res, err := Delete(testCtx(t), dsn, Request{Alias: "bare", Tokens: []string{tok}, DeletedBy: deletedBy})
			require.NoError(t, err)
			assert.Equal(t, []string{tok}, res.Deleted)
			assert.Empty(t, tokens(t, conn, litellmdb.TokenTable))
			assert.Equal(t, tt.wantMappings, slices.Contains(res.Statements, stmtDeleteMappings))
			assert.Equal(t, tt.wantAudit, slices.Contains(res.Statements, stmtAuditColumns))
			if tt.wantMappings {
				assert.Equal(t, int64(1), res.MappingsDeleted)
			} else {
				assert.Zero(t, res.MappingsDeleted)
			}
			if tt.wantAudit {
				assert.Equal(t, int64(1), res.AuditRows)
			} else {
				assert.Zero(t, res.AuditRows)
			}
		})
	}
}

func TestDeleteInOtherSchema(t *testing.T) {
	const schema = "lite-llm" // needs quoting
	tests := []struct {
		name      string
		query     url.Values
		envSchema string
	}{
		{name: "schema URL parameter", query: url.Values{"schema": {schema}}},
		{name: "DATABASE_SCHEMA", envSchema: schema},
		{name: "URL wins over DATABASE_SCHEMA", query: url.Values{"schema": {schema}}, envSchema: "nonexistent"},
		{
			name:  "Prisma-only parameters accepted",
			query: url.Values{"schema": {schema}, "connection_limit": {"5"}, "pool_timeout": {"10"}, "pgbouncer": {"true"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvSchema, tt.envSchema)
			dsn, conn := setup(t) // public has the tables too: they must be left alone
			exec(t, conn, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize())
			exec(t, conn, `SET search_path TO `+pgx.Identifier{schema}.Sanitize())
			exec(t, conn, litellmdb.Schema)
			tok := hashOf("schema")
			insertKey(t, conn, tok, "tenant") // in the schema
			insertMapping(t, conn, tok)
			exec(t, conn, `SET search_path TO public`)
			insertKey(t, conn, tok, "tenant") // decoy in public

			u, err := url.Parse(dsn)
			require.NoError(t, err)
			q := u.Query()
			for k, v := range tt.query {
				q[k] = v
			}
			u.RawQuery = q.Encode()

			res, err := Delete(testCtx(t), u.String(), Request{Alias: "tenant", Tokens: []string{tok}, DeletedBy: deletedBy})
			require.NoError(t, err)
			assert.Equal(t, []string{tok}, res.Deleted)
			assert.Equal(t, int64(1), res.MappingsDeleted)
			assert.Equal(t, int64(1), res.AuditRows)

			in := func(table string) string { return pgx.Identifier{schema}.Sanitize() + "." + table }
			assert.Empty(t, tokens(t, conn, in(litellmdb.TokenTable)))
			assert.Equal(t, []string{tok}, tokens(t, conn, in(litellmdb.DeletedTokenTable)))
			assert.Equal(t, []string{tok}, tokens(t, conn, "public."+litellmdb.TokenTable), "public row survives")
			assert.Empty(t, tokens(t, conn, "public."+litellmdb.DeletedTokenTable))
		})
	}
}

func TestDeleteRollsBackOnFailure(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		sabotage string
		wantStep string
		wantCode string
	}{
		{
			name:     "audit insert fails",
			sabotage: `ALTER TABLE ` + litellmdb.DeletedTokenTable + ` ADD COLUMN required_by_newer_release TEXT NOT NULL`,
			wantStep: stepAudit,
			wantCode: "23502",
		},
		{
			name: "final delete fails",
			sabotage: `CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
				CREATE TRIGGER refuse BEFORE DELETE ON ` + litellmdb.TokenTable + ` FOR EACH ROW EXECUTE FUNCTION refuse()`,
			wantStep: stepDelete,
			wantCode: "P0001",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dsn, conn := setup(t)
			tok, other := hashOf("rollback"), hashOf("rollback-other")
			insertKey(t, conn, tok, "rb")
			insertKey(t, conn, other, "other")
			insertMapping(t, conn, tok)
			exec(t, conn, tt.sabotage)

			res, err := Delete(testCtx(t), dsn, Request{Alias: "rb", Tokens: []string{tok}, DeletedBy: deletedBy})
			require.Error(t, err)
			assert.Nil(t, res)
			assert.ErrorIs(t, err, ErrTransaction)
			var se *StepError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.wantStep, se.Step)
			assert.Equal(t, tt.wantCode, se.SQLState)
			var pgErr *pgconn.PgError
			require.ErrorAs(t, err, &pgErr)
			assert.Equal(t, tt.wantCode, pgErr.Code)
			assert.Contains(t, err.Error(), "rolled back")
			assert.NotContains(t, err.Error(), `{"guid"`, "no row data in the message")

			assert.Equal(t, sorted(tok, other), tokens(t, conn, litellmdb.TokenTable))
			assert.Equal(t, []string{tok}, tokens(t, conn, litellmdb.JWTKeyMappingTable), "mapping row restored")
			assert.Zero(t, count(t, conn, litellmdb.DeletedTokenTable))
		})
	}
}

// closedPort returns a loopback port on which nothing listens.
func closedPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	return port
}

// silentServer accepts connections and never answers.
func silentServer(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	t.Cleanup(func() {
		_ = l.Close()
		<-done
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return l.Addr().(*net.TCPAddr).Port
}

func TestDeleteConnectErrorsHideSecrets(t *testing.T) {
	t.Parallel()
	const fakePassword = "Sup3r-Secret/pw@x"
	req := Request{Alias: "a", Tokens: []string{hashOf("a")}}

	tests := []struct {
		name     string
		dsn      func(t *testing.T) (dsn, host, user string)
		wantAuth bool
	}{
		{
			name: "closed port",
			dsn: func(t *testing.T) (string, string, string) {
				hostPort := net.JoinHostPort("127.0.0.1", strconv.Itoa(closedPort(t)))
				u := url.URL{Scheme: "postgres", User: url.UserPassword("litellm", fakePassword), Host: hostPort,
					Path: "/litellm", RawQuery: "sslmode=disable&schema=x"}
				return u.String(), hostPort, "litellm"
			},
		},
		{
			name: "wrong password",
			dsn: func(t *testing.T) (string, string, string) {
				u, err := url.Parse(testpg.NewDatabase(t, true))
				require.NoError(t, err)
				u.User = url.UserPassword(u.User.Username(), fakePassword)
				return u.String(), u.Host, u.User.Username()
			},
			wantAuth: true,
		},
		{
			name: "wrong password, keyword/value form",
			dsn: func(t *testing.T) (string, string, string) {
				u, err := url.Parse(testpg.NewDatabase(t, true))
				require.NoError(t, err)
				kv := "host=" + u.Hostname() + " port=" + u.Port() + " user=" + u.User.Username() +
					" dbname=" + strings.TrimPrefix(u.Path, "/") + " sslmode=disable password='" + fakePassword + "'"
				return kv, u.Host, u.User.Username()
			},
			wantAuth: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dsn, host, user := tt.dsn(t)
			res, err := Delete(testCtx(t), dsn, req)
			require.Error(t, err)
			assert.Nil(t, res)
			assert.ErrorIs(t, err, ErrConnect)
			assert.Equal(t, tt.wantAuth, errors.Is(err, ErrAuthentication))
			var ce *ConnectError
			require.ErrorAs(t, err, &ce)
			msg := err.Error()
			assert.Contains(t, msg, host)
			assert.Contains(t, msg, "as "+user)
			for _, secret := range append(Secrets(dsn), fakePassword, url.QueryEscape(fakePassword), dsn) {
				assert.NotContains(t, msg, secret)
			}
			if real, ok := realPassword(t); ok {
				assert.NotContains(t, msg, real)
			}
		})
	}
}

// realPassword returns the test server's password.
func realPassword(t *testing.T) (string, bool) {
	u, err := url.Parse(testpg.ServerURL(t))
	require.NoError(t, err)
	return u.User.Password()
}

func TestDeleteConnectTimeouts(t *testing.T) {
	tests := []struct {
		name    string
		timeout time.Duration // ctx deadline; 0 = none, so the default applies
	}{
		{name: "context deadline", timeout: 100 * time.Millisecond},
		{name: "default connect timeout", timeout: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			old := defaultConnectTimeout
			t.Cleanup(func() { defaultConnectTimeout = old })
			if tt.timeout == 0 {
				defaultConnectTimeout = 100 * time.Millisecond
			} else {
				defaultConnectTimeout = time.Hour // must not be used: ctx has a deadline
			}

			ctx := context.Background()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			dsn := "postgres://litellm:pw-secret@127.0.0.1:" + strconv.Itoa(silentServer(t)) + "/db?sslmode=disable"
			start := time.Now()
			_, err := Delete(ctx, dsn, Request{Alias: "a", Tokens: []string{hashOf("a")}})
			require.Error(t, err)
			assert.Less(t, time.Since(start), 5*time.Second)
			assert.ErrorIs(t, err, ErrConnect)
			assert.ErrorIs(t, err, context.DeadlineExceeded)
			assert.NotContains(t, err.Error(), "pw-secret")
		})
	}
}

func TestDeleteRejectsInvalidRequests(t *testing.T) {
	t.Parallel()
	// Validation comes before any connection: the URL points nowhere.
	dsn := "postgres://litellm:pw-secret@127.0.0.1:1/db"
	rawKey := "sk-" + strings.Repeat("a", 61)
	tests := []struct {
		name    string
		req     Request
		wantMsg string
	}{
		{name: "empty alias", req: Request{Tokens: []string{hashOf("x")}}, wantMsg: "alias is empty"},
		{name: "no tokens", req: Request{Alias: "x"}, wantMsg: "no token hashes"},
		{name: "empty token list", req: Request{Alias: "x", Tokens: []string{}}, wantMsg: "no token hashes"},
		{name: "raw key instead of hash", req: Request{Alias: "x", Tokens: []string{rawKey}}, wantMsg: "raw key"},
		{name: "short token", req: Request{Alias: "x", Tokens: []string{"abc123"}}, wantMsg: "64 hex"},
		{name: "long token", req: Request{Alias: "x", Tokens: []string{hashOf("x") + "0"}}, wantMsg: "64 hex"},
		{name: "not hex", req: Request{Alias: "x", Tokens: []string{hashOf("x"), strings.Repeat("g", 64)}}, wantMsg: "token 2"},
		{name: "empty token", req: Request{Alias: "x", Tokens: []string{""}}, wantMsg: "64 hex"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res, err := Delete(context.Background(), dsn, tt.req)
			require.Error(t, err)
			assert.Nil(t, res)
			assert.ErrorIs(t, err, ErrInvalidRequest)
			assert.NotErrorIs(t, err, ErrConnect)
			assert.Contains(t, err.Error(), tt.wantMsg)
			assert.NotContains(t, err.Error(), rawKey)
		})
	}
}
