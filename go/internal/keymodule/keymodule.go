// Package keymodule is the litellm_key Ansible module: its parameters, the
// wiring of the LiteLLM client, the desired-state engine and the PostgreSQL
// fallback, and the shape of its result. cmd/litellm_key only calls Main.
package keymodule

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/tokendb"
	"github.com/rhpds/litellm_virtual_keys/internal/virtualkey"
)

// Name is the module's name.
const Name = "litellm_key"

// echoedKeys is the most items of keys that invocation.module_args echoes:
// beyond it, the echo of every spec (with every sub-option) outweighs the
// records and costs the controller time (docs/role-performance.md).
const echoedKeys = 20

// deletedBy is recorded in the audit row of a database delete.
const deletedBy = "rhpds.litellm_virtual_keys.litellm_key"

// KeySettings are the settings of a key, as parameters of both Params (for
// every key) and KeyItem (per-key overrides). A nil field was not given.
// litellm.KeySettings' fields are parameters under their json names.
type KeySettings struct {
	Models   []string `ansible:"models"`
	Duration *string  `ansible:"duration"`
	litellm.KeySettings
	SoftBudget *float64 `ansible:"soft_budget"` // create-only (see virtualkey.Spec)
}

// KeyItem is one entry of `keys` (bulk mode): an alias and per-key overrides
// of the top-level settings.
type KeyItem struct {
	KeyAlias string `ansible:"key_alias" aliases:"alias" required:"true"`
	Key      string `ansible:"key" no_log:"invocation"`
	KeySettings
}

// Connection is how a module of the litellm action group reaches the proxy:
// the parameters that module_defaults for group/rhpds.litellm_virtual_keys.litellm
// set once for litellm_key and litellm_key_info alike.
type Connection struct {
	APIURL        string  `ansible:"api_url" aliases:"litellm_url,url" required:"true"`
	APIKey        string  `ansible:"api_key" aliases:"master_key,litellm_master_key" required:"true" no_log:"true" env:"LITELLM_MASTER_KEY"`
	ValidateCerts bool    `ansible:"validate_certs" aliases:"verify_ssl" default:"true"`
	CAPath        string  `ansible:"ca_path"`
	Timeout       int     `ansible:"timeout" default:"30" validate:"min=1"`
	Retries       int     `ansible:"retries" default:"3" validate:"min=0,max=20"`
	RetryDelay    float64 `ansible:"retry_delay" default:"5" validate:"min=0"`
}

// ClientOptions are the client settings these parameters ask for; module
// names the module in the User-Agent.
func (c Connection) ClientOptions(module string) []litellm.Option {
	delay := time.Duration(c.RetryDelay * float64(time.Second))
	return []litellm.Option{
		litellm.WithAPIKey(c.APIKey),
		litellm.WithTLS(c.ValidateCerts, c.CAPath),
		litellm.WithTimeout(time.Duration(c.Timeout) * time.Second),
		litellm.WithRetries(c.Retries),
		litellm.WithRetryDelay(delay, max(litellm.DefaultMaxRetryWait, delay)),
		litellm.WithUserAgent("rhpds.litellm_virtual_keys/" + module),
	}
}

// Params are the module's parameters (documented in
// plugins/modules/litellm_key.yml).
type Params struct {
	Connection

	KeyAlias string    `ansible:"key_alias" aliases:"alias"`
	Keys     []KeyItem `ansible:"keys"`
	// RecordFields are the fields of each record of keys to return (all when empty).
	RecordFields []string `ansible:"record_fields"`
	Parallel     int      `ansible:"parallel" default:"8" validate:"min=1,max=64"`
	State        string   `ansible:"state" default:"present" choices:"present,absent"`

	KeySettings
	ValidateModels bool `ansible:"validate_models" default:"true"`

	Key                 string `ansible:"key" no_log:"invocation"`
	KeyDerivation       string `ansible:"key_derivation" default:"master_key" choices:"master_key,none"`
	KeyDerivationSecret string `ansible:"key_derivation_secret" no_log:"true"`
	OnSecretUnknown     string `ansible:"on_secret_unknown" default:"keep" choices:"keep,regenerate,fail"`
	Update              bool   `ansible:"update" default:"true"`
	Create              bool   `ansible:"create" default:"true"`
	RefreshExpiry       bool   `ansible:"refresh_expiry" default:"false"`

	ForceDBDelete bool   `ansible:"force_db_delete" default:"false"`
	DatabaseURL   string `ansible:"database_url" no_log:"true" env:"DATABASE_URL"`
}

