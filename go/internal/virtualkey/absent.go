package virtualkey

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/tokendb"
)

// deleteBatch is how many token hashes one /key/delete carries.
const deleteBatch = 100

// absent deletes every key of every alias: batched /key/delete by token hash
// (404 = already gone), one verification lookup, then, for keys the API could
// not delete, the database fallback when enabled.
func (e *Engine) absent(ctx context.Context, specs []Spec, found map[string][]litellm.Key) []*KeyResult {
	multi := len(specs) > 1
	results := make([]*KeyResult, len(specs))
	var targets []int // indexes of specs with keys to delete
	for i := range specs {
		keys := found[specs[i].Alias]
		r := &KeyResult{KeyAlias: specs[i].Alias, Tokens: tokensOf(keys), Models: []string{}}
		results[i] = r
		if len(keys) == 0 {
			r.WasMissing = true
			if e.DiffMode {
				r.Diff = &Diff{Before: Settings{State: StateAbsent, KeyAlias: r.KeyAlias}, After: Settings{State: StateAbsent, KeyAlias: r.KeyAlias}}
			}
			continue
		}
		r.fill(&keys[0])
		r.Spend = spendOf(keys)
		if len(keys) > 1 {
			e.warn(r.KeyAlias, multi, "%d keys have the alias %q: deleting all of them", len(keys), r.KeyAlias)
		}
		if e.DiffMode {
			r.Diff = &Diff{Before: settingsOf(&keys[0]), After: Settings{State: StateAbsent, KeyAlias: r.KeyAlias}}
		}
		r.Changed, r.Deleted = true, true
		targets = append(targets, i)
	}
	if e.Options.CheckMode || len(targets) == 0 {
		return results
	}

	// 1. Delete through the API, in batches; a failed batch is retried alias
	// by alias so that one undeletable key does not block the others.
	deleteErr := make(map[string]error)
	var mu sync.Mutex
	var batches [][]int
	for start := 0; start < len(targets); {
		n, end := 0, start
		for end < len(targets) && (n == 0 || n+len(found[specs[targets[end]].Alias]) <= deleteBatch) {
			n += len(found[specs[targets[end]].Alias])
			end++
		}
		batches = append(batches, targets[start:end])
		start = end
	}
	e.each(ctx, len(batches), func(ctx context.Context, b int) {
		var tokens []string
		for _, i := range batches[b] {
			tokens = append(tokens, tokensOf(found[specs[i].Alias])...)
		}
		_, err := e.Client.DeleteKeys(ctx, tokens)
		if err == nil || isNotFound(err) {
			return
		}
		if len(batches[b]) == 1 {
			mu.Lock()
			deleteErr[specs[batches[b][0]].Alias] = err
			mu.Unlock()
			return
		}
		for _, i := range batches[b] {
			alias := specs[i].Alias
			if _, err := e.Client.DeleteKeys(ctx, tokensOf(found[alias])); err != nil && !isNotFound(err) {
				mu.Lock()
				deleteErr[alias] = err
				mu.Unlock()
			}
		}
	})

	// 2. Verify: which of the tokens are still listed under their alias.
	remaining, verifyErr := e.remaining(ctx, specs, targets, found)

	// 3. Fall back to the database, or fail, for what is left.
	var leftovers []int
	for _, i := range targets {
		alias := specs[i].Alias
		if verifyErr != nil && deleteErr[alias] == nil {
			// The proxy confirmed the delete; only the check afterwards failed.
			results[i].DeletedVia = ptr(DeletedViaAPI)
			e.warn(alias, multi, "the proxy confirmed the delete of %q, but looking it up again to verify failed: %s", alias, e.explain(verifyErr))
			continue
		}
		if verifyErr != nil || len(remaining[alias]) > 0 {
			leftovers = append(leftovers, i)
			continue
		}
		results[i].DeletedVia = ptr(DeletedViaAPI)
		if deleteErr[alias] != nil {
			e.warn(alias, multi, "deleting %q reported an error (%v) but the key is gone", alias, deleteErr[alias])
		}
	}
	if len(leftovers) == 0 {
		return results
	}
	if !e.Options.ForceDBDelete {
		for _, i := range leftovers {
			r, alias := results[i], specs[i].Alias
			r.Changed, r.Deleted, r.Failed = false, false, true
			var err error
			switch {
			case deleteErr[alias] != nil:
				err = &DeleteNotEffectiveError{Alias: alias, Err: deleteErr[alias]}
			case verifyErr != nil:
				err = fmt.Errorf("verify the delete of key %q: %w", alias, verifyErr)
			default:
				err = &DeleteNotEffectiveError{Alias: alias, Remaining: remaining[alias]}
			}
			r.ErrorKind, r.Msg = ErrorKind(err), e.explain(err)
		}
		return results
	}
	e.forceDelete(ctx, specs, leftovers, found, remaining, verifyErr, results, multi)
	return results
}

