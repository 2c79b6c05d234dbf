// Package tokendb deletes LiteLLM virtual keys directly in LiteLLM's
// PostgreSQL database. It is the force-delete fallback of the litellm_key
// module, used when POST /key/delete fails or does not take (see
// docs/litellm-api.md, "POST /key/delete" and "Database").
//
// Delete works in one transaction: it locks the key rows whose token and
// key_alias both match, removes their rows in "LiteLLM_JWTKeyMapping" (whose
// foreign key is ON DELETE RESTRICT in older releases), copies them into
// "LiteLLM_DeletedVerificationToken" as LiteLLM's own delete does, and deletes
// them from "LiteLLM_VerificationToken". The mapping and audit steps run only
// when those tables exist. Values are always bound parameters; the only SQL
// built at run time is the audit column list, made of column names read from
// the catalog and quoted as identifiers.
//
// A raw delete does not clear the proxies' in-memory key cache: a deleted key
// may keep authenticating for up to the cache TTL (60 s by default).
package tokendb

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rhpds/litellm_virtual_keys/internal/litellmdb"
)

// Request says which key rows to delete.
type Request struct {
	Alias     string   // rows must match this key_alias AND one of Tokens
	Tokens    []string // sha256 hex token hashes
	DeletedBy string   // recorded in the audit row's deleted_by (e.g. "rhpds.litellm_virtual_keys")
}

// Result reports what was done, without secrets.
type Result struct {
	Deleted         []string // token hashes actually deleted
	MappingsDeleted int64    // rows removed from "LiteLLM_JWTKeyMapping"
	AuditRows       int64    // rows copied into "LiteLLM_DeletedVerificationToken"
	Statements      []string // the SQL executed, parameterised text only (no values)
}

// The statements Delete runs. Table names are constants from litellmdb.
const (
	stmtBegin      = "BEGIN"
	stmtCommit     = "COMMIT"
	stmtRollback   = "ROLLBACK"
	stmtSearchPath = `SELECT set_config('search_path', $1, true)`
	stmtRegclass   = `SELECT to_regclass($1) IS NOT NULL`
	stmtLock       = `SELECT token FROM ` + litellmdb.TokenTable +
		` WHERE token = ANY($1) AND key_alias = $2 ORDER BY token FOR UPDATE`
	stmtDeleteMappings = `DELETE FROM ` + litellmdb.JWTKeyMappingTable + ` WHERE token = ANY($1)`
	stmtAuditColumns   = `SELECT d.attname FROM pg_catalog.pg_attribute d` +
		` JOIN pg_catalog.pg_attribute t ON t.attrelid = to_regclass($2) AND t.attname = d.attname` +
		` AND t.attnum > 0 AND NOT t.attisdropped` +
		` WHERE d.attrelid = to_regclass($1) AND d.attnum > 0 AND NOT d.attisdropped AND d.attgenerated = ''` +
		` AND d.attname NOT IN ('id', 'deleted_at', 'deleted_by') ORDER BY d.attnum`
	stmtDeleteTokens = `DELETE FROM ` + litellmdb.TokenTable +
		` WHERE token = ANY($1) AND key_alias = $2 RETURNING token`
)

// Step names used in StepError.
const (
	stepBegin        = "begin transaction"
	stepSearchPath   = "set search_path"
	stepCheckTable   = "check table"
	stepLock         = "lock key rows"
	stepMappings     = "delete JWT mapping rows"
	stepAuditColumns = "read audit columns"
	stepAudit        = "write audit rows"
	stepDelete       = "delete key rows"
	stepCommit       = "commit"
	stepRollback     = "rollback"
)

