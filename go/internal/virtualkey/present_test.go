package virtualkey

import (
	"context"
	"strings"
	"testing"

	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCreateThenIdempotent(t *testing.T) {
	env := setup(t)
	spec := Spec{Alias: "virtkey-abc", Models: models("openai/granite-3-2-8b-instruct"), Duration: strp("30d"),
		KeySettings: litellm.KeySettings{MaxBudget: f64(5), UserID: strp("u@example.com"), Metadata: map[string]any{"guid": "abc", "n": 1}}}

	e := env.engine(defaults())
	r := one(t, e, spec)
	assert.True(t, r.Changed)
	assert.True(t, r.Created)
	require.NotNil(t, r.Key)
	assert.True(t, strings.HasPrefix(*r.Key, "sk-"))
	assert.Len(t, *r.Key, 25, "LiteLLM's own shape: sk- and 22 characters")
	require.NotNil(t, r.Token)
	assert.Equal(t, litellm.HashKey(*r.Key), *r.Token)
	assert.Equal(t, []string{*r.Token}, r.Tokens)
	assert.Equal(t, RecoveredCreated, *r.SecretRecoveredBy)
	assert.NotNil(t, r.Expires)
	assert.Equal(t, []string{"openai/granite-3-2-8b-instruct"}, r.Models)
	assert.Equal(t, "u@example.com", *r.UserID)
	assert.Equal(t, 5.0, *r.MaxBudget)
	assert.EqualValues(t, 4, e.Client.Requests(), "lookup + model validation + create + duplicate check")
	assert.Equal(t, []string{"POST /key/generate"}, env.writes())
	assert.Equal(t, []string{*r.Token}, env.tokens("virtkey-abc"))

	// Re-run with the key from the first run: nothing changes, secret proven by hash.
	spec.Key = *r.Key
	e = env.engine(defaults())
	r2 := one(t, e, spec)
	assert.False(t, r2.Changed)
	assert.False(t, r2.Created)
	assert.Equal(t, *r.Key, *r2.Key)
	assert.Equal(t, RecoveredKnownKey, *r2.SecretRecoveredBy)
	assert.Equal(t, *r.Token, *r2.Token)
	assert.Equal(t, r.Expires, r2.Expires, "duration is never compared nor re-sent")
	assert.EqualValues(t, 1, e.Client.Requests(), "an existing key costs one lookup")
	assert.Empty(t, env.writes())
	assert.Empty(t, env.takeWarnings())
}

func TestRequestCounts(t *testing.T) {
	env := setup(t)
	tests := []struct {
		name  string
		opts  func(*Options)
		spec  Spec
		want  int64
		wantW []string
	}{
		// A new key: lookup, create, and the lookup that checks no concurrent run created one too.
		{name: "new key without models", spec: Spec{Alias: "count-1"}, want: 3, wantW: []string{"POST /key/generate"}},
		{name: "new key with validated models", spec: Spec{Alias: "count-2", Models: models("Docling")}, want: 4, wantW: []string{"POST /key/generate"}},
		{name: "new key, validation off", spec: Spec{Alias: "count-3", Models: models("Docling")}, opts: func(o *Options) { o.ValidateModels = false }, want: 3, wantW: []string{"POST /key/generate"}},
		{name: "existing key", spec: Spec{Alias: "count-2", Models: models("Docling")}, want: 1},
		{name: "delete", spec: Spec{Alias: "count-1"}, opts: func(o *Options) { o.State = StateAbsent }, want: 3, wantW: []string{"POST /key/delete"}},
		{name: "delete missing", spec: Spec{Alias: "count-1"}, opts: func(o *Options) { o.State = StateAbsent }, want: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := defaults()
			if tt.opts != nil {
				tt.opts(&o)
			}
			e := env.engine(o)
			_ = one(t, e, tt.spec)
			assert.Equal(t, tt.want, e.Client.Requests())
			assert.Equal(t, tt.wantW, env.writes())
		})
	}
}

