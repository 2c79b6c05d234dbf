// Package fakeservertest runs fake-litellm over loopback HTTP for the tests of
// other packages (the client, the engine, the module), so that each of them
// does not repeat New, httptest and the cleanup, or the PostgreSQL store setup.
package fakeservertest

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/testpg"
)

// Fake is a running fake proxy.
type Fake struct {
	*fakeserver.Server
	// Store is the store the fake serves.
	Store fakeserver.Store
	// URL is the base URL, without /v1.
	URL string
}

// Start runs a fake proxy configured by cfg until the test ends. A nil
// cfg.Store is a fresh in-memory store.
func Start(t testing.TB, cfg fakeserver.Config) *Fake {
	t.Helper()
	if cfg.Store == nil {
		cfg.Store = fakeserver.NewMemoryStore()
	}
	srv, err := fakeserver.New(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start fake-litellm: %v", err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return &Fake{Server: srv, Store: cfg.Store, URL: hs.URL}
}

// SetFaultRules replaces the fake's faults by rules, each action's default
// route applied as POST /_fake/faults would.
func (f *Fake) SetFaultRules(t testing.TB, rules ...fakeserver.FaultRule) {
	t.Helper()
	SetFaultRules(t, f.Server, rules...)
}

// SetFaultRules replaces srv's faults by rules, as Fake.SetFaultRules does.
func SetFaultRules(t testing.TB, srv *fakeserver.Server, rules ...fakeserver.FaultRule) {
	t.Helper()
	b, err := json.Marshal(fakeserver.FaultSpec{Faults: rules})
	if err != nil {
		t.Fatalf("encode faults: %v", err)
	}
	spec, err := fakeserver.ParseFaultSpec(b)
	if err != nil {
		t.Fatalf("faults: %v", err)
	}
	srv.SetFaults(spec)
}

// PostgresStore returns a PostgreSQL store over a fresh database with
// LiteLLM's tables on the test server (see testpg), and that database's DSN.
// The store is closed and the database dropped when the test ends.
func PostgresStore(t testing.TB) (*fakeserver.PostgresStore, string) {
	t.Helper()
	dsn := testpg.NewDatabase(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, err := fakeserver.NewPostgresStore(ctx, dsn, 4)
	if err != nil {
		t.Fatalf("open the PostgreSQL store: %v", err)
	}
	t.Cleanup(store.Close)
	return store, dsn
}

// RequestLog is a Config.RequestLog that tests read back: the fake writes
// one JSON line per request to it, concurrently.
type RequestLog struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer for the fake.
func (l *RequestLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

// Take returns "METHOD /path" of every request logged since the last Take,
// in order, and clears the log.
func (l *RequestLog) Take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	sc := bufio.NewScanner(&l.buf)
	for sc.Scan() {
		var line struct{ Method, Path string }
		if json.Unmarshal(sc.Bytes(), &line) == nil {
			out = append(out, line.Method+" "+line.Path)
		}
	}
	l.buf.Reset()
	return out
}
