package litellm

import (
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const testMaster = "sk-master-0123456789"

// setup starts handler as a fake proxy and returns a client for it with fast
// retries.
func setup(t *testing.T, handler http.HandlerFunc, opts ...Option) *Client {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	base := []Option{WithAPIKey(testMaster), WithRetryDelay(time.Millisecond, 5*time.Millisecond), WithTimeout(5 * time.Second)}
	c, err := New(srv.URL+"/v1/", append(base, opts...)...)
	require.NoError(t, err)
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func envelopeBody(msg, typ string, param any, code string) map[string]any {
	return map[string]any{"error": map[string]any{"message": msg, "type": typ, "param": param, "code": code}}
}

func TestNormalizeURL(t *testing.T) {
	tests := []struct {
		in, want string
		wantErr  bool
	}{
		{in: "https://proxy.example.com", want: "https://proxy.example.com"},
		{in: "https://proxy.example.com/", want: "https://proxy.example.com"},
		{in: "https://proxy.example.com///", want: "https://proxy.example.com"},
		{in: "https://proxy.example.com/v1", want: "https://proxy.example.com"},
		{in: "https://proxy.example.com/v1/", want: "https://proxy.example.com"},
		{in: " http://h:4000/litellm/v1// ", want: "http://h:4000/litellm"},
		{in: "https://h/v1x", want: "https://h/v1x"},
		{in: "ftp://h", wantErr: true},
		{in: "proxy.example.com", wantErr: true},
		{in: "https://h/?a=b", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := NormalizeURL(tt.in)
			if tt.wantErr {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, u.String())
		})
	}
}

func TestRequestShapeAndAuth(t *testing.T) {
	var got *http.Request
	var body []byte
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		got = r
		body, _ = io.ReadAll(r.Body)
		writeJSON(w, 200, map[string]any{"key": "sk-new", "token": HashKey("sk-new"), "key_alias": "a1", "expires": nil})
	})
	alias := "a1"
	gk, err := c.GenerateKey(context.Background(), &GenerateKeyRequest{KeyAlias: &alias, Models: []string{"m"}})
	require.NoError(t, err)
	assert.Equal(t, "sk-new", gk.Secret)
	assert.Equal(t, HashKey("sk-new"), gk.Token)
	assert.Equal(t, http.MethodPost, got.Method)
	assert.Equal(t, "/key/generate", got.URL.Path, "the /v1 suffix of the base URL is dropped")
	assert.Equal(t, "Bearer "+testMaster, got.Header.Get("Authorization"))
	assert.Equal(t, "application/json", got.Header.Get("Content-Type"))
	assert.JSONEq(t, `{"key_alias":"a1","models":["m"]}`, string(body), "unset fields are not sent")
	assert.EqualValues(t, 1, c.Requests())
}

func TestGenerateKeyRefusesEmptyAlias(t *testing.T) {
	c := setup(t, func(w http.ResponseWriter, r *http.Request) { t.Error("no request expected") })
	empty := ""
	_, err := c.GenerateKey(context.Background(), &GenerateKeyRequest{KeyAlias: &empty})
	require.Error(t, err)
	assert.EqualValues(t, 0, c.Requests())
}

func TestRawKeysNeverInURLs(t *testing.T) {
	c := setup(t, func(w http.ResponseWriter, r *http.Request) { t.Error("no request expected") })
	_, err := c.KeyInfo(context.Background(), "sk-raw-secret")
	require.Error(t, err)
	_, err = c.KeyInfo(context.Background(), "")
	require.Error(t, err, "an empty key would describe the master key")
	_, err = c.DeleteKeys(context.Background(), []string{"sk-raw-secret"})
	require.Error(t, err)
	_, err = c.UpdateKey(context.Background(), &UpdateKeyRequest{Key: "sk-raw-secret"})
	require.Error(t, err)
	assert.EqualValues(t, 0, c.Requests())
}

