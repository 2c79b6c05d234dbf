package labkeys

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/rhpds/litellm_virtual_keys/internal/keymodule"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/userinfo"
	"github.com/rhpds/litellm_virtual_keys/internal/virtualkey"
)

// The single-user key message when the secret is not known.
const (
	msgNewKey       = "(a new key: its secret is chosen when it is created, not in check mode)"
	msgUnchangedKey = "(unchanged: issued by an earlier run; LiteLLM cannot show it again)"
)

// provision ensures one key per user, then publishes them as user info.
func provision(ctx context.Context, d Deps, m *ansible.Module, p *Params, kp *keymodule.Params, in *inputs,
	client *litellm.Client, res *Result) (any, error) {
	n := names{prefix: p.VariablePrefix}
	// The secrets an earlier provision published, which the engine proves by hash before
	// reporting them (LiteLLM never shows an existing key's secret again).
	saved, err := userinfo.ReadData(p.OutputDir, p.Action)
	if err != nil {
		return res, errors.New(n.head() + "reading the saved keys failed: " + err.Error())
	}
	out, runErr := runKeys(ctx, d, m, p, kp, client, in.keySpecs(p, saved), res)
	if out == nil {
		return res, errors.New(keymodule.Explain(runErr))
	}
	res.Msg = in.headline(virtualkey.Summary(out.Keys, statePresent, m.CheckMode()))
	res.Report = []string{res.Msg}
	if runErr != nil {
		return res, runErr
	}

	first := out.Keys[0]
	res.Facts = map[string]any{
		"litellm_virtual_key":          deref(first.Key),
		"litellm_api_endpoint":         res.Endpoint,
		"litellm_api_base_url":         res.BaseURL,
		"litellm_key_alias":            first.KeyAlias,
		"litellm_key_id":               deref(first.Token),
		"litellm_available_models":     in.models,
		"litellm_key_duration":         in.duration,
		"litellm_key_expires":          nullable(first.Expires),
		"litellm_subscription_package": in.packageName,
	}
	flat := map[string]any{}
	if in.multi {
		for i, r := range out.Keys {
			k := "litellm_" + in.userName(i+1)
			flat[k+"_virtual_key"] = nullable(r.Key)
			flat[k+"_key_alias"] = r.KeyAlias
			flat[k+"_key_id"] = nullable(r.Token)
			flat[k+"_user_email"] = nullable(r.UserID)
		}
		res.FlatUserData = flatJSON(flat)
	}

	if !p.EnableUserInfoMessages && !p.EnableUserInfoData {
		return res, nil
	}
	messages := in.messages(p, res, first)
	writes, err := userinfo.ApplyAll(ctx, in.userInfoRequests(p, res, out.Keys, messages, flat), userinfo.Options{CheckMode: m.CheckMode()})
	if err != nil {
		res.Facts, res.FlatUserData = nil, ""
		return res, errors.New(n.head() + "publishing the user info failed: " + err.Error())
	}
	if m.CheckMode() {
		res.UserInfo = writes
	}
	if !in.multi {
		for _, l := range messages {
			res.Report = append(res.Report, "user.info: "+l)
		}
	}
	return res, nil
}

// keySpecs is one spec per user (one for a single-user lab), with the secret
// saved in the user data of an earlier run when it is one.
func (in *inputs) keySpecs(p *Params, saved map[string]any) []virtualkey.Spec {
	savedUsers, _ := saved["users"].(map[string]any)
	specs := make([]virtualkey.Spec, in.count)
	for i := range specs {
		alias := in.aliasOf(i + 1)
		mine, userID := saved, in.userID
		md := maps.Clone(in.metadata)
		if in.multi {
			name := in.userName(i + 1)
			mine, _ = savedUsers[name].(map[string]any)
			userID = name + "@" + in.emailDomain
			md["user"] = name
		}
		known := ""
		if a, has := mine["litellm_key_alias"]; !has || a == alias {
			known, _ = mine["litellm_virtual_key"].(string)
		}
		if known == "" && in.multi {
			known, _ = saved["litellm_"+in.userName(i+1)+"_virtual_key"].(string)
		}
		if !secretRule.MatchString(known) {
			known = ""
		}
		models, duration := slices.Clone(in.models), in.duration
		specs[i] = virtualkey.Spec{Alias: alias, Key: known, Models: &models, Duration: &duration, SoftBudget: p.SoftBudget}
		specs[i].UserID = &userID
		specs[i].MaxBudget = in.maxBudget
		specs[i].Metadata = md
	}
	return specs
}

