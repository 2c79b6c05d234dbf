package fakeserver

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

func duplicateAliasError(alias string) *proxyError {
	return &proxyError{Status: http.StatusBadRequest, Type: typeBadRequest, Param: "key_alias",
		Message: fmt.Sprintf("Key with alias '%s' already exists. Unique key aliases across all keys are required.", alias)}
}

func keyNotFoundError() *proxyError {
	return &proxyError{Status: http.StatusNotFound, Type: typeNotFound, Param: "key", Message: "Key not found in database"}
}

// legacyNotFoundError is older releases' answer for a missing key.
func legacyNotFoundError(key string) *proxyError {
	return httpDetailError(http.StatusUnauthorized,
		"Authentication Error: invalid user key - user key does not exist in db. User Key="+key)
}

const fkMessage = "Internal Server Error, Foreign key constraint failed on the field: `LiteLLM_JWTKeyMapping_token_fkey (index)`"

// checkBudgets applies /key/generate's and /key/update's budget checks.
func checkBudgets(f keyFields) *proxyError {
	if f.MaxBudget.has() && f.MaxBudget.V < 0 {
		return dictDetailError(http.StatusBadRequest, "max_budget cannot be negative. Received: "+pyFloat(f.MaxBudget.V))
	}
	if f.SoftBudget.has() && f.SoftBudget.V < 0 {
		return dictDetailError(http.StatusBadRequest, "soft_budget cannot be negative. Received: "+pyFloat(f.SoftBudget.V))
	}
	return nil
}

func badDuration(field, d string) *proxyError {
	return dictDetailError(http.StatusBadRequest,
		fmt.Sprintf("Invalid %s '%s'. Use a format like '1h', '24h', '7d', or '30d'.", field, d))
}

// applyFields copies the present fields of f onto k: values set, explicit
// nulls clear (NOT NULL columns go back to their defaults), absent fields
// stay.
func applyFields(k *Key, f keyFields, now time.Time) *proxyError {
	setStr := func(dst **string, o opt[string]) {
		if o.Set {
			if o.Null {
				*dst = nil
			} else {
				*dst = ptr(o.V)
			}
		}
	}
	setF := func(dst **float64, o opt[float64]) {
		if o.Set {
			if o.Null {
				*dst = nil
			} else {
				*dst = ptr(o.V)
			}
		}
	}
	setI := func(dst **int64, o opt[int64]) {
		if o.Set {
			if o.Null {
				*dst = nil
			} else {
				*dst = ptr(o.V)
			}
		}
	}
	setMap := func(dst *map[string]any, o opt[map[string]any]) {
		if o.Set {
			*dst = o.V // nil for null; normalize restores {}
		}
	}
	setList := func(dst *[]string, o opt[[]string]) {
		if o.Set {
			*dst = o.V
		}
	}
	setStr(&k.KeyAlias, f.KeyAlias)
	setStr(&k.UserID, f.UserID)
	setStr(&k.TeamID, f.TeamID)
	setStr(&k.OrganizationID, f.OrganizationID)
	setStr(&k.BudgetID, f.BudgetID)
	setF(&k.MaxBudget, f.MaxBudget)
	setI(&k.TPMLimit, f.TPMLimit)
	setI(&k.RPMLimit, f.RPMLimit)
	setI(&k.MaxParallelRequests, f.MaxParallelRequests)
	setList(&k.Models, f.Models)
	setList(&k.AllowedCacheControls, f.AllowedCacheControls)
	setList(&k.AllowedRoutes, f.AllowedRoutes)
	setMap(&k.Metadata, f.Metadata)
	setMap(&k.Aliases, f.Aliases)
	setMap(&k.Config, f.Config)
	setMap(&k.Permissions, f.Permissions)
	setMap(&k.ModelMaxBudget, f.ModelMaxBudget)
	if f.Spend.Set {
		k.Spend = f.Spend.V
	}
	if f.Blocked.Set {
		if f.Blocked.Null {
			k.Blocked = nil
		} else {
			k.Blocked = ptr(f.Blocked.V)
		}
	}
	if f.BudgetDuration.Set {
		if f.BudgetDuration.Null {
			k.BudgetDuration, k.BudgetResetAt = nil, nil
		} else {
			reset, err := addDuration(now, f.BudgetDuration.V)
			if err != nil {
				return badDuration("budget_duration", f.BudgetDuration.V)
			}
			k.BudgetDuration, k.BudgetResetAt = ptr(f.BudgetDuration.V), &reset
		}
	}
	return nil
}

