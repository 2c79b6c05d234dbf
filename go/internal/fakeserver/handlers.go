package fakeserver

import (
	"bytes"
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// newBudgetID is a budget_id as LiteLLM makes them (a UUID).
func newBudgetID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

func duplicateAliasError(alias string) *proxyError {
	return &proxyError{Status: http.StatusBadRequest, Type: typeBadRequest, Param: "key_alias",
		Message: fmt.Sprintf("Key with alias '%s' already exists. Unique key aliases across all keys are required.", alias)}
}

// aliasTaken answers the duplicate-alias error when a key has the alias.
func (s *Server) aliasTaken(r *http.Request, alias opt[string]) *proxyError {
	if !alias.has() {
		return nil
	}
	tokens, err := s.store.TokensByAlias(r.Context(), []string{alias.V})
	if err != nil {
		return internalError(err)
	}
	if len(tokens) > 0 {
		return duplicateAliasError(alias.V)
	}
	return nil
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

// applyFields copies the present fields of f onto k: values set, explicit
// nulls clear (NOT NULL columns go back to their defaults), absent fields
// stay. budget_duration "" is left alone, like LiteLLM does.
func applyFields(k *Key, f keyFields, now time.Time) {
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
	switch {
	case !f.BudgetDuration.Set:
	case f.BudgetDuration.Null:
		k.BudgetDuration, k.BudgetResetAt = nil, nil
	case f.BudgetDuration.V != "":
		k.BudgetDuration, k.BudgetResetAt = ptr(f.BudgetDuration.V), ptr(budgetResetAt(now, f.BudgetDuration.V))
	}
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
	if perr := s.checkBudgets(f, false); perr != nil {
		writeProxyError(w, perr)
		return
	}
	if perr := s.checkBudgetDuration(f, false); perr != nil {
		writeProxyError(w, perr)
		return
	}
	if perr := s.checkAliasFormat(f.KeyAlias); perr != nil {
		writeProxyError(w, perr)
		return
	}
	now := nowMillis()
	var raw string
	var keyErr, durErr *proxyError
	if f.Key.has() {
		if s.keyRules.disableCustom {
			writeProxyError(w, dictDetailError(http.StatusForbidden,
				"Custom API key values are disabled by your administrator. Keys must be auto-generated."))
			return
		}
		raw = f.Key.V
		keyErr = s.checkCustomKey(f.Key.V)
	} else {
		raw = newSecret()
	}
	k := &Key{Token: HashToken(raw), KeyName: ptr(keyName(raw)), CreatedAt: now, UpdatedAt: now,
		CreatedBy: ptr(c.userID()), UpdatedBy: ptr(c.userID())}
	if f.Duration.has() {
		exp, err := addDuration(now, f.Duration.V)
		if err != nil {
			// The parser's ValueError reaches the client as a 500 with its own text.
			durErr = &proxyError{Status: http.StatusInternalServerError, Type: typeInternal, Param: paramNone, Message: err.Error()}
		}
		k.Expires = &exp
	}
	if keyErr != nil || durErr != nil {
		// The alias is checked before the duration is parsed (and, on 2026-09,
		// before the key value), so a taken alias is the answer then.
		if keyErr == nil || s.aliasChecksFirst() {
			if perr := s.aliasTaken(r, f.KeyAlias); perr != nil {
				writeProxyError(w, perr)
				return
			}
		}
		writeProxyError(w, cmp.Or(keyErr, durErr))
		return
	}
	applyFields(k, f, now)
	if f.SoftBudget.has() {
		// LiteLLM keeps a soft budget in a budget row of its own, linked by
		// budget_id (and created before the key, even if the key then fails).
		b := Budget{BudgetID: newBudgetID(), SoftBudget: ptr(f.SoftBudget.V), CreatedBy: c.userID()}
		if err := s.store.InsertBudget(r.Context(), b); err != nil {
			writeProxyError(w, internalError(err))
			return
		}
		k.BudgetID = ptr(b.BudgetID)
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
	t := time.NewTimer(s.keyRules.racyPause)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
	}
	return nil
}

// racyAliasPause is by default how long a racy create waits between its alias check
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
	info := k.toJSON(false)
	if k.BudgetID != nil {
		// /key/info joins the budget row (/key/list does not).
		b, err := s.store.Budget(r.Context(), *k.BudgetID)
		if err != nil && !errors.Is(err, ErrBudgetNotFound) {
			writeProxyError(w, internalError(err))
			return
		}
		if b != nil {
			info.LitellmBudgetTable = b
		}
	}
	writeJSON(w, http.StatusOK, infoResponse{Key: passed, Info: info})
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
	// key_hash is compared as given: a raw "sk-" value matches nothing.
	lq := ListQuery{Page: page, Size: size, KeyAlias: queryOpt(q, "key_alias"), UserID: queryOpt(q, "user_id"),
		TeamID: queryOpt(q, "team_id"), Token: queryOpt(q, "key_hash")}
	if st := queryOpt(q, "status"); st != nil {
		if *st != "deleted" {
			writeProxyError(w, dictDetailError(http.StatusBadRequest, "Invalid status value. Currently only 'deleted' is supported."))
			return
		}
		lq.Deleted = true
	}
	if perr := listSort(q, &lq); perr != nil {
		writeProxyError(w, perr)
		return
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
	for i, k := range res.Keys {
		switch {
		case full && lq.Deleted:
			out.Keys = append(out.Keys, deletedKeyJSON{keyJSON: k.toJSON(true), DeletedAt: isoZ(res.Deleted[i].At),
				DeletedBy: res.Deleted[i].By})
		case full:
			out.Keys = append(out.Keys, k.toJSON(true))
		default:
			out.Keys = append(out.Keys, k.Token)
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// sortableColumns are the sort_by values /key/list accepts, in LiteLLM's order.
var sortableColumns = []string{"spend", "max_budget", "created_at", "updated_at", "token", "key_alias"}

// listSort applies sort_by and sort_order. Without sort_by the order is the
// default (newest first) and sort_order is not even looked at.
func listSort(q map[string][]string, lq *ListQuery) *proxyError {
	sb := queryOpt(q, "sort_by")
	if sb == nil {
		return nil
	}
	if !slices.Contains(sortableColumns, *sb) {
		return dictDetailError(http.StatusBadRequest, "Invalid sort column. Must be one of: "+strings.Join(sortableColumns, ", "))
	}
	order := "desc"
	if so := queryOpt(q, "sort_order"); so != nil {
		order = strings.ToLower(*so)
	}
	if order != "asc" && order != "desc" {
		return dictDetailError(http.StatusBadRequest, "Invalid sort order. Must be 'asc' or 'desc'")
	}
	lq.SortBy, lq.Asc = *sb, order == "asc"
	return nil
}

// deletedKeyJSON is a row of the audit table in /key/list?status=deleted.
type deletedKeyJSON struct {
	keyJSON
	DeletedAt string  `json:"deleted_at"`
	DeletedBy *string `json:"deleted_by"`
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
	if s.updateKeyRequired() {
		b.require("key")
	}
	f := b.keyFields()
	if f.Key.Set && f.Key.Null && s.updateKeyRequired() {
		b.fail("string_type", "Input should be a valid string", b.raw["key"], "key")
	}
	if b.items != nil {
		writeValidation(w, b.items)
		return
	}
	if perr := s.checkBudgets(f, true); perr != nil {
		writeProxyError(w, perr)
		return
	}
	cur, echo, perr := s.updateTarget(r, f)
	if perr != nil {
		writeProxyError(w, perr)
		return
	}
	if perr := s.checkBudgetDuration(f, true); perr != nil {
		writeProxyError(w, perr)
		return
	}
	now := nowMillis()
	var expires *time.Time
	if f.Duration.has() && f.Duration.V != "" && f.Duration.V != "-1" {
		exp, err := addDuration(now, f.Duration.V)
		if err != nil {
			writeProxyError(w, &proxyError{Status: http.StatusBadRequest, Type: typeAuth, Param: paramNone,
				Message: "Authentication Error, " + err.Error()})
			return
		}
		expires = &exp
	}
	if f.KeyAlias.Set && !eqPtr(cur.KeyAlias, optPtr(f.KeyAlias)) {
		if perr := s.checkAliasFormat(f.KeyAlias); perr != nil {
			writeProxyError(w, perr)
			return
		}
	}
	opts := InsertOptions{AllowDuplicateAlias: f.KeyAlias.has() && s.faults.take(ActionAllowDuplicateAlias, r)}
	k, err := s.store.Update(r.Context(), cur.Token, opts, func(k *Key) error {
		applyFields(k, f, now)
		// "" leaves expires alone; null and "-1" clear it.
		if f.Duration.Set && (f.Duration.Null || f.Duration.V != "") {
			k.Expires = expires
		}
		k.UpdatedAt = now
		k.UpdatedBy = ptr(c.userID())
		return nil
	})
	switch {
	case errors.Is(err, ErrKeyNotFound):
		writeProxyError(w, s.updateNotFoundError(echo))
	case errors.Is(err, ErrDuplicateAlias):
		writeProxyError(w, duplicateAliasError(f.KeyAlias.V))
	case err != nil:
		writeProxyError(w, internalError(err))
	default:
		writeJSON(w, http.StatusOK, updateResponse{Key: echo, keyJSON: k.toJSON(true)})
	}
}

func optPtr(o opt[string]) *string {
	if o.has() {
		return ptr(o.V)
	}
	return nil
}

// updateTarget finds the row /key/update changes and the value echoed as
// "key": the key as sent, or (2026-09, by key_alias) the row's token.
func (s *Server) updateTarget(r *http.Request, f keyFields) (*Key, string, *proxyError) {
	if f.Key.has() {
		k, err := s.store.Get(r.Context(), tokenOf(f.Key.V))
		if errors.Is(err, ErrKeyNotFound) {
			return nil, "", s.updateNotFoundError(f.Key.V)
		}
		if err != nil {
			return nil, "", internalError(err)
		}
		return k, f.Key.V, nil
	}
	if !f.KeyAlias.has() {
		return nil, "", &proxyError{Status: http.StatusBadRequest, Type: typeBadRequest, Param: "key",
			Message: "either key or key_alias must be provided"}
	}
	tokens, err := s.store.TokensByAlias(r.Context(), []string{f.KeyAlias.V})
	if err != nil {
		return nil, "", internalError(err)
	}
	switch len(tokens) {
	case 0:
		return nil, "", &proxyError{Status: http.StatusNotFound, Type: typeNotFound, Param: "key_alias",
			Message: fmt.Sprintf("Key not found. No key with key_alias='%s'.", f.KeyAlias.V)}
	case 1:
	default:
		return nil, "", &proxyError{Status: http.StatusBadRequest, Type: typeBadRequest, Param: "key_alias",
			Message: fmt.Sprintf("Multiple keys share key_alias='%s', so it cannot be used as an identifier.", f.KeyAlias.V)}
	}
	k, err := s.store.Get(r.Context(), tokens[0])
	if errors.Is(err, ErrKeyNotFound) {
		return nil, "", s.updateNotFoundError(tokens[0])
	}
	if err != nil {
		return nil, "", internalError(err)
	}
	return k, k.Token, nil
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
		if !validKeyFormat(key.V) {
			writeProxyError(w, &proxyError{Status: http.StatusBadRequest, Type: typeBadRequest, Param: "key",
				Message: "Invalid key format."})
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
			writeProxyError(w, &proxyError{Status: http.StatusNotFound, Type: typeNotFound, Param: "key",
				Message: "Key not found."})
		case err != nil:
			writeProxyError(w, internalError(err))
		default:
			writeJSON(w, http.StatusOK, k.toJSON(true))
		}
	}
}

var (
	rawKeyRE    = regexp.MustCompile(`^sk-[A-Za-z0-9_-]+$`)
	hashedKeyRE = regexp.MustCompile(`^[a-fA-F0-9]{64}$`)
)

// validKeyFormat is LiteLLM's is_valid_api_key: an "sk-" key of URL-safe
// characters or a 64-hex-digit token, 3 to 128 characters.
func validKeyFormat(k string) bool {
	return len(k) >= 3 && len(k) <= 128 && (rawKeyRE.MatchString(k) || hashedKeyRE.MatchString(k))
}

// handleRegenerate answers /key/regenerate and /key/{key}/regenerate like a
// proxy without an Enterprise license: 500 before looking at the key.
func (s *Server) handleRegenerate(w http.ResponseWriter, r *http.Request, _ *caller) {
	if data, _ := io.ReadAll(io.LimitReader(r.Body, maxBody)); len(bytes.TrimSpace(data)) > 0 {
		r.Body = io.NopCloser(bytes.NewReader(data))
		if _, items := readBody(r); items != nil {
			writeValidation(w, items)
			return
		}
	}
	writeProxyError(w, &proxyError{Status: http.StatusInternalServerError, Type: typeInternal, Param: paramNone,
		Message: "Regenerating Virtual Keys is an Enterprise feature, " + notPremiumMessage})
}

// notPremiumMessage is LiteLLM's CommonProxyErrors.not_premium_user.
const notPremiumMessage = "You must be a LiteLLM Enterprise user to use this feature. If you have a license please set `LITELLM_LICENSE` in your env. Get a 7 day trial key here: https://www.litellm.ai/enterprise#trial. \nPricing: https://www.litellm.ai/#pricing"

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