func TestErrorDecoding(t *testing.T) {
	tests := []struct {
		name      string
		status    int
		body      string
		wantMsg   string
		wantType  string
		wantParam string
		is        []error
		isNot     []error
	}{
		{
			name: "envelope with param None", status: 400,
			body:    `{"error":{"message":"Key with alias 'a' already exists. Unique key aliases across all keys are required.","type":"bad_request_error","param":"key_alias","code":"400"}}`,
			wantMsg: "Key with alias 'a' already exists. Unique key aliases across all keys are required.", wantType: "bad_request_error", wantParam: "key_alias",
			is: []error{ErrAliasExists}, isNot: []error{ErrNotFound, ErrInvalidRequest, ErrUnauthorized},
		},
		{
			name: "python repr dict message", status: 404,
			body:    `{"error":{"message":"{'error': 'No keys found'}","type":"internal_server_error","param":"None","code":"404"}}`,
			wantMsg: "No keys found", wantType: "internal_server_error",
			is: []error{ErrNotFound}, isNot: []error{ErrUnauthorized},
		},
		{
			name: "param null", status: 404,
			body:    `{"error":{"message":"Key not found in database","type":"not_found_error","param":null,"code":"404"}}`,
			wantMsg: "Key not found in database", wantType: "not_found_error", is: []error{ErrNotFound},
		},
		{
			name: "legacy 401 invalid user key", status: 401,
			body:    `{"error":{"message":"Authentication Error: invalid user key - user key does not exist in db. User Key=abc","type":"internal_server_error","param":"None","code":"401"}}`,
			wantMsg: "Authentication Error: invalid user key - user key does not exist in db. User Key=abc", wantType: "internal_server_error",
			is: []error{ErrNotFound}, isNot: []error{ErrUnauthorized},
		},
		{
			name: "master key rejected", status: 401,
			body:    `{"error":{"message":"Authentication Error, Invalid proxy server token passed.","type":"token_not_found_in_db","param":"key","code":"401"}}`,
			wantMsg: "Authentication Error, Invalid proxy server token passed.", wantType: "token_not_found_in_db", wantParam: "key",
			is: []error{ErrUnauthorized}, isNot: []error{ErrNotFound},
		},
		{
			name: "fastapi 422", status: 422,
			body:    `{"detail":[{"type":"list_type","loc":["body","models"],"msg":"Input should be a valid list","input":"x"}]}`,
			wantMsg: "body.models: Input should be a valid list", wantType: "validation_error",
			is: []error{ErrInvalidRequest},
		},
		{
			name: "plain detail", status: 404, body: `{"detail":"Not Found"}`, wantMsg: "Not Found", is: []error{ErrNotFound},
		},
		{
			name: "html from a load balancer", status: 502, body: "<html>\n<body>Bad Gateway</body>\n</html>",
			wantMsg: "<html>\n<body>Bad Gateway</body>\n</html>",
		},
		{
			name: "code as number", status: 400,
			body:    `{"error":{"message":"max_budget cannot be negative. Received: -1.0","type":"bad_request_error","param":"None","code":400}}`,
			wantMsg: "max_budget cannot be negative. Received: -1.0", wantType: "bad_request_error", is: []error{ErrInvalidRequest},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}, WithRetries(0))
			_, err := c.ListKeys(context.Background(), nil)
			var ae *APIError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.status, ae.Status)
			assert.Equal(t, tt.wantMsg, ae.Message)
			assert.Equal(t, tt.wantType, ae.Type)
			assert.Equal(t, tt.wantParam, ae.Param)
			assert.NotContains(t, err.Error(), "\n", "errors are one line")
			for _, target := range tt.is {
				assert.ErrorIs(t, err, target)
			}
			for _, target := range tt.isNot {
				assert.NotErrorIs(t, err, target)
			}
		})
	}
}

func TestErrorsAreScrubbedOfSecrets(t *testing.T) {
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var req map[string]any
		_ = json.Unmarshal(b, &req)
		writeJSON(w, 400, envelopeBody(fmt.Sprintf("bad key %v sent with %s", req["key"], r.Header.Get("Authorization")), "bad_request_error", "None", "400"))
	}, WithRetries(0))
	secret := "sk-caller-secret-123"
	_, err := c.GenerateKey(context.Background(), &GenerateKeyRequest{Key: &secret})
	require.Error(t, err)
	assert.NotContains(t, err.Error(), testMaster)
	assert.NotContains(t, err.Error(), secret)
	assert.Contains(t, err.Error(), "********")
}