// generateResponse is /key/generate's answer: the row, the request fields
// echoed, and the raw key.
type generateResponse struct {
	keyJSON
	Key        string   `json:"key"`
	TokenID    string   `json:"token_id"`
	Duration   *string  `json:"duration"`
	SoftBudget *float64 `json:"soft_budget"`
}

func (s *Server) handleGenerate(w http.ResponseWriter, r *http.Request, c *caller) {
	b, items := readBody(r)
	if items != nil {
		writeValidation(w, items)
		return
	}
	f := b.keyFields()
	if b.items != nil {
		writeValidation(w, b.items)
		return
	}
	if perr := checkBudgets(f); perr != nil {
		writeProxyError(w, perr)
		return
	}
	raw := ""
	if f.Key.has() {
		if s.keyRules.disableCustom {
			writeProxyError(w, dictDetailError(http.StatusForbidden,
				"Custom API key values are disabled by your administrator. Keys must be auto-generated."))
			return
		}
		if !strings.HasPrefix(f.Key.V, "sk-") {
			writeProxyError(w, dictDetailError(http.StatusBadRequest,
				"Invalid key format. LiteLLM Virtual Key must start with 'sk-'. Received: "+maskKey(f.Key.V)))
			return
		}
		if n := s.keyRules.minLength; n > 0 && len(f.Key.V) < n {
			writeProxyError(w, dictDetailError(http.StatusBadRequest,
				fmt.Sprintf("Invalid key format. LiteLLM Virtual Key must be at least %d characters long.", n)))
			return
		}
		raw = f.Key.V
	} else {
		raw = newSecret()
	}
	now := nowMillis()
	k := &Key{Token: HashToken(raw), KeyName: ptr(keyName(raw)), CreatedAt: now, UpdatedAt: now,
		CreatedBy: ptr(c.userID()), UpdatedBy: ptr(c.userID())}
	if f.Duration.has() {
		exp, err := addDuration(now, f.Duration.V)
		if err != nil {
			writeProxyError(w, badDuration("duration", f.Duration.V))
			return
		}
		k.Expires = &exp
	}
	if perr := applyFields(k, f, now); perr != nil {
		writeProxyError(w, perr)
		return
	}
	opts := InsertOptions{AllowDuplicateAlias: k.KeyAlias != nil && s.faults.take(ActionAllowDuplicateAlias, r)}
	if s.keyRules.racyAlias && k.KeyAlias != nil && !opts.AllowDuplicateAlias {
		if perr := s.racyAliasCheck(r, *k.KeyAlias); perr != nil {
			writeProxyError(w, perr)
			return
		}
		opts.AllowDuplicateAlias = true
	}
	if _, err := s.store.Insert(r.Context(), k, opts); err != nil {
		if errors.Is(err, ErrDuplicateAlias) {
			writeProxyError(w, duplicateAliasError(*k.KeyAlias))
			return
		}
		writeProxyError(w, internalError(err))
		return
	}
	if s.faults.take(ActionGenerateCommit500, r) {
		writeProxyError(w, internalError(errors.New("fake-litellm injected fault after commit")))
		return
	}
	if s.faults.take(ActionGenerateCommitReset, r) {
		resetConn(w)
		return
	}
	k.normalize()
	resp := generateResponse{keyJSON: k.toJSON(true), Key: raw, TokenID: k.Token}
	resp.Expires = optTime(k.Expires, isoPy)
	if f.SoftBudget.has() {
		resp.SoftBudget = ptr(f.SoftBudget.V)
	}
	writeJSON(w, http.StatusOK, resp)
}

// racyAliasCheck is LiteLLM's _enforce_unique_key_alias: a lookup, then
// (after a pause that stands for the proxy's other awaits) the caller
// inserts without any lock or unique index.
func (s *Server) racyAliasCheck(r *http.Request, alias string) *proxyError {
	tokens, err := s.store.TokensByAlias(r.Context(), []string{alias})
	if err != nil {
		return internalError(err)
	}
	if len(tokens) > 0 {
		return duplicateAliasError(alias)
	}
	t := time.NewTimer(racyAliasPause)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
	return nil
}

