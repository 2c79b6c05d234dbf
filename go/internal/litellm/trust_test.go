package litellm

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sink is another origin: it records whether anything reached it.
type sink struct {
	srv  *httptest.Server
	hits atomic.Int32
	auth atomic.Value // last Authorization header seen
	body atomic.Value // last body seen
}

func newSink(t *testing.T, tlsServer bool) *sink {
	s := &sink{}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		s.auth.Store(r.Header.Get("Authorization"))
		b, _ := io.ReadAll(r.Body)
		s.body.Store(string(b))
		writeJSON(w, 404, map[string]string{"detail": "Not Found"})
	})
	if tlsServer {
		s.srv = httptest.NewTLSServer(h)
	} else {
		s.srv = httptest.NewServer(h)
	}
	t.Cleanup(s.srv.Close)
	return s
}

func TestRedirectsAreNeverFollowed(t *testing.T) {
	other := newSink(t, false)
	for _, status := range []int{301, 302, 303, 307, 308} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var target string
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target+r.URL.Path, status)
			})
			for _, tgt := range []string{other.srv.URL, strings.Replace(c.BaseURL(), "127.0.0.1", "localhost", 1)} {
				target = tgt
				before := other.hits.Load()
				secret := "sk-new-key-secret-0123456789"
				alias := "virtkey-redirect"
				_, err := c.GenerateKey(context.Background(), &GenerateKeyRequest{KeyAlias: &alias, Key: &secret})
				var re *RedirectError
				require.ErrorAs(t, err, &re)
				assert.Equal(t, status, re.Status)
				u, _ := url.Parse(tgt)
				assert.Equal(t, fmt.Sprintf("api_url redirects to %s://%s/key/generate (HTTP %d): set api_url to the proxy's own address", u.Scheme, u.Host, status), err.Error())
				_, err = c.ListKeys(context.Background(), nil)
				require.ErrorAs(t, err, &re)
				assert.Equal(t, before, other.hits.Load(), "nothing reached the other origin")
				assert.False(t, IsTransient(err), "a redirect is not retried")
			}
		})
	}
	assert.Zero(t, other.hits.Load())
}

// A redirect to http on the same host and port (a TLS-terminating proxy
// that bounces to plain HTTP) is refused too: the origin includes the scheme.
func TestRedirectToPlainHTTPIsRefused(t *testing.T) {
	plain := newSink(t, false)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, plain.srv.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	t.Cleanup(srv.Close)
	c, err := New(srv.URL, WithAPIKey(testMaster), WithHTTPClient(srv.Client()))
	require.NoError(t, err)
	_, err = c.DeleteKeys(context.Background(), []string{HashKey("sk-x")})
	var re *RedirectError
	require.ErrorAs(t, err, &re)
	assert.Contains(t, err.Error(), "api_url redirects to http://")
	assert.Zero(t, plain.hits.Load())
	assert.EqualValues(t, 1, c.Requests())
}

func TestCredentialsInTheURLAreRefused(t *testing.T) {
	for _, raw := range []string{"https://admin:pw-s3cret@proxy.example.com", "https://admin@proxy.example.com/v1", "http://:pw-s3cret@h:4000"} {
		_, err := New(raw, WithAPIKey(testMaster))
		require.Error(t, err, raw)
		assert.Contains(t, err.Error(), "credentials")
		assert.NotContains(t, err.Error(), "pw-s3cret")
		assert.NotContains(t, err.Error(), "admin")
		assert.NotContains(t, err.Error(), "\n")
	}
}

func TestTLSToAPlainHTTPPortIsATLSErrorNotRetried(t *testing.T) {
	var hits atomic.Int32
	plain := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		writeJSON(w, 200, map[string]any{"keys": []any{}})
	}))
	t.Cleanup(plain.Close)
	c, err := New(strings.Replace(plain.URL, "http://", "https://", 1), WithAPIKey(testMaster), WithRetries(3))
	require.NoError(t, err)
	_, err = c.ListKeys(context.Background(), nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.TLS())
	assert.True(t, re.NotTLS())
	assert.False(t, IsTransient(err))
	assert.Equal(t, 1, re.Attempts, "no retries")
	assert.Zero(t, hits.Load(), "no HTTP request reached the handler")
}

func TestOtherHandshakeFailuresAreTLSErrors(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	srv.TLS = &tls.Config{MinVersion: tls.VersionTLS13, MaxVersion: tls.VersionTLS13}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MaxVersion: tls.VersionTLS12, InsecureSkipVerify: true} //nolint:gosec // test
	c, err := New(srv.URL, WithAPIKey(testMaster), WithHTTPClient(&http.Client{Transport: tr}))
	require.NoError(t, err)
	_, err = c.ListKeys(context.Background(), nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.True(t, re.TLS(), err.Error())
	assert.False(t, re.Certificate(), "not a certificate problem")
	assert.Equal(t, 1, re.Attempts)
}

