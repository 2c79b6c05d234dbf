// Package testpg gives tests a private PostgreSQL database with LiteLLM's
// tables, on the throw-away server that tests/scripts/postgres.sh starts.
//
// The server's DSN comes from TEST_DATABASE_URL, which `make test` always
// sets. Without it a test is skipped, unless LITELLM_REQUIRE_POSTGRES=1 (set
// by `make test`) turns the absence into a failure, so CI can never pass by
// silently skipping the database tests.
package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rhpds/litellm_virtual_keys/internal/litellmdb"
)

// EnvURL names the variable holding the admin DSN of the test server.
const EnvURL = "TEST_DATABASE_URL"

// ServerURL returns the admin DSN of the test server, skipping or failing the
// test when none is configured.
func ServerURL(t testing.TB) string {
	t.Helper()
	u := os.Getenv(EnvURL)
	if u == "" {
		if os.Getenv("LITELLM_REQUIRE_POSTGRES") == "1" {
			t.Fatalf("%s is not set but LITELLM_REQUIRE_POSTGRES=1: run the tests through `make test`", EnvURL)
		}
		t.Skipf("%s not set; run through `make test` to use a real PostgreSQL", EnvURL)
	}
	return u
}

// NewDatabase creates a fresh database on the test server, optionally with
// LiteLLM's tables, and returns its DSN. The database is dropped when the test
// ends.
func NewDatabase(t testing.TB, withSchema bool) string {
	t.Helper()
	admin := ServerURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	var b [6]byte
	_, _ = rand.Read(b[:])
	name := "t_" + hex.EncodeToString(b[:])

	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("connect to test PostgreSQL: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	})

	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	u.Path = "/" + name
	dsn := u.String()
	if withSchema {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatalf("connect to test database: %v", err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, litellmdb.Schema); err != nil {
			t.Fatalf("create LiteLLM tables: %v", err)
		}
	}
	return dsn
}
