package virtualkey

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
)

type action int

const (
	actNone action = iota
	actCreate
	actUpdate
	actRegenerate
)

// plan is what present will do for one key, decided before any write.
type plan struct {
	spec     *Spec
	existing []litellm.Key
	action   action
	primary  *litellm.Key // the existing key reported (nil on create)
	secret   string       // the raw secret when known or chosen
	secretBy string       // RecoveredCreated, RecoveredKnownKey, RecoveredDerivation or ""
	update   *litellm.UpdateKeyRequest
	after    *litellm.Key // the key's settings after the action
	given    bool         // secret is the caller's key (create only)
	missing  bool         // absent, and creating is not allowed (OnlyExisting)
}

// writesModels returns the models a plan writes, or nil.
func (p *plan) writesModels() []string {
	switch p.action {
	case actCreate, actRegenerate:
		if p.spec.Models != nil {
			return *p.spec.Models
		}
	case actUpdate:
		if p.update.Models != nil {
			return *p.update.Models
		}
	}
	return nil
}

// present plans every key, validates models once for all plans that write
// them, then (outside check mode) executes the plans concurrently.
func (e *Engine) present(ctx context.Context, specs []Spec, found map[string][]litellm.Key) ([]*KeyResult, error) {
	multi := len(specs) > 1
	plans := make([]*plan, len(specs))
	var errs []string
	for i := range specs {
		p, err := e.plan(&specs[i], found[specs[i].Alias], multi)
		if err != nil {
			errs = append(errs, e.explain(err))
			continue
		}
		plans[i] = p
	}
	if len(errs) > 0 {
		return nil, &ValidationError{Msg: strings.Join(errs, "; ")}
	}
	if err := e.checkGivenKeys(ctx, plans); err != nil {
		return nil, err
	}
	if err := e.validateModels(ctx, plans); err != nil {
		return nil, err
	}
	results := make([]*KeyResult, len(plans))
	if e.Options.CheckMode {
		for i, p := range plans {
			results[i] = e.checkResult(p)
		}
		return results, nil
	}
	e.each(ctx, len(plans), func(ctx context.Context, i int) {
		results[i] = e.execute(ctx, plans[i], multi, true)
	})
	e.checkDuplicates(ctx, plans, results, multi)
	return results, nil
}

// plan decides what to do with one key from the keys found under its alias.
func (e *Engine) plan(s *Spec, existing []litellm.Key, multi bool) (*plan, error) {
	o := &e.Options
	p := &plan{spec: s, existing: existing}
	derived := ""
	if o.DerivationSecret != "" {
		derived = Derive(o.DerivationSecret, s.Alias)
	}
	if len(existing) == 0 && o.OnlyExisting {
		p.action, p.missing = actNone, true
		return p, nil
	}
	if len(existing) == 0 {
		p.action, p.after, p.secretBy = actCreate, desiredKey(s), RecoveredCreated
		switch {
		case s.Key != "": // the caller's own secret wins over derivation
			p.secret, p.given = s.Key, true
		case derived != "":
			p.secret = derived
		}
		return p, nil
	}
	for i := range existing {
		if matches(s.Key, existing[i].Token) {
			p.primary, p.secret, p.secretBy = &existing[i], s.Key, RecoveredKnownKey
			break
		}
	}
	if p.primary == nil && derived != "" {
		for i := range existing {
			if matches(derived, existing[i].Token) {
				p.primary, p.secret, p.secretBy = &existing[i], derived, RecoveredDerivation
				break
			}
		}
	}
	if len(existing) > 1 {
		e.warn(s.Alias, multi, "%d keys have the alias %q (tokens %s); reporting %s, the others are left alone",
			len(existing), s.Alias, strings.Join(tokensOf(existing), ", "), firstNonNil(p.primary, &existing[0]).Token)
	}
	if s.Key != "" && p.secretBy != RecoveredKnownKey {
		e.warn(s.Alias, multi, "the key given for %q does not match the existing key (its hash differs)", s.Alias)
	}
	if p.primary == nil {
		p.primary = &existing[0]
		switch o.OnSecretUnknown {
		case SecretFail:
			return nil, &SecretUnknownError{Alias: s.Alias, Token: p.primary.Token}
		case SecretRegenerate:
			p.action, p.after, p.secretBy = actRegenerate, desiredKey(s), RecoveredCreated
			p.secret = derived
			return p, nil
		default:
			e.warnOf(s.Alias, multi, &SecretUnknownWarning{Alias: s.Alias})
		}
	}
	p.after = p.primary
	if o.Update {
		if up, after := changes(p.primary, s, o.RefreshExpiry); up != nil {
			p.action, p.update, p.after = actUpdate, up, after
		}
	}
	return p, nil
}

