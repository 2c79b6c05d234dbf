package litellm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// KeySettings are the settings of a key that /key/generate and /key/update
// take, and key objects echo, under the same names. They are declared once,
// here, and embedded where they are shared: Key, GenerateKeyRequest,
// UpdateKeyRequest, and the engine's Spec and Settings (the module's
// parameters too, under the same names). Nil fields are not sent: the proxy's
// default applies on create, the stored value stays on update. Models and
// duration are not here: models is a list whose emptiness means "all" (a
// pointer in UpdateKeyRequest), and LiteLLM turns duration into expires.
type KeySettings struct {
	MaxBudget           *float64       `json:"max_budget,omitempty"`
	BudgetDuration      *string        `json:"budget_duration,omitempty"`
	UserID              *string        `json:"user_id,omitempty"`
	TeamID              *string        `json:"team_id,omitempty"`
	Metadata            map[string]any `json:"metadata,omitempty"`
	TPMLimit            *int64         `json:"tpm_limit,omitempty"`
	RPMLimit            *int64         `json:"rpm_limit,omitempty"`
	MaxParallelRequests *int64         `json:"max_parallel_requests,omitempty"`
	Blocked             *bool          `json:"blocked,omitempty"`
}

// Key is a virtual key as LiteLLM describes it in /key/list (full objects),
// /key/info, /key/generate and /key/update answers. It never holds the raw
// secret (see GeneratedKey).
type Key struct {
	Token    string   `json:"token,omitempty"` // sha256 hex of the raw key
	KeyName  string   `json:"key_name,omitempty"`
	KeyAlias *string  `json:"key_alias,omitempty"`
	Models   []string `json:"models,omitempty"`
	Expires  *string  `json:"expires,omitempty"` // ISO-8601, nil = never
	Spend    *float64 `json:"spend,omitempty"`   // nil = the proxy did not say
	KeySettings
	CreatedAt *string `json:"created_at,omitempty"`
	UpdatedAt *string `json:"updated_at,omitempty"`
	// BudgetID names the key's LiteLLM_BudgetTable row (where a soft budget
	// lives); BudgetTable is that row, joined by /key/info only (not by
	// /key/list): see docs/litellm-api.md, "soft_budget".
	BudgetID    *string      `json:"budget_id,omitempty"`
	BudgetTable *BudgetTable `json:"litellm_budget_table,omitempty"`
}

// BudgetTable is the part of a key's LiteLLM_BudgetTable row the collection
// reads.
type BudgetTable struct {
	BudgetID   *string  `json:"budget_id,omitempty"`
	SoftBudget *float64 `json:"soft_budget,omitempty"`
}

// Alias returns the key's alias, or "" when it has none.
func (k *Key) Alias() string {
	if k == nil || k.KeyAlias == nil {
		return ""
	}
	return *k.KeyAlias
}

// ExpiresAt parses Expires ("...Z", "...+00:00" or a naive UTC timestamp).
func (k *Key) ExpiresAt() (time.Time, bool) {
	if k == nil || k.Expires == nil {
		return time.Time{}, false
	}
	return ParseTime(*k.Expires)
}

// ParseTime parses the timestamps LiteLLM returns, naive ones as UTC.
func ParseTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999-07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// GeneratedKey is the answer of /key/generate: the key plus its raw secret,
// which LiteLLM returns this one time only.
type GeneratedKey struct {
	Key
	Secret  string `json:"key"`
	TokenID string `json:"token_id,omitempty"`
	// SoftBudget is the request's soft_budget, echoed at the top level.
	SoftBudget *float64 `json:"soft_budget,omitempty"`
}

// GenerateKeyRequest is the body of POST /key/generate. Nil fields are not
// sent, so the proxy applies its defaults; an empty KeyAlias is refused by
// the client (LiteLLM treats "" as an alias shared by every such key).
type GenerateKeyRequest struct {
	Key      *string  `json:"key,omitempty"` // caller-chosen secret, "sk-..."
	KeyAlias *string  `json:"key_alias,omitempty"`
	Models   []string `json:"models,omitempty"` // empty = all models
	Duration *string  `json:"duration,omitempty"`
	KeySettings
	// SoftBudget (USD) only warns when spend passes it. It is a create-only
	// setting: LiteLLM keeps it in a LiteLLM_BudgetTable row linked by
	// budget_id, which /key/list does not show and older /key/update ignores.
	SoftBudget *float64 `json:"soft_budget,omitempty"`
}

// UpdateKeyRequest is the body of POST /key/update. Key (the token hash) is
// required; nil fields are left alone by the proxy. Models is a pointer so
// that an empty list (all models) can be sent. Metadata replaces the whole
// column. Duration resets expires to now + duration.
type UpdateKeyRequest struct {
	Key      string    `json:"key"`
	Models   *[]string `json:"models,omitempty"`
	Duration *string   `json:"duration,omitempty"`
	KeySettings
}

// ListKeysOptions is the query of GET /key/list. Zero values are not sent.
type ListKeysOptions struct {
	KeyAlias         string
	UserID           string
	TeamID           string
	KeyHash          string
	ReturnFullObject bool
	Page             int // >= 1
	Size             int // 1..100 (the proxy's default is 10)
	SortBy           string
	SortOrder        string // "asc" or "desc"
}

// ListKeysResponse is one page of GET /key/list. Keys holds full objects
// when the proxy honoured return_full_object, otherwise keys with only Token
// set (FullObjects false).
type ListKeysResponse struct {
	Keys        []Key `json:"-"`
	FullObjects bool  `json:"-"`
	hasKeys     bool  // the answer had a "keys" list
	TotalCount  *int  `json:"total_count"`
	CurrentPage *int  `json:"current_page"`
	TotalPages  *int  `json:"total_pages"`
}

// UnmarshalJSON accepts "keys" as a list of hashes or of objects.
func (r *ListKeysResponse) UnmarshalJSON(b []byte) error {
	type plain ListKeysResponse
	var aux struct {
		*plain
		Keys []json.RawMessage `json:"keys"`
	}
	aux.plain = (*plain)(r)
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	r.hasKeys = aux.Keys != nil
	r.Keys = make([]Key, 0, len(aux.Keys))
	r.FullObjects = true
	for _, raw := range aux.Keys {
		raw = bytes.TrimSpace(raw)
		if len(raw) > 0 && raw[0] == '"' {
			var h string
			if err := json.Unmarshal(raw, &h); err != nil {
				return err
			}
			r.Keys = append(r.Keys, Key{Token: h})
			r.FullObjects = false
			continue
		}
		var k Key
		if err := json.Unmarshal(raw, &k); err != nil {
			return fmt.Errorf("decode key object: %w", err)
		}
		r.Keys = append(r.Keys, k)
	}
	return nil
}

// DeleteKeysResponse is the answer of POST /key/delete: the input echoed,
// whether or not each key existed.
type DeleteKeysResponse struct {
	DeletedKeys []any `json:"deleted_keys"`
}

// Model is one deployment from /model/info (or a model id from /v1/models,
// with only ModelName set).
type Model struct {
	ModelName     string `json:"model_name"`
	LiteLLMParams struct {
		Model string `json:"model"`
	} `json:"litellm_params"`
	ModelInfo struct {
		ID           string   `json:"id"`
		AccessGroups []string `json:"access_groups"`
	} `json:"model_info"`
}

// IsHash reports whether s looks like a token hash (64 lowercase hex digits)
// rather than a raw key.
func IsHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	return strings.IndexFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f')
	}) < 0
}
