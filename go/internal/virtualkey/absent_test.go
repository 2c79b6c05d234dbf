package virtualkey

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/tokendb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func absent() Options {
	o := defaults()
	o.State = StateAbsent
	return o
}

func TestDestroyThenDestroyAgain(t *testing.T) {
	env := setup(t)
	created := one(t, env.engine(defaults()), Spec{Alias: "virtkey-gone", Models: models("Docling")})
	env.log.Take()

	o := absent()
	o.CheckMode = true
	e := env.engine(o)
	e.DiffMode = true
	r := one(t, e, Spec{Alias: "virtkey-gone"})
	assert.True(t, r.Changed)
	assert.True(t, r.Deleted)
	assert.Empty(t, env.writes())
	assert.Len(t, env.tokens("virtkey-gone"), 1)
	require.NotNil(t, r.Diff)
	assert.Equal(t, StatePresent, r.Diff.Before.State)
	assert.Equal(t, StateAbsent, r.Diff.After.State)

	e = env.engine(absent())
	r = one(t, e, Spec{Alias: "virtkey-gone"})
	assert.True(t, r.Changed)
	assert.True(t, r.Deleted)
	assert.False(t, r.WasMissing)
	assert.Equal(t, DeletedViaAPI, *r.DeletedVia)
	assert.Equal(t, *created.Token, *r.Token)
	assert.Nil(t, r.Key)
	assert.EqualValues(t, 3, e.Client.Requests(), "lookup + delete + verify")
	assert.Empty(t, env.tokens("virtkey-gone"))
	assert.Equal(t, []string{"POST /key/delete"}, env.writes())

	e = env.engine(absent())
	r = one(t, e, Spec{Alias: "virtkey-gone"})
	assert.False(t, r.Changed)
	assert.False(t, r.Deleted)
	assert.True(t, r.WasMissing)
	assert.Nil(t, r.DeletedVia)
	assert.EqualValues(t, 1, e.Client.Requests())
	assert.Empty(t, env.writes())
}

func TestLookupBeyondFirstPage(t *testing.T) {
	env := setup(t)
	created := one(t, env.engine(defaults()), Spec{Alias: "virtkey-old"})
	require.NoError(t, env.srv.SeedKeys(context.Background(), 150)) // newer, unrelated

	for _, fault := range []string{"", fakeserver.ActionListIgnoreAlias, fakeserver.ActionListAliasSubstring} {
		t.Run("present "+fault, func(t *testing.T) {
			if fault != "" {
				env.faults(fakeserver.FaultRule{Action: fault})
				defer env.faults()
			}
			r := one(t, env.engine(defaults()), Spec{Alias: "virtkey-old", Key: *created.Key})
			assert.False(t, r.Changed, "found, not created again")
			assert.Equal(t, *created.Token, *r.Token)
			assert.Len(t, env.tokens("virtkey-old"), 1)
		})
	}
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionListIgnoreAlias})
	r := one(t, env.engine(absent()), Spec{Alias: "virtkey-old"})
	assert.True(t, r.Deleted)
	assert.Empty(t, env.tokens("virtkey-old"))
	assert.Len(t, env.tokens("seed-key-00001"), 1, "unrelated keys are untouched")
}

func TestSubstringMatchDoesNotConfuseAliases(t *testing.T) {
	env := setup(t)
	// Near misses that a substring filter returns for "virtkey-sub".
	for _, a := range []string{"virtkey-sub-user1", "VIRTKEY-SUB", "x-virtkey-sub"} {
		one(t, env.engine(defaults()), Spec{Alias: a})
	}
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionListAliasSubstring})
	r := one(t, env.engine(defaults()), Spec{Alias: "virtkey-sub"})
	assert.True(t, r.Created, "near misses are not the key")
	r = one(t, env.engine(absent()), Spec{Alias: "virtkey-sub"})
	assert.True(t, r.Deleted)
	for _, a := range []string{"virtkey-sub-user1", "VIRTKEY-SUB", "x-virtkey-sub"} {
		assert.Len(t, env.tokens(a), 1, a)
	}
}

