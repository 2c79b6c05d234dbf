// Package keyinfo is the litellm_key_info Ansible module: a read-only
// inventory of a proxy's virtual keys, selected by alias, alias prefix, lab
// guid, expiry and blocked state, with per-key spend and totals. It is what
// playbooks/sweep_keys.yml uses to find leaked keys. cmd/litellm_key_info
// only calls Main.
package keyinfo

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/rhpds/litellm_virtual_keys/internal/keymodule"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/virtualkey"
)

// Name is the module's name.
const Name = "litellm_key_info"

// AliasPrefix starts every alias this collection makes: virtkey-{guid} for a
// single-user lab, virtkey-{guid}-{user_base}{n} for each user of a
// multi-user lab.
const AliasPrefix = "virtkey-"

// Params are the module's parameters (documented in
// plugins/modules/litellm_key_info.yml).
type Params struct {
	keymodule.Connection
	Parallel int `ansible:"parallel" default:"4" validate:"min=1,max=32"`

	KeyAlias     string   `ansible:"key_alias" aliases:"alias"`
	AliasPrefix  string   `ansible:"alias_prefix"`
	GUID         []string `ansible:"guid" aliases:"guids"`
	ExcludeGUIDs []string `ansible:"exclude_guids"`
	Expired      *bool    `ansible:"expired"`
	ExpiredFor   string   `ansible:"expired_for"`
	Blocked      *bool    `ansible:"blocked"`
	ManagedOnly  bool     `ansible:"managed_only" default:"false"`
}

// Record is one selected key. It never holds a raw key: LiteLLM does not
// return secrets after creation, and metadata values that look like secrets
// are redacted.
type Record struct {
	KeyAlias  *string        `json:"key_alias"`
	Token     string         `json:"token"`
	KeyName   *string        `json:"key_name"`
	UserID    *string        `json:"user_id"`
	TeamID    *string        `json:"team_id"`
	Models    []string       `json:"models"`
	Spend     *float64       `json:"spend"`
	MaxBudget *float64       `json:"max_budget"`
	Expires   *string        `json:"expires"`
	CreatedAt *string        `json:"created_at"`
	Blocked   bool           `json:"blocked"`
	Expired   bool           `json:"expired"`
	GUID      *string        `json:"guid"`
	Managed   bool           `json:"managed"`
	Metadata  map[string]any `json:"metadata"`
}

// Totals sum up the selected keys; Scanned counts every key listed.
type Totals struct {
	Count   int     `json:"count"`
	Spend   float64 `json:"spend"`
	Expired int     `json:"expired"`
	Blocked int     `json:"blocked"`
	Scanned int     `json:"scanned"`
}

// Result is the module's result.
type Result struct {
	Changed     bool      `json:"changed"`
	Keys        []*Record `json:"keys"`
	Totals      Totals    `json:"totals"`
	APIRequests int64     `json:"api_requests"`
	Pages       int       `json:"pages"`
}

type failureResult struct {
	Changed     bool   `json:"changed"`
	APIRequests int64  `json:"api_requests"`
	ErrorKind   string `json:"error_kind"`
}

// Deps are what Run needs from outside: tests swap them.
type Deps struct {
	// Now is the clock (time.Now by default).
	Now func() time.Time
	// ClientOptions are appended to the client options built from the
	// parameters.
	ClientOptions []litellm.Option
}

// Main runs the module as Ansible invokes it.
func Main() { ansible.Main(Name, Run) }

// Run is the module's logic with the default dependencies.
func Run(ctx context.Context, m *ansible.Module, p *Params) (any, error) {
	return Deps{}.Run(ctx, m, p)
}