// Rules requires exactly one of key_alias and keys; a single `key` belongs to a
// single alias.
func (Params) Rules() ansible.Rules {
	return ansible.Rules{
		MutuallyExclusive: [][]string{{"key_alias", "keys"}, {"key", "keys"}},
		RequiredOneOf:     [][]string{{"key_alias", "keys"}},
	}
}

// Proxy is where the keys live, as users see it: Endpoint is api_url
// normalised by litellm.NormalizeURL (no trailing slashes, no trailing /v1),
// BaseURL is Endpoint + "/v1", the OpenAI-compatible base URL.
type Proxy struct {
	Endpoint string `json:"endpoint"`
	BaseURL  string `json:"base_url"`
}

// ProxyOf is the proxy api_url names, nil when api_url is refused.
func ProxyOf(apiURL string) *Proxy {
	u, err := litellm.NormalizeURL(apiURL)
	if err != nil {
		return nil
	}
	return &Proxy{Endpoint: u.String(), BaseURL: u.String() + "/v1"}
}

// SingleResult is the result for key_alias: the key's record plus the
// number of HTTP requests sent, the proxy, and the summary (a failure
// replaces Msg, and the record's msg, with its error).
type SingleResult struct {
	*virtualkey.KeyResult
	Proxy
	Msg         string `json:"msg"`
	APIRequests int64  `json:"api_requests"`
}

// failureResult is the result of a run that failed before any key had an
// outcome (invalid input, lookup failure). It names the proxy when api_url
// is valid.
type failureResult struct {
	Changed     bool   `json:"changed"`
	APIRequests int64  `json:"api_requests"`
	ErrorKind   string `json:"error_kind"`
	*Proxy             // nil when api_url is invalid
}

// BulkDiff is one entry of Ansible's list form of `diff`.
type BulkDiff struct {
	Before       virtualkey.Settings `json:"before"`
	After        virtualkey.Settings `json:"after"`
	BeforeHeader string              `json:"before_header"`
	AfterHeader  string              `json:"after_header"`
}

// BulkResult is the result for keys: one record per item, in order, with
// totals.
type BulkResult struct {
	Proxy
	Changed     bool              `json:"changed"`
	Msg         string            `json:"msg"`  // the summary; a failure replaces it with its error
	Keys        any               `json:"keys"` // []*virtualkey.KeyResult, or projected by record_fields
	Totals      virtualkey.Totals `json:"totals"`
	APIRequests int64             `json:"api_requests"`
	ErrorKind   string            `json:"error_kind,omitempty"`
	Diff        []BulkDiff        `json:"diff,omitempty"`
}

// Deps are what Run needs from outside: tests swap them.
type Deps struct {
	// ForceDelete is the database fallback (tokendb.Delete by default).
	ForceDelete virtualkey.ForceDeleter
	// ClientOptions are appended to the client options built from the
	// parameters (tests shorten retry delays with them).
	ClientOptions []litellm.Option
}

// Main runs the module as Ansible invokes it.
func Main() { ansible.Main(Name, Run) }

// Run is the module's logic with the default dependencies.
func Run(ctx context.Context, m *ansible.Module, p *Params) (any, error) {
	return Deps{}.Run(ctx, m, p)
}

