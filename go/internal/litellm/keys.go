package litellm

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxPages bounds a paginated scan, in case a proxy ignores `page`.
const maxPages = 100000

// HashKey returns LiteLLM's token for a raw key: the sha256 hex of the whole
// key, "sk-" included.
func HashKey(raw string) string {
	sum := sha256.Sum256([]byte(raw))
	return hex.EncodeToString(sum[:])
}

// GenerateKey creates a key with POST /key/generate and returns it with its
// raw secret. The request is sent once: it is retried only when the attempt
// certainly never reached the proxy (connection refused, 429), because a
// lost answer may hide a created key. Callers resolve other failures by
// looking the alias up, or let GenerateKeyResolving do it.
func (c *Client) GenerateKey(ctx context.Context, body *GenerateKeyRequest) (*GeneratedKey, error) {
	return c.GenerateKeyResolving(ctx, body, nil)
}

// Resolve finds out whether a create whose attempt failed ambiguously (a
// lost answer, a 5xx) happened after all. It returns the created key, or
// nil and nil when the key certainly was not created (the client may then
// send the request again under its retry policy), or an error that ends the
// create (for example: someone else's key now holds the alias).
type Resolve func(ctx context.Context, cause error) (*GeneratedKey, error)

// GenerateKeyResolving is GenerateKey with the retry policy extended to
// ambiguous failures: after each one, resolve decides whether the key
// exists, and only a key proven absent is requested again. Retrying stays
// here, in the client; the caller only knows how to recognise its key.
func (c *Client) GenerateKeyResolving(ctx context.Context, body *GenerateKeyRequest, resolve Resolve) (*GeneratedKey, error) {
	if body == nil {
		return nil, errors.New("generate key: nil request")
	}
	if body.KeyAlias != nil && *body.KeyAlias == "" {
		return nil, errors.New("generate key: empty key_alias")
	}
	r, err := c.newRequest(http.MethodPost, "/key/generate", nil, body)
	if err != nil {
		return nil, err
	}
	if body.Key != nil {
		r.secrets = append(r.secrets, *body.Key)
	}
	var resolved *GeneratedKey
	if resolve != nil {
		r.ambiguous = func(ctx context.Context, cause error) (bool, error) {
			k, err := resolve(ctx, cause)
			if err != nil {
				return true, err
			}
			if k != nil {
				resolved = k
				return true, nil
			}
			return false, nil
		}
	}
	var out GeneratedKey
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if resolved != nil {
		return resolved, nil
	}
	bad := func(problem string) error {
		return &AnswerError{Method: r.method, Path: r.path, Status: http.StatusOK, Problem: problem}
	}
	if out.Secret == "" {
		return nil, bad(`has no "key" (the new key's secret): the proxy did not confirm a created key`)
	}
	if !strings.HasPrefix(out.Secret, "sk-") {
		return nil, bad(`has a "key" that is not a LiteLLM virtual key (no sk- prefix)`)
	}
	token := HashKey(out.Secret)
	for _, t := range []string{out.Token, out.TokenID} {
		if t != "" && t != token {
			return nil, bad(`has a "token" that is not the hash of its "key"`)
		}
	}
	out.Token = token
	if body.KeyAlias != nil && out.KeyAlias != nil && *out.KeyAlias != *body.KeyAlias {
		return nil, bad(fmt.Sprintf(`has "key_alias" %q, not the alias sent`, *out.KeyAlias))
	}
	return &out, nil
}

// KeyInfo describes the key with the given token hash via GET /key/info.
// Only hashes are accepted (raw keys must never appear in a URL), and an
// empty token is refused (the proxy would describe the master key). A
// missing key matches ErrNotFound.
func (c *Client) KeyInfo(ctx context.Context, token string) (*Key, error) {
	if !IsHash(token) {
		return nil, errors.New("key info: want a token hash (64 hex digits)")
	}
	r, err := c.newRequest(http.MethodGet, "/key/info", url.Values{"key": {token}}, nil)
	if err != nil {
		return nil, err
	}
	var out struct {
		Info *Key `json:"info"`
	}
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Info == nil {
		return nil, &AnswerError{Method: r.method, Path: r.path, Status: http.StatusOK, Problem: `has no "info"`}
	}
	out.Info.Token = token
	return out.Info, nil
}

func (o *ListKeysOptions) values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("key_alias", o.KeyAlias)
	set("user_id", o.UserID)
	set("team_id", o.TeamID)
	set("key_hash", o.KeyHash)
	set("sort_by", o.SortBy)
	set("sort_order", o.SortOrder)
	if o.ReturnFullObject {
		v.Set("return_full_object", "true")
	}
	if o.Page > 0 {
		v.Set("page", strconv.Itoa(o.Page))
	}
	if o.Size > 0 {
		v.Set("size", strconv.Itoa(o.Size))
	}
	return v
}

// ListKeys fetches one page of GET /key/list.
func (c *Client) ListKeys(ctx context.Context, opts *ListKeysOptions) (*ListKeysResponse, error) {
	if opts == nil {
		opts = &ListKeysOptions{}
	}
	r, err := c.newRequest(http.MethodGet, "/key/list", opts.values(), nil)
	if err != nil {
		return nil, err
	}
	var out ListKeysResponse
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if !out.hasKeys {
		return nil, &AnswerError{Method: r.method, Path: r.path, Status: http.StatusOK, Problem: `has no "keys" list`}
	}
	for _, k := range out.Keys {
		if k.Token == "" {
			return nil, &AnswerError{Method: r.method, Path: r.path, Status: http.StatusOK, Problem: `lists a key without "token"`}
		}
	}
	return &out, nil
}

