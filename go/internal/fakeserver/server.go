// Package fakeserver is a LiteLLM-compatible key-management server for tests
// and demos: the routes, status codes, JSON shapes and error envelopes of the
// real proxy (see docs/litellm-api.md), over an in-memory store or
// LiteLLM's own PostgreSQL tables, with seeded fault injection.
package fakeserver

import (
	"cmp"
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// DefaultModels is the model list served when Config.Models is empty.
var DefaultModels = []string{
	"openai/granite-3-2-8b-instruct", "openai/mistral-7b-instruct", "openai/llama-3-8b-instruct", "Docling",
}

// adminUserID is the user_id LiteLLM gives the master key.
const adminUserID = "default_user_id"

// Config configures a Server.
type Config struct {
	// MasterKey is the proxy admin key (required).
	MasterKey string
	// Store keeps the keys (required).
	Store Store
	// Models are the model names served by /v1/models and /model/info.
	Models []string
	// Seed seeds the fault generator (0 means 1).
	Seed uint64
	// Faults are the faults active at start.
	Faults FaultSpec
	// RequestLog, when set, receives one JSON line per request.
	RequestLog io.Writer
	// Era selects the LiteLLM release imitated where releases differ
	// (EraLegacy by default).
	Era Era
	// DisableCustomKeys is LiteLLM's disable_custom_api_keys: a /key/generate
	// carrying `key` answers 403, for the master key too.
	DisableCustomKeys bool
	// MinCustomKeyLength is MINIMUM_CUSTOM_KEY_LENGTH: a shorter `key` on
	// /key/generate answers 400 (0 = no minimum).
	MinCustomKeyLength int
	// RacyAlias makes /key/generate check alias uniqueness the way LiteLLM
	// does, find-then-insert without a lock, with a pause in between so that
	// concurrent creates of one alias can all pass the check.
	RacyAlias bool
	// RacyAliasPause is the racy check's pause (default 20ms); tests that
	// need the race to happen under any machine load make it longer.
	RacyAliasPause time.Duration
}

// Server is the fake proxy. Create it with New; serve Handler.
type Server struct {
	master      string
	masterToken string
	store       Store
	models      []string
	faults      *faultSet
	logMu       sync.Mutex
	log         io.Writer
	done        chan struct{}
	closeOnce   sync.Once
	routes      map[string]map[string]route // path -> method -> route
	era         Era
	keyRules    keyRules
}

// keyRules are the proxy settings that change /key/generate (Config's
// DisableCustomKeys, MinCustomKeyLength, RacyAlias).
type keyRules struct {
	disableCustom bool
	minLength     int
	racyAlias     bool
	racyPause     time.Duration
}

type route struct {
	admin   bool // proxy admin only
	public  bool // no key needed
	handler func(w http.ResponseWriter, r *http.Request, c *caller)
}

// caller is the authenticated identity of a request.
type caller struct {
	admin bool
	token string
	key   *Key // nil for the master key
}

func (c *caller) userID() string {
	if c.admin || c.key == nil || c.key.UserID == nil {
		return adminUserID
	}
	return *c.key.UserID
}

// ErrNoMasterKey is returned by New when Config.MasterKey is empty.
var ErrNoMasterKey = errors.New("a master key is required")

// New returns a server and seeds the master key's own row (sha256 of the
// master key, key_alias null), like the real proxy does at start.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.MasterKey == "" {
		return nil, ErrNoMasterKey
	}
	if cfg.Store == nil {
		return nil, errors.New("a store is required")
	}
	models := cfg.Models
	if len(models) == 0 {
		models = DefaultModels
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = 1
	}
	s := &Server{
		master:      cfg.MasterKey,
		masterToken: HashToken(cfg.MasterKey),
		store:       cfg.Store,
		models:      append([]string{}, models...),
		faults:      newFaultSet(seed),
		log:         cfg.RequestLog,
		done:        make(chan struct{}),
		era:         cfg.Era,
		keyRules:    keyRules{disableCustom: cfg.DisableCustomKeys, minLength: cfg.MinCustomKeyLength, racyAlias: cfg.RacyAlias, racyPause: cmp.Or(cfg.RacyAliasPause, racyAliasPause)},
	}
	s.faults.set(cfg.Faults)
	now := nowMillis()
	row := &Key{Token: s.masterToken, UserID: ptr(adminUserID), CreatedAt: now, UpdatedAt: now,
		CreatedBy: ptr(adminUserID), UpdatedBy: ptr(adminUserID)}
	if _, err := s.store.Insert(ctx, row, InsertOptions{AllowDuplicateAlias: true}); err != nil {
		return nil, fmt.Errorf("seed the master key's row: %w", err)
	}
	s.routes = map[string]map[string]route{
		"/key/generate":      {http.MethodPost: {admin: true, handler: s.handleGenerate}},
		"/key/info":          {http.MethodGet: {handler: s.handleInfo}},
		"/key/list":          {http.MethodGet: {admin: true, handler: s.handleList}},
		"/key/delete":        {http.MethodPost: {admin: true, handler: s.handleDelete}},
		"/key/update":        {http.MethodPost: {admin: true, handler: s.handleUpdate}},
		"/key/block":         {http.MethodPost: {admin: true, handler: s.handleBlock(true)}},
		"/key/unblock":       {http.MethodPost: {admin: true, handler: s.handleBlock(false)}},
		"/key/regenerate":    {http.MethodPost: {admin: true, handler: s.handleRegenerate}},
		"/v1/models":         {http.MethodGet: {handler: s.handleModels}},
		"/models":            {http.MethodGet: {handler: s.handleModels}},
		"/model/info":        {http.MethodGet: {handler: s.handleModelInfo}},
		"/v1/model/info":     {http.MethodGet: {handler: s.handleModelInfo}},
		"/health/liveliness": {http.MethodGet: {public: true, handler: s.handleLiveliness}},
		"/health/liveness":   {http.MethodGet: {public: true, handler: s.handleLiveliness}},
		"/health/readiness":  {http.MethodGet: {public: true, handler: s.handleReadiness}},
		"/_fake/keys":        {http.MethodPost: {admin: true, handler: s.handleFakeKeys}}, // fake-only, see fakekeys.go
		"/_fake/faults": {
			http.MethodGet:    {admin: true, handler: s.handleFaultsGet},
			http.MethodPost:   {admin: true, handler: s.handleFaultsSet},
			http.MethodDelete: {admin: true, handler: s.handleFaultsClear},
		},
	}
	return s, nil
}

