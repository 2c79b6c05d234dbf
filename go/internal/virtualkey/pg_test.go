package virtualkey

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver/fakeservertest"
	"github.com/rhpds/litellm_virtual_keys/internal/tokendb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pgEnv is a fake proxy over a fresh PostgreSQL database with LiteLLM's tables.
func pgEnv(t *testing.T) (*env, string, *pgx.Conn) {
	t.Helper()
	store, dsn := fakeservertest.PostgresStore(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return setup(t, withStore(store)), dsn, conn
}

func rowCount(t *testing.T, conn *pgx.Conn, sql string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, conn.QueryRow(context.Background(), sql, args...).Scan(&n))
	return n
}

func forceOptions(dsn string) Options {
	o := absent()
	o.ForceDBDelete, o.DatabaseURL, o.DeletedBy = true, dsn, "rhpds.litellm_virtual_keys"
	return o
}

func TestForceDeleteInPostgreSQL(t *testing.T) {
	env, dsn, conn := pgEnv(t)
	created := one(t, env.engine(defaults()), Spec{Alias: "virtkey-pg-noop"})
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionDeleteNoop})

	e := env.engine(forceOptions(dsn))
	e.ForceDelete = tokendb.Delete
	r := one(t, e, Spec{Alias: "virtkey-pg-noop"})
	assert.True(t, r.Deleted)
	assert.Equal(t, DeletedViaDatabase, *r.DeletedVia)
	assert.NotEmpty(t, r.DBStatements)
	for _, s := range r.DBStatements {
		assert.NotContains(t, s, *created.Token, "statements are parameterised")
	}
	assert.Zero(t, rowCount(t, conn, `SELECT count(*) FROM "LiteLLM_VerificationToken" WHERE token = $1`, *created.Token))
	assert.Equal(t, 1, rowCount(t, conn, `SELECT count(*) FROM "LiteLLM_DeletedVerificationToken" WHERE token = $1 AND deleted_by = $2`, *created.Token, "rhpds.litellm_virtual_keys"))
	assert.Empty(t, env.tokens("virtkey-pg-noop"), "verified gone through the API")
}

func TestForceDeleteJWTMappingForeignKey(t *testing.T) {
	env, dsn, conn := pgEnv(t)
	created := one(t, env.engine(defaults()), Spec{Alias: "virtkey-pg-jwt"})
	_, err := conn.Exec(context.Background(),
		`INSERT INTO "LiteLLM_JWTKeyMapping" (id, jwt_claim_name, jwt_claim_value, token) VALUES ('m1', 'sub', 'user1', $1)`, *created.Token)
	require.NoError(t, err)

	// The proxy's own delete fails on the foreign key (RESTRICT).
	out, err := env.engine(absent()).Run(context.Background(), []Spec{{Alias: "virtkey-pg-jwt"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "Foreign key constraint failed")
	assert.True(t, out.Keys[0].Failed)
	assert.Len(t, env.tokens("virtkey-pg-jwt"), 1)

	e := env.engine(forceOptions(dsn))
	e.ForceDelete = tokendb.Delete
	r := one(t, e, Spec{Alias: "virtkey-pg-jwt"})
	assert.True(t, r.Deleted)
	assert.Equal(t, DeletedViaDatabase, *r.DeletedVia)
	assert.Zero(t, rowCount(t, conn, `SELECT count(*) FROM "LiteLLM_JWTKeyMapping"`))
	assert.Zero(t, rowCount(t, conn, `SELECT count(*) FROM "LiteLLM_VerificationToken" WHERE token = $1`, *created.Token))
	assert.Empty(t, env.tokens("virtkey-pg-jwt"))
}

func TestForceDeleteUnreachableDatabase(t *testing.T) {
	env, _, _ := pgEnv(t)
	one(t, env.engine(defaults()), Spec{Alias: "virtkey-pg-down"})
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionDeleteNoop})
	dsn := "postgresql://litellm:s3cr3t-db-password@127.0.0.1:1/litellm?connect_timeout=2"
	e := env.engine(forceOptions(dsn))
	e.ForceDelete = tokendb.Delete
	_, err := e.Run(context.Background(), []Spec{{Alias: "virtkey-pg-down"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "in PostgreSQL failed")
	assert.NotContains(t, err.Error(), "s3cr3t-db-password")
	assert.NotContains(t, err.Error(), dsn)
	assert.Len(t, env.tokens("virtkey-pg-down"), 1)
}
