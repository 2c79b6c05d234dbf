package virtualkey

// Tests of what the field does to the engine: proxies that refuse
// caller-chosen keys, concurrent runs of one alias, failure paths that must
// tell the truth.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/tokendb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func withConfig(f func(*fakeserver.Config)) envOption { return f }

func TestCustomKeysDisabled(t *testing.T) {
	env := setup(t, withConfig(func(c *fakeserver.Config) { c.DisableCustomKeys = true }))
	o := defaults()
	o.DerivationSecret = "derive"
	e := env.engine(o)
	out := run(t, e, Spec{Alias: "virtkey-nocustom-1"}, Spec{Alias: "virtkey-nocustom-2"})
	for _, r := range out.Keys {
		require.False(t, r.Failed, r.Msg)
		assert.True(t, r.Created)
		require.NotNil(t, r.Key)
		assert.NotEqual(t, Derive("derive", r.KeyAlias), *r.Key, "the proxy generated the secret")
		assert.Equal(t, []string{litellm.HashKey(*r.Key)}, env.tokens(r.KeyAlias), "one key, whose secret is the one returned")
	}
	w := env.takeWarnings()
	require.Len(t, w, 1, "warned once: %v", w)
	assert.Contains(t, w[0], "disable_custom_api_keys")
	// Each key costs at most one refused create (both run at once; later ones skip it).
	assert.LessOrEqual(t, len(env.writes()), 4)

	// A caller's key cannot be used: one clear line, nothing created, never "check api_key".
	_, err := env.engine(defaults()).Run(context.Background(), []Spec{{Alias: "virtkey-nocustom-3", Key: "sk-caller-given-0123456789"}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "refuses caller-chosen key secrets (disable_custom_api_keys): omit key")
	assert.NotContains(t, err.Error(), "check api_key")
	assert.Equal(t, ErrorAPI, ErrorKind(err))
	assert.Empty(t, env.tokens("virtkey-nocustom-3"))
}

// A lost create answer on a proxy that generates secrets itself: the key
// that appeared has a secret no one holds, so the run fails truthfully
// instead of sending the create again; the next run replaces it.
func TestCustomKeysDisabledLostAnswer(t *testing.T) {
	env := setup(t, withConfig(func(c *fakeserver.Config) { c.DisableCustomKeys = true }))
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionGenerateCommit500, Count: 1})
	o := defaults()
	o.OnSecretUnknown = SecretRegenerate
	out, err := env.engine(o).Run(context.Background(), []Spec{{Alias: "virtkey-lost-answer"}})
	require.Error(t, err)
	r := out.Keys[0]
	assert.True(t, r.Failed)
	assert.Nil(t, r.Key)
	assert.Contains(t, r.Msg, "no one has this key's secret")
	assert.Len(t, env.tokens("virtkey-lost-answer"), 1, "no second key")
	env.takeWarnings()

	r = one(t, env.engine(o), Spec{Alias: "virtkey-lost-answer"})
	require.False(t, r.Failed, r.Msg)
	require.NotNil(t, r.Key)
	assert.Equal(t, []string{litellm.HashKey(*r.Key)}, env.tokens("virtkey-lost-answer"), "replaced by a key whose secret was returned")
}

func TestNewInputRulesSendNothing(t *testing.T) {
	env := setup(t)
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{Spec{Alias: "virtkey-short", Key: "sk-0123456789"}, "at least 16 characters long (LiteLLM's MINIMUM_CUSTOM_KEY_LENGTH)"},
		{Spec{Alias: "virtkey-../../etc"}, "contains '..'"},
		{Spec{Alias: "virtkey-a\x01b"}, "control characters"},
		{Spec{Alias: "virtkey-bd", KeySettings: litellm.KeySettings{BudgetDuration: strp("0d")}}, "budget_duration \"0d\": it must be positive"},
		{Spec{Alias: "virtkey-bd", KeySettings: litellm.KeySettings{BudgetDuration: strp("-1d")}}, "budget_duration"},
	} {
		e := env.engine(defaults())
		_, err := e.Run(context.Background(), []Spec{tc.spec})
		require.Error(t, err, tc.spec.Alias)
		assert.Contains(t, err.Error(), tc.want)
		assert.Equal(t, ErrorValidation, ErrorKind(err))
		assert.NotContains(t, err.Error(), "\n")
		assert.Zero(t, e.Client.Requests(), "nothing sent for %q", tc.spec.Alias)
	}
}

