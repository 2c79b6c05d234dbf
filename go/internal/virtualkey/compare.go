package virtualkey

import (
	"encoding/json"
	"reflect"
	"sort"

	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
)

// Settings are the key attributes shown in diffs: what the API echoes back,
// never a secret, never duration (LiteLLM stores only the resulting expires).
type Settings struct {
	State               string         `json:"state"`
	KeyAlias            string         `json:"key_alias,omitempty"`
	Models              []string       `json:"models,omitempty"`
	MaxBudget           *float64       `json:"max_budget,omitempty"`
	BudgetDuration      *string        `json:"budget_duration,omitempty"`
	UserID              *string        `json:"user_id,omitempty"`
	TeamID              *string        `json:"team_id,omitempty"`
	Metadata            map[string]any `json:"metadata,omitempty"`
	TPMLimit            *int64         `json:"tpm_limit,omitempty"`
	RPMLimit            *int64         `json:"rpm_limit,omitempty"`
	MaxParallelRequests *int64         `json:"max_parallel_requests,omitempty"`
	Blocked             *bool          `json:"blocked,omitempty"`
	Expires             *string        `json:"expires,omitempty"`
}

// Diff is Ansible's before/after pair.
type Diff struct {
	Before Settings `json:"before"`
	After  Settings `json:"after"`
}

func settingsOf(k *litellm.Key) Settings {
	return Settings{
		State: StatePresent, KeyAlias: k.Alias(), Models: k.Models, MaxBudget: k.MaxBudget,
		BudgetDuration: k.BudgetDuration, UserID: k.UserID, TeamID: k.TeamID, Metadata: k.Metadata,
		TPMLimit: k.TPMLimit, RPMLimit: k.RPMLimit, MaxParallelRequests: k.MaxParallelRequests,
		Blocked: k.Blocked, Expires: normalizeTime(k.Expires),
	}
}

// desiredKey is the key as it will look after create: the spec's fields.
func desiredKey(s *Spec) *litellm.Key {
	alias := s.Alias
	k := &litellm.Key{
		KeyAlias: &alias, MaxBudget: s.MaxBudget, BudgetDuration: s.BudgetDuration,
		UserID: s.UserID, TeamID: s.TeamID, Metadata: normalizeMap(s.Metadata),
		TPMLimit: s.TPMLimit, RPMLimit: s.RPMLimit, MaxParallelRequests: s.MaxParallelRequests, Blocked: s.Blocked,
	}
	if s.Models != nil {
		k.Models = append([]string{}, *s.Models...)
	}
	return k
}

// changes compares an existing key with the spec and returns the update that
// converges it (nil when nothing differs) and the key as it will look after.
// Only fields the spec sets are compared; metadata is compared as a subset
// (entries the spec does not name are kept, and are sent back unchanged
// because /key/update replaces the whole column); duration is only sent when
// refreshExpiry asks for it.
func changes(k *litellm.Key, s *Spec, refreshExpiry bool) (*litellm.UpdateKeyRequest, *litellm.Key) {
	after := *k
	up := &litellm.UpdateKeyRequest{Key: k.Token}
	changed := false
	if s.Models != nil && !sameSet(k.Models, *s.Models) {
		m := append([]string{}, *s.Models...)
		up.Models, after.Models, changed = &m, m, true
	}
	if s.MaxBudget != nil && (k.MaxBudget == nil || *k.MaxBudget != *s.MaxBudget) {
		up.MaxBudget, after.MaxBudget, changed = s.MaxBudget, s.MaxBudget, true
	}
	if differs(k.BudgetDuration, s.BudgetDuration) {
		up.BudgetDuration, after.BudgetDuration, changed = s.BudgetDuration, s.BudgetDuration, true
	}
	if differs(k.UserID, s.UserID) {
		up.UserID, after.UserID, changed = s.UserID, s.UserID, true
	}
	if differs(k.TeamID, s.TeamID) {
		up.TeamID, after.TeamID, changed = s.TeamID, s.TeamID, true
	}
	if differs(k.TPMLimit, s.TPMLimit) {
		up.TPMLimit, after.TPMLimit, changed = s.TPMLimit, s.TPMLimit, true
	}
	if differs(k.RPMLimit, s.RPMLimit) {
		up.RPMLimit, after.RPMLimit, changed = s.RPMLimit, s.RPMLimit, true
	}
	if differs(k.MaxParallelRequests, s.MaxParallelRequests) {
		up.MaxParallelRequests, after.MaxParallelRequests, changed = s.MaxParallelRequests, s.MaxParallelRequests, true
	}
	if s.Blocked != nil && (k.Blocked != nil && *k.Blocked) != *s.Blocked {
		up.Blocked, after.Blocked, changed = s.Blocked, s.Blocked, true
	}
	if s.Metadata != nil {
		want := normalizeMap(s.Metadata)
		have := normalizeMap(k.Metadata)
		if !subset(want, have) {
			merged := make(map[string]any, len(have)+len(want))
			for key, v := range have {
				merged[key] = v
			}
			for key, v := range want {
				merged[key] = v
			}
			up.Metadata, after.Metadata, changed = merged, merged, true
		}
	}
	if refreshExpiry && s.Duration != nil {
		up.Duration, changed = s.Duration, true
	}
	if !changed {
		return nil, k
	}
	return up, &after
}

func differs[T comparable](have, want *T) bool {
	return want != nil && (have == nil || *have != *want)
}

func sameSet(a, b []string) bool {
	x := append([]string{}, a...)
	y := append([]string{}, b...)
	sort.Strings(x)
	sort.Strings(y)
	x, y = dedup(x), dedup(y)
	return reflect.DeepEqual(x, y)
}

func dedup(s []string) []string {
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

// normalizeMap gives m the types a JSON round trip gives (float64 numbers,
// []any lists), so that values from Ansible and from the proxy compare.
func normalizeMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return m
	}
	var out map[string]any
	if json.Unmarshal(b, &out) != nil {
		return m
	}
	return out
}

func subset(want, have map[string]any) bool {
	for k, v := range want {
		hv, ok := have[k]
		if !ok || !reflect.DeepEqual(v, hv) {
			return false
		}
	}
	return true
}
