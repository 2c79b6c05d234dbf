package litellm

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"time"
)

// Defaults of a new Client.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultRetries      = 3
	DefaultRetryDelay   = 5 * time.Second
	DefaultMaxRetryWait = 60 * time.Second
	defaultUserAgent    = "rhpds.litellm_virtual_keys"

	maxBodyBytes  = 32 << 20 // a page of 100 full key objects is ~100 KiB
	maxErrorBytes = 64 << 10
)

// Client talks to one LiteLLM proxy with its master key. It is safe for
// concurrent use.
type Client struct {
	baseURL      *url.URL
	apiKey       string
	httpClient   *http.Client
	timeout      time.Duration
	retries      int
	retryDelay   time.Duration
	maxRetryWait time.Duration
	checkRetry   CheckRetry
	backoff      Backoff
	userAgent    string

	requests atomic.Int64
	accepted atomic.Bool // a request authenticated with the master key got a 2xx
}

// Option configures a Client in New.
type Option func(*Client) error

// WithAPIKey sets the master key sent as "Authorization: Bearer <key>".
func WithAPIKey(key string) Option {
	return func(c *Client) error { c.apiKey = key; return nil }
}

// WithHTTPClient replaces the HTTP client (its Timeout should be zero: the
// client bounds every attempt with its own deadline).
func WithHTTPClient(hc *http.Client) Option {
	return func(c *Client) error {
		if hc == nil {
			return errors.New("nil http client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithTimeout bounds every attempt (connect, send, read) with a deadline.
func WithTimeout(d time.Duration) Option {
	return func(c *Client) error {
		if d <= 0 {
			return fmt.Errorf("timeout must be positive, got %s", d)
		}
		c.timeout = d
		return nil
	}
}

// WithRetries sets how many times a failed attempt is retried (0 = never).
func WithRetries(n int) Option {
	return func(c *Client) error {
		if n < 0 {
			return fmt.Errorf("retries must not be negative, got %d", n)
		}
		c.retries = n
		return nil
	}
}

// WithRetryDelay sets the base of the exponential backoff and the ceiling of
// any single wait (including one asked for by Retry-After).
func WithRetryDelay(base, ceiling time.Duration) Option {
	return func(c *Client) error {
		if base < 0 || ceiling < 0 {
			return errors.New("retry delays must not be negative")
		}
		c.retryDelay, c.maxRetryWait = base, max(ceiling, base)
		return nil
	}
}

// WithRetryPolicy replaces the retry decision and the backoff; nil keeps the
// default of that part.
func WithRetryPolicy(check CheckRetry, backoff Backoff) Option {
	return func(c *Client) error {
		if check != nil {
			c.checkRetry = check
		}
		if backoff != nil {
			c.backoff = backoff
		}
		return nil
	}
}

// WithUserAgent sets the User-Agent header.
func WithUserAgent(ua string) Option {
	return func(c *Client) error { c.userAgent = ua; return nil }
}

// WithTLS builds the HTTP transport: certificate verification on or off, and
// extra trusted CAs from caPath (a PEM file or a directory of PEM files) added
// to the system pool. Proxies come from HTTP_PROXY/HTTPS_PROXY/NO_PROXY.
func WithTLS(validateCerts bool, caPath string) Option {
	return func(c *Client) error {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.Proxy = http.ProxyFromEnvironment
		cfg := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: !validateCerts} //nolint:gosec // the user's explicit choice
		if caPath != "" {
			pool, err := loadCAs(caPath)
			if err != nil {
				return err
			}
			cfg.RootCAs = pool
		}
		tr.TLSClientConfig = cfg
		c.httpClient = &http.Client{Transport: tr}
		return nil
	}
}

func loadCAs(path string) (*x509.CertPool, error) {
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("ca_path: %w", err)
	}
	files := []string{path}
	if fi.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("ca_path: %w", err)
		}
		files = files[:0]
		for _, e := range entries {
			if !e.IsDir() {
				files = append(files, filepath.Join(path, e.Name()))
			}
		}
	}
	added := 0
	for _, f := range files {
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("ca_path: %w", err)
		}
		if pool.AppendCertsFromPEM(pem) {
			added++
		}
	}
	if added == 0 {
		return nil, fmt.Errorf("ca_path %s holds no PEM certificate", path)
	}
	return pool, nil
}

