package litellm

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors matched with errors.Is against the errors the client returns.
var (
	// ErrNotFound reports that the key (or endpoint) does not exist: a 404, or
	// the 401/500 "invalid user key ... does not exist in db" of older releases.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized reports that the proxy rejected the master key: a 401,
	// or a 403 before the key was ever accepted. A 403 after the master key
	// was accepted is a refusal of that one request, not a wrong key.
	ErrUnauthorized = errors.New("master key rejected")
	// ErrCustomKeysDisabled reports the 403 of a proxy whose admin turned on
	// disable_custom_api_keys: /key/generate must not carry `key`.
	ErrCustomKeysDisabled = errors.New("custom key values are disabled on the proxy")
	// ErrKeyPolicy reports the 400 of the proxy's key-generation policy
	// (key_generation_settings.personal_key_generation: allowed_user_roles,
	// required_params), which applies even to the master key.
	ErrKeyPolicy = errors.New("refused by the proxy's key generation policy")
	// ErrAliasExists reports LiteLLM's duplicate-alias 400 on /key/generate.
	ErrAliasExists = errors.New("key alias already exists")
	// ErrInvalidRequest reports a request the proxy refused as malformed: a
	// 400 other than the cases above, or FastAPI's 422 validation answer.
	ErrInvalidRequest = errors.New("invalid request")
)

// ValidationDetail is one entry of FastAPI's 422 answer
// ({"detail": [{"type", "loc", "msg", "input"}]}).
type ValidationDetail struct {
	Type string `json:"type"`
	Loc  []any  `json:"loc"`
	Msg  string `json:"msg"`
}

// APIError is a non-2xx answer of the proxy, decoded from LiteLLM's error
// envelope ({"error": {"message", "type", "param", "code"}}), FastAPI's 422
// detail list or a plain {"detail": "..."}; Message is scrubbed of the master
// key and of any secret the request carried.
type APIError struct {
	Method   string             // HTTP method of the request
	Path     string             // URL path of the request, without the query
	Status   int                // HTTP status code
	Type     string             // error.type, e.g. "bad_request_error"
	Message  string             // error.message, with Python-repr dicts unwrapped
	Param    string             // error.param; "" when "None" or null
	Code     string             // error.code (a string in LiteLLM, e.g. "400")
	Details  []ValidationDetail // FastAPI 422 details, if any
	Attempts int                // attempts made before giving up
	// RetryAfter is the wait the proxy asked for with Retry-After (429/503),
	// 0 when it asked none.
	RetryAfter time.Duration

	keyAccepted bool // the master key had been accepted before this answer
}

// Error returns one line: method, path, status, type and message.
func (e *APIError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: HTTP %d", e.Method, e.Path, e.Status)
	if e.Type != "" {
		fmt.Fprintf(&b, " %s", e.Type)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " (after %d attempts)", e.Attempts)
	}
	return oneLine(b.String())
}

// Is lets errors.Is match the sentinel errors from the status, type, param
// and message LiteLLM sent.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.notFound()
	case ErrUnauthorized:
		if e.notFound() || e.customKeysDisabled() {
			return false
		}
		return e.Status == http.StatusUnauthorized || (e.Status == http.StatusForbidden && !e.keyAccepted)
	case ErrAliasExists:
		return e.aliasExists()
	case ErrCustomKeysDisabled:
		return e.customKeysDisabled()
	case ErrKeyPolicy:
		return e.keyPolicy()
	case ErrInvalidRequest:
		if e.Status == http.StatusUnprocessableEntity {
			return true
		}
		return e.Status == http.StatusBadRequest && !e.aliasExists() && !e.notFound() && !e.keyPolicy()
	}
	return false
}

// customKeysDisabled recognises the answer of disable_custom_api_keys
// ("Custom API key values are disabled by your administrator. Keys must be
// auto-generated."), a 403 even for the master key.
func (e *APIError) customKeysDisabled() bool {
	if e.Status != http.StatusForbidden && e.Status != http.StatusBadRequest {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "custom api key") && strings.Contains(m, "disabled")
}

