package fakeserver

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"regexp"
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

// errBadDuration reports a duration string LiteLLM would reject.
var errBadDuration = errors.New("invalid duration")

var durationRE = regexp.MustCompile(`^([0-9]+)(mo|s|m|h|d|w)$`)

// addDuration returns from + d for LiteLLM's duration strings: Ns, Nm
// (minutes), Nh, Nd, Nw, Nmo (calendar months).
func addDuration(from time.Time, d string) (time.Time, error) {
	m := durationRE.FindStringSubmatch(d)
	if m == nil {
		return time.Time{}, errBadDuration
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n > 1_000_000 {
		return time.Time{}, errBadDuration
	}
	switch m[2] {
	case "s":
		return from.Add(time.Duration(n) * time.Second), nil
	case "m":
		return from.Add(time.Duration(n) * time.Minute), nil
	case "h":
		return from.Add(time.Duration(n) * time.Hour), nil
	case "d":
		return from.AddDate(0, 0, n), nil
	case "w":
		return from.AddDate(0, 0, 7*n), nil
	default: // mo
		return from.AddDate(0, n, 0), nil
	}
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
