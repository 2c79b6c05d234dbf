package virtualkey

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver/fakeservertest"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/stretchr/testify/require"
)

const master = "sk-fake-master-key-for-tests"

// env is a fake proxy with its store, and a client for it.
type env struct {
	t      testing.TB
	srv    *fakeserver.Server
	store  fakeserver.Store
	url    string
	log    *fakeservertest.RequestLog
	hc     *http.Client // shared, so that many engines do not pile up idle connections
	warnMu sync.Mutex
	warns  []string
}

type envOption func(*fakeserver.Config)

func withModels(m ...string) envOption { return func(c *fakeserver.Config) { c.Models = m } }

func withStore(s fakeserver.Store) envOption { return func(c *fakeserver.Config) { c.Store = s } }

func setup(t testing.TB, opts ...envOption) *env {
	t.Helper()
	log := &fakeservertest.RequestLog{}
	cfg := fakeserver.Config{MasterKey: master, Store: fakeserver.NewMemoryStore(), RequestLog: log}
	for _, o := range opts {
		o(&cfg)
	}
	fs := fakeservertest.Start(t, cfg)
	hc := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	t.Cleanup(hc.CloseIdleConnections) // before the fake stops
	return &env{t: t, srv: fs.Server, store: fs.Store, url: fs.URL, log: log, hc: hc}
}

// client returns a fresh client (fresh request counter) with fast retries.
func (e *env) client(opts ...litellm.Option) *litellm.Client {
	base := []litellm.Option{litellm.WithAPIKey(master), litellm.WithHTTPClient(e.hc), litellm.WithRetryDelay(time.Millisecond, 5*time.Millisecond), litellm.WithTimeout(5 * time.Second)}
	c, err := litellm.New(e.url+"/v1", append(base, opts...)...)
	require.NoError(e.t, err)
	return c
}

func (e *env) engine(o Options) *Engine {
	if o.DeletedBy == "" {
		o.DeletedBy = "test"
	}
	return &Engine{Client: e.client(), Options: o, Warn: func(s string) {
		e.warnMu.Lock()
		defer e.warnMu.Unlock()
		e.warns = append(e.warns, s)
	}}
}

func (e *env) takeWarnings() []string {
	e.warnMu.Lock()
	defer e.warnMu.Unlock()
	w := e.warns
	e.warns = nil
	return w
}

// faults replaces the fake's faults, with each action's default route
// applied as POST /_fake/faults would.
func (e *env) faults(rules ...fakeserver.FaultRule) {
	e.t.Helper()
	fakeservertest.SetFaultRules(e.t, e.srv, rules...)
}

// tokens returns the sorted tokens the store holds under alias.
func (e *env) tokens(alias string) []string {
	e.t.Helper()
	out, err := e.store.TokensByAlias(context.Background(), []string{alias})
	require.NoError(e.t, err)
	sort.Strings(out)
	return out
}

func (e *env) get(token string) *fakeserver.Key {
	e.t.Helper()
	k, err := e.store.Get(context.Background(), token)
	require.NoError(e.t, err)
	return k
}

// writes returns the non-GET requests in the log (and clears it).
func (e *env) writes() []string {
	var out []string
	for _, r := range e.log.Take() {
		if !strings.HasPrefix(r, "GET ") {
			out = append(out, r)
		}
	}
	return out
}

func run(t testing.TB, e *Engine, specs ...Spec) *Outcome {
	t.Helper()
	out, err := e.Run(context.Background(), specs)
	require.NoError(t, err)
	require.NotNil(t, out)
	return out
}

func one(t testing.TB, e *Engine, s Spec) *KeyResult {
	t.Helper()
	out := run(t, e, s)
	require.Len(t, out.Keys, 1)
	return out.Keys[0]
}

func strp(s string) *string        { return &s }
func f64(f float64) *float64       { return &f }
func i64(i int64) *int64           { return &i }
func models(m ...string) *[]string { return &m }

func defaults() Options {
	return Options{State: StatePresent, Update: true, ValidateModels: true, OnSecretUnknown: SecretKeep, Parallel: 8}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	require.NoError(t, err)
	return string(b)
}
