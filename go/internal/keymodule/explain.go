package keymodule

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/virtualkey"
)

// The module owns the parameters, so it words every hint that names one:
// the engine reports typed reasons (virtualkey's reasons.go) and Explain
// turns them, and the client's transport, TLS and authentication errors,
// into one line saying what to set. Error texts never contain secrets: the
// client scrubs the master key, and the module masks everything else it
// registered.

// Hints the module adds to the engine's typed reasons.
const (
	hintForceDelete   = "; set force_db_delete: true and database_url to delete it in PostgreSQL"
	hintStale         = ": remove it with state: absent and force_db_delete"
	hintSecretFail    = "; pass key, or set on_secret_unknown to keep or regenerate"
	hintSecretKeep    = "; pass key, set key_derivation_secret before keys are created, or use on_secret_unknown: regenerate"
	hintOrphan        = " (on_secret_unknown: regenerate)"
	hintValidateModel = " (set validate_models: false to skip)"
)

// Explain turns an error of the engine or the client, or a typed warning of
// the engine, into one line for the user. litellm_key_info uses it too.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var (
		de *virtualkey.DeleteNotEffectiveError
		nr *virtualkey.NoDatabaseRowError
	)
	switch {
	case errors.Is(err, virtualkey.ErrNoDatabaseURL):
		return "force_db_delete needs database_url (or the DATABASE_URL environment variable)"
	case errors.Is(err, virtualkey.ErrNoForceDeleter):
		return "force_db_delete is not available in this build"
	case errors.As(err, &nr):
		switch {
		case len(nr.Still) > 0:
			return fmt.Sprintf("force_db_delete found no row of key %q in PostgreSQL, yet the API still lists tokens %s: is database_url the database of the proxy at %s?",
				nr.Alias, strings.Join(nr.Still, ", "), nr.ProxyURL)
		case nr.Lookup != nil:
			return fmt.Sprintf("force_db_delete found no row of key %q in PostgreSQL, and looking it up through the API failed: %s", nr.Alias, Explain(nr.Lookup))
		}
		return fmt.Sprintf("force_db_delete found no row of key %q in PostgreSQL: the key was already gone (the API no longer lists it)", nr.Alias)
	case errors.As(err, &de):
		return connection(err) + hintForceDelete
	}
	msg := connection(err)
	var (
		ml *virtualkey.ModelListError
		su *virtualkey.SecretUnknownError
		sw *virtualkey.SecretUnknownWarning
		sk *virtualkey.StaleKeyError
		sr *virtualkey.StaleKeyWarning
		ok *virtualkey.OrphanKeyError
	)
	if errors.As(err, &ml) {
		msg = strings.Replace(msg, virtualkey.ModelListText+": ", virtualkey.ModelListText+hintValidateModel+": ", 1)
	}
	if errors.As(err, &su) {
		msg = after(msg, su, hintSecretFail)
	}
	if errors.As(err, &sw) {
		msg = after(msg, sw, hintSecretKeep)
	}
	if errors.As(err, &sk) {
		msg = after(msg, sk, hintStale)
	}
	if errors.As(err, &sr) {
		msg = after(msg, sr, hintStale)
	}
	if errors.As(err, &ok) {
		msg = after(msg, ok, hintOrphan)
	}
	return msg
}

// after inserts hint right after part's text in msg, wherever wrapping put it.
func after(msg string, part error, hint string) string {
	text := part.Error()
	return strings.Replace(msg, text, text+hint, 1)
}

// connection adds what to do about transport, TLS and authentication
// failures.
func connection(err error) string {
	if err == nil {
		return ""
	}
	var (
		re *litellm.RequestError
		ae *litellm.APIError
	)
	switch {
	case errors.As(err, new(*virtualkey.ValidationError)):
		return err.Error()
	case errors.As(err, &re) && re.NotTLS():
		return fmt.Sprintf("%v; api_url says https but the server at that address answers plain HTTP: use http:// or the proxy's TLS port", err)
	case errors.As(err, &re) && re.Certificate():
		return fmt.Sprintf("%v; set ca_path to the CA bundle that signed the proxy's certificate, or validate_certs: false to skip verification", err)
	case errors.As(err, &re) && re.TLS():
		return fmt.Sprintf("%v; the TLS handshake with the proxy failed: check that api_url names the proxy's TLS address", err)
	case errors.As(err, &re):
		return fmt.Sprintf("%v; cannot reach the LiteLLM proxy: check api_url and that the proxy is up", err)
	case errors.Is(err, litellm.ErrUnauthorized):
		return fmt.Sprintf("%v; the proxy rejected the master key: check api_key (or LITELLM_MASTER_KEY)", err)
	case errors.Is(err, litellm.ErrKeyPolicy):
		return fmt.Sprintf("%v; the proxy's key generation policy (key_generation_settings.personal_key_generation: allowed_user_roles, required_params) refuses this personal key even for the master key: give what it requires, set team_id to create a team key instead, or ask the proxy's admin", err)
	case errors.As(err, &ae) && ae.Status == 403:
		return fmt.Sprintf("%v; the proxy (or a gateway in front of it) refused this request, although it accepted the master key", err)
	}
	return err.Error()
}
