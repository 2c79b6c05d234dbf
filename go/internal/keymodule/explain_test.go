package keymodule

import (
	"errors"
	"fmt"
	"testing"

	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/virtualkey"
	"github.com/stretchr/testify/assert"
)

// TestExplainWordsEngineReasons: the engine reports typed reasons without
// parameter names; Explain words them exactly as the engine did before it
// lost the parameter names (integration targets assert several of these).
func TestExplainWordsEngineReasons(t *testing.T) {
	cause := errors.New("POST /key/delete: HTTP 500")
	auth := fmt.Errorf("GET /model/info: %w", litellm.ErrUnauthorized)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"no database url", &virtualkey.ValidationError{Msg: "x", Err: virtualkey.ErrNoDatabaseURL},
			"force_db_delete needs database_url (or the DATABASE_URL environment variable)"},
		{"no deleter", &virtualkey.ValidationError{Msg: "x", Err: virtualkey.ErrNoForceDeleter},
			"force_db_delete is not available in this build"},
		{"delete failed", &virtualkey.DeleteNotEffectiveError{Alias: "a1", Err: cause},
			`delete key "a1": POST /key/delete: HTTP 500; set force_db_delete: true and database_url to delete it in PostgreSQL`},
		{"delete did not take", &virtualkey.DeleteNotEffectiveError{Alias: "a1", Remaining: []string{"t1", "t2"}},
			`LiteLLM answered the delete of "a1" but the key is still there (tokens t1, t2); set force_db_delete: true and database_url to delete it in PostgreSQL`},
		{"no row, still listed", &virtualkey.NoDatabaseRowError{Alias: "a1", Still: []string{"t1"}, ProxyURL: "http://p"},
			`force_db_delete found no row of key "a1" in PostgreSQL, yet the API still lists tokens t1: is database_url the database of the proxy at http://p?`},
		{"no row, lookup failed", &virtualkey.NoDatabaseRowError{Alias: "a1", Lookup: auth},
			`force_db_delete found no row of key "a1" in PostgreSQL, and looking it up through the API failed: GET /model/info: master key rejected; the proxy rejected the master key: check api_key (or LITELLM_MASTER_KEY)`},
		{"no row, gone", &virtualkey.NoDatabaseRowError{Alias: "a1"},
			`force_db_delete found no row of key "a1" in PostgreSQL: the key was already gone (the API no longer lists it)`},
		{"secret unknown", &virtualkey.SecretUnknownError{Alias: "a1", Token: "t1"},
			`key "a1" exists (token t1) but its secret is unknown: LiteLLM never returns it; pass key, or set on_secret_unknown to keep or regenerate`},
		{"secret unknown warning", &virtualkey.SecretUnknownWarning{Alias: "a1"},
			`key "a1" exists but its secret cannot be recovered (LiteLLM never returns it): returned with key null; pass key, set key_derivation_secret before keys are created, or use on_secret_unknown: regenerate`},
		{"model list", &virtualkey.ModelListError{Err: auth},
			`list the proxy's models to validate models (set validate_models: false to skip): GET /model/info: master key rejected; the proxy rejected the master key: check api_key (or LITELLM_MASTER_KEY)`},
		{"stale key, wrapped", fmt.Errorf("%w (the old key was already deleted)", &virtualkey.StaleKeyError{Alias: "a1", Tokens: []string{"t1"}}),
			`create key "a1": the key it replaces (t1) is still there, LiteLLM answered its delete without deleting it, so the alias is taken: remove it with state: absent and force_db_delete (the old key was already deleted)`},
		{"stale key warning", &virtualkey.StaleKeyWarning{Alias: "a1", Tokens: []string{"t1"}},
			`regenerated key "a1", but the replaced key t1 is still listed (LiteLLM answered its delete without deleting it): remove it with state: absent and force_db_delete`},
		{"orphan", &virtualkey.OrphanKeyError{Alias: "a1", Cause: errors.New("timeout"), Tokens: []string{"t1"}},
			`create key "a1": timeout; key t1 appeared under the alias, but the proxy generates secrets itself (disable_custom_api_keys) and its answer never arrived, so no one has this key's secret: run again to replace it (on_secret_unknown: regenerate)`},
		{"plain", errors.New("something"), "something"},
		{"nil", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, Explain(tc.err))
		})
	}
}