func firstNonNil(a, b *litellm.Key) *litellm.Key {
	if a != nil {
		return a
	}
	return b
}

// checkGivenKeys makes sure that a caller's key about to be used for a new
// key does not already belong to another alias: LiteLLM would answer the
// create with 200 and write nothing. One /key/info per such plan, before any
// write.
func (e *Engine) checkGivenKeys(ctx context.Context, plans []*plan) error {
	var errs []string
	for _, p := range plans {
		if p.action != actCreate || !p.given {
			continue
		}
		k, err := e.Client.KeyInfo(ctx, litellm.HashKey(p.secret))
		if isNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check the key given for %q: %w", p.spec.Alias, err)
		}
		errs = append(errs, fmt.Sprintf("the key given for %q already belongs to the key with alias %q (token %s)", p.spec.Alias, k.Alias(), litellm.HashKey(p.secret)))
	}
	if len(errs) > 0 {
		return invalid("%s; omit key to create a new secret", strings.Join(errs, "; "))
	}
	return nil
}

// validateModels fetches the proxy's models once, if any plan writes models,
// and fails when one names a model the proxy does not serve.
func (e *Engine) validateModels(ctx context.Context, plans []*plan) error {
	if !e.Options.ValidateModels {
		return nil
	}
	need := false
	for _, p := range plans {
		if len(p.writesModels()) > 0 {
			need = true
			break
		}
	}
	if !need {
		return nil
	}
	models, err := e.Client.ModelInfo(ctx)
	if err != nil {
		return &ModelListError{Err: err}
	}
	ms := newModelSet(models)
	var errs []string
	for _, p := range plans {
		if miss := ms.missing(p.writesModels()); len(miss) > 0 {
			if len(plans) > 1 {
				errs = append(errs, fmt.Sprintf("%s: %s", p.spec.Alias, strings.Join(miss, ", ")))
			} else {
				errs = append(errs, strings.Join(miss, ", "))
			}
		}
	}
	if len(errs) > 0 {
		return invalid("models not served by the proxy at %s: %s; available: %s",
			e.Client.BaseURL(), strings.Join(errs, "; "), ms.available())
	}
	return nil
}

// checkResult reports what a plan would do, without doing it.
func (e *Engine) checkResult(p *plan) *KeyResult {
	r := &KeyResult{KeyAlias: p.spec.Alias, Tokens: tokensOf(p.existing)}
	if p.missing {
		r.WasMissing = true
		return r
	}
	switch p.action {
	case actCreate, actRegenerate:
		r.Changed, r.Created = true, true
		r.fill(p.after)
		r.SoftBudget = p.spec.SoftBudget
		if p.secret != "" {
			r.Key, r.Token = ptr(p.secret), ptr(litellm.HashKey(p.secret))
			r.SecretRecoveredBy = ptr(RecoveredCreated)
		}
	case actUpdate:
		r.Changed, r.Updated = true, true
		r.fill(p.after)
	default:
		r.fill(p.after)
	}
	e.recovered(r, p)
	r.Diff = e.diff(p)
	return r
}

func (e *Engine) recovered(r *KeyResult, p *plan) {
	if p.action == actCreate || p.action == actRegenerate {
		return
	}
	if p.secret != "" {
		r.Key, r.SecretRecoveredBy = ptr(p.secret), ptr(p.secretBy)
	}
}

func (e *Engine) diff(p *plan) *Diff {
	if !e.DiffMode {
		return nil
	}
	d := &Diff{}
	if p.primary == nil {
		d.Before = Settings{State: StateAbsent, KeyAlias: p.spec.Alias}
	} else {
		d.Before = settingsOf(p.primary)
	}
	d.After = settingsOf(p.after)
	if p.action == actCreate || p.action == actRegenerate {
		d.After.Expires = nil // known only once created
	}
	return d
}

