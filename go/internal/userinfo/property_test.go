package userinfo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// gen draws random module calls.
type gen struct{ r *rand.Rand }

// messageStrings are trickyStrings AgnosticD itself can write into its
// json.dumps lines: it writes astral characters as surrogate pairs and DEL
// raw, which PyYAML cannot read back (ours handles them; see
// TestInfoLinesRoundTrip).
var messageStrings = slices.DeleteFunc(slices.Clone(trickyStrings), func(s string) bool {
	for _, r := range s {
		if r > 0xffff || r == 0x7f {
			return true
		}
	}
	return false
})

func (g gen) pick(ss []string) string { return ss[g.r.IntN(len(ss))] }

func (g gen) scalar() any {
	switch g.r.IntN(7) {
	case 0:
		return json.Number(fmt.Sprint(g.r.IntN(2000) - 1000))
	case 1:
		return json.Number(g.pick([]string{"1.5", "-0.25", "3.0", "1e20", "1e-07", "0.0", "123456789012345678901234567890"}))
	case 2:
		return g.r.IntN(2) == 0
	case 3:
		return nil
	default:
		return g.pick(trickyStrings)
	}
}

func (g gen) value(depth int) any {
	if depth > 0 && g.r.IntN(4) == 0 {
		l := make([]any, g.r.IntN(3))
		for i := range l {
			l[i] = g.value(depth - 1)
		}
		return l
	}
	if depth > 0 && g.r.IntN(4) == 0 {
		return g.dict(depth-1, nil)
	}
	return g.scalar()
}

func (g gen) dict(depth int, avoid []string) map[string]any {
	m := map[string]any{}
	for range g.r.IntN(4) {
		k := g.pick(append([]string{"key", "url", "a", "b"}, trickyStrings...))
		if slices.Contains(avoid, k) {
			continue
		}
		m[k] = g.value(depth)
	}
	return m
}

func (g gen) text() any {
	switch g.r.IntN(4) {
	case 0:
		l := make([]any, g.r.IntN(3))
		for i := range l {
			l[i] = g.pick(messageStrings)
		}
		return l
	case 1:
		return ""
	default:
		return g.pick(messageStrings)
	}
}

func (g gen) call() map[string]any {
	c := map[string]any{}
	if g.r.IntN(2) == 0 {
		c["user"] = g.pick([]string{"alice", "bob", "yes", "0123", "é", ""})
	}
	switch g.r.IntN(5) {
	case 0, 1:
		c["msg"] = g.text()
	case 2:
		c["body"] = g.text()
	case 3:
		c["msg"], c["body"] = g.text(), g.text() // often mutually exclusive
	}
	switch g.r.IntN(8) {
	case 0:
		c["data"] = g.pick([]string{"x", "", "[1]"}) // a string, not a dict
	case 1, 2, 3, 4:
		// Keys that would make AgnosticD itself crash are left out: a
		// top-level "users", a per-user "msg"/"body" that is not a string.
		c["data"] = g.dict(2, []string{"users", "msg", "body"})
	}
	if g.r.IntN(3) == 0 {
		c["data_prefix"] = g.pick([]string{"", "p_", "litellm_"})
	}
	if g.r.IntN(4) == 0 {
		c["action"] = g.pick([]string{"destroy", "provision", ""})
	}
	return c
}

type modelCase struct {
	Ours  string           `json:"ours"`
	Calls []map[string]any `json:"calls"`
}

type modelVerdict struct {
	Errors   []*string `json:"errors"`
	Problems []string  `json:"problems"`
}

// TestMatchesAgnosticDModel: random call sequences through the module give
// files that PyYAML loads exactly as the reference model of AgnosticD's
// semantics (testdata/agnosticd_model.py) predicts (the integration target
// user_info_agnosticd compares with AgnosticD's plugin itself).
func TestMatchesAgnosticDModel(t *testing.T) {
	t.Parallel()
	const cases, maxCalls = 80, 12
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	g := gen{rand.New(rand.NewPCG(seed, 1))}
	all := make([]modelCase, cases)
	for i := range all {
		dir := t.TempDir()
		all[i] = modelCase{Ours: filepath.Join(dir, "ours")}
		for range 1 + g.r.IntN(maxCalls) {
			all[i].Calls = append(all[i].Calls, g.call())
		}
	}
	// The cases are independent: run them side by side (each in order).
	results := make([][]map[string]any, cases)
	var wg sync.WaitGroup
	for i, c := range all {
		wg.Go(func() {
			for _, call := range c.Calls {
				args := map[string]any{"output_dir": c.Ours}
				for k, v := range call {
					args[k] = v
				}
				results[i] = append(results[i], execModule(t, args))
			}
		})
	}
	wg.Wait()

	var verdicts []modelVerdict
	askOracle(t, map[string]any{"model": all}, &verdicts)
	require.Len(t, verdicts, cases)

	for i, v := range verdicts {
		calls, _ := json.MarshalIndent(all[i].Calls, "", " ")
		assert.Empty(t, v.Problems, "case %d, calls:\n%s", i, calls)
		for j, wantErr := range v.Errors {
			res := results[i][j]
			if wantErr == nil {
				assert.NotContains(t, res, "failed", "case %d call %d: %v", i, j, res)
			} else {
				if *wantErr != "existing data cannot be merged" { // the model's generic text
					assert.Equal(t, *wantErr, res["error"], "case %d call %d", i, j)
				}
				assert.Equal(t, true, res["failed"], "case %d call %d", i, j)
			}
		}
	}
}
