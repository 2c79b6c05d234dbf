// Package labkeys is the litellm_lab_keys Ansible module: a whole lab's
// LiteLLM virtual keys in one call. It resolves a lab's inputs (guid,
// subscription package, users), ensures or deletes one key per user with the
// litellm_key engine, publishes the keys as AgnosticD user info, and returns
// the facts and the few lines a person reads. It is the engine of the role
// ocp4_workload_litellm_virtual_keys, which passes its variables to it; one
// task instead of a chain of them is what makes the role fast
// (docs/role-performance.md).
package labkeys

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/rhpds/litellm_virtual_keys/internal/keymodule"
	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
	"github.com/rhpds/litellm_virtual_keys/internal/tokendb"
	"github.com/rhpds/litellm_virtual_keys/internal/userinfo"
	"github.com/rhpds/litellm_virtual_keys/internal/virtualkey"
)

// Name is the module's name.
const Name = "litellm_lab_keys"

const (
	statePresent = virtualkey.StatePresent
	stateAbsent  = virtualkey.StateAbsent
)

// Params are the module's parameters (documented in
// plugins/modules/litellm_lab_keys.yml). They are the role's variables,
// without its prefix; output_dir and action are filled in by the action
// plugin. Numbers the role checks itself are raw, so that a wrong one is
// named in the run's one message rather than refused alone.
type Params struct {
	State            string   `ansible:"state" required:"true" choices:"present,absent"`
	GUID             string   `ansible:"guid"`
	LitellmURL       string   `ansible:"litellm_url" aliases:"api_url,url"`
	LitellmMasterKey string   `ansible:"litellm_master_key" aliases:"api_key,master_key" no_log:"true" env:"LITELLM_MASTER_KEY"`
	VerifySSL        bool     `ansible:"verify_ssl" aliases:"validate_certs" default:"true"`
	CAPath           string   `ansible:"ca_path"`
	APITimeout       any      `ansible:"api_timeout" aliases:"timeout" default:"30"`
	RetryCount       any      `ansible:"retry_count" aliases:"retries" default:"3"`
	RetryDelay       any      `ansible:"retry_delay" default:"5"`
	VariablePrefix   string   `ansible:"variable_prefix"`
	AliasFormat      *string  `ansible:"alias_format"`
	UserID           []string `ansible:"user_id"`

	SubscriptionPackage string         `ansible:"subscription_package"`
	Packages            map[string]any `ansible:"packages"`
	CustomModels        []string       `ansible:"custom_models"`
	CustomDuration      string         `ansible:"custom_duration" default:"30d"`
	Models              []string       `ansible:"models"`
	Duration            string         `ansible:"duration"`
	MaxBudget           any            `ansible:"max_budget"`
	SoftBudget          *float64       `ansible:"soft_budget"`
	IncludeDocling      bool           `ansible:"include_docling" default:"false"`
	DoclingModel        string         `ansible:"docling_model" default:"Docling"`
	ValidateModels      bool           `ansible:"validate_models" default:"true"`
	Metadata            map[string]any `ansible:"metadata"`
	Environment         string         `ansible:"environment" default:"sandbox"`
	CatalogItem         string         `ansible:"catalog_item" default:"unknown"`
	KeyDerivationSecret string         `ansible:"key_derivation_secret" no_log:"true"`
	OnSecretUnknown     string         `ansible:"on_secret_unknown" default:"regenerate" choices:"keep,regenerate,fail"`

	MultiUser       *bool  `ansible:"multi_user"`
	NumUsers        any    `ansible:"num_users"`
	UserCount       any    `ansible:"user_count"`
	UserBase        string `ansible:"user_base" default:"user"`
	UserEmailDomain string `ansible:"user_email_domain" default:"lab.opentlc.com"`

	EnableUserInfoMessages bool     `ansible:"enable_user_info_messages" default:"true"`
	EnableUserInfoData     bool     `ansible:"enable_user_info_data" default:"true"`
	UserInfoMessages       []string `ansible:"user_info_messages"`
	OutputDir              string   `ansible:"output_dir"`
	Action                 string   `ansible:"action"`

	ForceDBDelete              bool   `ansible:"force_db_delete" default:"false"`
	DatabaseURL                string `ansible:"database_url" no_log:"true" env:"DATABASE_URL"`
	IgnoreUnreachableOnDestroy bool   `ansible:"ignore_unreachable_on_destroy" default:"true"`
	// Records: nil means at verbosity 1 and above (where Ansible prints the result).
	Records *bool `ansible:"records"`
}

// Result is the module's result.
type Result struct {
	Changed bool `json:"changed"`
	// Msg is what happened, in a line: "LiteLLM virtual keys of abc12: 1 created (virtkey-abc12)".
	Msg string `json:"msg"`
	// Report is what the role prints: Msg, and in a single-user provision the
	// user-info messages (with the key, as AgnosticD shows them).
	Report []string `json:"report,omitempty"`
	// Facts are the role's facts, named as the role sets them.
	Facts map[string]any `json:"facts,omitempty"`
	// FlatUserData is the fact _litellm_user_data of a multi-user provision,
	// as JSON text: one string is cheap for a template to read.
	FlatUserData string `json:"flat_user_data,omitempty"`
	*keymodule.Proxy
	Totals      *virtualkey.Totals      `json:"totals,omitempty"`
	Keys        []*virtualkey.KeyResult `json:"keys,omitempty"`
	UserInfo    []userinfo.Write        `json:"user_info_writes,omitempty"`
	Unreachable bool                    `json:"proxy_unreachable,omitempty"`
	APIRequests int64                   `json:"api_requests"`
	ErrorKind   string                  `json:"error_kind,omitempty"`
}