// Run is the module's logic with these dependencies.
func (d Deps) Run(ctx context.Context, m *ansible.Module, p *Params) (any, error) {
	now := time.Now
	if d.Now != nil {
		now = d.Now
	}
	sel, err := p.selector(m, now().UTC())
	if err != nil {
		return &failureResult{ErrorKind: virtualkey.ErrorValidation}, err
	}
	client, err := litellm.New(p.APIURL, append(p.ClientOptions(Name), d.ClientOptions...)...)
	if err != nil {
		return &failureResult{ErrorKind: virtualkey.ErrorValidation}, &virtualkey.ValidationError{Msg: "api_url: " + err.Error()}
	}
	filter := litellm.ListKeysOptions{KeyAlias: p.KeyAlias}
	keys, st, err := client.ListAllKeys(ctx, filter, p.Parallel)
	if err != nil {
		return &failureResult{APIRequests: client.Requests(), ErrorKind: virtualkey.ErrorKind(err)},
			fmt.Errorf("%s", keymodule.Explain(fmt.Errorf("list keys: %w", err)))
	}
	if st.Unstable {
		m.Warn(fmt.Sprintf("the proxy's key list kept changing during the scan (%d keys, then %d): a key created or deleted meanwhile may be missing from the result; run again for a settled view", st.FirstTotal, st.LastTotal))
	}
	res := &Result{Keys: []*Record{}, Pages: st.Pages}
	for i := range keys {
		res.Totals.Scanned++
		r, ok := sel.match(&keys[i])
		if !ok {
			continue
		}
		res.Keys = append(res.Keys, r)
		res.Totals.Count++
		if r.Spend != nil {
			res.Totals.Spend += *r.Spend
		}
		if r.Expired {
			res.Totals.Expired++
		}
		if r.Blocked {
			res.Totals.Blocked++
		}
	}
	res.Totals.Spend = math.Round(res.Totals.Spend*1e6) / 1e6
	slices.SortStableFunc(res.Keys, func(a, b *Record) int {
		if c := strings.Compare(deref(a.KeyAlias), deref(b.KeyAlias)); c != 0 {
			return c
		}
		if c := strings.Compare(deref(a.CreatedAt), deref(b.CreatedAt)); c != 0 {
			return c
		}
		return strings.Compare(a.Token, b.Token)
	})
	res.APIRequests = client.Requests()
	return res, nil
}

// selector holds the parsed criteria; a key must meet all of them.
type selector struct {
	now         time.Time
	alias       string
	prefix      string
	guids       map[string]bool
	exclude     map[string]bool
	expired     *bool
	expiredFor  time.Duration // > 0: expired at least this long ago
	expiredSpec string
	blocked     *bool
	managedOnly bool
}

var durationPattern = regexp.MustCompile(`^([0-9]+)(s|m|h|d|w|mo)$`)

// ParseDuration parses LiteLLM's duration format (Ns, Nm, Nh, Nd, Nw, Nmo;
// a month is 30 days here).
func ParseDuration(s string) (time.Duration, bool) {
	m := durationPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, false
	}
	n, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil || n > 100000 {
		return 0, false
	}
	unit := map[string]time.Duration{"s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour,
		"w": 7 * 24 * time.Hour, "mo": 30 * 24 * time.Hour}[m[2]]
	return time.Duration(n) * unit, true
}

func (p *Params) selector(m *ansible.Module, now time.Time) (*selector, error) {
	bad := func(format string, a ...any) error {
		return &virtualkey.ValidationError{Msg: fmt.Sprintf(format, a...)}
	}
	s := &selector{now: now, alias: p.KeyAlias, prefix: p.AliasPrefix, expired: p.Expired, blocked: p.Blocked, managedOnly: p.ManagedOnly}
	if m.IsSet("key_alias") && p.KeyAlias == "" {
		return nil, bad("key_alias must not be empty: give an alias, or omit it")
	}
	if m.IsSet("alias_prefix") && p.AliasPrefix == "" {
		return nil, bad("alias_prefix must not be empty: give a prefix such as %s, or omit it to select every key", AliasPrefix)
	}
	set := func(name string, vals []string) (map[string]bool, error) {
		if vals == nil {
			return nil, nil
		}
		out := make(map[string]bool, len(vals))
		for i, v := range vals {
			if strings.TrimSpace(v) == "" {
				return nil, bad("%s[%d] is empty: every entry must be a lab guid", name, i)
			}
			out[strings.TrimSpace(v)] = true
		}
		return out, nil
	}
	var err error
	if s.guids, err = set("guid", p.GUID); err != nil {
		return nil, err
	}
	if m.IsSet("guid") && len(p.GUID) == 0 {
		return nil, bad("guid is empty: give one or more lab guids, or omit it")
	}
	if s.exclude, err = set("exclude_guids", p.ExcludeGUIDs); err != nil {
		return nil, err
	}
	if p.ExpiredFor != "" || m.IsSet("expired_for") {
		d, ok := ParseDuration(p.ExpiredFor)
		if !ok {
			return nil, bad("expired_for %q is not a duration: use a number and one of the units s, m, h, d, w, mo (for example 7d)", p.ExpiredFor)
		}
		if p.Expired != nil && !*p.Expired {
			return nil, bad("expired_for selects expired keys, so expired must not be false")
		}
		s.expiredFor, s.expiredSpec = d, p.ExpiredFor
		if d == 0 {
			s.expiredFor = time.Nanosecond // "0d": expired, however recently
		}
	}
	return s, nil
}