// execute carries out a plan. retryPlan allows one re-plan when a create
// finds that someone else created the key meanwhile.
func (e *Engine) execute(ctx context.Context, p *plan, multi, retryPlan bool) *KeyResult {
	r := &KeyResult{KeyAlias: p.spec.Alias, Tokens: tokensOf(p.existing)}
	fail := func(err error) *KeyResult {
		r.Failed, r.Msg, r.ErrorKind = true, e.explain(err), ErrorKind(err)
		return r
	}
	if p.missing {
		r.WasMissing = true
		return r
	}
	switch p.action {
	case actNone:
		r.fill(p.after)
		e.recovered(r, p)
		r.Diff = e.diff(p)
		return r

	case actUpdate:
		k, err := e.Client.UpdateKey(ctx, p.update)
		if err != nil {
			return fail(fmt.Errorf("update key %q: %w", p.spec.Alias, err))
		}
		after := *p.after
		if p.update.Duration != nil && k.Expires != nil {
			after.Expires = k.Expires
		}
		p.after = &after
		r.Changed, r.Updated = true, true
		r.fill(&after)
		e.recovered(r, p)
		r.Diff = e.diff(p)
		return r

	case actRegenerate:
		if _, err := e.Client.DeleteKeys(ctx, tokensOf(p.existing)); err != nil && !isNotFound(err) {
			return fail(fmt.Errorf("regenerate key %q: delete the old key: %w", p.spec.Alias, err))
		}
		r.Tokens = nil
		fallthrough

	case actCreate:
		gk, raced, err := e.create(ctx, p)
		if err != nil {
			if p.action == actRegenerate {
				err = fmt.Errorf("%w (the old key was already deleted)", err)
			}
			return fail(err)
		}
		if raced != nil {
			if !retryPlan {
				return fail(fmt.Errorf("create key %q: the alias was taken concurrently", p.spec.Alias))
			}
			e.warn(p.spec.Alias, multi, "key %q was created concurrently by someone else; using that key", p.spec.Alias)
			np, err := e.plan(p.spec, raced, multi)
			if err != nil {
				return fail(err)
			}
			if np.action == actRegenerate {
				// Replacing a key another run has just created would break
				// that run, which reports the key's secret as working.
				return fail(fmt.Errorf("key %q was created concurrently by another run, and only that run knows its secret; this run does not replace it (that would break the other run): let concurrent runs agree on secrets with key derivation, or run again later",
					p.spec.Alias))
			}
			if np.action == actUpdate || np.action == actRegenerate {
				if err := e.validateModels(ctx, []*plan{np}); err != nil {
					return fail(err)
				}
			}
			return e.execute(ctx, np, multi, false)
		}
		r.Changed, r.Created = true, true
		r.fill(&gk.Key)
		if len(r.Models) == 0 && p.after != nil && len(p.after.Models) > 0 {
			r.Models = p.after.Models
		}
		r.Key, r.Token = ptr(gk.Secret), ptr(gk.Token)
		r.SecretRecoveredBy = ptr(RecoveredCreated)
		r.Tokens = []string{gk.Token}
		if gk.SoftBudget != nil {
			r.SoftBudget = gk.SoftBudget
		}
		p.after = &gk.Key
		r.Diff = e.diff(p)
		return r
	}
	return fail(errors.New("internal error: unknown action"))
}

// racedError reports that keys someone else created appeared under the
// alias while this run was creating its own.
type racedError struct{ keys []litellm.Key }

func (e *racedError) Error() string {
	return fmt.Sprintf("the alias was taken concurrently (tokens %s)", strings.Join(tokensOf(e.keys), ", "))
}

