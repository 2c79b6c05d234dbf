package virtualkey

import (
	"context"
	"fmt"
	"testing"

	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// soakFaults inject about 30 % faults of every kind the field produces:
// 5xx (JSON and HTML), 429 with Retry-After, resets before the handler,
// creates whose answer is lost after the commit (500 or reset), deletes
// that do not take, and the answers of older releases.
func soakFaults(seed uint64) fakeserver.FaultSpec {
	return fakeserver.FaultSpec{Seed: seed, Faults: []fakeserver.FaultRule{
		{Action: fakeserver.ActionStatus, Route: "*", Status: 500, Rate: 0.05},
		{Action: fakeserver.ActionStatus, Route: "*", Status: 502, Body: "<html><body>502 Bad Gateway</body></html>", Rate: 0.05},
		{Action: fakeserver.ActionStatus, Route: "*", Status: 503, RetryAfter: 0, Rate: 0.05},
		{Action: fakeserver.ActionStatus, Route: "*", Status: 429, RetryAfter: 0, Rate: 0.05},
		{Action: fakeserver.ActionReset, Route: "*", Rate: 0.05},
		{Action: fakeserver.ActionGenerateCommit500, Route: "POST /key/generate", Rate: 0.15},
		{Action: fakeserver.ActionGenerateCommitReset, Route: "POST /key/generate", Rate: 0.15},
		{Action: fakeserver.ActionDeleteNoop, Route: "POST /key/delete", Rate: 0.1},
		{Action: fakeserver.ActionLegacyNotFound, Route: "*", Rate: 0.15},
		{Action: fakeserver.ActionListAliasSubstring, Route: "GET /key/list", Rate: 0.15},
	}}
}

// TestFaultSoak runs provision/destroy cycles under injected faults and
// counts what must never happen: two keys under one alias, a key left
// behind, a success the proxy's state contradicts. Failures are allowed:
// they must only be true.
func TestFaultSoak(t *testing.T) {
	t.Parallel()
	for _, mode := range []struct {
		name     string
		cycles   int
		config   func(*fakeserver.Config)
		derive   bool
		onSecret string
	}{
		{name: "derived secrets (the default)", cycles: 150, derive: true, onSecret: SecretRegenerate},
		{name: "random secrets", cycles: 60, onSecret: SecretKeep},
		{name: "racy alias check", cycles: 60, derive: true, onSecret: SecretRegenerate,
			config: func(c *fakeserver.Config) { c.RacyAlias = true }},
		{name: "custom keys disabled", cycles: 60, derive: true, onSecret: SecretRegenerate,
			config: func(c *fakeserver.Config) { c.DisableCustomKeys = true }},
	} {
		t.Run(mode.name, func(t *testing.T) {
			t.Parallel()
			var opts []envOption
			if mode.config != nil {
				opts = append(opts, withConfig(mode.config))
			}
			env := setup(t, opts...)
			require.NoError(t, env.srv.SeedKeys(context.Background(), 150)) // lookups paginate
			present := defaults()
			present.OnSecretUnknown = mode.onSecret
			if mode.derive {
				present.DerivationSecret = MasterKeyDerivationSecret(master)
			}
			var (
				duplicates, leaked, falseSuccess   int
				provisioned, destroyed, failedRuns int
				fired, requests                    int
			)
			for c := 0; c < mode.cycles; c++ {
				alias := fmt.Sprintf("virtkey-soak-%03d", c)
				env.srv.SetFaults(soakFaults(uint64(c + 1)))
				for attempt := 0; attempt < 2; attempt++ { // AgnosticD retries a failed provision once
					out, err := env.engine(present).Run(context.Background(), []Spec{{Alias: alias, Models: models("Docling"), Duration: strp("7d")}})
					toks := env.tokens(alias)
					if len(toks) > 1 {
						duplicates++
						t.Logf("cycle %d: %d keys under the alias", c, len(toks))
					}
					if err != nil {
						failedRuns++
						continue
					}
					r := out.Keys[0]
					switch {
					case r.Key == nil && mode.onSecret == SecretKeep:
						// keep: reported without a secret, by design (a lost answer with random secrets)
					case r.Key == nil, len(toks) != 1, litellm.HashKey(*r.Key) != toks[0]:
						falseSuccess++
						t.Logf("cycle %d: provision reported success but the proxy holds %v (key %v)", c, toks, r.Key != nil)
					}
					provisioned++
					break
				}
				out, err := env.engine(absent()).Run(context.Background(), []Spec{{Alias: alias}})
				if err == nil {
					destroyed++
					if toks := env.tokens(alias); len(toks) > 0 || !(out.Keys[0].Deleted || out.Keys[0].WasMissing) {
						falseSuccess++
						t.Logf("cycle %d: destroy reported success but %d keys remain", c, len(toks))
					}
				} else {
					failedRuns++
				}
				for _, f := range env.srv.Faults().Faults {
					fired += f.Fired
				}
				requests += len(env.log.Take())
				// Without faults, a destroy leaves nothing: whatever remains leaked.
				env.srv.SetFaults(fakeserver.FaultSpec{})
				run(t, env.engine(absent()), Spec{Alias: alias})
				if toks := env.tokens(alias); len(toks) > 0 {
					leaked++
				}
				env.log.Take()
				env.takeWarnings()
			}
			t.Logf("%d cycles, %d requests, %d faults (%.0f %%): %d provisions and %d destroys succeeded, %d runs failed truthfully",
				mode.cycles, requests, fired, 100*float64(fired)/float64(requests), provisioned, destroyed, failedRuns)
			assert.GreaterOrEqual(t, float64(fired)/float64(requests), 0.25, "about 30 %% of the requests met a fault")
			assert.Zero(t, duplicates, "duplicates")
			assert.Zero(t, leaked, "leaked keys")
			assert.Zero(t, falseSuccess, "false successes")
			assert.GreaterOrEqual(t, provisioned, mode.cycles*8/10, "the faults are survivable")
		})
	}
}