var userPart = regexp.MustCompile(`^[A-Za-z][A-Za-z_]*[0-9]+$`)
var guidPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.]*(-[A-Za-z0-9_.]+)*$`)

// AliasGUID returns the lab guid of an alias in this collection's formats,
// virtkey-{guid} or virtkey-{guid}-{user_base}{n} (the last dash-separated
// part is a user when it is letters followed by digits), and whether the
// alias has one of those formats.
func AliasGUID(alias string) (string, bool) {
	rest, ok := strings.CutPrefix(alias, AliasPrefix)
	if !ok || rest == "" {
		return "", false
	}
	if i := strings.LastIndex(rest, "-"); i > 0 && userPart.MatchString(rest[i+1:]) {
		rest = rest[:i]
	}
	if !guidPattern.MatchString(rest) {
		return "", false
	}
	return rest, true
}

// match applies the criteria to k and returns its record when it is selected.
func (s *selector) match(k *litellm.Key) (*Record, bool) {
	alias := k.Alias()
	if s.alias != "" && alias != s.alias {
		return nil, false // some releases match substrings or ignore the filter
	}
	if s.prefix != "" && !strings.HasPrefix(alias, s.prefix) {
		return nil, false
	}
	aliasGUID, managed := AliasGUID(alias)
	metaGUID := ""
	switch g := k.Metadata["guid"].(type) {
	case string:
		metaGUID = strings.TrimSpace(g)
	case float64, bool:
		metaGUID = fmt.Sprint(g)
	}
	if s.managedOnly && !managed {
		return nil, false
	}
	if s.guids != nil && !(s.guids[metaGUID] && metaGUID != "" || s.guids[aliasGUID] && aliasGUID != "") {
		return nil, false
	}
	// An excluded (active) guid protects the key whether it is named by the
	// metadata or by the alias.
	if s.exclude != nil && (metaGUID != "" && s.exclude[metaGUID] || aliasGUID != "" && s.exclude[aliasGUID]) {
		return nil, false
	}
	exp, hasExp := k.ExpiresAt()
	expired := hasExp && !exp.After(s.now)
	if s.expired != nil && expired != *s.expired {
		return nil, false
	}
	if s.expiredFor > 0 && !(hasExp && !exp.After(s.now.Add(-s.expiredFor))) {
		return nil, false
	}
	blocked := k.Blocked != nil && *k.Blocked
	if s.blocked != nil && blocked != *s.blocked {
		return nil, false
	}
	r := &Record{KeyAlias: k.KeyAlias, Token: k.Token, UserID: k.UserID, TeamID: k.TeamID, Models: k.Models,
		Spend: k.Spend, MaxBudget: k.MaxBudget, Expires: normTime(k.Expires), CreatedAt: normTime(k.CreatedAt),
		Blocked: blocked, Expired: expired, Managed: managed, Metadata: redact(k.Metadata)}
	if k.KeyName != "" {
		r.KeyName = &k.KeyName
	}
	if r.Models == nil {
		r.Models = []string{}
	}
	if r.Metadata == nil {
		r.Metadata = map[string]any{}
	}
	switch {
	case metaGUID != "":
		r.GUID = &metaGUID
	case aliasGUID != "":
		r.GUID = &aliasGUID
	}
	return r, true
}

// normTime renders LiteLLM's timestamps in one RFC 3339 UTC form.
func normTime(s *string) *string {
	if s == nil {
		return nil
	}
	if t, ok := litellm.ParseTime(*s); ok {
		v := t.UTC().Format(time.RFC3339Nano)
		return &v
	}
	return s
}

// Redacted replaces metadata values that look like secrets.
const Redacted = "VALUE_REDACTED"

var secretName = regexp.MustCompile(`(?i)(secret|password|passwd|api_?key|token|credential|private)`)

// redact returns a copy of metadata in which values under secret-like names
// (password, api_key, token, ...) and strings that look like LiteLLM keys
// ("sk-" and 16 or more characters) are replaced by Redacted, at any depth.
func redact(md map[string]any) map[string]any {
	if md == nil {
		return nil
	}
	out := make(map[string]any, len(md))
	for k, v := range md {
		if secretName.MatchString(k) && v != nil {
			out[k] = Redacted
			continue
		}
		out[k] = redactValue(v)
	}
	return out
}

func redactValue(v any) any {
	switch x := v.(type) {
	case map[string]any:
		return redact(x)
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(e)
		}
		return out
	case string:
		if strings.HasPrefix(x, "sk-") && len(x) >= 19 {
			return Redacted
		}
	}
	return v
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