func TestSecretRecoveryByDerivation(t *testing.T) {
	env := setup(t)
	o := defaults()
	o.DerivationSecret = "operator-derivation-secret"
	spec := Spec{Alias: "virtkey-derive"}
	r := one(t, env.engine(o), spec)
	require.True(t, r.Created)
	want := Derive(o.DerivationSecret, "virtkey-derive")
	assert.Equal(t, want, *r.Key)
	assert.Equal(t, []string{litellm.HashKey(want)}, env.tokens("virtkey-derive"))

	r2 := one(t, env.engine(o), spec)
	assert.False(t, r2.Changed)
	assert.Equal(t, want, *r2.Key)
	assert.Equal(t, RecoveredDerivation, *r2.SecretRecoveredBy)

	// A wrong caller key does not hide the derivable one.
	spec.Key = "sk-wrong-0123456789"
	r3 := one(t, env.engine(o), spec)
	assert.Equal(t, want, *r3.Key)
	assert.Equal(t, RecoveredDerivation, *r3.SecretRecoveredBy)
	assert.Len(t, env.takeWarnings(), 1, "the mismatching key is reported")
}

func TestDerive(t *testing.T) {
	a := Derive("s1", "virtkey-a")
	assert.Equal(t, a, Derive("s1", "virtkey-a"), "deterministic")
	assert.NotEqual(t, a, Derive("s2", "virtkey-a"))
	assert.NotEqual(t, a, Derive("s1", "virtkey-b"))
	assert.Regexp(t, `^sk-[A-Za-z0-9_-]{22}$`, a)
	s, err := NewSecret()
	require.NoError(t, err)
	assert.Regexp(t, `^sk-[A-Za-z0-9_-]{22}$`, s)
}

func TestCreateWithCallerKey(t *testing.T) {
	env := setup(t)
	r := one(t, env.engine(defaults()), Spec{Alias: "virtkey-given", Key: "sk-given-by-the-caller"})
	assert.True(t, r.Created)
	assert.Equal(t, "sk-given-by-the-caller", *r.Key)
	assert.Equal(t, []string{litellm.HashKey("sk-given-by-the-caller")}, env.tokens("virtkey-given"))
}

func TestOnSecretUnknown(t *testing.T) {
	env := setup(t)
	created := one(t, env.engine(defaults()), Spec{Alias: "virtkey-lost", Models: models("Docling"), KeySettings: litellm.KeySettings{MaxBudget: f64(3)}})
	oldToken := *created.Token
	env.log.Take()

	t.Run("keep", func(t *testing.T) {
		e := env.engine(defaults())
		r := one(t, e, Spec{Alias: "virtkey-lost"})
		assert.False(t, r.Changed)
		assert.Nil(t, r.Key)
		assert.Nil(t, r.SecretRecoveredBy)
		assert.Equal(t, oldToken, *r.Token)
		w := env.takeWarnings()
		require.Len(t, w, 1)
		assert.Contains(t, w[0], "cannot be recovered")
		assert.Empty(t, env.writes())
	})
	t.Run("fail", func(t *testing.T) {
		o := defaults()
		o.OnSecretUnknown = SecretFail
		out, err := env.engine(o).Run(context.Background(), []Spec{{Alias: "virtkey-lost", Key: "sk-not-it-0123456789"}})
		require.Error(t, err)
		assert.Nil(t, out)
		assert.Contains(t, err.Error(), "secret is unknown")
		assert.Empty(t, env.writes())
		assert.Equal(t, []string{oldToken}, env.tokens("virtkey-lost"))
		env.takeWarnings()
	})
	t.Run("regenerate in check mode", func(t *testing.T) {
		o := defaults()
		o.OnSecretUnknown, o.CheckMode = SecretRegenerate, true
		r := one(t, env.engine(o), Spec{Alias: "virtkey-lost"})
		assert.True(t, r.Changed)
		assert.True(t, r.Created)
		assert.Empty(t, env.writes())
		assert.Equal(t, []string{oldToken}, env.tokens("virtkey-lost"))
	})
	t.Run("regenerate", func(t *testing.T) {
		o := defaults()
		o.OnSecretUnknown = SecretRegenerate
		r := one(t, env.engine(o), Spec{Alias: "virtkey-lost", Models: models("Docling"), KeySettings: litellm.KeySettings{MaxBudget: f64(3)}})
		assert.True(t, r.Changed)
		assert.True(t, r.Created)
		require.NotNil(t, r.Key)
		assert.Equal(t, RecoveredCreated, *r.SecretRecoveredBy)
		assert.NotEqual(t, oldToken, *r.Token)
		assert.Equal(t, []string{litellm.HashKey(*r.Key)}, env.tokens("virtkey-lost"), "the old key is gone, one new key")
		assert.Equal(t, []string{"POST /key/delete", "POST /key/generate"}, env.writes())
	})
}

