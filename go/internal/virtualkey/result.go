package virtualkey

import (
	"context"
	"errors"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/litellm"
)

// How a key was deleted (the result's deleted_via).
const (
	DeletedViaAPI      = "api"
	DeletedViaDatabase = "database"
)

// KeyResult is the outcome for one key: the module's result in single mode,
// one entry of `keys` in bulk mode.
type KeyResult struct {
	Changed           bool           `json:"changed"`
	Key               *string        `json:"key"` // the raw secret, when known
	KeyAlias          string         `json:"key_alias"`
	Token             *string        `json:"token"`
	Tokens            []string       `json:"tokens"` // every key with this alias (more than one = warning)
	KeyName           *string        `json:"key_name"`
	Expires           *string        `json:"expires"`
	Models            []string       `json:"models"`
	UserID            *string        `json:"user_id"`
	MaxBudget         *float64       `json:"max_budget"`
	SoftBudget        *float64       `json:"soft_budget"` // as the proxy echoed it on create or /key/info showed it; nil = unknown
	Spend             *float64       `json:"spend"`       // USD spent, as the proxy last reported it; nil = unknown or no key
	Metadata          map[string]any `json:"metadata"`
	Created           bool           `json:"created"`
	Updated           bool           `json:"updated"`
	Deleted           bool           `json:"deleted"`
	WasMissing        bool           `json:"was_missing"`
	DeletedVia        *string        `json:"deleted_via"`
	SecretRecoveredBy *string        `json:"secret_recovered_by"`
	DBStatements      []string       `json:"db_statements,omitempty"`
	Diff              *Diff          `json:"diff,omitempty"`
	Failed            bool           `json:"failed,omitempty"`
	Msg               string         `json:"msg,omitempty"`
	ErrorKind         string         `json:"error_kind,omitempty"` // one of the Error* kinds, when Failed
}

// Totals count the outcomes of a bulk run.
type Totals struct {
	Total     int `json:"total"`
	Created   int `json:"created"`
	Updated   int `json:"updated"`
	Deleted   int `json:"deleted"`
	Unchanged int `json:"unchanged"`
	Missing   int `json:"missing"`
	Failed    int `json:"failed"`
}

func totalsOf(rs []*KeyResult) Totals {
	t := Totals{Total: len(rs)}
	for _, r := range rs {
		switch {
		case r.Failed:
			t.Failed++
		case r.Created:
			t.Created++
		case r.Updated:
			t.Updated++
		case r.Deleted:
			t.Deleted++
		case r.WasMissing:
			t.Missing++
		default:
			t.Unchanged++
		}
	}
	return t
}

func ptr[T any](v T) *T { return &v }

func (r *KeyResult) fill(k *litellm.Key) {
	if k == nil {
		return
	}
	if k.Token != "" {
		r.Token = ptr(k.Token)
	}
	if k.KeyName != "" {
		r.KeyName = ptr(k.KeyName)
	}
	r.Expires = normalizeTime(k.Expires)
	r.Models = k.Models
	if r.Models == nil {
		r.Models = []string{}
	}
	r.UserID = k.UserID
	r.MaxBudget = k.MaxBudget
	if k.BudgetTable != nil {
		r.SoftBudget = k.BudgetTable.SoftBudget
	}
	r.Spend = k.Spend
	r.Metadata = k.Metadata
}

// normalizeTime renders LiteLLM's timestamps ("...Z", "...+00:00" or naive
// UTC) in one RFC 3339 form, so that results do not change between runs.
func normalizeTime(s *string) *string {
	if s == nil {
		return nil
	}
	if t, ok := litellm.ParseTime(*s); ok {
		return ptr(t.UTC().Format(time.RFC3339Nano))
	}
	return s
}

func tokensOf(keys []litellm.Key) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k.Token)
	}
	return out
}

// Error kinds, reported as the result's error_kind so that a playbook can
// react to a failure (for example go on with a destroy when the proxy is
// down) without parsing its message.
const (
	// ErrorValidation: invalid input, found before anything was written.
	ErrorValidation = "validation"
	// ErrorUnreachable: the proxy could not be reached (connection refused,
	// DNS, timeout, reset), or a gateway in front of it kept answering 502,
	// 503 or 504 — what an OpenShift route answers when the proxy's pods are
	// gone — after every retry.
	ErrorUnreachable = "unreachable"
	// ErrorTLS: the TLS handshake failed (certificate not trusted, wrong host).
	ErrorTLS = "tls"
	// ErrorAuth: the proxy rejected the master key.
	ErrorAuth = "auth"
	// ErrorAPI: any other error answer of the proxy, or a delete that did not take.
	ErrorAPI = "api"
	// ErrorDatabase: the PostgreSQL fallback failed.
	ErrorDatabase = "database"
)

// ErrorKind classifies an error of the engine as one of the Error* kinds
// ("" for nil).
func ErrorKind(err error) string {
	if err == nil {
		return ""
	}
	var (
		re *litellm.RequestError
		ae *litellm.APIError
	)
	switch {
	case isValidation(err):
		return ErrorValidation
	case errors.As(err, &re) && re.TLS():
		return ErrorTLS // no retries: a handshake does not get better
	case errors.As(err, &re):
		return ErrorUnreachable
	case errors.Is(err, litellm.ErrUnauthorized):
		return ErrorAuth
	case errors.As(err, &ae) && (ae.Status == 502 || ae.Status == 503 || ae.Status == 504):
		return ErrorUnreachable
	case errors.Is(err, context.DeadlineExceeded):
		return ErrorUnreachable
	}
	return ErrorAPI
}
