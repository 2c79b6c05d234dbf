// Package virtualkey is the desired-state engine behind the litellm_key
// module: it finds keys by alias, creates, converges, regenerates and deletes
// them through the litellm client with the fewest requests, recovers secrets
// it can prove by hash, and falls back to a PostgreSQL delete when the API
// cannot delete a key.
//
// Every input is validated before the first write; check mode performs only
// reads. Bulk mode handles many keys with one lookup pass (a paginated scan
// when it is cheaper than one lookup per key) and bounded concurrency.
package virtualkey

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
)

// States of a key.
const (
	StatePresent = "present"
	StateAbsent  = "absent"
)

// What to do with an existing key whose secret cannot be recovered.
const (
	SecretKeep       = "keep"
	SecretRegenerate = "regenerate"
	SecretFail       = "fail"
)

// Spec is the desired state of one key. Nil fields are "not managed": they
// are not sent on create (the proxy's default applies) and not compared.
type Spec struct {
	Alias    string
	Key      string    // a secret the caller already holds ("sk-..."), "" if none
	Models   *[]string // empty list = all models
	Duration *string
	litellm.KeySettings
	// SoftBudget is sent when the key is created only: LiteLLM keeps it in a
	// budget row that key lists do not show, so existing keys are not
	// compared or updated.
	SoftBudget *float64
}

// Options are the settings shared by every key of a run. They have no
// defaults here: the module's parameters (keymodule.Params) are their one
// source, and Validate refuses empty values.
type Options struct {
	State            string // StatePresent or StateAbsent
	Update           bool   // converge existing keys with /key/update
	RefreshExpiry    bool   // also reset expires from Duration on existing keys
	OnlyExisting     bool   // never create: a missing key is reported with WasMissing (create: false)
	ValidateModels   bool   // compare models with what the proxy serves before writing
	OnSecretUnknown  string // SecretKeep, SecretRegenerate or SecretFail
	DerivationSecret string // HMAC secret for deterministic key secrets, "" = off
	ForceDBDelete    bool
	DatabaseURL      string
	Parallel         int // bounded concurrency of bulk mode, at least 1
	CheckMode        bool
	DeletedBy        string // recorded in the audit row of a database delete
}

// ValidationError is an invalid input found before any request was sent.
// Err, when set, is the typed reason.
type ValidationError struct {
	Msg string
	Err error
}

func (e *ValidationError) Error() string { return e.Msg }

func (e *ValidationError) Unwrap() error { return e.Err }

func invalid(format string, a ...any) error {
	return &ValidationError{Msg: fmt.Sprintf(format, a...)}
}