func TestRetriesIdempotentCalls(t *testing.T) {
	for _, status := range []int{429, 500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			var n atomic.Int32
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) <= 2 {
					writeJSON(w, status, envelopeBody("transient", "x", "None", fmt.Sprint(status)))
					return
				}
				writeJSON(w, 200, map[string]any{"keys": []any{}, "total_count": 0, "current_page": 1, "total_pages": 0})
			})
			_, err := c.ListKeys(context.Background(), nil)
			require.NoError(t, err)
			assert.EqualValues(t, 3, c.Requests())
		})
	}
}

func TestRetriesGiveUpAfterRetries(t *testing.T) {
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 503, envelopeBody("down", "x", "None", "503"))
	}, WithRetries(2))
	_, err := c.ListKeys(context.Background(), nil)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, 3, ae.Attempts)
	assert.Contains(t, err.Error(), "after 3 attempts")
	assert.True(t, IsTransient(err))
	assert.EqualValues(t, 3, c.Requests())
}

func TestNoRetryOnClientErrors(t *testing.T) {
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, envelopeBody("bad", "bad_request_error", "None", "400"))
	})
	_, err := c.ListKeys(context.Background(), nil)
	require.Error(t, err)
	assert.EqualValues(t, 1, c.Requests())
}

func TestGenerateKeyIsNotBlindlyRetried(t *testing.T) {
	for _, status := range []int{500, 502, 503, 504} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				writeJSON(w, status, envelopeBody("boom", "internal_server_error", "None", fmt.Sprint(status)))
			})
			_, err := c.GenerateKey(context.Background(), &GenerateKeyRequest{})
			require.Error(t, err)
			assert.True(t, IsTransient(err), "the caller resolves it by looking the alias up")
			assert.EqualValues(t, 1, c.Requests())
		})
	}
}

func TestGenerateKeyRetries429(t *testing.T) {
	var n atomic.Int32
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			writeJSON(w, 429, envelopeBody("slow down", "rate_limit_error", "None", "429"))
			return
		}
		writeJSON(w, 200, map[string]any{"key": "sk-x", "token": HashKey("sk-x")})
	})
	_, err := c.GenerateKey(context.Background(), &GenerateKeyRequest{})
	require.NoError(t, err)
	assert.EqualValues(t, 2, c.Requests())
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var n atomic.Int32
	var waits []time.Duration
	// Record what the default policy decides instead of sleeping it: the
	// test checks the decision, not the wall clock.
	record := func(base, ceiling time.Duration, attempt int, retryAfter time.Duration) time.Duration {
		waits = append(waits, DefaultBackoff(base, ceiling, attempt, retryAfter))
		return 0
	}
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "7")
			writeJSON(w, 429, envelopeBody("slow down", "rate_limit_error", "None", "429"))
			return
		}
		writeJSON(w, 200, map[string]any{"keys": []any{}})
	}, WithRetryDelay(time.Millisecond, 30*time.Second), WithRetryPolicy(nil, record))
	_, err := c.ListKeys(context.Background(), nil)
	require.NoError(t, err)
	assert.Equal(t, int32(2), n.Load(), "retried once after the 429")
	assert.Equal(t, []time.Duration{7 * time.Second}, waits, "waited what Retry-After asked, not the 1 ms base")
}

func TestBackoffWaitsOnContext(t *testing.T) {
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 503, envelopeBody("down", "x", "None", "503"))
	}, WithRetryDelay(time.Hour, time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.ListKeys(ctx, nil)
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.Less(t, time.Since(start), 5*time.Second)
}