// keyPolicy recognises the personal-key policy's 400s: "Personal key creation
// has been restricted by admin. Allowed roles=[...]" and "Required param X
// not in data".
func (e *APIError) keyPolicy() bool {
	if e.Status != http.StatusBadRequest || e.Path != "/key/generate" {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "key creation has been restricted") || (strings.HasPrefix(m, "required param ") && strings.HasSuffix(m, " not in data"))
}

// notFound recognises LiteLLM's ways of saying a key does not exist. Older
// releases answer 401 (or 500 after re-wrapping) with "invalid user key - user
// key does not exist in db" instead of 404: this is the protocol's wording,
// parsed here once so that callers only ever test errors.Is(err, ErrNotFound).
func (e *APIError) notFound() bool {
	if e.Status == http.StatusNotFound {
		return true
	}
	if e.Status == http.StatusUnauthorized || e.Status == http.StatusInternalServerError || e.Status == http.StatusBadRequest {
		m := strings.ToLower(e.Message)
		return strings.Contains(m, "does not exist in db") || strings.Contains(m, "invalid user key")
	}
	return false
}

func (e *APIError) aliasExists() bool {
	if e.Status != http.StatusBadRequest {
		return false
	}
	m := strings.ToLower(e.Message)
	return strings.Contains(m, "already exists") && (e.Param == "key_alias" || strings.Contains(m, "alias"))
}

// Temporary reports whether the status is one the retry policy treats as
// transient (429, 500, 502, 503, 504).
func (e *APIError) Temporary() bool { return retryableStatus(e.Status) }

// RequestError is a request that got no HTTP answer: the proxy was
// unreachable, the connection was reset, TLS verification failed or the
// per-request deadline passed.
type RequestError struct {
	Method   string
	URL      string // scheme, host and path of the request (no query, no userinfo)
	Attempts int
	Err      error
}

// Error names the URL, the cause and the number of attempts on one line.
func (e *RequestError) Error() string {
	s := fmt.Sprintf("%s %s: %v", e.Method, e.URL, e.Err)
	if e.Attempts > 1 {
		s += fmt.Sprintf(" (after %d attempts)", e.Attempts)
	}
	return oneLine(s)
}

// Unwrap returns the transport error.
func (e *RequestError) Unwrap() error { return e.Err }

// TLS reports whether the failure is a TLS failure: certificate
// verification, or a handshake that could not happen (a plain-HTTP port, a
// protocol or cipher mismatch, an alert from the server). Retrying does not
// help with any of them.
func (e *RequestError) TLS() bool { return isTLSError(e.Err) }

// Certificate reports whether the failure is a certificate the client does
// not trust (unknown authority, wrong host name, expired...).
func (e *RequestError) Certificate() bool { return isCertificateError(e.Err) }

func isCertificateError(err error) bool {
	var (
		cve *tls.CertificateVerificationError
		ua  x509.UnknownAuthorityError
		he  x509.HostnameError
		ci  x509.CertificateInvalidError
	)
	return errors.As(err, &cve) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

// NotTLS reports whether the server answered the TLS handshake with
// something else than TLS (typically plain HTTP on that port).
func (e *RequestError) NotTLS() bool {
	var rh tls.RecordHeaderError
	return errors.As(e.Err, &rh) || (e.Err != nil && strings.Contains(e.Err.Error(), plainHTTPAnswer))
}

// plainHTTPAnswer is net/http's text for a TLS handshake answered in plain
// HTTP (it replaces crypto/tls's RecordHeaderError).
const plainHTTPAnswer = "server gave HTTP response to HTTPS client"

func isTLSError(err error) bool {
	var (
		rh tls.RecordHeaderError
		al tls.AlertError
	)
	if isCertificateError(err) || errors.As(err, &rh) || errors.As(err, &al) {
		return true
	}
	// Other handshake failures are plain errors from crypto/tls, all worded
	// "tls: ..." ("tls: server selected unsupported protocol version").
	return err != nil && (strings.Contains(err.Error(), "tls: ") || strings.Contains(err.Error(), plainHTTPAnswer))
}

// IsTransient reports whether err is a failure that may succeed when tried
// again: a transport error other than TLS verification, or a 429/5xx answer.
func IsTransient(err error) bool {
	var re *RequestError
	if errors.As(err, &re) {
		return !re.TLS()
	}
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.Temporary() && !ae.notFound()
	}
	return false
}

