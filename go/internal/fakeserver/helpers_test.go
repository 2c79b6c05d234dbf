package fakeserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/rhpds/litellm_virtual_keys/internal/litellmdb"
	"github.com/rhpds/litellm_virtual_keys/internal/testpg"
	"github.com/stretchr/testify/require"
)

const testMaster = "sk-test-master-0123456789"

// storeKind builds one kind of store for a test; dsn is set for PostgreSQL.
type storeKind struct {
	name string
	open func(t *testing.T) (Store, string)
}

func allStores() []storeKind {
	return []storeKind{
		{name: "memory", open: func(*testing.T) (Store, string) { return NewMemoryStore(), "" }},
		{name: "postgres", open: func(t *testing.T) (Store, string) {
			dsn := testpg.NewDatabase(t, false) // the store creates the tables itself
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := NewPostgresStore(ctx, dsn, 8)
			require.NoError(t, err)
			t.Cleanup(s.Close)
			return s, dsn
		}},
	}
}

// env is a running fake over real HTTP on loopback.
type env struct {
	t      *testing.T
	url    string
	srv    *Server
	store  Store
	dsn    string
	era    Era
	client *http.Client
}

func newEnv(t *testing.T, kind storeKind) *env {
	t.Helper()
	return newEraEnv(t, kind, EraLegacy)
}

func newEraEnv(t *testing.T, kind storeKind, era Era) *env {
	t.Helper()
	store, dsn := kind.open(t)
	srv, err := New(context.Background(), Config{MasterKey: testMaster, Store: store, Seed: 7, Era: era})
	require.NoError(t, err)
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() { srv.Close(); hs.Close() })
	return &env{t: t, url: hs.URL, srv: srv, store: store, dsn: dsn, era: era,
		client: &http.Client{Timeout: 10 * time.Second}}
}

// resp is a decoded answer.
type resp struct {
	status int
	header http.Header
	raw    []byte
}

func (r resp) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(r.raw, &m), "body %s", r.raw)
	return m
}

// call sends a request; body may be a string (sent as is) or a value
// (JSON-encoded); headers are "Name: value" strings. With no headers the
// master key is sent as a Bearer token.
func (e *env) call(method, path string, body any, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(e.t, err)
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	require.NoError(e.t, err)
	if headers == nil {
		headers = []string{"Authorization: Bearer " + testMaster}
	}
	for _, h := range headers {
		n, v, _ := strings.Cut(h, ": ")
		req.Header.Set(n, v)
	}
	res, err := e.client.Do(req)
	require.NoError(e.t, err)
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	require.NoError(e.t, err)
	return resp{status: res.StatusCode, header: res.Header, raw: raw}
}

// generate creates a key and returns the response object.
func (e *env) generate(body map[string]any) map[string]any {
	e.t.Helper()
	r := e.call("POST", "/key/generate", body)
	require.Equal(e.t, 200, r.status, "generate: %s", r.raw)
	return r.obj(e.t)
}

func (e *env) setFaults(spec string) {
	e.t.Helper()
	r := e.call("POST", "/_fake/faults", spec)
	require.Equal(e.t, 200, r.status, "set faults: %s", r.raw)
}

// auditTokens returns the tokens in the audit table.
func (e *env) auditTokens() []string {
	e.t.Helper()
	if ms, ok := e.store.(*MemoryStore); ok {
		var out []string
		for _, d := range ms.Deleted() {
			out = append(out, d.Key.Token)
		}
		return out
	}
	var out []string
	e.withSQL(func(c *pgx.Conn) {
		rows, err := c.Query(context.Background(), `SELECT token FROM `+litellmdb.DeletedTokenTable+` ORDER BY deleted_at`)
		require.NoError(e.t, err)
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(e.t, err)
	})
	return out
}

func (e *env) withSQL(fn func(c *pgx.Conn)) {
	e.t.Helper()
	require.NotEmpty(e.t, e.dsn, "needs the PostgreSQL store")
	c, err := pgx.Connect(context.Background(), e.dsn)
	require.NoError(e.t, err)
	defer c.Close(context.Background())
	fn(c)
}

// envelopeOf builds the expected JSON error body.
func envelopeOf(msg, typ, param, code string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": param, "code": code}})
	return string(b)
}

// byEra picks the expected value for the env's era.
func byEra[T any](e *env, legacy, era202609 T) T {
	if e.era == Era202609 {
		return era202609
	}
	return legacy
}