var (
	// aliasPattern is LiteLLM's own key_alias rule (enforced by proxies with
	// enable_key_alias_format_validation): 2-255 characters from
	// a-zA-Z0-9_-/.@, starting and ending with a letter or digit. The length is
	// checked apart: a counted {0,253} costs 0.6 ms to compile at every start of
	// the module binary, for every module it serves.
	aliasPattern    = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_\-/.@]*[A-Za-z0-9]$`)
	durationPattern = regexp.MustCompile(`^[0-9]+(s|m|h|d|w|mo)$`)
)

// ValidateAlias checks an alias for state. Keys to create must follow
// LiteLLM's alias rule; keys to delete only need a non-empty printable alias,
// so that keys named before the rule can still be removed.
func ValidateAlias(alias, state string) error {
	if alias == "" {
		return invalid("key_alias must not be empty")
	}
	if state == StateAbsent {
		if len(alias) > 255 || strings.IndexFunc(alias, unicode.IsControl) >= 0 {
			return invalid("invalid key_alias %q: at most 255 printable characters", alias)
		}
		return nil
	}
	if strings.IndexFunc(alias, unicode.IsControl) >= 0 {
		return invalid("invalid key_alias %q: it contains control characters, which LiteLLM refuses", alias)
	}
	if strings.Contains(alias, "..") {
		return invalid("invalid key_alias %q: it contains '..', which LiteLLM refuses", alias)
	}
	if len(alias) > 255 || !aliasPattern.MatchString(alias) {
		return invalid("invalid key_alias %q: use 2-255 characters from a-z A-Z 0-9 _ - / . @, starting and ending with a letter or digit", alias)
	}
	return nil
}

// MinKeyLength is LiteLLM's MINIMUM_CUSTOM_KEY_LENGTH default (since July
// 2026): a caller-chosen key shorter than this is refused with a 400.
const MinKeyLength = 16

// ValidateDuration checks a LiteLLM duration: a number followed by s, m
// (minutes), h, d, w or mo (months).
func ValidateDuration(name, d string) error {
	if !durationPattern.MatchString(d) {
		return invalid("invalid %s %q: use a number followed by s, m, h, d, w or mo (for example 30d)", name, d)
	}
	return nil
}

// Validate checks everything about s that can be checked without the proxy.
func (s *Spec) Validate(state string) error {
	if err := ValidateAlias(s.Alias, state); err != nil {
		return err
	}
	if s.Key != "" {
		if !strings.HasPrefix(s.Key, "sk-") || len(s.Key) < 4 || strings.IndexFunc(s.Key, unicode.IsSpace) >= 0 {
			return invalid("key for %q must be a LiteLLM virtual key: 'sk-' followed by at least one character, no spaces", s.Alias)
		}
	}
	if state == StateAbsent {
		return nil
	}
	if s.Key != "" && len(s.Key) < MinKeyLength {
		return invalid("key for %q must be at least %d characters long (LiteLLM's MINIMUM_CUSTOM_KEY_LENGTH), got %d", s.Alias, MinKeyLength, len(s.Key))
	}
	if s.Duration != nil {
		if err := ValidateDuration("duration", *s.Duration); err != nil {
			return err
		}
	}
	if s.BudgetDuration != nil {
		if err := ValidateDuration("budget_duration", *s.BudgetDuration); err != nil {
			return err
		}
		if n, err := strconv.Atoi(strings.TrimRight(*s.BudgetDuration, "smhdwo")); err != nil || n <= 0 {
			return invalid("invalid budget_duration %q: it must be positive (the budget resets every budget_duration)", *s.BudgetDuration)
		}
	}
	if s.MaxBudget != nil && (*s.MaxBudget < 0 || math.IsNaN(*s.MaxBudget) || math.IsInf(*s.MaxBudget, 0)) {
		return invalid("max_budget must be a non-negative number, got %v", *s.MaxBudget)
	}
	if s.SoftBudget != nil && (*s.SoftBudget < 0 || math.IsNaN(*s.SoftBudget) || math.IsInf(*s.SoftBudget, 0)) {
		return invalid("soft_budget must be a non-negative number, got %v", *s.SoftBudget)
	}
	for name, v := range map[string]*int64{"tpm_limit": s.TPMLimit, "rpm_limit": s.RPMLimit, "max_parallel_requests": s.MaxParallelRequests} {
		if v != nil && *v < 0 {
			return invalid("%s must not be negative, got %d", name, *v)
		}
	}
	if s.Models != nil {
		for _, m := range *s.Models {
			if strings.TrimSpace(m) == "" {
				return invalid("models of %q must not contain an empty name", s.Alias)
			}
		}
	}
	return nil
}

// Validate checks the run-wide settings.
func (o *Options) Validate() error {
	switch o.State {
	case StatePresent, StateAbsent:
	default:
		return invalid("state must be present or absent, got %q", o.State)
	}
	switch o.OnSecretUnknown {
	case SecretKeep, SecretRegenerate, SecretFail:
	default:
		return invalid("the policy for unknown secrets must be keep, regenerate or fail, got %q", o.OnSecretUnknown)
	}
	if o.Parallel < 1 {
		return invalid("parallel must be at least 1, got %d", o.Parallel)
	}
	return nil
}

// validateAll validates options and every spec, and rejects duplicate aliases.
func validateAll(o *Options, specs []Spec) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if len(specs) == 0 {
		return invalid("no key given: set key_alias or keys")
	}
	seen := make(map[string]int, len(specs))
	var errs []error
	for i := range specs {
		if err := specs[i].Validate(o.State); err != nil {
			if len(specs) > 1 {
				err = invalid("keys[%d]: %v", i, err)
			}
			errs = append(errs, err)
			continue
		}
		if j, dup := seen[specs[i].Alias]; dup {
			errs = append(errs, invalid("keys[%d] and keys[%d] both have key_alias %q", j, i, specs[i].Alias))
		}
		seen[specs[i].Alias] = i
	}
	if len(errs) > 0 {
		msgs := make([]string, 0, len(errs))
		for _, e := range errs {
			msgs = append(msgs, e.Error())
		}
		return &ValidationError{Msg: strings.Join(msgs, "; ")}
	}
	return nil
}

// isValidation reports whether err is (or wraps) a *ValidationError.
func isValidation(err error) bool {
	var ve *ValidationError
	return errors.As(err, &ve)
}