// New returns a client for the proxy at baseURL. Trailing slashes and a
// trailing /v1 are removed, so "https://proxy/v1/" and "https://proxy" are the
// same; a path prefix ("https://host/litellm") is kept.
func New(baseURL string, opts ...Option) (*Client, error) {
	u, err := NormalizeURL(baseURL)
	if err != nil {
		return nil, err
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = http.ProxyFromEnvironment
	c := &Client{
		baseURL:      u,
		httpClient:   &http.Client{Transport: tr},
		timeout:      DefaultTimeout,
		retries:      DefaultRetries,
		retryDelay:   DefaultRetryDelay,
		maxRetryWait: DefaultMaxRetryWait,
		checkRetry:   DefaultCheckRetry,
		backoff:      DefaultBackoff,
		userAgent:    defaultUserAgent,
	}
	for _, o := range opts {
		if err := o(c); err != nil {
			return nil, err
		}
	}
	// Whatever HTTP client was given, redirects are never followed: the
	// master key and request bodies go to api_url's origin only.
	hc := *c.httpClient
	hc.CheckRedirect = refuseRedirect
	c.httpClient = &hc
	return c, nil
}

// RedirectError reports that the proxy answered a request with a redirect.
// The client never follows one: the Authorization header (the master key)
// and request bodies (new keys' secrets) must not reach another origin, and
// a POST must not be re-sent elsewhere.
type RedirectError struct {
	Status int    // the 3xx status
	Target string // where the answer pointed: scheme, host and path only
}

// Error names the target on one line.
func (e *RedirectError) Error() string {
	return fmt.Sprintf("api_url redirects to %s (HTTP %d): set api_url to the proxy's own address", e.Target, e.Status)
}

func refuseRedirect(req *http.Request, via []*http.Request) error {
	u := req.URL
	status := 0
	if req.Response != nil {
		status = req.Response.StatusCode
	}
	return &RedirectError{Status: status, Target: (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()}
}

// NormalizeURL parses a proxy base URL and strips trailing slashes and a
// trailing /v1. It accepts only absolute http(s) URLs without credentials,
// query or fragment (credentials would end up in every message that names
// the proxy, user-info mails included).
func NormalizeURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("invalid LiteLLM URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("invalid LiteLLM URL %q: want http(s)://host[:port][/path]", u.Redacted())
	}
	if u.User != nil {
		return nil, errors.New("invalid LiteLLM URL: it contains credentials (user:password@); give the master key as api_key and set api_url to scheme://host[:port][/path]")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("invalid LiteLLM URL %q: no query or fragment allowed", u.Redacted())
	}
	p := strings.TrimRight(u.Path, "/")
	if strings.HasSuffix(p, "/v1") {
		p = strings.TrimRight(strings.TrimSuffix(p, "/v1"), "/")
	}
	u.Path, u.RawPath = p, ""
	return u, nil
}

// BaseURL returns the normalised base URL (without /v1 or trailing slash).
func (c *Client) BaseURL() string { return c.baseURL.String() }

// Requests returns how many HTTP requests (attempts, retries included) the
// client has sent so far.
func (c *Client) Requests() int64 { return c.requests.Load() }

// Retries returns the configured number of retries.
func (c *Client) Retries() int { return c.retries }

// request is a prepared call: everything needed to send it again.
type request struct {
	method     string
	path       string
	query      url.Values
	body       []byte
	idempotent bool
	secrets    []string // scrubbed from error texts besides the master key
	// ambiguous, when set, is called after a non-idempotent attempt failed in
	// a way that may hide a processed request (see GenerateKeyResolving). It
	// returns stop=true (with err, or nil when the request turned out to be
	// done) or stop=false when the request certainly had no effect and may be
	// sent again under the retry policy.
	ambiguous func(ctx context.Context, cause error) (stop bool, err error)
}

// newRequest prepares a call to path (relative to the base URL) with an
// optional query and JSON body.
func (c *Client) newRequest(method, path string, query url.Values, body any) (*request, error) {
	r := &request{method: method, path: path, query: query, idempotent: method == http.MethodGet}
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("encode %s %s body: %w", method, path, err)
		}
		r.body = b
	}
	return r, nil
}

func (c *Client) endpoint(r *request) *url.URL {
	u := *c.baseURL
	u.Path = c.baseURL.Path + r.path
	u.RawQuery = r.query.Encode()
	return &u
}