// Run is the module's logic with these dependencies.
func (d Deps) Run(ctx context.Context, m *ansible.Module, p *Params) (any, error) {
	p.AddSecrets(m)
	proxy := ProxyOf(p.APIURL) // non-nil once litellm.New accepted api_url below
	fail := func(err error) (any, error) {
		return &failureResult{ErrorKind: virtualkey.ErrorValidation, Proxy: proxy}, err
	}
	if err := p.checkRecordFields(m.IsSet("keys")); err != nil {
		return fail(err)
	}
	specs, err := p.specs(m)
	if err != nil {
		return fail(err)
	}
	if len(p.Keys) > echoedKeys {
		m.AbbreviateInvocation("keys", fmt.Sprintf("%d keys, not echoed (more than %d); their records are in keys", len(p.Keys), echoedKeys))
	}
	if p.ForceDBDelete && p.State == virtualkey.StateAbsent && p.DatabaseURL != "" {
		if err := tokendb.CheckURL(p.DatabaseURL); err != nil {
			return fail(fmt.Errorf("database_url: %w", err))
		}
	}
	client, err := d.Client(Name, p.Connection)
	if err != nil {
		return fail(fmt.Errorf("api_url: %w", err))
	}
	if m.IsSet("keys") && len(p.Keys) == 0 {
		// An empty list of keys (a lab without users) asks for nothing.
		return &BulkResult{Msg: virtualkey.Summary(nil, p.State, m.CheckMode()), Proxy: *proxy,
			Keys: []*virtualkey.KeyResult{}, Totals: virtualkey.Totals{}}, nil
	}
	eng := d.Engine(m, p, client)
	out, runErr := eng.Run(ctx, specs)
	if out == nil {
		// Nothing was attempted per key: invalid input or a failed lookup.
		return &failureResult{APIRequests: client.Requests(), ErrorKind: virtualkey.ErrorKind(runErr), Proxy: proxy},
			errors.New(Explain(runErr))
	}
	msg := virtualkey.Summary(out.Keys, p.State, m.CheckMode())
	if len(p.Keys) == 0 {
		return &SingleResult{KeyResult: out.Keys[0], Proxy: *proxy, Msg: msg, APIRequests: client.Requests()}, runErr
	}
	res := &BulkResult{Changed: out.Changed, Msg: msg, Proxy: *proxy, Keys: out.Keys, Totals: out.Totals, APIRequests: client.Requests(),
		ErrorKind: out.FirstErrorKind()}
	for _, r := range out.Keys {
		if r.Diff != nil {
			if r.Changed {
				res.Diff = append(res.Diff, BulkDiff{Before: r.Diff.Before, After: r.Diff.After, BeforeHeader: r.KeyAlias, AfterHeader: r.KeyAlias})
			}
			r.Diff = nil
		}
	}
	if len(p.RecordFields) > 0 {
		records, err := project(out.Keys, p.RecordFields)
		if err != nil {
			return res, err
		}
		res.Keys = records
	}
	return res, runErr
}

// AddSecrets registers with m the secrets hidden in p beyond its no_log
// parameters: the database URL's password and credentials in api_url (which
// litellm.New refuses, but which must not show in the invocation either).
func (p *Params) AddSecrets(m *ansible.Module) {
	for _, s := range tokendb.Secrets(p.DatabaseURL) {
		m.AddSecret(s)
	}
	if u, err := url.Parse(strings.TrimSpace(p.APIURL)); err == nil && u.User != nil {
		if pw, ok := u.User.Password(); ok {
			m.AddSecret(pw)
		}
		m.AddSecret(u.User.String())
	}
}

// Client is the LiteLLM client for c, naming module in its User-Agent, with
// d's extra options.
func (d Deps) Client(module string, c Connection) (*litellm.Client, error) {
	return litellm.New(c.APIURL, append(c.ClientOptions(module), d.ClientOptions...)...)
}