// remaining looks the target aliases up again and returns, per alias, the
// deleted tokens that are still there.
func (e *Engine) remaining(ctx context.Context, specs []Spec, targets []int, found map[string][]litellm.Key) (map[string][]string, error) {
	aliases := make([]string, 0, len(targets))
	for _, i := range targets {
		aliases = append(aliases, specs[i].Alias)
	}
	now, err := e.lookup(ctx, aliases)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string)
	for _, a := range aliases {
		gone := make(map[string]bool)
		for _, k := range now[a] {
			gone[k.Token] = true
		}
		for _, k := range found[a] {
			if gone[k.Token] {
				out[a] = append(out[a], k.Token)
			}
		}
	}
	return out, nil
}

// forceDelete deletes the leftover keys in PostgreSQL, one transaction per
// alias, then verifies through the API.
func (e *Engine) forceDelete(ctx context.Context, specs []Spec, leftovers []int, found map[string][]litellm.Key,
	remaining map[string][]string, verifyErr error, results []*KeyResult, multi bool) {
	o := &e.Options
	dbErr := make([]error, len(leftovers))
	dbRows := make([]int, len(leftovers))
	e.each(ctx, len(leftovers), func(ctx context.Context, j int) {
		i := leftovers[j]
		alias := specs[i].Alias
		tokens := remaining[alias]
		if verifyErr != nil || len(tokens) == 0 {
			tokens = tokensOf(found[alias])
		}
		res, err := e.ForceDelete(ctx, o.DatabaseURL, tokendb.Request{Alias: alias, Tokens: tokens, DeletedBy: o.DeletedBy})
		if err != nil {
			dbErr[j] = err
			return
		}
		results[i].DBStatements = res.Statements
		dbRows[j] = len(res.Deleted)
	})
	var done []int
	for j, i := range leftovers {
		r, alias := results[i], specs[i].Alias
		if dbErr[j] != nil {
			r.Changed, r.Deleted, r.Failed, r.ErrorKind = false, false, true, ErrorDatabase
			r.Msg = fmt.Sprintf("force delete of key %q in PostgreSQL failed: %s", alias, strings.Join(strings.Fields(dbErr[j].Error()), " "))
			continue
		}
		done = append(done, i)
	}
	if len(done) == 0 {
		return
	}
	still, err := e.remaining(ctx, specs, done, found)
	rows := make(map[int]int, len(leftovers))
	for j, i := range leftovers {
		rows[i] = dbRows[j]
	}
	for _, i := range done {
		r, alias := results[i], specs[i].Alias
		if rows[i] == 0 {
			// Nothing was deleted in PostgreSQL: never claim it was.
			switch {
			case err == nil && len(still[alias]) > 0:
				r.Changed, r.Deleted, r.Failed, r.ErrorKind = false, false, true, ErrorDatabase
				r.Msg = e.explain(&NoDatabaseRowError{Alias: alias, Still: still[alias], ProxyURL: e.Client.BaseURL()})
			case err != nil:
				r.Changed, r.Deleted, r.Failed, r.ErrorKind = false, false, true, ErrorKind(err)
				r.Msg = e.explain(&NoDatabaseRowError{Alias: alias, Lookup: err})
			default:
				r.DeletedVia = ptr(DeletedViaAPI)
				e.warnOf(alias, multi, &NoDatabaseRowError{Alias: alias})
			}
			continue
		}
		switch {
		case err != nil:
			e.warn(alias, multi, "deleted %q in PostgreSQL but could not verify through the API: %s", alias, e.explain(err))
		case len(still[alias]) > 0:
			r.Changed, r.Deleted, r.Failed, r.ErrorKind = true, false, true, ErrorAPI
			r.Msg = fmt.Sprintf("deleted key %q in PostgreSQL but the API still lists tokens %s", alias, strings.Join(still[alias], ", "))
			continue
		}
		r.DeletedVia = ptr(DeletedViaDatabase)
		e.warn(alias, multi, "deleted key %q directly in PostgreSQL, bypassing LiteLLM's own delete path and its audit hooks; proxies may keep accepting the key from their cache for up to 60 s", alias)
	}
}

// spendOf is what the keys of one alias spent together, as the lookup that
// found them reported it (the spend at deletion); nil when the proxy did not
// report it for one of them.
func spendOf(keys []litellm.Key) *float64 {
	var sum float64
	for _, k := range keys {
		if k.Spend == nil {
			return nil
		}
		sum += *k.Spend
	}
	return &sum
}