// racyAliasPause is how long a racy create waits between its alias check
// and its insert.
const racyAliasPause = 20 * time.Millisecond

type infoResponse struct {
	Key  string  `json:"key"`
	Info keyJSON `json:"info"`
}

func (s *Server) handleInfo(w http.ResponseWriter, r *http.Request, c *caller) {
	q := r.URL.Query()
	passed := c.token
	if vs, ok := q["key"]; ok && len(vs) > 0 {
		passed = vs[len(vs)-1]
	}
	token := tokenOf(passed)
	if !c.admin && token != c.token {
		writeProxyError(w, dictDetailError(http.StatusForbidden,
			"You are not allowed to access this key's info. Your role=internal_user"))
		return
	}
	k, err := s.store.Get(r.Context(), token)
	if errors.Is(err, ErrKeyNotFound) {
		if s.faults.take(ActionLegacyNotFound, r) {
			writeProxyError(w, legacyNotFoundError(passed))
			return
		}
		writeProxyError(w, keyNotFoundError())
		return
	}
	if err != nil {
		writeProxyError(w, internalError(err))
		return
	}
	writeJSON(w, http.StatusOK, infoResponse{Key: passed, Info: k.toJSON(false)})
}

type listResponse struct {
	Keys        []any `json:"keys"`
	TotalCount  int   `json:"total_count"`
	CurrentPage int   `json:"current_page"`
	TotalPages  int   `json:"total_pages"`
}

func queryOpt(q map[string][]string, name string) *string {
	if vs, ok := q[name]; ok && len(vs) > 0 {
		return ptr(vs[len(vs)-1])
	}
	return nil
}