// Delete removes from LiteLLM's database the key rows whose token is one of
// req.Tokens and whose key_alias is req.Alias, in one transaction, and reports
// what it did. Rows whose token matches but whose alias differs are left
// alone. Deleting keys that are already gone is not an error: Result.Deleted
// is then empty.
//
// databaseURL is a postgres:// URL as LiteLLM uses it (Prisma parameters such
// as schema and connection_limit are accepted; schema, else $DATABASE_SCHEMA,
// else public, becomes the search_path) or a libpq keyword/value string.
// Every step is bounded by ctx; when ctx has no deadline and the URL no
// connect_timeout, connecting gives up after 10 s.
//
// Errors wrap ErrInvalidRequest, ErrInvalidURL (*URLError), ErrConnect and
// ErrAuthentication (*ConnectError), or ErrTransaction (*StepError); none of
// them contains the URL or its password.
func Delete(ctx context.Context, databaseURL string, req Request) (*Result, error) {
	tokens, err := validate(req)
	if err != nil {
		return nil, err
	}
	cfg, err := parseDatabaseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	if _, ok := ctx.Deadline(); !ok && cfg.pgx.ConnectTimeout == 0 {
		cfg.pgx.ConnectTimeout = defaultConnectTimeout
	}
	conn, err := pgx.ConnectConfig(ctx, cfg.pgx)
	if err != nil {
		return nil, newConnectError(ctx, cfg, err)
	}
	defer func() {
		// Closing must not hang on a dead server nor be skipped because ctx ended.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	return run(ctx, conn, cfg, req, tokens)
}

// run executes the transaction on an open connection.
func run(ctx context.Context, conn *pgx.Conn, cfg *connConfig, req Request, tokens []string) (*Result, error) {
	res := &Result{Deleted: []string{}}
	fail := func(step, stmt string, err error) (*Result, error) {
		return nil, newStepError(ctx, cfg, step, stmt, err)
	}

	res.Statements = append(res.Statements, stmtBegin)
	tx, err := conn.Begin(ctx)
	if err != nil {
		return fail(stepBegin, stmtBegin, err)
	}
	defer func() {
		// A no-op after Commit; after a failure the server rolls back anyway
		// when the connection closes, so a rollback error changes nothing.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = tx.Rollback(rctx)
	}()

	res.Statements = append(res.Statements, stmtSearchPath)
	if _, err := tx.Exec(ctx, stmtSearchPath, pgx.Identifier{cfg.schema}.Sanitize()); err != nil {
		return fail(stepSearchPath, stmtSearchPath, err)
	}

	exists := func(table string) (bool, error) {
		res.Statements = append(res.Statements, stmtRegclass)
		var ok bool
		if err := tx.QueryRow(ctx, stmtRegclass, table).Scan(&ok); err != nil {
			return false, newStepError(ctx, cfg, stepCheckTable+" "+table, stmtRegclass, err)
		}
		return ok, nil
	}
	hasMappings, err := exists(litellmdb.JWTKeyMappingTable)
	if err != nil {
		return nil, err
	}
	hasAudit, err := exists(litellmdb.DeletedTokenTable)
	if err != nil {
		return nil, err
	}

	res.Statements = append(res.Statements, stmtLock)
	rows, err := tx.Query(ctx, stmtLock, tokens, req.Alias)
	if err != nil {
		return fail(stepLock, stmtLock, err)
	}
	matched, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fail(stepLock, stmtLock, err)
	}
	if len(matched) == 0 {
		// Nothing to delete: end the read-only transaction.
		res.Statements = append(res.Statements, stmtRollback)
		if err := tx.Rollback(ctx); err != nil {
			return fail(stepRollback, stmtRollback, err)
		}
		return res, nil
	}

	if hasMappings {
		res.Statements = append(res.Statements, stmtDeleteMappings)
		tag, err := tx.Exec(ctx, stmtDeleteMappings, matched)
		if err != nil {
			return fail(stepMappings, stmtDeleteMappings, err)
		}
		res.MappingsDeleted = tag.RowsAffected()
	}

	if hasAudit {
		res.Statements = append(res.Statements, stmtAuditColumns)
		rows, err := tx.Query(ctx, stmtAuditColumns, litellmdb.DeletedTokenTable, litellmdb.TokenTable)
		if err != nil {
			return fail(stepAuditColumns, stmtAuditColumns, err)
		}
		cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fail(stepAuditColumns, stmtAuditColumns, err)
		}
		ids := make([]string, len(matched))
		for i := range ids {
			if ids[i], err = newUUID(); err != nil {
				return fail(stepAudit, "", err)
			}
		}
		stmt := auditInsert(cols)
		res.Statements = append(res.Statements, stmt)
		var deletedBy *string
		if req.DeletedBy != "" {
			deletedBy = &req.DeletedBy
		}
		tag, err := tx.Exec(ctx, stmt, matched, ids, deletedBy, req.Alias)
		if err != nil {
			return fail(stepAudit, stmt, err)
		}
		res.AuditRows = tag.RowsAffected()
	}

	res.Statements = append(res.Statements, stmtDeleteTokens)
	rows, err = tx.Query(ctx, stmtDeleteTokens, matched, req.Alias)
	if err != nil {
		return fail(stepDelete, stmtDeleteTokens, err)
	}
	deleted, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return fail(stepDelete, stmtDeleteTokens, err)
	}

	res.Statements = append(res.Statements, stmtCommit)
	if err := tx.Commit(ctx); err != nil {
		return fail(stepCommit, stmtCommit, err)
	}
	slices.Sort(deleted)
	res.Deleted = deleted
	return res, nil
}