// envelope is LiteLLM's error body; FastAPI's own errors use detail instead.
type envelope struct {
	Error *struct {
		Message json.RawMessage `json:"message"`
		Type    string          `json:"type"`
		Param   json.RawMessage `json:"param"`
		Code    json.RawMessage `json:"code"`
	} `json:"error"`
	Detail json.RawMessage `json:"detail"`
}

// decodeError builds an *APIError from a non-2xx body (already size-limited
// and scrubbed of secrets).
func decodeError(method, path string, status int, body []byte) *APIError {
	e := &APIError{Method: method, Path: path, Status: status}
	var env envelope
	if err := json.Unmarshal(body, &env); err == nil {
		switch {
		case env.Error != nil:
			e.Message = pyDictError(rawText(env.Error.Message))
			e.Type = env.Error.Type
			e.Param = rawText(env.Error.Param)
			if e.Param == "None" {
				e.Param = ""
			}
			e.Code = rawText(env.Error.Code)
			return e
		case len(env.Detail) > 0:
			var list []ValidationDetail
			if json.Unmarshal(env.Detail, &list) == nil && len(list) > 0 {
				e.Details = list
				e.Type = "validation_error"
				parts := make([]string, 0, len(list))
				for _, d := range list {
					parts = append(parts, d.String())
				}
				e.Message = strings.Join(parts, "; ")
				return e
			}
			e.Message = pyDictError(rawText(env.Detail))
			return e
		}
	}
	e.Message = strings.TrimSpace(string(body))
	if len(e.Message) > 300 {
		e.Message = e.Message[:300] + "..."
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// String renders a 422 detail as "body.models: Input should be a valid list".
func (d ValidationDetail) String() string {
	loc := make([]string, 0, len(d.Loc))
	for _, l := range d.Loc {
		loc = append(loc, fmt.Sprint(l))
	}
	if len(loc) == 0 {
		return d.Msg
	}
	return strings.Join(loc, ".") + ": " + d.Msg
}

// rawText renders a JSON scalar as text: strings unquoted, null as "",
// anything else as its JSON text.
func rawText(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj map[string]any
	if json.Unmarshal(raw, &obj) == nil {
		if v, ok := obj["error"].(string); ok && len(obj) == 1 {
			return v
		}
	}
	return string(raw)
}

// pyDictError unwraps the Python repr of a one-entry dict such as
// "{'error': 'No keys found'}", which LiteLLM puts in error.message when a
// handler raised an HTTPException with a dict detail. Other text is returned
// unchanged.
func pyDictError(s string) string {
	t := strings.TrimSpace(s)
	if !strings.HasPrefix(t, "{") || !strings.HasSuffix(t, "}") {
		return s
	}
	t = strings.TrimSpace(t[1 : len(t)-1])
	key, rest, ok := pyString(t)
	if !ok {
		return s
	}
	rest = strings.TrimSpace(rest)
	if !strings.HasPrefix(rest, ":") {
		return s
	}
	val, rest, ok := pyString(strings.TrimSpace(rest[1:]))
	if !ok || strings.TrimSpace(rest) != "" {
		return s
	}
	if key == "error" || key == "message" || key == "detail" {
		return val
	}
	return key + ": " + val
}

// pyString reads one Python string literal ('...' or "...") from the start of
// s, returning its value and the text after it.
func pyString(s string) (string, string, bool) {
	if len(s) < 2 || (s[0] != '\'' && s[0] != '"') {
		return "", "", false
	}
	q := s[0]
	var b strings.Builder
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			i++
			switch s[i] {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			default:
				b.WriteByte(s[i])
			}
		case c == q:
			return b.String(), s[i+1:], true
		default:
			b.WriteByte(c)
		}
	}
	return "", "", false
}

// oneLine collapses line breaks so that an error stays one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(strings.NewReplacer("\r", " ", "\n", " ").Replace(s)), " ")
}

// scrub replaces every occurrence of each non-empty secret in s.
func scrub(s string, secrets ...string) string {
	for _, sec := range secrets {
		if len(sec) >= 4 && strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, "********")
		}
	}
	return s
}