func TestConverge(t *testing.T) {
	env := setup(t)
	spec := Spec{Alias: "virtkey-conv", Models: models("Docling"), Duration: strp("7d"), KeySettings: litellm.KeySettings{MaxBudget: f64(10),
		Metadata: map[string]any{"a": 1, "keep": "x"}, TPMLimit: i64(100)}}
	created := one(t, env.engine(defaults()), spec)
	env.log.Take()

	spec2 := spec
	spec2.Models = models("openai/mistral-7b-instruct", "Docling")
	spec2.MaxBudget = f64(20)
	spec2.Metadata = map[string]any{"a": 2}
	spec2.Duration = strp("90d") // never compared
	spec2.Key = *created.Key

	o := defaults()
	o.CheckMode = true
	e := env.engine(o)
	e.DiffMode = true
	r := one(t, e, spec2)
	assert.True(t, r.Changed)
	assert.True(t, r.Updated)
	assert.Empty(t, env.writes(), "check mode writes nothing")
	require.NotNil(t, r.Diff)
	assert.Equal(t, []string{"Docling"}, r.Diff.Before.Models)
	assert.Equal(t, []string{"openai/mistral-7b-instruct", "Docling"}, r.Diff.After.Models)
	assert.Equal(t, 10.0, *r.Diff.Before.MaxBudget)
	assert.Equal(t, 20.0, *r.Diff.After.MaxBudget)

	e = env.engine(defaults())
	e.DiffMode = true
	r = one(t, e, spec2)
	assert.True(t, r.Changed)
	assert.True(t, r.Updated)
	assert.False(t, r.Created)
	assert.Equal(t, *created.Key, *r.Key)
	assert.Equal(t, []string{"POST /key/update"}, env.writes())
	assert.EqualValues(t, 3, e.Client.Requests(), "lookup + model validation + update")
	k := env.get(*created.Token)
	assert.ElementsMatch(t, []string{"openai/mistral-7b-instruct", "Docling"}, k.Models)
	assert.Equal(t, 20.0, *k.MaxBudget)
	assert.Equal(t, map[string]any{"a": 2.0, "keep": "x"}, k.Metadata, "metadata entries not named are kept")
	assert.Equal(t, int64(100), *k.TPMLimit)
	require.NotNil(t, r.Diff)
	assert.NotContains(t, mustJSON(t, r.Diff), *created.Key, "diffs never hold secrets")

	// Converged: the next run changes nothing (model order does not matter).
	spec2.Models = models("Docling", "openai/mistral-7b-instruct")
	r = one(t, env.engine(defaults()), spec2)
	assert.False(t, r.Changed)
	assert.Empty(t, env.writes())

	// update: false leaves differences alone.
	spec2.MaxBudget = f64(99)
	o = defaults()
	o.Update = false
	r = one(t, env.engine(o), spec2)
	assert.False(t, r.Changed)
	assert.Empty(t, env.writes())

	// refresh_expiry resets expires from duration.
	before := env.get(*created.Token).Expires
	o = defaults()
	o.RefreshExpiry = true
	spec2.MaxBudget = f64(20)
	r = one(t, env.engine(o), spec2)
	assert.True(t, r.Updated)
	after := env.get(*created.Token).Expires
	require.NotNil(t, after)
	assert.True(t, after.After(*before), "90d from now is later than 7d from creation")
	assert.Equal(t, []string{"POST /key/update"}, env.writes())
}

func TestCheckModeCreate(t *testing.T) {
	env := setup(t)
	o := defaults()
	o.CheckMode = true
	e := env.engine(o)
	e.DiffMode = true
	r := one(t, e, Spec{Alias: "virtkey-check", Models: models("Docling")})
	assert.True(t, r.Changed)
	assert.True(t, r.Created)
	assert.Nil(t, r.Key, "a random secret is not invented in check mode")
	assert.Empty(t, env.writes())
	assert.Empty(t, env.tokens("virtkey-check"))
	require.NotNil(t, r.Diff)
	assert.Equal(t, StateAbsent, r.Diff.Before.State)
	assert.Equal(t, StatePresent, r.Diff.After.State)
	assert.Equal(t, []string{"Docling"}, r.Diff.After.Models)
}