// A fake proxy variant whose /key/generate answers 400 with the personal-key
// policy, as LiteLLM does even for the master key.
func TestPersonalKeyPolicyMessage(t *testing.T) {
	env := setup(t)
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionStatus, Route: "POST /key/generate", Status: 400,
		Body: `{"error":{"message":"{'error': 'Personal key creation has been restricted by admin. Allowed roles=[\'proxy_admin_viewer\']. Your role=proxy_admin'}","type":"internal_server_error","param":"None","code":"400"}}`})
	e := env.engine(defaults())
	var explained []error
	e.Explain = func(err error) string { explained = append(explained, err); return err.Error() }
	out, err := e.Run(context.Background(), []Spec{{Alias: "virtkey-policy"}})
	require.Error(t, err)
	require.Len(t, explained, 1)
	assert.ErrorIs(t, explained[0], litellm.ErrKeyPolicy, "keymodule.Explain words the policy hint")
	assert.Contains(t, out.Keys[0].Msg, "Personal key creation has been restricted by admin")
	assert.Equal(t, ErrorAPI, out.Keys[0].ErrorKind)
	assert.Equal(t, []string{"POST /key/generate"}, env.writes(), "nothing further sent")
}

// concurrently runs n engines provisioning one alias at once and returns
// their results (nil when a run failed before any result) and errors.
func concurrently(t *testing.T, env *env, n int, o Options, spec Spec) ([]*KeyResult, []error) {
	t.Helper()
	results := make([]*KeyResult, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			e := env.engine(o)
			<-start
			out, err := e.Run(context.Background(), []Spec{spec})
			errs[i] = err
			if out != nil {
				results[i] = out.Keys[0]
			}
		}(i)
	}
	close(start)
	wg.Wait()
	return results, errs
}

// checkOneWorkingKey asserts the outcome the field needs: exactly one key
// under the alias, and every run that reported success returned its secret.
func checkOneWorkingKey(t *testing.T, env *env, alias string, results []*KeyResult, errs []error) (succeeded int) {
	t.Helper()
	tokens := env.tokens(alias)
	require.Len(t, tokens, 1, "exactly one key remains")
	for i, r := range results {
		if errs[i] != nil {
			continue
		}
		succeeded++
		require.NotNil(t, r.Key, "run %d succeeded without a secret", i)
		assert.Equal(t, tokens[0], litellm.HashKey(*r.Key), "run %d returned a secret that is not the surviving key's", i)
	}
	return succeeded
}

func TestTwentyConcurrentProvisions(t *testing.T) {
	for _, racy := range []bool{false, true} {
		t.Run(fmt.Sprintf("racy=%v", racy), func(t *testing.T) {
			env := setup(t, withConfig(func(c *fakeserver.Config) { c.RacyAlias = racy }))
			o := defaults()
			o.DerivationSecret = MasterKeyDerivationSecret(master)
			o.OnSecretUnknown = SecretRegenerate // the role's default
			alias := fmt.Sprintf("virtkey-conc-%v", racy)
			results, errs := concurrently(t, env, 20, o, Spec{Alias: alias, Models: models("Docling"), Duration: strp("7d")})
			for i, err := range errs {
				assert.NoError(t, err, "run %d", i)
			}
			assert.Equal(t, 20, checkOneWorkingKey(t, env, alias, results, errs), "with derivation every run succeeds")
		})
	}
}

// Without derivation, concurrent runs cannot agree on a secret: with
// on_secret_unknown: fail one key remains and no run reports a secret that
// does not work; losers fail, saying why. (With regenerate, a run that
// looks after another run's create replaces that key: the documented reason
// why derivation is the default.)
func TestConcurrentProvisionsWithoutDerivation(t *testing.T) {
	env := setup(t)
	o := defaults()
	o.OnSecretUnknown = SecretFail
	results, errs := concurrently(t, env, 20, o, Spec{Alias: "virtkey-conc-random"})
	ok := checkOneWorkingKey(t, env, "virtkey-conc-random", results, errs)
	assert.GreaterOrEqual(t, ok, 1)
	for i, err := range errs {
		if err != nil {
			assert.True(t, strings.Contains(err.Error(), "concurrently") || strings.Contains(err.Error(), "secret is unknown"), "run %d: %v", i, err)
		}
	}
}