func TestTwoHundredsMustBeWhatTheyClaim(t *testing.T) {
	type call struct {
		name string
		do   func(c *Client) error
	}
	secret, alias := "sk-chosen-secret-0123456789", "virtkey-answers"
	calls := []call{
		{"POST /key/generate", func(c *Client) error {
			_, err := c.GenerateKey(context.Background(), &GenerateKeyRequest{KeyAlias: &alias, Key: &secret})
			return err
		}},
		{"GET /key/list", func(c *Client) error { _, err := c.ListKeys(context.Background(), nil); return err }},
		{"GET /key/info", func(c *Client) error { _, err := c.KeyInfo(context.Background(), HashKey(secret)); return err }},
		{"POST /key/delete", func(c *Client) error {
			_, err := c.DeleteKeys(context.Background(), []string{HashKey(secret)})
			return err
		}},
		{"POST /key/update", func(c *Client) error {
			_, err := c.UpdateKey(context.Background(), &UpdateKeyRequest{Key: HashKey(secret)})
			return err
		}},
		{"GET /model/info", func(c *Client) error { _, err := c.ModelInfo(context.Background()); return err }},
	}
	bodies := []struct {
		ct, body, want string
	}{
		{"application/json", `{}`, "the HTTP 200 answer has no"},
		{"application/json", ``, "the HTTP 200 answer is empty"},
		{"text/html; charset=utf-8", `<html><body>Sign in</body></html>`, "the HTTP 200 answer is text/html, not JSON: api_url does not look like a LiteLLM proxy"},
		{"application/json", `[1,2]`, "is not a JSON object"},
		{"application/json", `{"keys": 5, "info": 5, "data": 5, "key": 5, "deleted_keys": 5}`, "cannot be decoded"},
	}
	for _, cl := range calls {
		for _, b := range bodies {
			t.Run(cl.name+" "+b.body, func(t *testing.T) {
				var writes atomic.Int32
				c := setup(t, func(w http.ResponseWriter, r *http.Request) {
					if r.Method != http.MethodGet {
						writes.Add(1)
					}
					w.Header().Set("Content-Type", b.ct)
					_, _ = io.WriteString(w, b.body)
				})
				err := cl.do(c)
				var ae *AnswerError
				require.ErrorAs(t, err, &ae, "%v", err)
				assert.True(t, strings.HasPrefix(err.Error(), cl.name+": "), err.Error())
				assert.Contains(t, err.Error(), b.want)
				assert.NotErrorIs(t, err, ErrNotFound, "a 200 without the answer is never 'absent'")
				assert.LessOrEqual(t, writes.Load(), int32(1), "nothing further sent")
			})
		}
	}
}

func TestGeneratedKeyAnswerIsChecked(t *testing.T) {
	alias := "virtkey-gen"
	for name, tc := range map[string]struct {
		answer map[string]any
		want   string
	}{
		"no secret":         {map[string]any{"key_alias": alias, "token": HashKey("sk-a")}, `has no "key"`},
		"not a key":         {map[string]any{"key": "abc"}, "no sk- prefix"},
		"token mismatch":    {map[string]any{"key": "sk-aaaaaaaaaaaaaaaaaaaa", "token": HashKey("sk-b")}, "not the hash"},
		"token_id mismatch": {map[string]any{"key": "sk-aaaaaaaaaaaaaaaaaaaa", "token_id": HashKey("sk-b")}, "not the hash"},
		"other alias":       {map[string]any{"key": "sk-aaaaaaaaaaaaaaaaaaaa", "key_alias": "someone-else"}, `"key_alias" "someone-else"`},
	} {
		t.Run(name, func(t *testing.T) {
			c := setup(t, func(w http.ResponseWriter, r *http.Request) { writeJSON(w, 200, tc.answer) })
			_, err := c.GenerateKey(context.Background(), &GenerateKeyRequest{KeyAlias: &alias})
			var ae *AnswerError
			require.ErrorAs(t, err, &ae)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"key": "sk-aaaaaaaaaaaaaaaaaaaa", "key_alias": alias})
	})
	gk, err := c.GenerateKey(context.Background(), &GenerateKeyRequest{KeyAlias: &alias})
	require.NoError(t, err)
	assert.Equal(t, HashKey("sk-aaaaaaaaaaaaaaaaaaaa"), gk.Token, "a missing token is the hash of the key")
}

