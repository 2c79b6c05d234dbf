package virtualkey

import (
	"context"
	"testing"

	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// setSpend records usage in the fake's store, as LiteLLM's accounting would.
func (e *env) setSpend(token string, spend float64) {
	e.t.Helper()
	_, err := e.store.Update(context.Background(), token, fakeserver.InsertOptions{}, func(k *fakeserver.Key) error {
		k.Spend = spend
		return nil
	})
	require.NoError(e.t, err)
}

// TestAbsentReportsSpend: state=absent returns each key's spend as the
// lookup saw it, in check mode and for real, without an extra request; a
// missing key has spend null.
func TestAbsentReportsSpend(t *testing.T) {
	env := setup(t)
	a := one(t, env.engine(defaults()), Spec{Alias: "virtkey-spend-a", Models: models("Docling")})
	b := one(t, env.engine(defaults()), Spec{Alias: "virtkey-spend-b", Models: models("Docling")})
	env.setSpend(*a.Token, 1.25)

	o := absent()
	o.CheckMode = true
	r := one(t, env.engine(o), Spec{Alias: "virtkey-spend-a"})
	require.NotNil(t, r.Spend)
	assert.InDelta(t, 1.25, *r.Spend, 1e-9)

	e := env.engine(absent())
	out := run(t, e, Spec{Alias: "virtkey-spend-a"}, Spec{Alias: "virtkey-spend-b"}, Spec{Alias: "virtkey-spend-missing"})
	require.Len(t, out.Keys, 3)
	require.NotNil(t, out.Keys[0].Spend)
	assert.InDelta(t, 1.25, *out.Keys[0].Spend, 1e-9)
	require.NotNil(t, out.Keys[1].Spend, "a fresh key spent 0, which is known")
	assert.Zero(t, *out.Keys[1].Spend)
	assert.Equal(t, *b.Token, *out.Keys[1].Token)
	assert.Nil(t, out.Keys[2].Spend, "missing key: spend unknown")
	assert.True(t, out.Keys[2].WasMissing)
	assert.Contains(t, mustJSON(t, out.Keys[2]), `"spend":null`)
	// lookup (one scan page) + one delete + one verification scan: no request to read spend.
	assert.EqualValues(t, 3, e.Client.Requests())
}

func TestSpendOf(t *testing.T) {
	assert.Nil(t, spendOf([]litellm.Key{{Spend: f64(1)}, {}}))
	assert.InDelta(t, 3.5, *spendOf([]litellm.Key{{Spend: f64(1)}, {Spend: f64(2.5)}}), 1e-9)
}
