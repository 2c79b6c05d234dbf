package fakeserver

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"
)

// Key is one row of "LiteLLM_VerificationToken" as the fake keeps it. Nil
// pointers are SQL NULLs. Times are UTC with millisecond precision, like
// TIMESTAMP(3).
type Key struct {
	Token                string
	KeyName              *string
	KeyAlias             *string
	Spend                float64
	Expires              *time.Time
	Models               []string
	Aliases              map[string]any
	Config               map[string]any
	UserID               *string
	TeamID               *string
	Permissions          map[string]any
	MaxParallelRequests  *int64
	Metadata             map[string]any
	Blocked              *bool
	TPMLimit             *int64
	RPMLimit             *int64
	MaxBudget            *float64
	BudgetDuration       *string
	BudgetResetAt        *time.Time
	AllowedCacheControls []string
	AllowedRoutes        []string
	ModelSpend           map[string]any
	ModelMaxBudget       map[string]any
	BudgetID             *string
	OrganizationID       *string
	CreatedAt            time.Time
	CreatedBy            *string
	UpdatedAt            time.Time
	UpdatedBy            *string
}

// Clone returns a deep copy of k, so stores never share maps or slices with
// callers.
func (k *Key) Clone() *Key {
	c := *k
	c.Models = cloneStrings(k.Models)
	c.AllowedCacheControls = cloneStrings(k.AllowedCacheControls)
	c.AllowedRoutes = cloneStrings(k.AllowedRoutes)
	c.Aliases = cloneMap(k.Aliases)
	c.Config = cloneMap(k.Config)
	c.Permissions = cloneMap(k.Permissions)
	c.Metadata = cloneMap(k.Metadata)
	c.ModelSpend = cloneMap(k.ModelSpend)
	c.ModelMaxBudget = cloneMap(k.ModelMaxBudget)
	return &c
}

// normalize fills the NOT NULL defaults of the table so both stores render
// the same JSON.
func (k *Key) normalize() {
	if k.Models == nil {
		k.Models = []string{}
	}
	for _, m := range []*map[string]any{&k.Aliases, &k.Config, &k.Permissions, &k.Metadata, &k.ModelSpend, &k.ModelMaxBudget} {
		if *m == nil {
			*m = map[string]any{}
		}
	}
	if k.AllowedCacheControls == nil {
		k.AllowedCacheControls = []string{}
	}
	if k.AllowedRoutes == nil {
		k.AllowedRoutes = []string{}
	}
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string{}, s...)
}

// cloneMap deep-copies a JSON-shaped map (round-trip through the JSON model
// is avoided for speed; nested values are copied recursively).
func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = cloneValue(v)
	}
	return out
}

func cloneValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		return cloneMap(t)
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = cloneValue(e)
		}
		return out
	default:
		return v
	}
}

// HashToken returns the sha256 hex of a raw key, the value LiteLLM stores in
// the token column.
func HashToken(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// tokenOf turns a key as a client passes it into the stored token: values
// starting with "sk-" are hashed, anything else is taken as a hash already.
func tokenOf(k string) string {
	if strings.HasPrefix(k, "sk-") {
		return HashToken(k)
	}
	return k
}

// newSecret returns "sk-" followed by 22 URL-safe base64 characters.
func newSecret() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return "sk-" + base64.RawURLEncoding.EncodeToString(b[:])
}

// keyName abbreviates a raw key as LiteLLM's key_name: "sk-...<last4>".
func keyName(raw string) string {
	last := raw
	if len(raw) > 4 {
		last = raw[len(raw)-4:]
	}
	return "sk-..." + last
}

// durationError is the ValueError text of LiteLLM's duration parser.
type durationError string

func (e durationError) Error() string { return string(e) }

// errDateRange is Python's OverflowError for a datetime past year 9999.
const errDateRange = durationError("date value out of range")

// parseDuration reads a duration the way LiteLLM's duration_in_seconds does:
// a leading number and the unit right after it (mo, s, m, h, d, w); whatever
// follows the unit is ignored ("30dx" is 30 days, "5min" 5 minutes).
func parseDuration(d string) (int64, string, error) {
	i := 0
	for i < len(d) && d[i] >= '0' && d[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, "", durationError("Invalid duration format")
	}
	rest := d[i:]
	unit := ""
	switch {
	case strings.HasPrefix(rest, "mo"):
		unit = "mo"
	case rest != "" && strings.IndexByte("smhdw", rest[0]) >= 0:
		unit = rest[:1]
	default:
		return 0, "", durationError("Unsupported duration unit, passed duration: " + d)
	}
	n, err := strconv.ParseInt(d[:i], 10, 64)
	if err != nil || n > 1<<40 {
		return 0, "", errDateRange
	}
	return n, unit, nil
}

