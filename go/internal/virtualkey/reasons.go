package virtualkey

import (
	"errors"
	"fmt"
	"strings"
)

// The engine reports why something failed or needs attention with the typed
// errors and warnings below, worded without the module's parameter names:
// the module, which owns the parameters, adds what the user can set (through
// Engine.Explain). Their Error texts are complete sentences on their own.

// Validation errors of the database fallback (wrapped in a *ValidationError).
var (
	ErrNoDatabaseURL  = errors.New("the database fallback needs a database URL")
	ErrNoForceDeleter = errors.New("the database fallback is not available in this build")
)

// DeleteNotEffectiveError reports that the API could not delete the key (Err), or
// answered the delete and still lists it (Remaining). The database fallback
// can delete it.
type DeleteNotEffectiveError struct {
	Alias     string
	Remaining []string // token hashes still listed, when Err is nil
	Err       error
}

func (e *DeleteNotEffectiveError) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("delete key %q: %v", e.Alias, e.Err)
	}
	return fmt.Sprintf("LiteLLM answered the delete of %q but the key is still there (tokens %s)", e.Alias, strings.Join(e.Remaining, ", "))
}

func (e *DeleteNotEffectiveError) Unwrap() error { return e.Err }

// NoDatabaseRowError reports that the database fallback deleted no row of the key. With
// Still, the API keeps listing those tokens (is it the proxy's database?);
// with Lookup, checking through the API failed; with neither it is only a
// warning: the key was already gone.
type NoDatabaseRowError struct {
	Alias    string
	Still    []string
	ProxyURL string
	Lookup   error
}

func (e *NoDatabaseRowError) Error() string {
	switch {
	case len(e.Still) > 0:
		return fmt.Sprintf("the database fallback found no row of key %q in PostgreSQL, yet the API still lists tokens %s: is it the database of the proxy at %s?",
			e.Alias, strings.Join(e.Still, ", "), e.ProxyURL)
	case e.Lookup != nil:
		return fmt.Sprintf("the database fallback found no row of key %q in PostgreSQL, and looking it up through the API failed: %v", e.Alias, e.Lookup)
	}
	return fmt.Sprintf("the database fallback found no row of key %q in PostgreSQL: the key was already gone (the API no longer lists it)", e.Alias)
}

func (e *NoDatabaseRowError) Unwrap() error { return e.Lookup }

// SecretUnknownError reports that the key exists, its secret cannot be recovered, and
// the policy for unknown secrets is to fail.
type SecretUnknownError struct{ Alias, Token string }

func (e *SecretUnknownError) Error() string {
	return fmt.Sprintf("key %q exists (token %s) but its secret is unknown: LiteLLM never returns it", e.Alias, e.Token)
}

// SecretUnknownWarning reports that the key exists, its secret cannot be recovered, and
// it is kept (reported with key null).
type SecretUnknownWarning struct{ Alias string }

func (e *SecretUnknownWarning) Error() string {
	return fmt.Sprintf("key %q exists but its secret cannot be recovered (LiteLLM never returns it): returned with key null", e.Alias)
}

// ModelListError reports that listing the proxy's models, to validate the models to
// write, failed.
type ModelListError struct{ Err error }

// ModelListText starts the text of a ModelListError.
const ModelListText = "list the proxy's models to validate models"

func (e *ModelListError) Error() string { return ModelListText + ": " + e.Err.Error() }

func (e *ModelListError) Unwrap() error { return e.Err }

// StaleKeyError reports that a create found the key it replaces still listed (LiteLLM
// answered its delete without deleting it), so the alias is taken.
type StaleKeyError struct {
	Alias  string
	Tokens []string
}

func (e *StaleKeyError) Error() string {
	return fmt.Sprintf("create key %q: the key it replaces (%s) is still there, LiteLLM answered its delete without deleting it, so the alias is taken",
		e.Alias, strings.Join(e.Tokens, ", "))
}

// StaleKeyWarning reports that a key was regenerated, but the key it replaced is still
// listed (LiteLLM answered its delete without deleting it).
type StaleKeyWarning struct {
	Alias  string
	Tokens []string
}

func (e *StaleKeyWarning) Error() string {
	return fmt.Sprintf("regenerated key %q, but the replaced key %s is still listed (LiteLLM answered its delete without deleting it)",
		e.Alias, strings.Join(e.Tokens, ", "))
}

// OrphanKeyError reports that an ambiguous create of a key with a secret the proxy
// generates left a key under the alias whose secret no one has; replacing it
// (regenerating) is the way out.
type OrphanKeyError struct {
	Alias  string
	Cause  error
	Tokens []string
}

func (e *OrphanKeyError) Error() string {
	return fmt.Sprintf("create key %q: %v; key %s appeared under the alias, but the proxy generates secrets itself (disable_custom_api_keys) and its answer never arrived, so no one has this key's secret: run again to replace it",
		e.Alias, e.Cause, strings.Join(e.Tokens, ", "))
}

// explain words err (an error or one of the warnings) for the user, through
// Engine.Explain when set.
func (e *Engine) explain(err error) string {
	if err == nil {
		return ""
	}
	if e.Explain != nil {
		return e.Explain(err)
	}
	return err.Error()
}

// warnOf reports a typed warning.
func (e *Engine) warnOf(alias string, multi bool, w error) {
	e.warn(alias, multi, "%s", e.explain(w))
}