// auditInsert builds the statement copying key rows into the audit table.
// cols are column names present in both tables (read from the catalog);
// they are quoted as identifiers. Parameters: $1 tokens, $2 audit ids (same
// order), $3 deleted_by, $4 key_alias.
func auditInsert(cols []string) string {
	quoted := make([]string, len(cols))
	selected := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
		selected[i] = "t." + quoted[i]
	}
	var b strings.Builder
	b.WriteString("INSERT INTO " + litellmdb.DeletedTokenTable + " (id, ")
	for _, q := range quoted {
		b.WriteString(q + ", ")
	}
	b.WriteString("deleted_at, deleted_by) SELECT m.id, ")
	for _, s := range selected {
		b.WriteString(s + ", ")
	}
	b.WriteString("(now() AT TIME ZONE 'UTC'), $3::text FROM " + litellmdb.TokenTable +
		" AS t JOIN unnest($1::text[], $2::text[]) AS m(token, id) ON m.token = t.token WHERE t.key_alias = $4")
	return b.String()
}

// validate checks req and returns its tokens lower-cased, de-duplicated and
// sorted. Errors never echo a token: a caller may have passed a raw key.
func validate(req Request) ([]string, error) {
	if req.Alias == "" {
		return nil, fmt.Errorf("%w: key alias is empty", ErrInvalidRequest)
	}
	if len(req.Tokens) == 0 {
		return nil, fmt.Errorf("%w: no token hashes given for key alias %q", ErrInvalidRequest, req.Alias)
	}
	tokens := make([]string, 0, len(req.Tokens))
	for i, t := range req.Tokens {
		if strings.HasPrefix(t, "sk-") {
			return nil, fmt.Errorf("%w: token %d is a raw key, not its sha256 hash", ErrInvalidRequest, i+1)
		}
		if len(t) != 64 {
			return nil, fmt.Errorf("%w: token %d is not a sha256 hash (want 64 hex characters, got %d characters)",
				ErrInvalidRequest, i+1, len(t))
		}
		if _, err := hex.DecodeString(t); err != nil {
			return nil, fmt.Errorf("%w: token %d is not a sha256 hash (not hexadecimal)", ErrInvalidRequest, i+1)
		}
		tokens = append(tokens, strings.ToLower(t))
	}
	slices.Sort(tokens)
	return slices.Compact(tokens), nil
}

// newUUID returns a random (version 4) UUID in canonical text form.
func newUUID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}
