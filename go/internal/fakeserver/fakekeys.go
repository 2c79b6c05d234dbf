package fakeserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// FAKE-ONLY: POST /_fake/keys inserts rows directly into the store, with
// values no LiteLLM endpoint lets a client choose: an expiry or a creation
// time in the past (leaked and long-expired keys for cleanup tests), and
// thousands of keys in one request (benchmarks). The real proxy has no such
// route; a key's spend, in contrast, is set through the real POST
// /key/update {"key", "spend"}, which LiteLLM accepts.
//
// Body: {"keys": [{"key_alias", "expires", "created_at", "user_id", "models",
// "metadata", "spend", "max_budget", "blocked"}, ...]} (timestamps RFC 3339;
// every field optional). Answer: {"tokens": [...]}, in order. Duplicate
// aliases are allowed, as the real proxy's race allows them.
type fakeKeyRow struct {
	KeyAlias  *string        `json:"key_alias"`
	Expires   *time.Time     `json:"expires"`
	CreatedAt *time.Time     `json:"created_at"`
	UserID    *string        `json:"user_id"`
	Models    []string       `json:"models"`
	Metadata  map[string]any `json:"metadata"`
	Spend     float64        `json:"spend"`
	MaxBudget *float64       `json:"max_budget"`
	Blocked   *bool          `json:"blocked"`
}

// maxFakeKeysBody bounds a /_fake/keys body (about 40,000 small rows).
const maxFakeKeysBody = 8 << 20

func (s *Server) handleFakeKeys(w http.ResponseWriter, r *http.Request, _ *caller) {
	bad := func(msg string) {
		writeProxyError(w, &proxyError{Status: http.StatusBadRequest, Type: typeBadRequest, Param: paramNone, Message: msg})
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, maxFakeKeysBody+1))
	if err != nil || len(data) > maxFakeKeysBody {
		bad("/_fake/keys: body unreadable or larger than 8 MiB")
		return
	}
	var in struct {
		Keys []fakeKeyRow `json:"keys"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		bad("/_fake/keys: " + err.Error())
		return
	}
	tokens := make([]string, 0, len(in.Keys))
	for i, row := range in.Keys {
		raw := newSecret()
		now := nowMillis()
		created := now
		if row.CreatedAt != nil {
			created = row.CreatedAt.UTC().Truncate(time.Millisecond)
		}
		k := &Key{Token: HashToken(raw), KeyName: ptr(keyName(raw)), KeyAlias: row.KeyAlias, UserID: row.UserID,
			Models: row.Models, Metadata: row.Metadata, Spend: row.Spend, MaxBudget: row.MaxBudget, Blocked: row.Blocked,
			CreatedAt: created, UpdatedAt: created, CreatedBy: ptr(adminUserID), UpdatedBy: ptr(adminUserID)}
		if row.Expires != nil {
			k.Expires = ptr(row.Expires.UTC().Truncate(time.Millisecond))
		}
		if k.Models == nil {
			k.Models = []string{}
		}
		if k.Metadata == nil {
			k.Metadata = map[string]any{}
		}
		if _, err := s.store.Insert(r.Context(), k, InsertOptions{AllowDuplicateAlias: true}); err != nil {
			if errors.Is(err, ErrDuplicateAlias) {
				err = fmt.Errorf("duplicate alias")
			}
			writeProxyError(w, internalError(fmt.Errorf("/_fake/keys: row %d: %w", i, err)))
			return
		}
		tokens = append(tokens, k.Token)
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": tokens})
}