func TestDefaultBackoff(t *testing.T) {
	for attempt := 0; attempt < 6; attempt++ {
		d := DefaultBackoff(100*time.Millisecond, time.Second, attempt, 0)
		full := min(100*time.Millisecond<<attempt, time.Second)
		assert.GreaterOrEqual(t, d, full/2, "attempt %d", attempt)
		assert.LessOrEqual(t, d, full, "attempt %d", attempt)
	}
	resp := &http.Response{StatusCode: 503, Header: http.Header{"Retry-After": {"7"}}}
	assert.Equal(t, 7*time.Second, DefaultBackoff(time.Millisecond, time.Minute, 0, retryAfter(resp)))
	assert.Equal(t, 2*time.Second, DefaultBackoff(time.Millisecond, 2*time.Second, 0, retryAfter(resp)), "capped")
	date := &http.Response{StatusCode: 429, Header: http.Header{"Retry-After": {time.Now().Add(3 * time.Second).UTC().Format(http.TimeFormat)}}}
	d := DefaultBackoff(time.Millisecond, time.Minute, 0, retryAfter(date))
	assert.Greater(t, d, time.Second)
	assert.LessOrEqual(t, d, 3*time.Second)
	assert.Zero(t, retryAfter(&http.Response{StatusCode: 500, Header: http.Header{"Retry-After": {"7"}}}), "only 429 and 503 ask for a wait")
}

func TestPerRequestTimeout(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, WithTimeout(50*time.Millisecond), WithRetries(1))
	_, err := c.ListKeys(context.Background(), nil)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 2, re.Attempts)
	assert.ErrorIs(t, err, context.DeadlineExceeded)
}

func TestUnreachableProxy(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close())
	c, err := New("http://"+addr, WithAPIKey(testMaster), WithRetryDelay(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	alias := "a"
	_, err = c.GenerateKey(context.Background(), &GenerateKeyRequest{KeyAlias: &alias})
	var re *RequestError
	require.ErrorAs(t, err, &re)
	assert.Equal(t, 4, re.Attempts, "a refused connection never reached the proxy: even generate is retried")
	assert.Contains(t, err.Error(), "http://"+addr+"/key/generate")
	assert.Contains(t, err.Error(), "after 4 attempts")
	assert.False(t, re.TLS())
	assert.True(t, IsTransient(err))
}

func TestConnectionResetIsRetriedForIdempotentCalls(t *testing.T) {
	var n atomic.Int32
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			conn, _, err := http.NewResponseController(w).Hijack()
			require.NoError(t, err)
			if tc, ok := conn.(*net.TCPConn); ok {
				_ = tc.SetLinger(0)
			}
			_ = conn.Close()
			return
		}
		writeJSON(w, 200, map[string]any{"keys": []any{}})
	})
	_, err := c.ListKeys(context.Background(), nil)
	require.NoError(t, err)
	assert.EqualValues(t, 2, c.Requests())
}

func listPage(keys []Key, page, size int, full bool) map[string]any {
	total := len(keys)
	start := min((page-1)*size, total)
	end := min(start+size, total)
	items := []any{}
	for _, k := range keys[start:end] {
		if full {
			items = append(items, k)
		} else {
			items = append(items, k.Token)
		}
	}
	return map[string]any{"keys": items, "total_count": total, "current_page": page, "total_pages": (total + size - 1) / size}
}

func keyN(alias string, i int) Key {
	a := alias
	return Key{Token: HashKey(fmt.Sprintf("sk-%s-%d", alias, i)), KeyAlias: &a}
}