func TestModelValidation(t *testing.T) {
	env := setup(t, withModels("openai/*", "Docling"))
	e := env.engine(defaults())
	r := one(t, e, Spec{Alias: "virtkey-wild", Models: models("openai/gpt-4o", "Docling")})
	assert.True(t, r.Created, "openai/* serves openai/gpt-4o")

	e = env.engine(defaults())
	out, err := e.Run(context.Background(), []Spec{{Alias: "virtkey-badmodel", Models: models("anthropic/claude", "Docling", "mistral")}})
	require.Error(t, err)
	assert.Nil(t, out)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Contains(t, err.Error(), "anthropic/claude, mistral")
	assert.Contains(t, err.Error(), "available: Docling, openai/*")
	assert.NotContains(t, err.Error(), "\n")
	assert.Empty(t, env.tokens("virtkey-badmodel"))
	env.log.Take()

	// Converging to an unknown model fails before writing too.
	_, err = env.engine(defaults()).Run(context.Background(), []Spec{{Alias: "virtkey-wild", Models: models("nope")}})
	require.Error(t, err)
	assert.Empty(t, env.writes())
}

func TestModelSetMatching(t *testing.T) {
	ms := newModelSet([]litellm.Model{{ModelName: "openai/*"}, {ModelName: "granite"}, {ModelName: "*-embed"}})
	assert.Empty(t, ms.missing([]string{"openai/x", "openai/*", "granite", "all-proxy-models", "text-embed"}))
	assert.Equal(t, []string{"mistral", "openai"}, ms.missing([]string{"mistral", "openai"}))
	assert.True(t, wildcardMatch("a*b*c", "aXbYc"))
	assert.False(t, wildcardMatch("a*bc*c", "abc"))
	assert.False(t, wildcardMatch("abc", "abc"), "no wildcard, no wildcard match")
}

func TestValidationBeforeAnyRequest(t *testing.T) {
	env := setup(t)
	tests := []struct {
		name string
		spec Spec
		opts func(*Options)
		want string
	}{
		{name: "alias characters", spec: Spec{Alias: "virtkey abc"}, want: `invalid key_alias "virtkey abc"`},
		{name: "empty alias", spec: Spec{Alias: ""}, want: "key_alias must not be empty"},
		{name: "bad duration", spec: Spec{Alias: "ok-alias", Duration: strp("30x")}, want: `invalid duration "30x"`},
		{name: "bad budget duration", spec: Spec{Alias: "ok-alias", KeySettings: litellm.KeySettings{BudgetDuration: strp("monthly")}}, want: `invalid budget_duration "monthly"`},
		{name: "negative budget", spec: Spec{Alias: "ok-alias", KeySettings: litellm.KeySettings{MaxBudget: f64(-1)}}, want: "max_budget must be a non-negative number, got -1"},
		{name: "negative limit", spec: Spec{Alias: "ok-alias", KeySettings: litellm.KeySettings{RPMLimit: i64(-5)}}, want: "rpm_limit must not be negative"},
		{name: "bad key", spec: Spec{Alias: "ok-alias", Key: "abc"}, want: "must be a LiteLLM virtual key"},
		{name: "empty model", spec: Spec{Alias: "ok-alias", Models: models("a", " ")}, want: "must not contain an empty name"},
		{name: "force delete without url", spec: Spec{Alias: "ok-alias"}, opts: func(o *Options) { o.State, o.ForceDBDelete = StateAbsent, true }, want: "the database fallback needs a database URL"},
		{name: "bad state", spec: Spec{Alias: "ok-alias"}, opts: func(o *Options) { o.State = "gone" }, want: "state must be present or absent"},
		// No defaults in the engine: the module's parameters are their only source.
		{name: "empty state", spec: Spec{Alias: "ok-alias"}, opts: func(o *Options) { o.State = "" }, want: `state must be present or absent, got ""`},
		{name: "empty on_secret_unknown", spec: Spec{Alias: "ok-alias"}, opts: func(o *Options) { o.OnSecretUnknown = "" }, want: `the policy for unknown secrets must be keep, regenerate or fail, got ""`},
		{name: "zero parallel", spec: Spec{Alias: "ok-alias"}, opts: func(o *Options) { o.Parallel = 0 }, want: "parallel must be at least 1, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := defaults()
			if tt.opts != nil {
				tt.opts(&o)
			}
			e := env.engine(o)
			out, err := e.Run(context.Background(), []Spec{tt.spec})
			require.Error(t, err)
			assert.Nil(t, out)
			assert.Contains(t, err.Error(), tt.want)
			var ve *ValidationError
			assert.ErrorAs(t, err, &ve)
			assert.EqualValues(t, 0, e.Client.Requests())
		})
	}
	// Legacy aliases can still be deleted.
	o := defaults()
	o.State = StateAbsent
	r := one(t, env.engine(o), Spec{Alias: "old alias with spaces"})
	assert.True(t, r.WasMissing)
}