// messages are the user-info messages (AgnosticD's msg) of the lab.
func (in *inputs) messages(p *Params, res *Result, first *virtualkey.KeyResult) []string {
	if !p.EnableUserInfoMessages {
		return nil
	}
	msgs := []string{"LiteLLM API Endpoint: " + res.BaseURL}
	switch {
	case in.multi:
		msgs = append(msgs, "Created "+strconv.Itoa(in.count)+" virtual keys")
	case first.Key != nil && *first.Key != "":
		msgs = append(msgs, "LiteLLM Virtual Key: "+*first.Key)
	case first.Created:
		msgs = append(msgs, "LiteLLM Virtual Key: "+msgNewKey)
	default:
		msgs = append(msgs, "LiteLLM Virtual Key: "+msgUnchangedKey)
	}
	msgs = append(msgs, "Available Models: "+strings.Join(in.models, ", "), "Key Duration: "+in.duration)
	if in.docling != "" {
		msgs = append(msgs, "Document Conversion Model (Docling): "+in.docling)
	}
	return append(msgs, p.UserInfoMessages...)
}

// userInfoRequests are the agnosticd_user_info calls of the lab, in the order
// the role made them: the messages and the lab-wide data, then users.userN's
// data in a multi-user lab.
func (in *inputs) userInfoRequests(p *Params, res *Result, records []*virtualkey.KeyResult, messages []string,
	flat map[string]any) []userinfo.Request {
	top := userinfo.Request{OutputDir: p.OutputDir, Action: p.Action}
	if messages != nil {
		lines := make([]any, len(messages))
		for i, l := range messages {
			lines[i] = l
		}
		top.Msg, _ = userinfo.NewText("msg", lines) // strings only: cannot fail
	}
	if !p.EnableUserInfoData {
		return []userinfo.Request{top}
	}
	first := records[0]
	common := func() map[string]any {
		return map[string]any{
			"litellm_api_endpoint": res.Endpoint, "litellm_api_base_url": res.BaseURL,
			"litellm_available_models": in.models, "litellm_available_models_list": strings.Join(in.models, ", "),
			"litellm_key_duration": in.duration,
		}
	}
	data := common()
	maps.Copy(data, map[string]any{"litellm_key_alias": first.KeyAlias, "litellm_key_id": nullable(first.Token),
		"litellm_key_expires": nullable(first.Expires), "litellm_subscription_package": in.packageName})
	if first.Key != nil && *first.Key != "" {
		data["litellm_virtual_key"] = *first.Key
	}
	if in.docling != "" {
		data["litellm_docling_model"] = in.docling
	}
	if !in.multi {
		top.Data = data
		return []userinfo.Request{top}
	}
	maps.Copy(data, flat)
	keys, aliases, ids, users := make([]any, len(records)), make([]any, len(records)), make([]any, len(records)), make([]any, len(records))
	for i, r := range records {
		keys[i], aliases[i], ids[i], users[i] = nullable(r.Key), r.KeyAlias, nullable(r.Token), nullable(r.UserID)
	}
	maps.Copy(data, map[string]any{"litellm_user_count": len(records), "litellm_virtual_keys": keys,
		"litellm_key_aliases": aliases, "litellm_key_ids": ids, "litellm_user_ids": users})
	top.Data = data
	reqs := []userinfo.Request{top}
	for i, r := range records {
		d := common()
		maps.Copy(d, map[string]any{"litellm_key_alias": r.KeyAlias, "litellm_key_id": nullable(r.Token), "litellm_user_email": nullable(r.UserID)})
		if r.Key != nil && *r.Key != "" {
			d["litellm_virtual_key"] = *r.Key
		}
		reqs = append(reqs, userinfo.Request{User: in.userName(i + 1), Data: d, OutputDir: p.OutputDir, Action: p.Action})
	}
	return reqs
}