func TestFindByAlias(t *testing.T) {
	// 250 unrelated keys newer than the target, plus near-miss aliases.
	var all []Key
	for i := 0; i < 250; i++ {
		all = append(all, keyN(fmt.Sprintf("other-%d", i), i))
	}
	all = append(all, keyN("virtkey-abc-extra", 0), keyN("VIRTKEY-ABC", 0), keyN("virtkey-abc", 1))
	tests := []struct {
		name      string
		filter    func(alias string) []Key // what the proxy's filter returns
		full      bool
		wantCalls int64
	}{
		{name: "exact filter", full: true, wantCalls: 1, filter: func(a string) []Key {
			var out []Key
			for _, k := range all {
				if k.Alias() == a {
					out = append(out, k)
				}
			}
			return out
		}},
		{name: "substring filter", full: true, wantCalls: 1, filter: func(a string) []Key {
			var out []Key
			for _, k := range all {
				if strings.Contains(strings.ToLower(k.Alias()), strings.ToLower(a)) {
					out = append(out, k)
				}
			}
			return out
		}},
		{name: "filter ignored", full: true, wantCalls: 3, filter: func(string) []Key { return all }},
		{name: "hashes only", full: false, wantCalls: 3 + int64(len(all)), filter: func(string) []Key { return all }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			byToken := map[string]Key{}
			for _, k := range all {
				byToken[k.Token] = k
			}
			c := setup(t, func(w http.ResponseWriter, r *http.Request) {
				q := r.URL.Query()
				switch r.URL.Path {
				case "/key/list":
					assert.Equal(t, "100", q.Get("size"))
					assert.Equal(t, "true", q.Get("return_full_object"))
					var page int
					_, _ = fmt.Sscan(q.Get("page"), &page)
					writeJSON(w, 200, listPage(tt.filter(q.Get("key_alias")), page, 100, tt.full))
				case "/key/info":
					k := byToken[q.Get("key")]
					writeJSON(w, 200, map[string]any{"key": q.Get("key"), "info": map[string]any{"key_alias": k.KeyAlias}})
				}
			})
			keys, err := c.FindByAlias(context.Background(), "virtkey-abc")
			require.NoError(t, err)
			require.Len(t, keys, 1)
			assert.Equal(t, HashKey("sk-virtkey-abc-1"), keys[0].Token)
			assert.Equal(t, tt.wantCalls, c.Requests())
		})
	}
}

func TestEachKeyStopsWhenPageIsIgnored(t *testing.T) {
	var keys []Key
	for i := 0; i < 100; i++ {
		keys = append(keys, keyN("k", i))
	}
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		// A very old proxy: no totals, `page` ignored.
		writeJSON(w, 200, map[string]any{"keys": keys})
	})
	n := 0
	require.NoError(t, c.EachKey(context.Background(), ListKeysOptions{}, func(Key) bool { n++; return true }))
	assert.Equal(t, 100, n)
	assert.EqualValues(t, 2, c.Requests())
}

func TestScanKeysBudget(t *testing.T) {
	var keys []Key
	for i := 0; i < 450; i++ {
		keys = append(keys, keyN("k", i))
	}
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		var page int
		_, _ = fmt.Sscan(r.URL.Query().Get("page"), &page)
		writeJSON(w, 200, listPage(keys, page, 100, true))
	})
	ok, err := c.ScanKeys(context.Background(), 3, func(Key) bool { return true })
	require.NoError(t, err)
	assert.False(t, ok, "5 pages exceed a budget of 3")
	assert.EqualValues(t, 1, c.Requests())
	n := 0
	ok, err = c.ScanKeys(context.Background(), 5, func(Key) bool { n++; return true })
	require.NoError(t, err)
	assert.True(t, ok)
	assert.Equal(t, 450, n)
}

func TestDeleteKeysNotFound(t *testing.T) {
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, envelopeBody("{'error': 'No keys found'}", "internal_server_error", "None", "404"))
	})
	_, err := c.DeleteKeys(context.Background(), []string{HashKey("sk-x")})
	assert.ErrorIs(t, err, ErrNotFound)
	assert.EqualValues(t, 1, c.Requests(), "a 404 is final")
}

func TestUpdateKeySendsOnlySetFields(t *testing.T) {
	var body map[string]any
	c := setup(t, func(w http.ResponseWriter, r *http.Request) {
		require.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		writeJSON(w, 200, map[string]any{"key": body["key"], "models": body["models"]})
	})
	tok := HashKey("sk-x")
	_, err := c.UpdateKey(context.Background(), &UpdateKeyRequest{Key: tok, Models: &[]string{}})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"key": tok, "models": []any{}}, body, "an empty models list is sent, other fields are not")
}