// create sends /key/generate with a secret chosen here (derived, given or
// random), so that an ambiguous failure can be resolved by looking the alias
// up and recognising our key by hash; the client retries only a create that
// lookup proved absent. On a proxy that refuses caller-chosen secrets
// (disable_custom_api_keys) it creates without one. It returns the created
// key, or the keys someone else created under the alias meanwhile, or an
// error.
func (e *Engine) create(ctx context.Context, p *plan) (*litellm.GeneratedKey, []litellm.Key, error) {
	s := p.spec
	if p.given && e.customKeysOff.Load() {
		return nil, nil, fmt.Errorf("create key %q: the proxy refuses caller-chosen key secrets (disable_custom_api_keys): omit key", s.Alias)
	}
	secret := p.secret
	if secret != "" && e.customKeysOff.Load() {
		secret = ""
	} else if secret == "" && !e.customKeysOff.Load() {
		gen := e.NewSecret
		if gen == nil {
			gen = NewSecret
		}
		var err error
		if secret, err = gen(); err != nil {
			return nil, nil, fmt.Errorf("create key %q: generate a secret: %w", s.Alias, err)
		}
	}
	alias := s.Alias
	req := &litellm.GenerateKeyRequest{KeyAlias: &alias, Duration: s.Duration, KeySettings: s.KeySettings, SoftBudget: s.SoftBudget}
	if s.Models != nil {
		req.Models = *s.Models
	}
	if secret != "" {
		req.Key = &secret
	}
	gk, err := e.Client.GenerateKeyResolving(ctx, req, e.resolver(p, secret))
	if secret != "" && errors.Is(err, litellm.ErrCustomKeysDisabled) {
		if p.given {
			return nil, nil, fmt.Errorf("create key %q: the proxy refuses caller-chosen key secrets (disable_custom_api_keys): omit key", s.Alias)
		}
		if !e.customKeysOff.Swap(true) {
			e.warn(s.Alias, false, "the proxy at %s refuses caller-chosen key secrets (its admin set disable_custom_api_keys): new keys get secrets the proxy generates, which later runs cannot derive again, and concurrent runs of one alias cannot agree on a secret", e.Client.BaseURL())
		}
		secret, req.Key = "", nil
		gk, err = e.Client.GenerateKeyResolving(ctx, req, e.resolver(p, ""))
	}
	var raced *racedError
	switch {
	case errors.As(err, &raced):
		return nil, raced.keys, nil
	case errors.Is(err, litellm.ErrAliasExists):
		// Someone else holds the alias (or our own earlier attempt does).
		keys, lerr := e.Client.FindByAlias(ctx, s.Alias)
		if lerr != nil {
			return nil, nil, fmt.Errorf("create key %q: %w (and looking it up again failed: %v)", s.Alias, err, lerr)
		}
		old := make(map[string]bool, len(p.existing))
		for _, k := range p.existing {
			old[k.Token] = true
		}
		var stale []string
		for i := range keys {
			if secret != "" && matches(secret, keys[i].Token) {
				return &litellm.GeneratedKey{Key: keys[i], Secret: secret}, nil, nil
			}
			if old[keys[i].Token] {
				stale = append(stale, keys[i].Token)
			}
		}
		switch {
		case len(keys) > len(stale):
			return nil, keys, nil
		case len(stale) > 0:
			return nil, nil, &StaleKeyError{Alias: s.Alias, Tokens: stale}
		}
		return nil, nil, fmt.Errorf("create key %q: %w (yet no key with that alias is listed)", s.Alias, err)
	case err != nil:
		return nil, nil, fmt.Errorf("create key %q: %w", s.Alias, err)
	}
	if secret != "" && gk.Secret != secret {
		e.warn(s.Alias, false, "the proxy did not keep the chosen secret of %q: later runs cannot recover it by derivation", s.Alias)
	}
	return gk, nil, nil
}

// resolver tells the client, after an ambiguous create attempt, whether the
// key exists: ours (recognised by the hash of secret), someone else's (a
// racedError), or none (the client may send the create again). Without a
// secret of our own (custom keys disabled) a new key under the alias cannot
// be told apart from a concurrent run's: the create stops there, truthfully.
func (e *Engine) resolver(p *plan, secret string) litellm.Resolve {
	alias := p.spec.Alias
	old := make(map[string]bool, len(p.existing))
	for _, k := range p.existing {
		old[k.Token] = true
	}
	return func(ctx context.Context, cause error) (*litellm.GeneratedKey, error) {
		keys, err := e.Client.FindByAlias(ctx, alias)
		if err != nil {
			return nil, fmt.Errorf("create key %q: %w (and looking it up again failed: %v)", alias, cause, err)
		}
		var fresh []litellm.Key
		for i := range keys {
			if secret != "" && matches(secret, keys[i].Token) {
				return &litellm.GeneratedKey{Key: keys[i], Secret: secret}, nil
			}
			if !old[keys[i].Token] {
				fresh = append(fresh, keys[i])
			}
		}
		if len(fresh) == 0 {
			return nil, nil
		}
		if secret == "" {
			return nil, &OrphanKeyError{Alias: alias, Cause: cause, Tokens: tokensOf(fresh)}
		}
		return nil, &racedError{keys: keys}
	}
}