// SeedKeys creates n unrelated keys (aliases "seed-key-00001"...), skipping
// aliases that already exist.
func (s *Server) SeedKeys(ctx context.Context, n int) error {
	for i := 1; i <= n; i++ {
		raw := newSecret()
		now := nowMillis()
		k := &Key{Token: HashToken(raw), KeyName: ptr(keyName(raw)), KeyAlias: ptr(fmt.Sprintf("seed-key-%05d", i)),
			UserID: ptr("fake-seed-user"), Metadata: map[string]any{"seeded": true}, CreatedAt: now, UpdatedAt: now,
			CreatedBy: ptr(adminUserID), UpdatedBy: ptr(adminUserID)}
		if _, err := s.store.Insert(ctx, k, InsertOptions{}); err != nil && !errors.Is(err, ErrDuplicateAlias) {
			return fmt.Errorf("seed key %d: %w", i, err)
		}
	}
	return nil
}

// SetFaults replaces the active faults.
func (s *Server) SetFaults(spec FaultSpec) { s.faults.set(spec) }

// Faults returns the active faults with how often each fired.
func (s *Server) Faults() FaultSpec { return s.faults.get() }

// Close releases requests held by "hang" faults; call it before
// http.Server.Shutdown.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.done) }) }

// Handler returns the HTTP handler of the fake proxy.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

// recorder captures the status for the request log and lets
// http.ResponseController reach the connection.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// logLine is one line of the request log. Path never includes the query
// string (it may hold keys).
type logLine struct {
	Time       string  `json:"time"`
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Status     int     `json:"status"`
	DurationMS float64 `json:"duration_ms"`
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	if s.log == nil {
		s.dispatch(w, r)
		return
	}
	start := time.Now()
	rec := &recorder{ResponseWriter: w}
	defer func() {
		line, _ := json.Marshal(logLine{
			Time: start.UTC().Format(time.RFC3339Nano), Method: r.Method, Path: r.URL.Path, Status: rec.status,
			DurationMS: float64(time.Since(start).Microseconds()) / 1000,
		})
		s.logMu.Lock()
		_, _ = s.log.Write(append(line, '\n'))
		s.logMu.Unlock()
	}()
	s.dispatch(rec, r)
}

func (s *Server) dispatch(w http.ResponseWriter, r *http.Request) {
	if !strings.HasPrefix(r.URL.Path, "/_fake/") && !s.preFaults(w, r) {
		return
	}
	methods, ok := s.routes[r.URL.Path]
	if !ok && isRegeneratePath(r.URL.Path) {
		methods, ok = s.routes["/key/regenerate"]
	}
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"detail": "Not Found"})
		return
	}
	rt, ok := methods[r.Method]
	if !ok {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"detail": "Method Not Allowed"})
		return
	}
	var c *caller
	if !rt.public {
		var perr *proxyError
		c, perr = s.authenticate(r)
		if perr != nil {
			writeProxyError(w, perr)
			return
		}
		if rt.admin && !c.admin {
			writeProxyError(w, &proxyError{Status: http.StatusUnauthorized, Type: typeAuth, Param: paramNone,
				Message: fmt.Sprintf("Authentication Error, Only proxy admin can be used to generate, delete, update info for new keys/users/teams. Route=%s. Your role=internal_user. Your user_id=%s", r.URL.Path, c.userID())})
			return
		}
	}
	rt.handler(w, r, c)
}