var unitSeconds = map[string]int64{"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

// addDuration returns from + d for LiteLLM's duration strings (Ns, Nm
// minutes, Nh, Nd, Nw, Nmo calendar months with the day clamped to the
// month's last day). Errors carry the parser's own text.
func addDuration(from time.Time, d string) (time.Time, error) {
	n, unit, err := parseDuration(d)
	if err != nil {
		return time.Time{}, err
	}
	var t time.Time
	if unit == "mo" {
		if n > 12*10000 {
			return time.Time{}, errDateRange
		}
		total := int(from.Month()) - 1 + int(n)
		y, m := from.Year()+total/12, time.Month(total%12+1)
		day := min(from.Day(), time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day())
		t = time.Date(y, m, day, from.Hour(), from.Minute(), from.Second(), from.Nanosecond(), time.UTC)
	} else {
		secs := n * unitSeconds[unit]
		if n > (1<<62)/604800 || secs/86400 > 4_000_000 {
			return time.Time{}, errDateRange
		}
		t = from.AddDate(0, 0, int(secs/86400)).Add(time.Duration(secs%86400) * time.Second)
	}
	if t.Year() > 9999 {
		return time.Time{}, errDateRange
	}
	return t, nil
}

// durationSeconds is duration_in_seconds: the length of d in seconds.
func durationSeconds(d string) (int64, error) {
	now := time.Now().UTC()
	t, err := addDuration(now, d)
	if err != nil {
		return 0, err
	}
	return int64(t.Sub(now) / time.Second), nil
}

// budgetResetAt is when a budget with this budget_duration next resets.
// Older releases never refuse a budget_duration here: an unparseable one
// resets at the next midnight (UTC).
func budgetResetAt(now time.Time, d string) time.Time {
	if t, err := addDuration(now, d); err == nil {
		return t
	}
	return time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, time.UTC)
}

// now returns the current UTC time at TIMESTAMP(3) precision.
func nowMillis() time.Time {
	return time.Now().UTC().Truncate(time.Millisecond)
}

// isoZ formats a stored timestamp the way the proxy renders rows it read
// back from the database.
func isoZ(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// isoPy formats a timestamp like Python's datetime.isoformat() of an aware
// UTC datetime, which /key/generate returns for "expires".
func isoPy(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000000+00:00")
}

func optTime(t *time.Time, f func(time.Time) string) *string {
	if t == nil {
		return nil
	}
	s := f(*t)
	return &s
}

// keyJSON is a row as the proxy serialises it in /key/info, /key/list
// (return_full_object), /key/update and /key/block. Token is omitted when
// empty (/key/info leaves it out).
type keyJSON struct {
	Token                string         `json:"token,omitempty"`
	KeyName              *string        `json:"key_name"`
	KeyAlias             *string        `json:"key_alias"`
	SoftBudgetCooldown   bool           `json:"soft_budget_cooldown"`
	Spend                float64        `json:"spend"`
	Expires              *string        `json:"expires"`
	Models               []string       `json:"models"`
	Aliases              map[string]any `json:"aliases"`
	Config               map[string]any `json:"config"`
	UserID               *string        `json:"user_id"`
	TeamID               *string        `json:"team_id"`
	Permissions          map[string]any `json:"permissions"`
	MaxParallelRequests  *int64         `json:"max_parallel_requests"`
	Metadata             map[string]any `json:"metadata"`
	Blocked              *bool          `json:"blocked"`
	TPMLimit             *int64         `json:"tpm_limit"`
	RPMLimit             *int64         `json:"rpm_limit"`
	MaxBudget            *float64       `json:"max_budget"`
	BudgetDuration       *string        `json:"budget_duration"`
	BudgetResetAt        *string        `json:"budget_reset_at"`
	AllowedCacheControls []string       `json:"allowed_cache_controls"`
	AllowedRoutes        []string       `json:"allowed_routes"`
	ModelSpend           map[string]any `json:"model_spend"`
	ModelMaxBudget       map[string]any `json:"model_max_budget"`
	BudgetID             *string        `json:"budget_id"`
	OrganizationID       *string        `json:"organization_id"`
	CreatedAt            string         `json:"created_at"`
	CreatedBy            *string        `json:"created_by"`
	UpdatedAt            string         `json:"updated_at"`
	UpdatedBy            *string        `json:"updated_by"`
	LitellmBudgetTable   any            `json:"litellm_budget_table"`
}

func (k *Key) toJSON(withToken bool) keyJSON {
	c := k.Clone()
	c.normalize()
	j := keyJSON{
		KeyName:              c.KeyName,
		KeyAlias:             c.KeyAlias,
		Spend:                c.Spend,
		Expires:              optTime(c.Expires, isoZ),
		Models:               c.Models,
		Aliases:              c.Aliases,
		Config:               c.Config,
		UserID:               c.UserID,
		TeamID:               c.TeamID,
		Permissions:          c.Permissions,
		MaxParallelRequests:  c.MaxParallelRequests,
		Metadata:             c.Metadata,
		Blocked:              c.Blocked,
		TPMLimit:             c.TPMLimit,
		RPMLimit:             c.RPMLimit,
		MaxBudget:            c.MaxBudget,
		BudgetDuration:       c.BudgetDuration,
		BudgetResetAt:        optTime(c.BudgetResetAt, isoZ),
		AllowedCacheControls: c.AllowedCacheControls,
		AllowedRoutes:        c.AllowedRoutes,
		ModelSpend:           c.ModelSpend,
		ModelMaxBudget:       c.ModelMaxBudget,
		BudgetID:             c.BudgetID,
		OrganizationID:       c.OrganizationID,
		CreatedAt:            isoZ(c.CreatedAt),
		CreatedBy:            c.CreatedBy,
		UpdatedAt:            isoZ(c.UpdatedAt),
		UpdatedBy:            c.UpdatedBy,
	}
	if withToken {
		j.Token = c.Token
	}
	return j
}

func ptr[T any](v T) *T { return &v }

// newUUID returns a random (version 4) UUID string.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