// PageSize is the page size of every scan (the proxy's maximum).
const PageSize = 100

// EachKey pages through GET /key/list (size 100, full objects) with the given
// filter and calls fn for every key until fn returns false. Keys returned as
// bare hashes by proxies that ignore return_full_object are completed with
// /key/info. Pagination ends at total_pages, at a short page, or when a page
// repeats the previous one (a proxy that ignores `page`).
func (c *Client) EachKey(ctx context.Context, filter ListKeysOptions, fn func(Key) bool) error {
	_, err := c.eachKey(ctx, filter, maxPages, fn)
	return err
}

// ScanKeys is an unfiltered EachKey with a budget: when the first page shows
// that the scan would take more than pageLimit pages (or it reaches that many
// pages), it stops and returns false without error, so that the caller can
// look keys up one by one instead.
func (c *Client) ScanKeys(ctx context.Context, pageLimit int, fn func(Key) bool) (bool, error) {
	return c.eachKey(ctx, ListKeysOptions{}, pageLimit, fn)
}

func (c *Client) eachKey(ctx context.Context, filter ListKeysOptions, pageLimit int, fn func(Key) bool) (bool, error) {
	filter.ReturnFullObject = true
	filter.Size = PageSize
	prevFirst := ""
	for page := 1; ; page++ {
		if page > pageLimit {
			return false, nil
		}
		filter.Page = page
		resp, err := c.ListKeys(ctx, &filter)
		if err != nil {
			return false, err
		}
		if page == 1 && resp.TotalPages != nil && *resp.TotalPages > pageLimit {
			return false, nil
		}
		if len(resp.Keys) == 0 {
			return true, nil
		}
		if resp.Keys[0].Token != "" && resp.Keys[0].Token == prevFirst {
			return true, nil
		}
		prevFirst = resp.Keys[0].Token
		for _, k := range resp.Keys {
			if !resp.FullObjects {
				full, err := c.KeyInfo(ctx, k.Token)
				if errors.Is(err, ErrNotFound) {
					continue // deleted meanwhile
				}
				if err != nil {
					return false, err
				}
				k = *full
			}
			if !fn(k) {
				return true, nil
			}
		}
		if resp.TotalPages != nil {
			if page >= *resp.TotalPages {
				return true, nil
			}
		} else if len(resp.Keys) < PageSize {
			return true, nil
		}
	}
}

// FindByAlias returns every key whose alias is exactly alias, newest first,
// via GET /key/list?key_alias=...&return_full_object=true&size=100, paginated.
// The alias is re-checked on the client because some releases match
// substrings (case-insensitively) or ignore the filter. An empty result is
// not an error.
func (c *Client) FindByAlias(ctx context.Context, alias string) ([]Key, error) {
	if alias == "" {
		return nil, errors.New("find key: empty alias")
	}
	var found []Key
	err := c.EachKey(ctx, ListKeysOptions{KeyAlias: alias}, func(k Key) bool {
		if k.Alias() == alias {
			found = append(found, k)
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	return found, nil
}

// DeleteKeys deletes keys by token hash with POST /key/delete {"keys": [...]}.
// When none of them existed the proxy answers 404, which matches
// ErrNotFound. A 200 echoes the input even for keys that did not exist, so
// callers verify afterwards. The request is idempotent and retried.
func (c *Client) DeleteKeys(ctx context.Context, tokens []string) (*DeleteKeysResponse, error) {
	if len(tokens) == 0 {
		return nil, errors.New("delete keys: no tokens")
	}
	for _, t := range tokens {
		if !IsHash(t) {
			return nil, errors.New("delete keys: want token hashes (64 hex digits)")
		}
	}
	r, err := c.newRequest(http.MethodPost, "/key/delete", nil, map[string][]string{"keys": tokens})
	if err != nil {
		return nil, err
	}
	r.idempotent = true
	var out DeleteKeysResponse
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.DeletedKeys == nil {
		return nil, &AnswerError{Method: r.method, Path: r.path, Status: http.StatusOK, Problem: `has no "deleted_keys": the proxy did not confirm the delete`}
	}
	return &out, nil
}

// UpdateKey changes the key whose token hash is body.Key with POST
// /key/update. Setting the same values twice is harmless, so the request is
// retried. An unknown key matches ErrNotFound (LiteLLM answers 401 "invalid
// user key" for it).
func (c *Client) UpdateKey(ctx context.Context, body *UpdateKeyRequest) (*Key, error) {
	if body == nil || !IsHash(body.Key) {
		return nil, errors.New("update key: want the token hash in key")
	}
	r, err := c.newRequest(http.MethodPost, "/key/update", nil, body)
	if err != nil {
		return nil, err
	}
	r.idempotent = true
	var out struct {
		Key
		Echo *string `json:"key"`
	}
	if err := c.do(ctx, r, &out); err != nil {
		return nil, err
	}
	if out.Echo == nil {
		return nil, &AnswerError{Method: r.method, Path: r.path, Status: http.StatusOK, Problem: `has no "key": the proxy did not confirm the update`}
	}
	out.Key.Token = body.Key
	return &out.Key, nil
}
