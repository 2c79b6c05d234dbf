package fakeserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
)

// Fault actions. "status", "latency", "reset" and "hang" act before the
// route's handler runs; the others change what a handler does.
const (
	// ActionStatus answers Status (with Retry-After when set) instead of
	// running the handler.
	ActionStatus = "status"
	// ActionLatency sleeps LatencyMS before the request goes on.
	ActionLatency = "latency"
	// ActionReset hijacks the connection and closes it with a TCP reset.
	ActionReset = "reset"
	// ActionHang holds the request until the client gives up (or the server
	// stops), then drops the connection without an answer.
	ActionHang = "hang"
	// ActionDeleteNoop makes /key/delete answer 200 but delete nothing.
	ActionDeleteNoop = "delete_noop"
	// ActionDeleteFK makes /key/delete fail with the LiteLLM_JWTKeyMapping
	// foreign-key 500, deleting nothing.
	ActionDeleteFK = "delete_fk_error"
	// ActionListIgnoreAlias makes /key/list ignore key_alias (very old builds).
	ActionListIgnoreAlias = "list_ignore_alias"
	// ActionListAliasSubstring makes /key/list match key_alias as a
	// case-insensitive substring (some 2026 builds).
	ActionListAliasSubstring = "list_alias_substring"
	// ActionLegacyNotFound makes /key/info and /key/delete answer 401
	// "invalid user key - user key does not exist in db" for missing keys.
	ActionLegacyNotFound = "legacy_not_found"
	// ActionGenerateCommit500 makes /key/generate store the key, then answer 500.
	ActionGenerateCommit500 = "generate_commit_500"
	// ActionGenerateCommitReset makes /key/generate store the key, then reset
	// the connection.
	ActionGenerateCommitReset = "generate_commit_reset"
	// ActionAllowDuplicateAlias turns off alias uniqueness on /key/generate
	// and /key/update (the real proxy's race, re-opened on purpose).
	ActionAllowDuplicateAlias = "allow_duplicate_aliases"
)

var actionRoutes = map[string]string{
	ActionStatus: "", ActionLatency: "", ActionReset: "", ActionHang: "",
	ActionDeleteNoop: "POST /key/delete", ActionDeleteFK: "POST /key/delete",
	ActionListIgnoreAlias: "GET /key/list", ActionListAliasSubstring: "GET /key/list",
	ActionLegacyNotFound:    "*",
	ActionGenerateCommit500: "POST /key/generate", ActionGenerateCommitReset: "POST /key/generate",
	ActionAllowDuplicateAlias: "*",
}

// FaultRule is one injected fault. It matches requests by Route and fires
// for the next Count matching requests (0 = no limit), each time with
// probability Rate (0 = always), drawn from the seeded generator.
type FaultRule struct {
	// Action is one of the Action* constants.
	Action string `json:"action"`
	// Route is "METHOD /path", "/path" (any method) or "*" (any request).
	// Empty means the action's own route (any request for status, latency,
	// reset and hang).
	Route string `json:"route,omitempty"`
	// Status is the HTTP status for ActionStatus (400..599).
	Status int `json:"status,omitempty"`
	// RetryAfter, in seconds, is sent as Retry-After with ActionStatus.
	RetryAfter int `json:"retry_after,omitempty"`
	// Body replaces the default JSON error body of ActionStatus; a body not
	// starting with "{" is sent as text/html (like a load balancer's page).
	Body string `json:"body,omitempty"`
	// LatencyMS is the delay of ActionLatency.
	LatencyMS int `json:"latency_ms,omitempty"`
	// Count limits how many times the rule fires; 0 = unlimited.
	Count int `json:"count,omitempty"`
	// Rate is the probability (0..1] that a matching request fires the rule;
	// 0 = every matching request.
	Rate float64 `json:"rate,omitempty"`
	// Fired counts how often the rule fired (reported by GET, ignored on input).
	Fired int `json:"fired"`
}

// FaultSpec is the JSON document of --faults and POST /_fake/faults.
type FaultSpec struct {
	// Seed seeds the generator behind Rate; 0 = the server's --seed.
	Seed uint64 `json:"seed,omitempty"`
	// Faults are evaluated in order.
	Faults []FaultRule `json:"faults"`
}

// ErrBadFaultSpec reports an invalid fault specification.
var ErrBadFaultSpec = errors.New("invalid fault spec")