// Engine is the desired-state engine for p's options over client, reporting
// warnings to m: what litellm_key runs, and litellm_lab_keys with it.
func (d Deps) Engine(m *ansible.Module, p *Params, client *litellm.Client) *virtualkey.Engine {
	force := d.ForceDelete
	if force == nil {
		force = tokendb.Delete
	}
	return &virtualkey.Engine{
		Client: client,
		Options: virtualkey.Options{
			State: p.State, Update: p.Update, OnlyExisting: !p.Create, RefreshExpiry: p.RefreshExpiry, ValidateModels: p.ValidateModels,
			OnSecretUnknown: p.OnSecretUnknown, DerivationSecret: p.derivationSecret(),
			ForceDBDelete: p.ForceDBDelete, DatabaseURL: p.DatabaseURL, Parallel: p.Parallel,
			CheckMode: m.CheckMode(), DeletedBy: deletedBy,
		},
		ForceDelete: force,
		Warn:        m.Warn,
		Explain:     Explain,
		DiffMode:    m.DiffMode(),
	}
}

// derivationSecret is the secret new keys' secrets are derived from:
// key_derivation_secret when given, else (key_derivation: master_key) one
// derived from the master key, so that every run holding the master key —
// concurrent runs of one lab, a re-run after a lost answer — computes the
// same secret for an alias and no run has to replace another's key; else
// (key_derivation: none) "" for random secrets.
func (p *Params) derivationSecret() string {
	switch {
	case p.KeyDerivationSecret != "":
		return p.KeyDerivationSecret
	case p.KeyDerivation == "none":
		return ""
	}
	return virtualkey.MasterKeyDerivationSecret(p.APIKey)
}

// specs turns the parameters into one spec per key: key_alias alone, or
// every item of keys with its overrides on top of the top-level settings
// (metadata is merged, the item's entries winning).
func (p *Params) specs(m *ansible.Module) ([]virtualkey.Spec, error) {
	base := virtualkey.Spec{Alias: p.KeyAlias, Key: p.Key}
	p.KeySettings.overlay(&base)
	if base.Models == nil && m.IsSet("models") {
		base.Models = &[]string{}
	}
	if err := checkEmpty(base); err != nil {
		return nil, err
	}
	if len(p.Keys) == 0 {
		return []virtualkey.Spec{base}, nil
	}
	specs := make([]virtualkey.Spec, len(p.Keys))
	for i, it := range p.Keys {
		s := base
		s.Alias, s.Key = it.KeyAlias, it.Key
		it.KeySettings.overlay(&s)
		if err := checkEmpty(s); err != nil {
			return nil, &virtualkey.ValidationError{Msg: "keys[" + strconv.Itoa(i) + "]: " + err.Error()}
		}
		specs[i] = s
	}
	return specs, nil
}

// overlay sets in s the settings given in k: they replace s's, except
// metadata, which is merged into a copy of s's (k's entries winning).
func (k *KeySettings) overlay(s *virtualkey.Spec) {
	if k.Models != nil {
		ms := append([]string{}, k.Models...)
		s.Models = &ms
	}
	s.Duration = or(k.Duration, s.Duration)
	s.SoftBudget = or(k.SoftBudget, s.SoftBudget)
	given, into := reflect.ValueOf(&k.KeySettings).Elem(), reflect.ValueOf(&s.KeySettings).Elem()
	for i := 0; i < given.NumField(); i++ {
		if f := given.Field(i); f.Kind() == reflect.Pointer && !f.IsNil() {
			into.Field(i).Set(f)
		}
	}
	if k.Metadata != nil {
		md := maps.Clone(s.Metadata)
		if md == nil {
			md = map[string]any{}
		}
		maps.Copy(md, k.Metadata)
		s.Metadata = md
	}
}

// checkEmpty rejects empty user_id and team_id: LiteLLM would store "" and
// the key would belong to nobody (a defect of the predecessor).
func checkEmpty(s virtualkey.Spec) error {
	if s.UserID != nil && *s.UserID == "" {
		return &virtualkey.ValidationError{Msg: "user_id must not be empty: omit it or give a value"}
	}
	if s.TeamID != nil && *s.TeamID == "" {
		return &virtualkey.ValidationError{Msg: "team_id must not be empty: omit it or give a value"}
	}
	return nil
}

func or[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}