func TestForbiddenIsNotAWrongMasterKey(t *testing.T) {
	disabled := `{"error":{"message":"{'error': 'Custom API key values are disabled by your administrator. Keys must be auto-generated.'}","type":"internal_server_error","param":"None","code":"403"}}`
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/key/list":
			writeJSON(w, 200, map[string]any{"keys": []any{}})
		case "/key/generate":
			w.WriteHeader(403)
			_, _ = io.WriteString(w, disabled)
		default:
			writeJSON(w, 403, envelopeBody("not allowed", "auth_error", "None", "403"))
		}
	})
	// Before the master key was ever accepted, a 403 may well mean a wrong key.
	_, err := c.KeyInfo(context.Background(), HashKey("sk-x"))
	assert.ErrorIs(t, err, ErrUnauthorized)

	secret, alias := "sk-chosen-secret-0123456789", "a1"
	_, err = c.GenerateKey(context.Background(), &GenerateKeyRequest{KeyAlias: &alias, Key: &secret})
	assert.ErrorIs(t, err, ErrCustomKeysDisabled)
	assert.NotErrorIs(t, err, ErrUnauthorized, "custom keys disabled is never a wrong master key")
	assert.Contains(t, err.Error(), "Custom API key values are disabled by your administrator")

	_, err = c.ListKeys(context.Background(), nil)
	require.NoError(t, err)
	_, err = c.KeyInfo(context.Background(), HashKey("sk-x"))
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 403, ae.Status)
	assert.NotErrorIs(t, err, ErrUnauthorized, "the master key was just accepted: a 403 refuses this request only")
	_, err = c.GenerateKey(context.Background(), &GenerateKeyRequest{KeyAlias: &alias, Key: &secret})
	assert.NotErrorIs(t, err, ErrUnauthorized)
}

func TestPersonalKeyPolicy(t *testing.T) {
	for _, msg := range []string{
		"Personal key creation has been restricted by admin. Allowed roles=['proxy_admin_viewer']. Your role=proxy_admin",
		"Required param tags not in data",
	} {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 400, envelopeBody(fmt.Sprintf("{'error': '%s'}", msg), "internal_server_error", "None", "400"))
		})
		alias := "a1"
		_, err := c.GenerateKey(context.Background(), &GenerateKeyRequest{KeyAlias: &alias})
		assert.ErrorIs(t, err, ErrKeyPolicy)
		assert.NotErrorIs(t, err, ErrInvalidRequest)
		assert.NotErrorIs(t, err, ErrUnauthorized)
		assert.Contains(t, err.Error(), msg)
	}
}

// An ambiguous create is resolved by the caller's lookup; the client alone
// decides whether and when to send it again.
func TestGenerateKeyResolving(t *testing.T) {
	secret, alias := "sk-chosen-secret-0123456789", "a1"
	t.Run("proven absent: sent again under the policy", func(t *testing.T) {
		var n atomic.Int32
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			if n.Add(1) < 3 {
				w.Header().Set("Retry-After", "0")
				writeJSON(w, 503, envelopeBody("down", "x", "None", "503"))
				return
			}
			writeJSON(w, 200, map[string]any{"key": secret, "key_alias": alias})
		}, WithRetries(3))
		var causes []error
		gk, err := c.GenerateKeyResolving(context.Background(), &GenerateKeyRequest{KeyAlias: &alias, Key: &secret},
			func(_ context.Context, cause error) (*GeneratedKey, error) {
				causes = append(causes, cause)
				return nil, nil
			})
		require.NoError(t, err)
		assert.Equal(t, secret, gk.Secret)
		assert.Len(t, causes, 2)
		var ae *APIError
		require.ErrorAs(t, causes[0], &ae)
		assert.Equal(t, 503, ae.Status)
	})
	t.Run("found: not sent again", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 500, envelopeBody("after commit", "x", "None", "500"))
		})
		want := &GeneratedKey{Key: Key{Token: HashKey(secret)}, Secret: secret}
		gk, err := c.GenerateKeyResolving(context.Background(), &GenerateKeyRequest{KeyAlias: &alias, Key: &secret},
			func(context.Context, error) (*GeneratedKey, error) { return want, nil })
		require.NoError(t, err)
		assert.Same(t, want, gk)
		assert.EqualValues(t, 1, c.Requests())
	})
	t.Run("resolver error ends the create", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 502, envelopeBody("gw", "x", "None", "502"))
		})
		boom := errors.New("someone else's key")
		_, err := c.GenerateKeyResolving(context.Background(), &GenerateKeyRequest{KeyAlias: &alias, Key: &secret},
			func(context.Context, error) (*GeneratedKey, error) { return nil, boom })
		assert.ErrorIs(t, err, boom)
		assert.EqualValues(t, 1, c.Requests())
	})
	t.Run("retries exhausted: the last failure", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			writeJSON(w, 500, envelopeBody("down", "x", "None", "500"))
		}, WithRetries(2))
		calls := 0
		_, err := c.GenerateKeyResolving(context.Background(), &GenerateKeyRequest{KeyAlias: &alias, Key: &secret},
			func(context.Context, error) (*GeneratedKey, error) { calls++; return nil, nil })
		var ae *APIError
		require.ErrorAs(t, err, &ae)
		assert.Equal(t, 3, ae.Attempts)
		assert.Equal(t, 3, calls, "every ambiguous attempt was resolved, the last one too")
	})
}
