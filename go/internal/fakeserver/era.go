package fakeserver

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"

	"github.com/rhpds/litellm_virtual_keys/internal/pyrepr"
)

// Era selects which LiteLLM release the fake imitates where releases differ
// (see docs/litellm-api.md, "Era differences"). Every era check lives in a
// helper in this file, so handlers read the same in both eras.
type Era string

const (
	// EraLegacy is the long-standing behaviour of the 2025/2026 releases RHDP
	// runs (the default).
	EraLegacy Era = ""
	// Era202609 is LiteLLM's main branch of September 2026.
	Era202609 Era = "2026-09"
)

// Eras lists the valid --era values.
var Eras = []Era{EraLegacy, Era202609}

// ParseEra turns a --era value into an Era; "" and "legacy" are the default.
func ParseEra(s string) (Era, error) {
	switch s {
	case "", "legacy":
		return EraLegacy, nil
	case string(Era202609):
		return Era202609, nil
	}
	return EraLegacy, fmt.Errorf("unknown era %q (valid: legacy, %s)", s, Era202609)
}

// String names the era for logs.
func (e Era) String() string {
	if e == EraLegacy {
		return "legacy"
	}
	return string(e)
}

func (s *Server) isEra202609() bool { return s.era == Era202609 }

// negativeBudgetError is the answer to a negative max_budget or soft_budget.
// /key/update wraps the same check as an auth_error.
func (s *Server) negativeBudgetError(field string, v float64, update bool) *proxyError {
	msg := field + " cannot be negative. Received: " + pyrepr.Float(v)
	if s.isEra202609() {
		msg = field + " must be a non-negative finite number. Received: " + pyrepr.Float(v)
	}
	e := dictDetailError(http.StatusBadRequest, msg)
	if update {
		e.Type = typeAuth
	}
	return e
}

// checkBudgets applies /key/generate's and /key/update's budget checks.
func (s *Server) checkBudgets(f keyFields, update bool) *proxyError {
	if f.MaxBudget.has() && f.MaxBudget.V < 0 {
		return s.negativeBudgetError("max_budget", f.MaxBudget.V, update)
	}
	if f.SoftBudget.has() && f.SoftBudget.V < 0 {
		return s.negativeBudgetError("soft_budget", f.SoftBudget.V, update)
	}
	return nil
}

// checkBudgetDuration validates budget_duration up front (2026-09 only; older
// releases store any string and fall back to a next-midnight reset).
func (s *Server) checkBudgetDuration(f keyFields, update bool) *proxyError {
	if !s.isEra202609() || !f.BudgetDuration.has() {
		return nil
	}
	if n, err := durationSeconds(f.BudgetDuration.V); err == nil && n > 0 {
		return nil
	}
	e := dictDetailError(http.StatusBadRequest, fmt.Sprintf(
		"Invalid budget_duration '%s'. Use a format like '1h', '24h', '7d', or '30d'.", f.BudgetDuration.V))
	if update {
		e.Type = typeAuth
	}
	return e
}

// unsafeAliasRE is what 2026-09 refuses in a key_alias: ".." or a control
// character (C0, DEL, C1, U+2028, U+2029).
var unsafeAliasRE = regexp.MustCompile(`\.\.|[\x00-\x1f\x7f-\x{9f}\x{2028}\x{2029}]`)

// checkAliasFormat is 2026-09's baseline key_alias check.
func (s *Server) checkAliasFormat(alias opt[string]) *proxyError {
	if !s.isEra202609() || !alias.has() || !unsafeAliasRE.MatchString(alias.V) {
		return nil
	}
	return &proxyError{Status: http.StatusBadRequest, Type: typeBadRequest, Param: "key_alias", Message: "Invalid key_alias"}
}

// minCustomKeyLength is MINIMUM_CUSTOM_KEY_LENGTH: --min-custom-key-length
// when set, else 16 in 2026-09 and no limit before.
func (s *Server) minCustomKeyLength() int {
	if s.keyRules.minLength > 0 {
		return s.keyRules.minLength
	}
	if s.isEra202609() {
		return 16
	}
	return 0
}

// checkCustomKey validates a caller-chosen key value on /key/generate.
func (s *Server) checkCustomKey(key string) *proxyError {
	if !strings.HasPrefix(key, "sk-") {
		return dictDetailError(http.StatusBadRequest,
			"Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: "+maskKey(key))
	}
	if n := s.minCustomKeyLength(); len(key) < n {
		return dictDetailError(http.StatusBadRequest,
			fmt.Sprintf("Invalid key format. LiteLLM Virtual Key must be at least %d characters long.", n))
	}
	return nil
}

// aliasChecksFirst reports whether the alias checks run before the custom
// key checks on /key/generate (2026-09 order); older releases check the key
// value first.
func (s *Server) aliasChecksFirst() bool { return s.isEra202609() }

// updateKeyRequired reports whether /key/update's body must carry "key"
// (older releases); 2026-09 also accepts key_alias alone.
func (s *Server) updateKeyRequired() bool { return !s.isEra202609() }

// updateNotFoundError is /key/update's answer for an unknown key.
func (s *Server) updateNotFoundError(key string) *proxyError {
	if s.isEra202609() {
		return &proxyError{Status: http.StatusNotFound, Type: typeNotFound, Param: "key", Message: "Key not found."}
	}
	return &proxyError{Status: http.StatusUnauthorized, Type: typeAuth, Param: paramNone,
		Message: "Authentication Error: invalid user key - user key does not exist in db. User Key=" + key}
}
