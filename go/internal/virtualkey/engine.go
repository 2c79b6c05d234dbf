package virtualkey

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/tokendb"
)

// ForceDeleter deletes keys directly in LiteLLM's PostgreSQL database, in
// one transaction: tokendb.Delete, or a stand-in in tests.
type ForceDeleter func(ctx context.Context, databaseURL string, req tokendb.Request) (*tokendb.Result, error)

// Engine applies desired key states through a LiteLLM client. Fill the
// fields, then call Run once.
type Engine struct {
	Client      *litellm.Client
	Options     Options
	ForceDelete ForceDeleter // nil: the database fallback is unavailable
	Warn        func(string) // receives warnings; must be safe for concurrent use or nil
	// Explain words an error or a typed warning (see reasons.go) for the
	// user, adding what to set; nil = its Error text. Safe for concurrent use.
	Explain   func(error) string
	NewSecret func() (string, error) // random secrets for new keys; nil = NewSecret
	DiffMode  bool                   // attach before/after settings to each result

	warnMu        sync.Mutex
	customKeysOff atomic.Bool // the proxy refused a caller-chosen secret: create without one
}

// Outcome is the result of a run.
type Outcome struct {
	Changed bool
	Keys    []*KeyResult
	Totals  Totals
}

// FirstErrorKind is the kind of the first failed key's error, which stands
// for the run; "" when no key failed.
func (o *Outcome) FirstErrorKind() string {
	for _, r := range o.Keys {
		if r.Failed {
			return r.ErrorKind
		}
	}
	return ""
}

// ItemsError reports that some keys of a run failed; their results carry
// Failed and Msg, the others completed.
type ItemsError struct {
	Failed []string // aliases
	Msgs   []string
	Total  int
}

func (e *ItemsError) Error() string {
	if e.Total == 1 && len(e.Msgs) == 1 {
		return e.Msgs[0]
	}
	return fmt.Sprintf("%d of %d keys failed: %s", len(e.Failed), e.Total, strings.Join(e.Msgs, "; "))
}

func (e *Engine) warn(alias string, multi bool, format string, a ...any) {
	if e.Warn == nil {
		return
	}
	msg := fmt.Sprintf(format, a...)
	if multi {
		msg = alias + ": " + msg
	}
	e.warnMu.Lock()
	defer e.warnMu.Unlock()
	e.Warn(msg)
}

// Run brings every spec to Options.State. It validates everything first and
// returns a *ValidationError (nothing sent) or a lookup error (nothing
// written) without an Outcome; otherwise it returns the Outcome, and an
// *ItemsError when some keys failed.
func (e *Engine) Run(ctx context.Context, specs []Spec) (*Outcome, error) {
	if err := validateAll(&e.Options, specs); err != nil {
		return nil, err
	}
	o := &e.Options
	if o.State == StateAbsent && o.ForceDBDelete {
		if o.DatabaseURL == "" {
			return nil, &ValidationError{Msg: ErrNoDatabaseURL.Error(), Err: ErrNoDatabaseURL}
		}
		if e.ForceDelete == nil {
			return nil, &ValidationError{Msg: ErrNoForceDeleter.Error(), Err: ErrNoForceDeleter}
		}
	}
	aliases := make([]string, len(specs))
	for i := range specs {
		aliases[i] = specs[i].Alias
	}
	found, err := e.lookup(ctx, aliases)
	if err != nil {
		return nil, err
	}
	var results []*KeyResult
	if o.State == StateAbsent {
		results = e.absent(ctx, specs, found)
	} else {
		results, err = e.present(ctx, specs, found)
		if err != nil {
			return nil, err
		}
	}
	out := &Outcome{Keys: results, Totals: totalsOf(results)}
	ie := &ItemsError{Total: len(results)}
	for _, r := range results {
		out.Changed = out.Changed || r.Changed
		if r.Failed {
			ie.Failed = append(ie.Failed, r.KeyAlias)
			if len(results) > 1 {
				ie.Msgs = append(ie.Msgs, r.KeyAlias+": "+r.Msg)
			} else {
				ie.Msgs = append(ie.Msgs, r.Msg)
			}
		}
	}
	if len(ie.Failed) > 0 {
		return out, ie
	}
	return out, nil
}

// lookup finds the keys of every alias: one FindByAlias for a single alias;
// for several, one unfiltered paginated scan (pages fetched Options.Parallel
// at a time) when it takes fewer pages than there are aliases, else one
// FindByAlias per alias in parallel.
func (e *Engine) lookup(ctx context.Context, aliases []string) (map[string][]litellm.Key, error) {
	found := make(map[string][]litellm.Key, len(aliases))
	if len(aliases) == 1 {
		keys, err := e.Client.FindByAlias(ctx, aliases[0])
		if err != nil {
			return nil, fmt.Errorf("look up key %q: %w", aliases[0], err)
		}
		found[aliases[0]] = keys
		return found, nil
	}
	want := make(map[string]bool, len(aliases))
	for _, a := range aliases {
		want[a] = true
	}
	complete, err := e.Client.ScanKeysParallel(ctx, len(aliases)-1, e.Options.Parallel, func(k litellm.Key) bool {
		if a := k.Alias(); want[a] {
			found[a] = append(found[a], k)
		}
		return true
	})
	if err != nil {
		return nil, fmt.Errorf("list keys: %w", err)
	}
	if complete {
		return found, nil
	}
	clear(found)
	var mu sync.Mutex
	err = e.forEach(ctx, len(aliases), func(ctx context.Context, i int) error {
		keys, err := e.Client.FindByAlias(ctx, aliases[i])
		if err != nil {
			return fmt.Errorf("look up key %q: %w", aliases[i], err)
		}
		mu.Lock()
		found[aliases[i]] = keys
		mu.Unlock()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// forEach runs fn for 0..n-1 with at most Options.Parallel at a time. The
// first error cancels the others and is returned.
func (e *Engine) forEach(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, e.Options.Parallel)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for i := 0; i < n; i++ {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			if err := fn(ctx, i); err != nil {
				once.Do(func() { firstErr = err; cancel() })
			}
		}(i)
	}
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}

// each runs fn for 0..n-1 with bounded concurrency; fn records its own errors.
func (e *Engine) each(ctx context.Context, n int, fn func(ctx context.Context, i int)) {
	_ = e.forEach(ctx, n, func(ctx context.Context, i int) error { fn(ctx, i); return nil })
}

func isNotFound(err error) bool { return errors.Is(err, litellm.ErrNotFound) }