// isRegeneratePath matches LiteLLM's /key/{key:path}/regenerate.
func isRegeneratePath(p string) bool {
	mid, ok := strings.CutPrefix(p, "/key/")
	if !ok {
		return false
	}
	mid, ok = strings.CutSuffix(mid, "/regenerate")
	return ok && mid != ""
}

// preFaults applies latency and terminal faults; false means the request
// has been answered (or dropped).
func (s *Server) preFaults(w http.ResponseWriter, r *http.Request) bool {
	latency, term := s.faults.pre(r.Method, r.URL.Path)
	if latency > 0 {
		t := time.NewTimer(time.Duration(latency) * time.Millisecond)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return false
		case <-s.done:
			t.Stop()
		}
	}
	if term == nil {
		return true
	}
	switch term.Action {
	case ActionReset:
		resetConn(w)
	case ActionHang:
		select {
		case <-r.Context().Done():
		case <-s.done:
		}
		resetConn(w)
	default:
		if term.RetryAfter > 0 {
			w.Header().Set("Retry-After", fmt.Sprint(term.RetryAfter))
		}
		if term.Body != "" {
			ct := "text/html; charset=utf-8"
			if strings.HasPrefix(strings.TrimSpace(term.Body), "{") {
				ct = "application/json"
			}
			w.Header().Set("Content-Type", ct)
			w.WriteHeader(term.Status)
			_, _ = io.WriteString(w, term.Body)
			return false
		}
		typ := typeInternal
		if term.Status == http.StatusTooManyRequests {
			typ = "rate_limit_error"
		}
		writeProxyError(w, &proxyError{Status: term.Status, Type: typ, Param: paramNone,
			Message: fmt.Sprintf("fake-litellm injected fault: %d %s", term.Status, http.StatusText(term.Status))})
	}
	return false
}

// resetConn drops the connection with a TCP reset (SO_LINGER 0), without an
// HTTP answer.
func resetConn(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// apiKey extracts the key from the headers in LiteLLM's priority order. ok is
// false when an Authorization header lacks a known scheme.
func apiKey(r *http.Request) (key string, ok bool) {
	h := r.Header
	if v := h.Get("x-litellm-api-key"); v != "" {
		return strings.TrimPrefix(v, "Bearer "), true
	}
	if v := h.Get("Authorization"); v != "" {
		for _, p := range []string{"Bearer ", "bearer ", "Basic "} {
			if strings.HasPrefix(v, p) {
				return strings.TrimSpace(v[len(p):]), true
			}
		}
		return "", false
	}
	if v := h.Get("API-Key"); v != "" {
		return v, true
	}
	return h.Get("x-api-key"), true
}

func authError(msg string) *proxyError {
	return &proxyError{Status: http.StatusUnauthorized, Message: msg, Type: typeAuth, Param: paramNone}
}

// authenticate checks the request's key like user_api_key_auth.
func (s *Server) authenticate(r *http.Request) (*caller, *proxyError) {
	key, ok := apiKey(r)
	if !ok {
		return nil, authError("Authentication Error, Malformed API Key passed in. Ensure Key has `Bearer ` prefix.")
	}
	if key == "" {
		return nil, authError("Authentication Error, No api key passed in.")
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(s.master)) == 1 {
		return &caller{admin: true, token: s.masterToken}, nil
	}
	if !strings.HasPrefix(key, "sk-") {
		return nil, authError(fmt.Sprintf("Authentication Error, LiteLLM Virtual Key expected. Received=%s, expected to start with 'sk-'.", maskKey(key)))
	}
	token := HashToken(key)
	k, err := s.store.Get(r.Context(), token)
	if errors.Is(err, ErrKeyNotFound) {
		return nil, &proxyError{Status: http.StatusUnauthorized, Type: typeTokenNotFound, Param: "key",
			Message: fmt.Sprintf("Authentication Error, Invalid proxy server token passed. Received API Key = %s, Key Hash (Token) =%s. Unable to find token in cache or `LiteLLM_VerificationTokenTable`", keyName(key), token)}
	}
	if err != nil {
		return nil, internalError(err)
	}
	if k.Blocked != nil && *k.Blocked {
		return nil, authError("Authentication Error, Key is blocked. Update via `/key/unblock` if you're an admin.")
	}
	if k.Expires != nil && k.Expires.Before(time.Now()) {
		return nil, &proxyError{Status: http.StatusUnauthorized, Type: typeExpiredKey, Param: "token",
			Message: fmt.Sprintf("Authentication Error - Expired Key. Key Expiry time %s and current time %s", isoPy(*k.Expires), isoPy(time.Now()))}
	}
	return &caller{token: token, key: k}, nil
}

// internalError is LiteLLM's answer to an unexpected exception.
func internalError(err error) *proxyError {
	return &proxyError{Status: http.StatusInternalServerError, Type: typeInternal, Param: paramNone,
		Message: "Internal Server Error, " + err.Error()}
}