func (s *Server) handleList(w http.ResponseWriter, r *http.Request, _ *caller) {
	q := r.URL.Query()
	var items []detailItem
	page, it := queryInt(q, "page", 1, 1, 0)
	if it != nil {
		items = append(items, *it)
	}
	size, it := queryInt(q, "size", 10, 1, 100)
	if it != nil {
		items = append(items, *it)
	}
	full := false
	if v := queryOpt(q, "return_full_object"); v != nil {
		bv, ok := parseBool(*v)
		if !ok {
			items = append(items, detailItem{Type: "bool_parsing", Loc: []any{"query", "return_full_object"},
				Msg: "Input should be a valid boolean, unable to interpret input", Input: rawJSON(*v)})
		}
		full = bv
	}
	if items != nil {
		writeValidation(w, items)
		return
	}
	lq := ListQuery{Page: page, Size: size, KeyAlias: queryOpt(q, "key_alias"), UserID: queryOpt(q, "user_id"),
		TeamID: queryOpt(q, "team_id")}
	if h := queryOpt(q, "key_hash"); h != nil {
		lq.Token = ptr(tokenOf(*h))
	}
	if sb := queryOpt(q, "sort_by"); sb != nil {
		if _, ok := sortColumns[*sb]; ok {
			lq.SortBy = *sb
		}
	}
	if so := queryOpt(q, "sort_order"); so != nil && strings.EqualFold(*so, "asc") {
		lq.Asc = true
	}
	if lq.KeyAlias != nil {
		switch {
		case s.faults.take(ActionListIgnoreAlias, r):
			lq.AliasMatch = AliasIgnore
		case s.faults.take(ActionListAliasSubstring, r):
			lq.AliasMatch = AliasSubstringFold
		}
	}
	res, err := s.store.List(r.Context(), lq)
	if err != nil {
		writeProxyError(w, internalError(err))
		return
	}
	out := listResponse{Keys: make([]any, 0, len(res.Keys)), TotalCount: res.Total, CurrentPage: page,
		TotalPages: (res.Total + size - 1) / size}
	for _, k := range res.Keys {
		if full {
			out.Keys = append(out.Keys, k.toJSON(true))
		} else {
			out.Keys = append(out.Keys, k.Token)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

type deleteResponse struct {
	DeletedKeys []string `json:"deleted_keys"`
}

func (s *Server) handleDelete(w http.ResponseWriter, r *http.Request, c *caller) {
	b, items := readBody(r)
	if items != nil {
		writeValidation(w, items)
		return
	}
	if !b.truthy("keys") && !b.truthy("key_aliases") {
		writeValidation(w, []detailItem{{Type: "value_error", Loc: []any{"body"},
			Msg:   "Value error, At least one of 'keys' or 'key_aliases' must be provided.",
			Input: b.whole, Ctx: map[string]any{"error": map[string]any{}}}})
		return
	}
	keys, aliases := b.strList("keys"), b.strList("key_aliases")
	if b.items != nil {
		writeValidation(w, b.items)
		return
	}
	ctx := r.Context()
	var tokens, echo []string
	if len(keys.V) > 0 {
		echo = keys.V
		for _, k := range keys.V {
			tokens = append(tokens, tokenOf(k))
		}
	} else {
		echo = aliases.V
		var err error
		if tokens, err = s.store.TokensByAlias(ctx, aliases.V); err != nil {
			writeProxyError(w, internalError(err))
			return
		}
	}
	notFound := func() {
		if s.faults.take(ActionLegacyNotFound, r) {
			writeProxyError(w, legacyNotFoundError(echo[0]))
			return
		}
		writeProxyError(w, dictDetailError(http.StatusNotFound, "No keys found"))
	}
	if s.faults.has(ActionDeleteFK) || s.faults.has(ActionDeleteNoop) {
		found := false
		for _, t := range tokens {
			if _, err := s.store.Get(ctx, t); err == nil {
				found = true
				break
			} else if !errors.Is(err, ErrKeyNotFound) {
				writeProxyError(w, internalError(err))
				return
			}
		}
		if !found {
			notFound()
			return
		}
		if s.faults.take(ActionDeleteFK, r) {
			writeProxyError(w, &proxyError{Status: http.StatusInternalServerError, Type: typeInternal, Param: paramNone, Message: fkMessage})
			return
		}
		if s.faults.take(ActionDeleteNoop, r) {
			writeJSON(w, http.StatusOK, deleteResponse{DeletedKeys: echo})
			return
		}
	}
	done, err := s.store.Delete(ctx, tokens, c.userID())
	if errors.Is(err, ErrForeignKey) {
		writeProxyError(w, &proxyError{Status: http.StatusInternalServerError, Type: typeInternal, Param: paramNone, Message: fkMessage})
		return
	}
	if err != nil {
		writeProxyError(w, internalError(err))
		return
	}
	if len(done) == 0 {
		notFound()
		return
	}
	writeJSON(w, http.StatusOK, deleteResponse{DeletedKeys: echo})
}

type updateResponse struct {
	Key string `json:"key"`
	keyJSON
}

func (s *Server) handleUpdate(w http.ResponseWriter, r *http.Request, c *caller) {
	b, items := readBody(r)
	if items != nil {
		writeValidation(w, items)
		return
	}
	b.require("key")
	f := b.keyFields()
	if f.Key.Set && f.Key.Null {
		b.fail("string_type", "Input should be a valid string", b.raw["key"], "key")
	}
	if b.items != nil {
		writeValidation(w, b.items)
		return
	}
	if perr := checkBudgets(f); perr != nil {
		writeProxyError(w, perr)
		return
	}
	now := nowMillis()
	var expires *time.Time
	if f.Duration.has() && f.Duration.V != "-1" {
		exp, err := addDuration(now, f.Duration.V)
		if err != nil {
			writeProxyError(w, badDuration("duration", f.Duration.V))
			return
		}
		expires = &exp
	}
	var perr *proxyError
	opts := InsertOptions{AllowDuplicateAlias: f.KeyAlias.has() && s.faults.take(ActionAllowDuplicateAlias, r)}
	k, err := s.store.Update(r.Context(), tokenOf(f.Key.V), opts, func(k *Key) error {
		if perr = applyFields(k, f, now); perr != nil {
			return errors.New(perr.Message)
		}
		if f.Duration.Set {
			k.Expires = expires
		}
		k.UpdatedAt = now
		k.UpdatedBy = ptr(c.userID())
		return nil
	})
	switch {
	case perr != nil:
		writeProxyError(w, perr)
	case errors.Is(err, ErrKeyNotFound):
		writeProxyError(w, legacyNotFoundError(f.Key.V))
	case errors.Is(err, ErrDuplicateAlias):
		writeProxyError(w, duplicateAliasError(f.KeyAlias.V))
	case err != nil:
		writeProxyError(w, internalError(err))
	default:
		writeJSON(w, http.StatusOK, updateResponse{Key: f.Key.V, keyJSON: k.toJSON(true)})
	}
}

func (s *Server) handleBlock(blocked bool) func(http.ResponseWriter, *http.Request, *caller) {
	return func(w http.ResponseWriter, r *http.Request, c *caller) {
		b, items := readBody(r)
		if items != nil {
			writeValidation(w, items)
			return
		}
		b.require("key")
		key := b.str("key")
		if key.Set && key.Null {
			b.fail("string_type", "Input should be a valid string", b.raw["key"], "key")
		}
		if b.items != nil {
			writeValidation(w, b.items)
			return
		}
		token := tokenOf(key.V)
		k, err := s.store.Update(r.Context(), token, InsertOptions{}, func(k *Key) error {
			k.Blocked = ptr(blocked)
			k.UpdatedAt = nowMillis()
			k.UpdatedBy = ptr(c.userID())
			return nil
		})
		switch {
		case errors.Is(err, ErrKeyNotFound):
			writeProxyError(w, &proxyError{Status: http.StatusNotFound, Type: typeBadRequest, Param: "key",
				Message: fmt.Sprintf("Key=%s not found.", token)})
		case err != nil:
			writeProxyError(w, internalError(err))
		default:
			writeJSON(w, http.StatusOK, k.toJSON(true))
		}
	}
}

type modelEntry struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

type modelList struct {
	Data   []modelEntry `json:"data"`
	Object string       `json:"object"`
}

func (s *Server) handleModels(w http.ResponseWriter, _ *http.Request, _ *caller) {
	out := modelList{Data: make([]modelEntry, 0, len(s.models)), Object: "list"}
	for _, m := range s.models {
		out.Data = append(out.Data, modelEntry{ID: m, Object: "model", Created: 1677610602, OwnedBy: "openai"})
	}
	writeJSON(w, http.StatusOK, out)
}

type modelInfoEntry struct {
	ModelName     string         `json:"model_name"`
	LitellmParams map[string]any `json:"litellm_params"`
	ModelInfo     map[string]any `json:"model_info"`
}

func (s *Server) handleModelInfo(w http.ResponseWriter, _ *http.Request, _ *caller) {
	data := make([]modelInfoEntry, 0, len(s.models))
	for _, m := range s.models {
		model := m
		if !strings.Contains(m, "/") {
			model = "openai/" + m
		}
		sum := sha256.Sum256([]byte(m))
		data = append(data, modelInfoEntry{
			ModelName:     m,
			LitellmParams: map[string]any{"model": model, "api_base": "http://127.0.0.1:8000/v1"},
			ModelInfo:     map[string]any{"id": hex.EncodeToString(sum[:]), "db_model": false, "mode": "chat"},
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": data})
}

func (s *Server) handleLiveliness(w http.ResponseWriter, _ *http.Request, _ *caller) {
	writeJSON(w, http.StatusOK, "I'm alive!")
}

func (s *Server) handleReadiness(w http.ResponseWriter, r *http.Request, _ *caller) {
	if err := s.store.Ping(r.Context()); err != nil {
		writeProxyError(w, &proxyError{Status: http.StatusServiceUnavailable, Type: typeInternal, Param: paramNone,
			Message: "Service Unhealthy (database unreachable)"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"status": "healthy", "db": "connected", "cache": nil, "litellm_version": "fake",
		"success_callbacks": []string{}, "last_updated": isoPy(time.Now()),
	})
}

func (s *Server) handleFaultsGet(w http.ResponseWriter, _ *http.Request, _ *caller) {
	writeJSON(w, http.StatusOK, s.faults.get())
}

func (s *Server) handleFaultsSet(w http.ResponseWriter, r *http.Request, _ *caller) {
	data, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeProxyError(w, &proxyError{Status: http.StatusBadRequest, Type: typeBadRequest, Param: paramNone, Message: "read body"})
		return
	}
	spec, err := ParseFaultSpec(data)
	if err != nil {
		writeProxyError(w, &proxyError{Status: http.StatusBadRequest, Type: typeBadRequest, Param: paramNone, Message: err.Error()})
		return
	}
	s.faults.set(spec)
	writeJSON(w, http.StatusOK, s.faults.get())
}

func (s *Server) handleFaultsClear(w http.ResponseWriter, _ *http.Request, _ *caller) {
	s.faults.set(FaultSpec{Faults: []FaultRule{}})
	writeJSON(w, http.StatusOK, s.faults.get())
}