// Deps are what Run needs from outside: tests swap them.
type Deps = keymodule.Deps

// Main runs the module as Ansible invokes it.
func Main() { ansible.Main(Name, Run) }

// Run is the module's logic with the default dependencies.
func Run(ctx context.Context, m *ansible.Module, p *Params) (any, error) {
	return run(ctx, Deps{}, m, p)
}

// RunWith is the module's logic with these dependencies.
func RunWith(d Deps) ansible.RunFunc[Params] {
	return func(ctx context.Context, m *ansible.Module, p *Params) (any, error) { return run(ctx, d, m, p) }
}

func run(ctx context.Context, d Deps, m *ansible.Module, p *Params) (any, error) {
	in := resolve(p, m.KeyOrder("packages"))
	kp := p.keyParams(in)
	kp.AddSecrets(m)
	n := names{prefix: p.VariablePrefix}
	res := &Result{ErrorKind: virtualkey.ErrorValidation, Proxy: keymodule.ProxyOf(p.LitellmURL)}
	if msg := in.problems(n, p.State, p); msg != "" {
		return res, errors.New(msg)
	}
	if p.State == stateAbsent && p.ForceDBDelete {
		if err := tokendb.CheckURL(p.DatabaseURL); err != nil {
			return res, fmt.Errorf("%s: %w", n.of("database_url"), err)
		}
	}
	client, err := d.Client(Name, kp.Connection)
	if err != nil {
		return res, fmt.Errorf("%s: %w", n.of("litellm_url"), err)
	}
	if p.State == statePresent {
		return provision(ctx, d, m, p, kp, in, client, res)
	}
	return destroy(ctx, d, m, p, kp, in, client, res)
}

// records reports whether the result holds each key's record.
func (p *Params) records(m *ansible.Module) bool {
	if p.Records != nil {
		return *p.Records
	}
	return m.Verbosity() > 0
}

// keyParams are litellm_key's parameters for this lab: its connection and
// key settings (the keys themselves are the specs).
func (p *Params) keyParams(in *inputs) *keymodule.Params {
	return &keymodule.Params{
		Connection: keymodule.Connection{APIURL: p.LitellmURL, APIKey: p.LitellmMasterKey, ValidateCerts: p.VerifySSL,
			CAPath: p.CAPath, Timeout: max(in.timeout, 1), Retries: max(in.retries, 0), RetryDelay: max(in.retryDelay, 0)},
		Parallel: 8, State: p.State, ValidateModels: p.ValidateModels,
		KeyDerivation: "master_key", KeyDerivationSecret: p.KeyDerivationSecret, OnSecretUnknown: p.OnSecretUnknown,
		Update: true, Create: true, ForceDBDelete: p.ForceDBDelete, DatabaseURL: p.DatabaseURL,
	}
}

// runKeys runs the key engine over specs and records in res what every run
// reports: the requests sent, the changes, the totals, the error kind, the
// records (see records). out is nil when no key had an outcome (invalid input,
// a failed lookup); runErr is the engine's error.
func runKeys(ctx context.Context, d Deps, m *ansible.Module, p *Params, kp *keymodule.Params, client *litellm.Client,
	specs []virtualkey.Spec, res *Result) (out *virtualkey.Outcome, runErr error) {
	eng := d.Engine(m, kp, client)
	eng.DiffMode = false // the module has no diff mode: no diffs to compute and drop
	out, runErr = eng.Run(ctx, specs)
	res.APIRequests = client.Requests()
	if out == nil {
		res.ErrorKind = virtualkey.ErrorKind(runErr)
	} else {
		res.ErrorKind = out.FirstErrorKind()
		res.Changed, res.Totals = out.Changed, &out.Totals
		if p.records(m) {
			res.Keys = out.Keys
		}
	}
	res.Unreachable = res.ErrorKind == virtualkey.ErrorUnreachable
	return out, runErr
}

// aliasOf is user n's alias (n from 1) in a multi-user lab, else the lab's.
func (in *inputs) aliasOf(n int) string {
	if !in.multi {
		return in.alias
	}
	return in.alias + "-" + in.userName(n)
}

// aliases are every user's alias, in user order.
func (in *inputs) aliases() []string {
	out := make([]string, in.count)
	for i := range out {
		out[i] = in.aliasOf(i + 1)
	}
	return out
}

func (in *inputs) userName(n int) string { return in.userBase + strconv.Itoa(n) }

// headline is the first line of the report.
func (in *inputs) headline(summary string) string {
	return "LiteLLM virtual keys of " + in.guid + ": " + summary
}

// flatJSON is v as JSON text.
func flatJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil { // only maps of strings: cannot fail
		panic(err)
	}
	return string(b)
}

// deref is *s, or "" for nil.
func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// nullable is *s, or nil.
func nullable(s *string) any {
	if s == nil {
		return nil
	}
	return *s
}