// When a concurrent run's create slips past the proxy's alias check, the
// duplicate check converges on the oldest key whichever run looks: the
// younger run deletes its own key and fails, handing out no secret.
func TestDuplicateCheckConvergesOnTheOldest(t *testing.T) {
	env := setup(t)
	alias := "virtkey-dupcheck"
	e1, e2 := env.engine(defaults()), env.engine(defaults())
	found, err := e1.lookup(context.Background(), []string{alias}) // both runs looked before either created
	require.NoError(t, err)
	r1, err := e1.present(context.Background(), []Spec{{Alias: alias}}, found)
	require.NoError(t, err)
	require.False(t, r1[0].Failed, r1[0].Msg)
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionAllowDuplicateAlias, Count: 1}) // the race
	// created_at has millisecond precision: a later millisecond, so that "oldest" is well defined
	// (keys created within the same millisecond are ordered by token, see older).
	time.Sleep(2 * time.Millisecond)
	r2, err := e2.present(context.Background(), []Spec{{Alias: alias}}, found)
	require.NoError(t, err)
	assert.True(t, r2[0].Failed, "the younger duplicate lost")
	assert.Contains(t, r2[0].Msg, "removed its own duplicate")
	assert.Nil(t, r2[0].Key, "no secret of a deleted key is handed out")
	assert.Equal(t, []string{*r1[0].Token}, env.tokens(alias), "the oldest key stays, alone")
	// The first run, looking again, keeps its key.
	e1.checkDuplicates(context.Background(), []*plan{{spec: &Spec{Alias: alias}}}, r1, false)
	assert.False(t, r1[0].Failed)
}

func TestConfirmedDeleteWhoseVerificationFails(t *testing.T) {
	env := setup(t)
	one(t, env.engine(defaults()), Spec{Alias: "virtkey-verify"})
	e := env.engine(absent())
	found, err := e.lookup(context.Background(), []string{"virtkey-verify"})
	require.NoError(t, err)
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionStatus, Route: "GET /key/list", Status: 503})
	results := e.absent(context.Background(), []Spec{{Alias: "virtkey-verify"}}, found)
	r := results[0]
	assert.False(t, r.Failed, r.Msg)
	assert.True(t, r.Deleted)
	assert.Equal(t, DeletedViaAPI, *r.DeletedVia)
	w := env.takeWarnings()
	require.Len(t, w, 1)
	assert.Contains(t, w[0], "the proxy confirmed the delete")
	env.faults()
	assert.Empty(t, env.tokens("virtkey-verify"))
}

func TestForceDeleteThatRemovedNoRow(t *testing.T) {
	noRows := func(context.Context, string, tokendb.Request) (*tokendb.Result, error) {
		return &tokendb.Result{Statements: []string{"DELETE ..."}}, nil
	}
	t.Run("still listed", func(t *testing.T) {
		env := setup(t)
		one(t, env.engine(defaults()), Spec{Alias: "virtkey-norow"})
		env.faults(fakeserver.FaultRule{Action: fakeserver.ActionDeleteNoop})
		o := absent()
		o.ForceDBDelete, o.DatabaseURL = true, "postgresql://unused"
		e := env.engine(o)
		e.ForceDelete = noRows
		out, err := e.Run(context.Background(), []Spec{{Alias: "virtkey-norow"}})
		require.Error(t, err)
		r := out.Keys[0]
		assert.True(t, r.Failed)
		assert.False(t, r.Deleted)
		assert.Contains(t, r.Msg, "found no row")
		assert.NotContains(t, r.Msg, "deleted key")
		for _, w := range env.takeWarnings() {
			assert.NotContains(t, w, "directly in PostgreSQL")
		}
	})
	t.Run("already gone", func(t *testing.T) {
		env := setup(t)
		one(t, env.engine(defaults()), Spec{Alias: "virtkey-gone"})
		env.faults(fakeserver.FaultRule{Action: fakeserver.ActionDeleteFK})
		o := absent()
		o.ForceDBDelete, o.DatabaseURL = true, "postgresql://unused"
		e := env.engine(o)
		e.ForceDelete = func(ctx context.Context, dsn string, req tokendb.Request) (*tokendb.Result, error) {
			_, err := env.store.Delete(ctx, req.Tokens, "someone else") // gone meanwhile
			if err != nil {
				return nil, err
			}
			return noRows(ctx, dsn, req)
		}
		r := one(t, e, Spec{Alias: "virtkey-gone"})
		assert.False(t, r.Failed, r.Msg)
		assert.Equal(t, DeletedViaAPI, *r.DeletedVia)
		w := env.takeWarnings()
		assert.Contains(t, strings.Join(w, "|"), "found no row")
		assert.NotContains(t, strings.Join(w, "|"), "directly in PostgreSQL")
	})
}

