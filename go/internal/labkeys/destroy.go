package labkeys

import (
	"context"
	"errors"
	"math"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/rhpds/litellm_virtual_keys/internal/keymodule"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/pyrepr"
	"github.com/rhpds/litellm_virtual_keys/internal/userinfo"
	"github.com/rhpds/litellm_virtual_keys/internal/virtualkey"
)

// destroy deletes the lab's keys and records what they spent in the destroy
// user data. A proxy that cannot be reached is a loud line and success when
// ignore_unreachable_on_destroy is true, else a failure; any other failure
// fails.
func destroy(ctx context.Context, d Deps, m *ansible.Module, p *Params, kp *keymodule.Params, in *inputs,
	client *litellm.Client, res *Result) (any, error) {
	n := names{prefix: p.VariablePrefix}
	aliases := in.aliases()
	specs := make([]virtualkey.Spec, len(aliases))
	for i, a := range aliases {
		specs[i] = virtualkey.Spec{Alias: a}
	}
	out, runErr := runKeys(ctx, d, m, p, kp, client, specs, res)
	var errText string // the error, for the message; the runtime makes it the msg of a failure
	switch {
	case out == nil:
		errText = keymodule.Explain(runErr)
		out = &virtualkey.Outcome{} // nothing deleted, nothing found missing
	case runErr != nil:
		errText = runErr.Error()
	}
	if runErr != nil && !res.Unreachable {
		return res, errors.New(errText)
	}
	if res.Unreachable && !p.IgnoreUnreachableOnDestroy {
		return res, errors.New("LiteLLM proxy " + res.Endpoint + " is unreachable, so the key(s) " + virtualkey.CompactAliases(aliases) +
			" were NOT deleted (" + errText + "). Fix the proxy and run destroy again, or set " +
			n.of("ignore_unreachable_on_destroy") + ": true to let the rest of the lab's destroy go on.")
	}
	records := out.Keys

	// Also what the seed's example playbook reads after the role: the endpoint, the models
	// the deleted key had, and an empty key.
	total, perUser := spendOf(in, records)
	models := []string{}
	if len(records) > 0 && records[0].Models != nil {
		models = records[0].Models
	}
	res.Facts = map[string]any{
		"litellm_key_deleted":      !m.CheckMode() && out.Totals.Deleted > 0,
		"litellm_key_was_missing":  out.Totals.Total > 0 && out.Totals.Missing == out.Totals.Total,
		"litellm_key_spend":        total,
		"litellm_virtual_key":      "",
		"litellm_api_endpoint":     res.Endpoint,
		"litellm_api_base_url":     res.BaseURL,
		"litellm_key_alias":        in.aliasOf(1),
		"litellm_available_models": models,
	}
	if in.multi {
		res.Facts["litellm_key_spend_per_user"] = perUser
	}

	if res.Unreachable {
		res.Msg = "WARNING: LiteLLM proxy " + res.Endpoint + " is unreachable: the key(s) " + virtualkey.CompactAliases(aliases) +
			" were NOT deleted and stay usable until they expire (" + errText + "). Going on because " +
			n.of("ignore_unreachable_on_destroy") + " is true; delete them later by running destroy again with the same guid."
		res.Report = []string{res.Msg}
		return res, nil
	}

	spend := "unknown"
	if total != nil {
		spend = pyrepr.Float(math.Round(*total*1e4)/1e4) + " USD"
	}
	res.Msg = in.headline(virtualkey.Summary(records, stateAbsent, m.CheckMode()) + "; spend " + spend)
	res.Report = []string{res.Msg}
	if !p.EnableUserInfoData {
		return res, nil
	}
	reqs := []userinfo.Request{{Data: map[string]any{"litellm_key_spend": nullableFloat(total)}, OutputDir: p.OutputDir, Action: p.Action}}
	if in.multi {
		for i := range records {
			name := in.userName(i + 1)
			reqs = append(reqs, userinfo.Request{User: name, Data: map[string]any{"litellm_key_spend": perUser[name]},
				OutputDir: p.OutputDir, Action: p.Action})
		}
	}
	writes, err := userinfo.ApplyAll(ctx, reqs, userinfo.Options{CheckMode: m.CheckMode()})
	if err != nil {
		res.Facts = nil
		return res, errors.New(n.head() + "recording the spend in the user data failed: " + err.Error())
	}
	if m.CheckMode() {
		res.UserInfo = writes
	}
	return res, nil
}

// spendOf is what the keys spent (USD), as read just before each was deleted:
// the total of the known ones (nil when none is known) and each user's (nil
// when unknown: the key was already gone, or the proxy does not say).
func spendOf(in *inputs, records []*virtualkey.KeyResult) (*float64, map[string]any) {
	perUser := map[string]any{}
	var total float64
	known := false
	for i, r := range records {
		perUser[in.userName(i+1)] = nil
		if r.Spend != nil {
			perUser[in.userName(i+1)] = *r.Spend
			total += *r.Spend
			known = true
		}
	}
	if !known {
		return nil, perUser
	}
	total = math.Round(total*1e6) / 1e6
	return &total, perUser
}

func nullableFloat(f *float64) any {
	if f == nil {
		return nil
	}
	return *f
}