// do sends r, retrying per the policy, and decodes a 2xx JSON body into v
// (when v is not nil; a 2xx without a JSON object is an *AnswerError).
// Non-idempotent requests are sent again only when the failed attempt
// certainly never reached the handler, or when r.ambiguous proved it had no
// effect.
func (c *Client) do(ctx context.Context, r *request, v any) error {
	u := c.endpoint(r)
	shown := (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	for attempt := 0; ; attempt++ {
		status, header, body, err := c.send(ctx, r, u)
		var resp *http.Response
		if err == nil {
			resp = &http.Response{StatusCode: status, Header: header}
			if status >= 200 && status < 300 {
				if c.apiKey != "" {
					c.accepted.Store(true)
				}
				if v == nil {
					return nil
				}
				return decodeAnswer(r, status, header, body, v)
			}
		}
		var re *RedirectError
		if errors.As(err, &re) {
			return re
		}
		retry, cerr := c.checkRetry(ctx, resp, err)
		if cerr != nil {
			if err == nil {
				err = cerr
			}
			retry = false
		}
		if retry && !r.idempotent && !notProcessed(resp, err) {
			retry = false
			if r.ambiguous != nil {
				stop, aerr := r.ambiguous(ctx, c.failure(r, shown, attempt+1, status, header, body, err))
				if stop {
					return aerr
				}
				retry = true // proven not done: sending again is safe
			}
		}
		if !retry || attempt >= c.retries {
			return c.failure(r, shown, attempt+1, status, header, body, err)
		}
		if werr := sleep(ctx, c.backoff(c.retryDelay, c.maxRetryWait, attempt, retryAfter(resp))); werr != nil {
			return &RequestError{Method: r.method, URL: shown, Attempts: attempt + 1, Err: werr}
		}
	}
}

// AnswerError is a 2xx answer that is not what the route promises: not JSON,
// or without a field the client relies on. Nothing is concluded from it.
type AnswerError struct {
	Method, Path string
	Status       int
	Problem      string // e.g. `has no "keys"`
}

// Error names the route and the problem on one line.
func (e *AnswerError) Error() string {
	return oneLine(fmt.Sprintf("%s %s: the HTTP %d answer %s", e.Method, e.Path, e.Status, e.Problem))
}

// decodeAnswer decodes a 2xx body into v, refusing empty bodies, non-JSON
// content (a login page, a router's page) and anything but a JSON object.
func decodeAnswer(r *request, status int, header http.Header, body []byte, v any) error {
	bad := func(format string, a ...any) error {
		return &AnswerError{Method: r.method, Path: r.path, Status: status, Problem: fmt.Sprintf(format, a...)}
	}
	t := bytes.TrimSpace(body)
	ct := header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err == nil {
		ct = mt
	}
	if len(t) == 0 || t[0] != '{' {
		if ct != "" && !strings.Contains(ct, "json") {
			return bad("is %s, not JSON: api_url does not look like a LiteLLM proxy (is it a login page or a router?)", ct)
		}
		if len(t) == 0 {
			return bad("is empty: the proxy confirmed nothing")
		}
		return bad("is not a JSON object: api_url does not look like a LiteLLM proxy")
	}
	if err := json.Unmarshal(t, v); err != nil {
		return bad("cannot be decoded (%v): api_url does not look like a LiteLLM proxy", err)
	}
	return nil
}

// send makes one attempt under its own deadline and returns the status,
// headers and (size-limited) body, or a transport error.
func (c *Client) send(ctx context.Context, r *request, u *url.URL) (int, http.Header, []byte, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
	}
	req, err := http.NewRequestWithContext(actx, r.method, u.String(), rd)
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.apiKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.apiKey)
	}
	req.Header.Set("User-Agent", c.userAgent)
	c.requests.Add(1)
	resp, err := c.httpClient.Do(req)
	if err != nil {
		return 0, nil, nil, unwrapURLError(err)
	}
	defer resp.Body.Close()
	limit := int64(maxBodyBytes)
	if resp.StatusCode >= 300 {
		limit = maxErrorBytes
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, resp.Header, body, nil
}

// unwrapURLError drops *url.Error's wrapper, whose text repeats the full URL
// (query included); RequestError names the URL itself.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

func (c *Client) failure(r *request, shown string, attempts, status int, header http.Header, body []byte, err error) error {
	secrets := append([]string{c.apiKey}, r.secrets...)
	if err != nil || status == 0 {
		if err == nil {
			err = errors.New("no answer")
		}
		msg := scrub(err.Error(), secrets...)
		if msg != err.Error() {
			err = errors.New(msg)
		}
		return &RequestError{Method: r.method, URL: shown, Attempts: attempts, Err: err}
	}
	ae := decodeError(r.method, r.path, status, []byte(scrub(string(body), secrets...)))
	ae.Message = scrub(ae.Message, secrets...)
	ae.Attempts = attempts
	ae.RetryAfter = retryAfter(&http.Response{StatusCode: status, Header: header})
	ae.keyAccepted = c.accepted.Load()
	return ae
}
