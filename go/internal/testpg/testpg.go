// Package testpg gives tests a private PostgreSQL database with LiteLLM's
// tables, on the throw-away server that tests/scripts/postgres.sh starts.
//
// The server's DSN comes from TEST_DATABASE_URL, which `make test` always
// sets. Without it a test is skipped, unless LITELLM_REQUIRE_POSTGRES=1 (set
// by `make test`) turns the absence into a failure, so CI can never pass by
// silently skipping the database tests.
//
// Creating a database copies a template and costs about 0.3 s on a busy
// 2-core machine, far more than any test spends in it. In a test binary whose
// TestMain calls Run, a database is therefore not dropped when its test ends
// but handed to the next test, which empties it first (every schema dropped,
// public re-created, stray connections ended); Run drops them all when the
// tests are done. Elsewhere each test gets a fresh database that is dropped
// after it. Either way a test starts with an empty database it has to itself;
// it may change anything inside it, but nothing outside (roles, the
// database's own settings), which is not reset.
package testpg

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
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

// pool holds the emptied databases of this test binary, when Run is in use.
var pool struct {
	mu      sync.Mutex
	enabled bool
	free    []string // names of empty databases ready for the next test
	all     []string // every database created, for Run to drop
}

// Run runs the tests of m with databases reused between tests, then drops
// them. Use it from TestMain: os.Exit(testpg.Run(m)).
func Run(m *testing.M) int {
	pool.mu.Lock()
	pool.enabled = true
	pool.mu.Unlock()
	code := m.Run()
	pool.mu.Lock()
	names := pool.all
	pool.enabled, pool.free, pool.all = false, nil, nil
	pool.mu.Unlock()
	if admin := os.Getenv(EnvURL); admin != "" && len(names) > 0 {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		if conn, err := pgx.Connect(ctx, admin); err == nil {
			for _, name := range names {
				_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
			}
			_ = conn.Close(ctx)
		}
	}
	return code
}

// NewDatabase gives the test an empty database on the test server, optionally
// with LiteLLM's tables, and returns its DSN. The database is the test's until
// it ends.
func NewDatabase(t testing.TB, withSchema bool) string {
	t.Helper()
	admin := ServerURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u, err := url.Parse(admin)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	dsnOf := func(name string) string { u.Path = "/" + name; return u.String() }

	// A pooled database is emptied when it is taken, not when its test
	// ends, so that the last one is only dropped.
	var conn *pgx.Conn
	name, pooled := take()
	if name != "" {
		c, err := pgx.Connect(ctx, dsnOf(name))
		if err == nil {
			if _, err = c.Exec(ctx, resetSQL); err != nil {
				_ = c.Close(ctx)
			}
		}
		if err != nil {
			name = "" // left for Run to drop
		} else {
			conn = c
		}
	}
	if name == "" {
		var b [6]byte
		_, _ = rand.Read(b[:])
		name = "t_" + hex.EncodeToString(b[:])
		c, err := pgx.Connect(ctx, admin)
		if err != nil {
			t.Fatalf("connect to test PostgreSQL: %v", err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
			t.Fatalf("create test database: %v", err)
		}
		pooled = created(name)
	}
	if pooled {
		t.Cleanup(func() { release(name) })
	} else {
		t.Cleanup(func() { drop(admin, name) })
	}

	dsn := dsnOf(name)
	if conn == nil && withSchema {
		if conn, err = pgx.Connect(ctx, dsn); err != nil {
			t.Fatalf("connect to test database: %v", err)
		}
	}
	if conn != nil {
		defer conn.Close(ctx)
	}
	if withSchema {
		if _, err := conn.Exec(ctx, litellmdb.Schema); err != nil {
			t.Fatalf("create LiteLLM tables: %v", err)
		}
	}
	return dsn
}

// take returns an emptied database from the pool, if there is one, and
// whether the pool is in use.
func take() (name string, pooled bool) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if !pool.enabled || len(pool.free) == 0 {
		return "", pool.enabled
	}
	name = pool.free[len(pool.free)-1]
	pool.free = pool.free[:len(pool.free)-1]
	return name, true
}

// created records a new database for Run to drop, and reports whether the
// pool is in use.
func created(name string) bool {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.enabled {
		pool.all = append(pool.all, name)
	}
	return pool.enabled
}

// resetSQL empties a database: every schema the tests made, public included,
// is dropped with its contents, and public is re-created as initdb makes it.
const resetSQL = `
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid();
DO $$ DECLARE s text; BEGIN
  FOR s IN SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\_%' AND nspname <> 'information_schema' LOOP
    EXECUTE format('DROP SCHEMA %I CASCADE', s);
  END LOOP;
END $$;
CREATE SCHEMA public AUTHORIZATION pg_database_owner;
GRANT USAGE ON SCHEMA public TO PUBLIC;
COMMENT ON SCHEMA public IS 'standard public schema';`

// release hands a test's database to the next test.
func release(name string) {
	pool.mu.Lock()
	defer pool.mu.Unlock()
	if pool.enabled {
		pool.free = append(pool.free, name)
	}
}

func drop(admin, name string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, admin)
	if err != nil {
		return
	}
	defer c.Close(ctx)
	_, _ = c.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
}
