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
	State    string   `json:"state"`
	KeyAlias string   `json:"key_alias,omitempty"`
	Models   []string `json:"models,omitempty"`
	litellm.KeySettings
	Expires *string `json:"expires,omitempty"`
}

// Diff is Ansible's before/after pair.
type Diff struct {
	Before Settings `json:"before"`
	After  Settings `json:"after"`
}

func settingsOf(k *litellm.Key) Settings {
	return Settings{State: StatePresent, KeyAlias: k.Alias(), Models: k.Models, KeySettings: k.KeySettings, Expires: normalizeTime(k.Expires)}
}

// desiredKey is the key as it will look after create: the spec's fields.
func desiredKey(s *Spec) *litellm.Key {
	alias := s.Alias
	k := &litellm.Key{KeyAlias: &alias, KeySettings: s.KeySettings}
	k.Metadata = normalizeMap(s.Metadata)
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
	if changedSettings(&k.KeySettings, &s.KeySettings, &up.KeySettings, &after.KeySettings) {
		changed = true
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

// changedSettings compares every pointer field of the key settings: a field
// the spec sets (want) and the key does not have (have) goes into the update
// (up) and the key as it will look (after). A key that does not report
// blocked is not blocked. Metadata is compared by changes, as a subset.
func changedSettings(have, want, up, after *litellm.KeySettings) bool {
	h, w := reflect.ValueOf(have).Elem(), reflect.ValueOf(want).Elem()
	u, a := reflect.ValueOf(up).Elem(), reflect.ValueOf(after).Elem()
	changed := false
	for i := 0; i < w.NumField(); i++ {
		wf, hf := w.Field(i), h.Field(i)
		if wf.Kind() != reflect.Pointer || wf.IsNil() {
			continue
		}
		if hf.IsNil() {
			if wf.Type().Elem().Kind() == reflect.Bool && !wf.Elem().Bool() {
				continue // not reported = not blocked
			}
		} else if hf.Elem().Equal(wf.Elem()) {
			continue
		}
		u.Field(i).Set(wf)
		a.Field(i).Set(wf)
		changed = true
	}
	return changed
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