func TestMultipleKeysWithAlias(t *testing.T) {
	env := setup(t)
	env.faults(fakeserver.FaultRule{Action: fakeserver.ActionAllowDuplicateAlias})
	// Two keys with the same alias (LiteLLM's create race), created behind the engine's back.
	c := env.client()
	alias := "virtkey-dup"
	k1, k2 := "sk-dup-one-0123456789", "sk-dup-two-0123456789"
	_, err := c.GenerateKey(context.Background(), &litellm.GenerateKeyRequest{KeyAlias: &alias, Key: &k1})
	require.NoError(t, err)
	_, err = c.GenerateKey(context.Background(), &litellm.GenerateKeyRequest{KeyAlias: &alias, Key: &k2})
	require.NoError(t, err)
	env.faults()

	r := one(t, env.engine(defaults()), Spec{Alias: alias, Key: k1})
	assert.False(t, r.Changed)
	assert.Equal(t, k1, *r.Key, "the key whose secret is known is reported")
	assert.ElementsMatch(t, []string{litellm.HashKey(k1), litellm.HashKey(k2)}, r.Tokens)
	w := env.takeWarnings()
	require.Len(t, w, 1)
	assert.Contains(t, w[0], "2 keys have the alias")

	o := defaults()
	o.State = StateAbsent
	r = one(t, env.engine(o), Spec{Alias: alias})
	assert.True(t, r.Deleted)
	assert.Empty(t, env.tokens(alias), "both are deleted")
}

func TestAuthAndReachabilityErrors(t *testing.T) {
	env := setup(t)
	c, err := litellm.New(env.url, litellm.WithAPIKey("sk-wrong-master-key"), litellm.WithRetries(0))
	require.NoError(t, err)
	e := &Engine{Client: c, Options: defaults()}
	_, err = e.Run(context.Background(), []Spec{{Alias: "virtkey-auth"}})
	require.Error(t, err)
	msg := err.Error() // keymodule's Explain adds the hints (its tests)
	assert.Equal(t, ErrorAuth, ErrorKind(err))
	assert.NotContains(t, msg, "sk-wrong-master-key")

	c, err = litellm.New("http://127.0.0.1:1", litellm.WithAPIKey(master), litellm.WithRetries(1), litellm.WithRetryDelay(0, 0))
	require.NoError(t, err)
	e = &Engine{Client: c, Options: defaults()}
	_, err = e.Run(context.Background(), []Spec{{Alias: "virtkey-down"}})
	require.Error(t, err)
	msg = err.Error()
	assert.Contains(t, msg, "http://127.0.0.1:1/key/list")
	assert.Contains(t, msg, "after 2 attempts")
	assert.Equal(t, ErrorUnreachable, ErrorKind(err))
}

func TestCallerKeyOfAnotherAlias(t *testing.T) {
	env := setup(t)
	first := one(t, env.engine(defaults()), Spec{Alias: "virtkey-owner"})
	env.log.Take()
	e := env.engine(defaults())
	out, err := e.Run(context.Background(), []Spec{{Alias: "virtkey-thief", Key: *first.Key}})
	require.Error(t, err)
	assert.Nil(t, out)
	assert.Contains(t, err.Error(), `already belongs to the key with alias "virtkey-owner"`)
	assert.NotContains(t, err.Error(), *first.Key)
	assert.Empty(t, env.writes())
	assert.Empty(t, env.tokens("virtkey-thief"))
}