func TestDatabaseErrorsAreOneLine(t *testing.T) {
	env := setup(t)
	one(t, env.engine(defaults()), Spec{Alias: "virtkey-dberr"})
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionDeleteNoop})
	o := absent()
	o.ForceDBDelete, o.DatabaseURL = true, "postgresql://unused"
	e := env.engine(o)
	e.ForceDelete = func(context.Context, string, tokendb.Request) (*tokendb.Result, error) {
		return nil, errors.New("connect to PostgreSQL: server refused\n(hint: sslmode)")
	}
	_, err := e.Run(context.Background(), []Spec{{Alias: "virtkey-dberr"}})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "\n")
}

// Derivation is on by default now: a caller's own key must still be the one
// a new key is created with.
func TestCallerKeyWinsOverDerivation(t *testing.T) {
	env := setup(t)
	o := defaults()
	o.DerivationSecret = MasterKeyDerivationSecret(master)
	r := one(t, env.engine(o), Spec{Alias: "virtkey-given-derived", Key: "sk-caller-given-0123456789"})
	assert.True(t, r.Created)
	assert.Equal(t, "sk-caller-given-0123456789", *r.Key)
	assert.Equal(t, []string{litellm.HashKey("sk-caller-given-0123456789")}, env.tokens("virtkey-given-derived"))
}

// A create whose answer was lost, and whose resolving lookup failed too,
// leaves a key behind: the next run recovers its secret (derivation) instead
// of reporting key null.
func TestKeyLeftByALostAnswerIsRecovered(t *testing.T) {
	env := setup(t)
	o := defaults()
	o.DerivationSecret = MasterKeyDerivationSecret(master)
	e := env.engine(o)
	specs := bulkSpecs("virtkey-left", 3)
	found, err := e.lookup(context.Background(), []string{specs[0].Alias, specs[1].Alias, specs[2].Alias})
	require.NoError(t, err)
	env.faults(
		fakeserver.FaultRule{Action: fakeserver.ActionGenerateCommitReset},
		fakeserver.FaultRule{Action: fakeserver.ActionStatus, Route: "GET /key/list", Status: 500},
	)
	results, err := e.present(context.Background(), specs, found)
	require.NoError(t, err)
	env.faults()
	for _, r := range results {
		require.True(t, r.Failed, "the lost answer could not be resolved")
		assert.Contains(t, r.Msg, "looking it up again failed")
		require.Len(t, env.tokens(r.KeyAlias), 1, "a key was left behind")
	}
	env.takeWarnings()
	again := run(t, env.engine(o), specs...)
	for _, r := range again.Keys {
		require.NotNil(t, r.Key, "%s: recovered, not key null", r.KeyAlias)
		assert.Equal(t, RecoveredDerivation, *r.SecretRecoveredBy)
		assert.Equal(t, []string{litellm.HashKey(*r.Key)}, env.tokens(r.KeyAlias))
	}
	assert.Empty(t, env.takeWarnings())
}

func TestRegenerateWhoseDeleteDidNotTakeSaysSo(t *testing.T) {
	env := setup(t)
	o := defaults()
	o.DerivationSecret = "first"
	old := one(t, env.engine(o), Spec{Alias: "virtkey-regen-stuck"})
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionDeleteNoop})
	o.DerivationSecret, o.OnSecretUnknown = "second", SecretRegenerate
	// The old key still holds the alias: the create cannot happen, and the message says why.
	out, err := env.engine(o).Run(context.Background(), []Spec{{Alias: "virtkey-regen-stuck"}})
	require.Error(t, err)
	assert.Contains(t, out.Keys[0].Msg, "the key it replaces ("+*old.Token+") is still there")
	assert.NotContains(t, out.Keys[0].Msg, "concurrently")
	env.takeWarnings()
	// A proxy that lets the alias be taken twice: created, and the leftover is reported.
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionDeleteNoop}, fakeserver.FaultRule{Action: fakeserver.ActionAllowDuplicateAlias})
	r := one(t, env.engine(o), Spec{Alias: "virtkey-regen-stuck"})
	assert.True(t, r.Created)
	w := env.takeWarnings()
	require.NotEmpty(t, w)
	assert.Contains(t, strings.Join(w, "|"), "the replaced key "+*old.Token+" is still listed")
}

// The derivation secret computed from a master key is a documented function
// (the module docs give it; the integration scans recompute it in Python).
func TestMasterKeyDerivationSecret(t *testing.T) {
	assert.Equal(t, "826b6de344590040cc11c5aa533fd9b7741b1d9781e0ffbf1f6f5dfd4eb2c376", MasterKeyDerivationSecret("sk-master-key-example"))
	assert.NotContains(t, MasterKeyDerivationSecret("sk-master-key-example"), "sk-master-key-example")
}