func TestLegacyNotFound(t *testing.T) {
	env := setup(t)
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionLegacyNotFound})
	c := env.client()
	_, err := c.DeleteKeys(context.Background(), []string{litellm.HashKey("sk-never-existed")})
	assert.ErrorIs(t, err, litellm.ErrNotFound)
	assert.NotErrorIs(t, err, litellm.ErrUnauthorized)
	_, err = c.KeyInfo(context.Background(), litellm.HashKey("sk-never-existed"))
	assert.ErrorIs(t, err, litellm.ErrNotFound)

	// A key deleted by someone else between lookup and delete.
	created := one(t, env.engine(defaults()), Spec{Alias: "virtkey-legacy"})
	e := env.engine(absent())
	found, err := e.lookup(context.Background(), []string{"virtkey-legacy"})
	require.NoError(t, err)
	_, err = env.store.Delete(context.Background(), []string{*created.Token}, "someone")
	require.NoError(t, err)
	results := e.absent(context.Background(), []Spec{{Alias: "virtkey-legacy"}}, found)
	require.Len(t, results, 1)
	assert.False(t, results[0].Failed, results[0].Msg)
	assert.Equal(t, DeletedViaAPI, *results[0].DeletedVia)
}

// memDeleter is a ForceDeleter over the fake's store, standing in for
// tokendb.Delete in tests without PostgreSQL.
func memDeleter(store fakeserver.Store, calls *[]tokendb.Request) ForceDeleter {
	return func(ctx context.Context, _ string, req tokendb.Request) (*tokendb.Result, error) {
		*calls = append(*calls, req)
		done, err := store.Delete(ctx, req.Tokens, req.DeletedBy)
		if err != nil {
			return nil, err
		}
		return &tokendb.Result{Deleted: done, Statements: []string{"DELETE FROM \"LiteLLM_VerificationToken\" WHERE token = ANY($1) AND key_alias = $2"}}, nil
	}
}

func TestDeleteThatDoesNotTake(t *testing.T) {
	for _, fault := range []string{fakeserver.ActionDeleteNoop, fakeserver.ActionDeleteFK} {
		t.Run(fault, func(t *testing.T) {
			env := setup(t)
			created := one(t, env.engine(defaults()), Spec{Alias: "virtkey-stuck"})
			env.faults(fakeserver.FaultRule{Action: fault})

			// Without force_db_delete: a clear failure, the key is still there.
			e := env.engine(absent())
			var explained []error
			e.Explain = func(err error) string { explained = append(explained, err); return "explained" }
			out, err := e.Run(context.Background(), []Spec{{Alias: "virtkey-stuck"}})
			require.Error(t, err)
			r := out.Keys[0]
			assert.True(t, r.Failed)
			assert.False(t, r.Changed)
			assert.Equal(t, "explained", r.Msg, "the module words the hint to force_db_delete")
			require.Len(t, explained, 1)
			var de *DeleteNotEffectiveError
			require.ErrorAs(t, explained[0], &de)
			assert.Equal(t, "virtkey-stuck", de.Alias)
			assert.Len(t, env.tokens("virtkey-stuck"), 1)

			var calls []tokendb.Request
			o := absent()
			o.ForceDBDelete, o.DatabaseURL, o.DeletedBy = true, "postgresql://unused", "rhpds.litellm_virtual_keys"
			e = env.engine(o)
			e.ForceDelete = memDeleter(env.store, &calls)
			r = one(t, e, Spec{Alias: "virtkey-stuck"})
			assert.False(t, r.Failed, r.Msg)
			assert.True(t, r.Changed)
			assert.True(t, r.Deleted)
			assert.Equal(t, DeletedViaDatabase, *r.DeletedVia)
			assert.NotEmpty(t, r.DBStatements)
			require.Len(t, calls, 1)
			assert.Equal(t, tokendb.Request{Alias: "virtkey-stuck", Tokens: []string{*created.Token}, DeletedBy: "rhpds.litellm_virtual_keys"}, calls[0])
			assert.Empty(t, env.tokens("virtkey-stuck"))
			w := env.takeWarnings()
			require.NotEmpty(t, w)
			assert.Contains(t, w[len(w)-1], "60 s")
			assert.Contains(t, w[len(w)-1], "bypassing LiteLLM")
		})
	}
}

func TestForceDeleteFailure(t *testing.T) {
	env := setup(t)
	one(t, env.engine(defaults()), Spec{Alias: "virtkey-dbfail"})
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionDeleteNoop})
	o := absent()
	o.ForceDBDelete, o.DatabaseURL = true, "postgresql://user:hunter2@db.invalid/litellm"
	e := env.engine(o)
	e.ForceDelete = func(context.Context, string, tokendb.Request) (*tokendb.Result, error) {
		return nil, fmt.Errorf("connect to PostgreSQL at db.invalid: no such host")
	}
	out, err := e.Run(context.Background(), []Spec{{Alias: "virtkey-dbfail"}})
	require.Error(t, err)
	require.Len(t, out.Keys, 1)
	assert.True(t, out.Keys[0].Failed)
	assert.Contains(t, err.Error(), "force delete of key \"virtkey-dbfail\" in PostgreSQL failed")
	assert.NotContains(t, err.Error(), "hunter2")
}