// checkDuplicates looks up, once for all of them, the aliases this run has
// just created a key for, and converges any alias under which concurrent
// runs created keys too (a proxy whose alias check is not atomic lets them):
// the oldest key (by created_at, then token) survives, whichever run looks;
// a run whose key is not the survivor deletes its own key and fails, since
// only the survivor's creator holds the surviving secret.
func (e *Engine) checkDuplicates(ctx context.Context, plans []*plan, results []*KeyResult, multi bool) {
	var idx []int
	var aliases []string
	for i, r := range results {
		if r != nil && r.Created && !r.Failed && r.Token != nil {
			idx = append(idx, i)
			aliases = append(aliases, r.KeyAlias)
		}
	}
	if len(idx) == 0 {
		return
	}
	now, err := e.lookup(ctx, aliases)
	if err != nil {
		for _, i := range idx {
			e.warn(results[i].KeyAlias, multi, "created key %q, but could not check whether concurrent runs created keys under the same alias: %s", results[i].KeyAlias, e.explain(err))
		}
		return
	}
	for _, i := range idx {
		r, p := results[i], plans[i]
		ours := *r.Token
		old := make(map[string]bool)
		for _, k := range p.existing {
			old[k.Token] = true
		}
		var mine *litellm.Key
		var others []litellm.Key
		var stale []string
		for j, k := range now[r.KeyAlias] {
			switch {
			case k.Token == ours:
				mine = &now[r.KeyAlias][j]
			case !old[k.Token]:
				others = append(others, k)
			default:
				stale = append(stale, k.Token)
			}
		}
		if len(stale) > 0 && p.action == actRegenerate {
			e.warnOf(r.KeyAlias, multi, &StaleKeyWarning{Alias: r.KeyAlias, Tokens: stale})
		}
		if mine == nil {
			r.Changed, r.Failed, r.ErrorKind = true, true, ErrorAPI
			r.Msg = fmt.Sprintf("created key %q (token %s), but it is no longer listed: another run deleted it concurrently; run again", r.KeyAlias, ours)
			r.Key = nil
			continue
		}
		if len(others) == 0 {
			continue
		}
		survivor := mine
		for j := range others {
			if older(&others[j], survivor) {
				survivor = &others[j]
			}
		}
		if survivor == mine {
			e.warn(r.KeyAlias, multi, "%d more keys were created under %q concurrently by other runs (tokens %s); this run's key %s is the oldest and stays, the other runs remove theirs",
				len(others), r.KeyAlias, strings.Join(tokensOf(others), ", "), ours)
			continue
		}
		msg := fmt.Sprintf("key %q was also created concurrently by another run (token %s, the oldest, which stays); this run removed its own duplicate %s so that one key remains, and the surviving key's secret is known only to the run that created it: let concurrent runs agree on secrets with key derivation",
			r.KeyAlias, survivor.Token, ours)
		if _, err := e.Client.DeleteKeys(ctx, []string{ours}); err != nil && !isNotFound(err) {
			msg = fmt.Sprintf("key %q was also created concurrently by another run (token %s, the oldest); removing this run's duplicate %s failed: %s", r.KeyAlias, survivor.Token, ours, e.explain(err))
		}
		r.Failed, r.ErrorKind, r.Msg, r.Key = true, ErrorAPI, msg, nil
		r.Tokens = tokensOf(now[r.KeyAlias])
	}
}

// older orders keys by created_at, then token: the same order whichever run
// compares them. (Two keys created within the same millisecond by runs that
// each looked before the other's insert can both survive: the duplicate
// check narrows the race to a millisecond, only derivation closes it.)
func older(a, b *litellm.Key) bool {
	ta, _ := parseCreated(a)
	tb, _ := parseCreated(b)
	if !ta.Equal(tb) {
		return ta.Before(tb)
	}
	return a.Token < b.Token
}

func parseCreated(k *litellm.Key) (time.Time, bool) {
	if k.CreatedAt == nil {
		return time.Time{}, false
	}
	return litellm.ParseTime(*k.CreatedAt)
}
