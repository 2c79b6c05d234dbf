package fakeserver

import (
	"context"
	"net/url"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/rhpds/litellm_virtual_keys/internal/litellmdb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func pgEnv(t *testing.T) *env {
	return newEnv(t, allStores()[1])
}

// TestPostgresNoCache: rows changed directly in SQL are seen by the API at
// once (this is how the collection's force-delete path is tested).
func TestPostgresNoCache(t *testing.T) {
	t.Parallel()
	e := pgEnv(t)
	g := e.generate(map[string]any{"key_alias": "pg-direct"})
	token := g["token"].(string)
	require.Equal(t, 200, e.call("GET", "/key/info?key="+token, nil).status)
	e.withSQL(func(c *pgx.Conn) {
		_, err := c.Exec(context.Background(), `DELETE FROM `+litellmdb.TokenTable+` WHERE token = $1`, token)
		require.NoError(t, err)
	})
	assert.Equal(t, 404, e.call("GET", "/key/info?key="+token, nil).status)
	assert.Equal(t, 0.0, listOf(t, e, "key_alias=pg-direct")["total_count"])
	assert.Equal(t, 401, e.call("GET", "/v1/models", nil, "Authorization: Bearer "+g["key"].(string)).status,
		"a key deleted in SQL no longer authenticates")
}

// TestPostgresJWTMappingBlocksDelete: the RESTRICT foreign key fails the
// delete with LiteLLM's 500, and nothing is deleted or audited.
func TestPostgresJWTMappingBlocksDelete(t *testing.T) {
	t.Parallel()
	e := pgEnv(t)
	g := e.generate(map[string]any{"key_alias": "pg-jwt"})
	token := g["token"].(string)
	e.withSQL(func(c *pgx.Conn) {
		_, err := c.Exec(context.Background(), `INSERT INTO `+litellmdb.JWTKeyMappingTable+
			` (id, jwt_claim_name, jwt_claim_value, token) VALUES ('m1', 'sub', 'u1', $1)`, token)
		require.NoError(t, err)
	})
	r := e.call("POST", "/key/delete", map[string]any{"keys": []string{token}})
	require.Equal(t, 500, r.status)
	assert.JSONEq(t, envelopeOf(fkMessage, "internal_server_error", "None", "500"), string(r.raw))
	assert.Equal(t, 200, e.call("GET", "/key/info?key="+token, nil).status)
	assert.NotContains(t, e.auditTokens(), token, "the audit insert is rolled back with the delete")
}

// TestPostgresAuditRow: the audit copy has a client-generated uuid and the
// key's columns.
func TestPostgresAuditRow(t *testing.T) {
	t.Parallel()
	e := pgEnv(t)
	g := e.generate(map[string]any{"key_alias": "pg-audit", "user_id": "u-audit"})
	require.Equal(t, 200, e.call("POST", "/key/delete", map[string]any{"key_aliases": []string{"pg-audit"}}).status)
	e.withSQL(func(c *pgx.Conn) {
		var id, alias, user, by string
		err := c.QueryRow(context.Background(), `SELECT id, key_alias, user_id, deleted_by FROM `+
			litellmdb.DeletedTokenTable+` WHERE token = $1`, g["token"]).Scan(&id, &alias, &user, &by)
		require.NoError(t, err)
		assert.Regexp(t, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`, id)
		assert.Equal(t, "pg-audit", alias)
		assert.Equal(t, "u-audit", user)
		assert.Equal(t, adminUserID, by)
	})
}

// TestPostgresExistingSchema: a second store on the same database (tables
// present) starts and sees the first one's rows; the master row is not
// duplicated.
func TestPostgresExistingSchema(t *testing.T) {
	t.Parallel()
	e := pgEnv(t)
	g := e.generate(map[string]any{"key_alias": "pg-shared"})
	u, err := url.Parse(e.dsn)
	require.NoError(t, err)
	q := u.Query()
	q.Set("schema", "public") // Prisma's parameter becomes the search_path
	u.RawQuery = q.Encode()
	s2, err := NewPostgresStore(context.Background(), u.String(), 2)
	require.NoError(t, err)
	defer s2.Close()
	_, err = New(context.Background(), Config{MasterKey: testMaster, Store: s2})
	require.NoError(t, err)
	k, err := s2.Get(context.Background(), g["token"].(string))
	require.NoError(t, err)
	assert.Equal(t, "pg-shared", *k.KeyAlias)
	page, err := s2.List(context.Background(), ListQuery{Page: 1, Size: 100, Token: ptr(HashToken(testMaster))})
	require.NoError(t, err)
	assert.Equal(t, 1, page.Total)
}

// TestPostgresBadDSNIsNotPrinted: connection errors never carry the DSN or
// its password.
func TestPostgresBadDSNIsNotPrinted(t *testing.T) {
	t.Parallel()
	const pw = "s3cret-pass-word"
	for _, dsn := range []string{
		"postgres://someone:" + pw + "@127.0.0.1:1/db?connect_timeout=2",
		"postgres://someone:" + pw + "@127.0.0.1:1/db?sslmode=bogus",
	} {
		_, err := NewPostgresStore(context.Background(), dsn, 1)
		require.Error(t, err)
		assert.NotContains(t, err.Error(), pw)
		assert.NotContains(t, err.Error(), dsn)
	}
}