func TestModelInfoFallback(t *testing.T) {
	t.Run("model info", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			require.Equal(t, "/model/info", r.URL.Path)
			writeJSON(w, 200, map[string]any{"data": []any{
				map[string]any{"model_name": "openai/*", "litellm_params": map[string]any{"model": "openai/*"}, "model_info": map[string]any{"id": "1", "access_groups": []string{"beta"}}},
			}})
		})
		ms, err := c.ModelInfo(context.Background())
		require.NoError(t, err)
		require.Len(t, ms, 1)
		assert.Equal(t, "openai/*", ms[0].ModelName)
		assert.Equal(t, []string{"beta"}, ms[0].ModelInfo.AccessGroups)
	})
	t.Run("v1 models", func(t *testing.T) {
		c := setup(t, func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/model/info" {
				writeJSON(w, 404, map[string]any{"detail": "Not Found"})
				return
			}
			require.Equal(t, "/v1/models", r.URL.Path)
			writeJSON(w, 200, map[string]any{"data": []any{map[string]any{"id": "granite", "object": "model"}}, "object": "list"})
		})
		ms, err := c.ModelInfo(context.Background())
		require.NoError(t, err)
		require.Len(t, ms, 1)
		assert.Equal(t, "granite", ms[0].ModelName)
		assert.EqualValues(t, 2, c.Requests())
	})
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"keys": []any{}})
	}))
	t.Cleanup(srv.Close)

	t.Run("unknown authority", func(t *testing.T) {
		c, err := New(srv.URL, WithAPIKey(testMaster), WithTLS(true, ""), WithRetryDelay(time.Millisecond, time.Millisecond))
		require.NoError(t, err)
		_, err = c.ListKeys(context.Background(), nil)
		var re *RequestError
		require.ErrorAs(t, err, &re)
		assert.True(t, re.TLS())
		assert.Equal(t, 1, re.Attempts, "certificate failures are not retried")
		assert.False(t, IsTransient(err))
	})
	t.Run("ca_path", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "ca.pem")
		pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
		require.NoError(t, os.WriteFile(path, pemBytes, 0o600))
		c, err := New(srv.URL, WithAPIKey(testMaster), WithTLS(true, path))
		require.NoError(t, err)
		_, err = c.ListKeys(context.Background(), nil)
		require.NoError(t, err)
	})
	t.Run("validate_certs false", func(t *testing.T) {
		c, err := New(srv.URL, WithAPIKey(testMaster), WithTLS(false, ""))
		require.NoError(t, err)
		_, err = c.ListKeys(context.Background(), nil)
		require.NoError(t, err)
	})
	t.Run("bad ca_path", func(t *testing.T) {
		_, err := New(srv.URL, WithTLS(true, filepath.Join(t.TempDir(), "missing.pem")))
		require.Error(t, err)
		empty := filepath.Join(t.TempDir(), "empty.pem")
		require.NoError(t, os.WriteFile(empty, []byte("nothing"), 0o600))
		_, err = New(srv.URL, WithTLS(true, empty))
		require.Error(t, err)
	})
}

func TestPyDictError(t *testing.T) {
	tests := map[string]string{
		`{'error': 'No keys found'}`:       "No keys found",
		`{'error': "Key 'a' isn't there"}`: "Key 'a' isn't there",
		`{"error": "x"}`:                   "x",
		`{'error': 'a \'quoted\' word'}`:   "a 'quoted' word",
		`{'other': 'v'}`:                   "other: v",
		`plain message`:                    "plain message",
		`{'error': 'unterminated}`:         `{'error': 'unterminated}`,
		`{'error': 'a', 'b': 'c'}`:         `{'error': 'a', 'b': 'c'}`,
		`{}`:                               `{}`,
	}
	for in, want := range tests {
		assert.Equal(t, want, pyDictError(in), in)
	}
}

func FuzzDecodeError(f *testing.F) {
	f.Add(400, []byte(`{"error":{"message":"{'error': 'No keys found'}","type":"x","param":null,"code":"404"}}`))
	f.Add(422, []byte(`{"detail":[{"type":"t","loc":["body",1],"msg":"m"}]}`))
	f.Add(500, []byte(`<html>oops</html>`))
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		e := decodeError("GET", "/key/list", status, body)
		if e == nil {
			t.Fatal("nil error")
		}
		if strings.ContainsAny(e.Error(), "\r\n") {
			t.Fatalf("multi-line error %q", e.Error())
		}
		_ = errors.Is(e, ErrNotFound)
	})
}