// ParseFaultSpec decodes and validates a fault specification.
func ParseFaultSpec(b []byte) (FaultSpec, error) {
	var spec FaultSpec
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&spec); err != nil {
		return FaultSpec{}, fmt.Errorf("%w: %v", ErrBadFaultSpec, err)
	}
	for i := range spec.Faults {
		r := &spec.Faults[i]
		r.Fired = 0
		if _, ok := actionRoutes[r.Action]; !ok {
			return FaultSpec{}, fmt.Errorf("%w: faults[%d]: unknown action %q", ErrBadFaultSpec, i, r.Action)
		}
		if r.Route == "" {
			r.Route = actionRoutes[r.Action]
		}
		if r.Route == "" {
			r.Route = "*"
		}
		switch {
		case r.Action == ActionStatus && (r.Status < 400 || r.Status > 599):
			return FaultSpec{}, fmt.Errorf("%w: faults[%d]: status must be 400..599", ErrBadFaultSpec, i)
		case r.Action == ActionLatency && r.LatencyMS <= 0:
			return FaultSpec{}, fmt.Errorf("%w: faults[%d]: latency_ms must be > 0", ErrBadFaultSpec, i)
		case r.Count < 0 || r.Rate < 0 || r.Rate > 1 || r.RetryAfter < 0:
			return FaultSpec{}, fmt.Errorf("%w: faults[%d]: count, rate (0..1) and retry_after must not be negative", ErrBadFaultSpec, i)
		}
	}
	if spec.Faults == nil {
		spec.Faults = []FaultRule{}
	}
	return spec, nil
}

// faultSet holds the active faults; all methods are safe for concurrent use.
type faultSet struct {
	mu          sync.Mutex
	defaultSeed uint64
	spec        FaultSpec
	rng         *rand.Rand
}

func newFaultSet(seed uint64) *faultSet {
	f := &faultSet{defaultSeed: seed}
	f.set(FaultSpec{Faults: []FaultRule{}})
	return f
}

// set replaces the active faults and reseeds the generator, so the same
// spec replays the same sequence.
func (f *faultSet) set(spec FaultSpec) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if spec.Faults == nil {
		spec.Faults = []FaultRule{}
	}
	seed := spec.Seed
	if seed == 0 {
		seed = f.defaultSeed
	}
	f.spec = spec
	f.rng = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

func (f *faultSet) get() FaultSpec {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.spec
	out.Faults = append([]FaultRule{}, f.spec.Faults...)
	return out
}

func routeMatches(pattern, method, path string) bool {
	if pattern == "*" {
		return true
	}
	if m, p, ok := strings.Cut(pattern, " "); ok {
		return strings.EqualFold(m, method) && p == path
	}
	return pattern == path
}

// fireLocked decides whether rule i fires for this request and records it.
func (f *faultSet) fireLocked(i int) bool {
	r := &f.spec.Faults[i]
	if r.Count > 0 && r.Fired >= r.Count {
		return false
	}
	if r.Rate > 0 && f.rng.Float64() >= r.Rate {
		return false
	}
	r.Fired++
	return true
}

// pre returns the latency to add and the first terminal rule (status, reset,
// hang) that fires for the request, if any.
func (f *faultSet) pre(method, path string) (latencyMS int, terminal *FaultRule) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.spec.Faults {
		r := &f.spec.Faults[i]
		switch r.Action {
		case ActionLatency:
			if routeMatches(r.Route, method, path) && f.fireLocked(i) {
				latencyMS += r.LatencyMS
			}
		case ActionStatus, ActionReset, ActionHang:
			if terminal == nil && routeMatches(r.Route, method, path) && f.fireLocked(i) {
				c := *r
				terminal = &c
			}
		}
	}
	return latencyMS, terminal
}

// take reports whether a behaviour fault fires for this request.
func (f *faultSet) take(action string, r *http.Request) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.spec.Faults {
		rule := &f.spec.Faults[i]
		if rule.Action == action && routeMatches(rule.Route, r.Method, r.URL.Path) && f.fireLocked(i) {
			return true
		}
	}
	return false
}

// has reports whether any rule with this action is active, without firing it.
func (f *faultSet) has(action string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, r := range f.spec.Faults {
		if r.Action == action && (r.Count == 0 || r.Fired < r.Count) {
			return true
		}
	}
	return false
}