func TestTransientFaultsOnEveryCall(t *testing.T) {
	routes := []string{"GET /key/list", "GET /model/info", "POST /key/generate", "POST /key/update", "POST /key/delete"}
	kinds := []fakeserver.FaultRule{
		{Action: fakeserver.ActionStatus, Status: 500},
		{Action: fakeserver.ActionStatus, Status: 503},
		{Action: fakeserver.ActionStatus, Status: 502, Body: "<html><body>502 Bad Gateway</body></html>"},
		{Action: fakeserver.ActionStatus, Status: 429, RetryAfter: 0},
		{Action: fakeserver.ActionReset},
	}
	for _, route := range routes {
		for _, kind := range kinds {
			kind := kind
			kind.Route, kind.Count = route, 2
			name := fmt.Sprintf("%s %s %d", route, kind.Action, kind.Status)
			t.Run(name, func(t *testing.T) {
				env := setup(t)
				alias := "virtkey-flaky"
				env.faults(kind)
				// create
				r := one(t, env.engine(defaults()), Spec{Alias: alias, Models: models("Docling"), KeySettings: litellm.KeySettings{MaxBudget: f64(1)}})
				require.NotNil(t, r.Key)
				assert.Equal(t, []string{litellm.HashKey(*r.Key)}, env.tokens(alias), "exactly one key, with the returned secret")
				// converge
				env.faults(kind)
				r = one(t, env.engine(defaults()), Spec{Alias: alias, Key: *r.Key, Models: models("Docling", "openai/mistral-7b-instruct"), KeySettings: litellm.KeySettings{MaxBudget: f64(2)}})
				assert.True(t, r.Updated)
				assert.Equal(t, 2.0, *env.get(*r.Token).MaxBudget)
				// delete
				env.faults(kind)
				r = one(t, env.engine(absent()), Spec{Alias: alias})
				assert.True(t, r.Deleted, r.Msg)
				assert.Empty(t, env.tokens(alias))
			})
		}
	}
}

func TestAmbiguousCreateIsResolvedByLookup(t *testing.T) {
	for _, fault := range []string{fakeserver.ActionGenerateCommit500, fakeserver.ActionGenerateCommitReset} {
		t.Run(fault, func(t *testing.T) {
			env := setup(t)
			env.faults(fakeserver.FaultRule{Action: fault, Count: 1})
			e := env.engine(defaults())
			r := one(t, e, Spec{Alias: "virtkey-ambiguous"})
			assert.True(t, r.Created)
			require.NotNil(t, r.Key)
			assert.Equal(t, []string{litellm.HashKey(*r.Key)}, env.tokens("virtkey-ambiguous"), "one key, and its secret is the one returned")
			// The fake logs a reset request when its handler returns, which may
			// be after the client moved on: collect the log for a moment.
			var writes []string
			assert.Eventually(t, func() bool {
				writes = append(writes, env.writes()...)
				return len(writes) > 0
			}, time.Second, 10*time.Millisecond)
			assert.Equal(t, []string{"POST /key/generate"}, writes, "the create is not sent twice")
		})
	}
}

func TestCreateRaceWithSomeoneElse(t *testing.T) {
	env := setup(t)
	// Someone else creates the alias right after our lookup: our create gets
	// the duplicate-alias 400 and must adopt the existing key, not fail.
	c := env.client()
	e := env.engine(defaults())
	found, err := e.lookup(context.Background(), []string{"virtkey-race"})
	require.NoError(t, err)
	alias, other := "virtkey-race", "sk-someone-else"
	_, err = c.GenerateKey(context.Background(), &litellm.GenerateKeyRequest{KeyAlias: &alias, Key: &other})
	require.NoError(t, err)
	results, err := e.present(context.Background(), []Spec{{Alias: alias}}, found)
	require.NoError(t, err)
	r := results[0]
	assert.False(t, r.Failed, r.Msg)
	assert.False(t, r.Created)
	assert.Nil(t, r.Key, "someone else's secret is unknown (on_secret_unknown: keep)")
	assert.Equal(t, litellm.HashKey(other), *r.Token)
	assert.Equal(t, []string{litellm.HashKey(other)}, env.tokens(alias), "no second key")
	w := env.takeWarnings()
	require.Len(t, w, 2)
	assert.Contains(t, w[0], "created concurrently")
}
