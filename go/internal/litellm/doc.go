// Package litellm is a small typed client for the LiteLLM proxy's key
// management API (/key/generate, /key/info, /key/list, /key/update,
// /key/delete) and its model listing (/model/info, /v1/models).
//
// It is the only package that knows HTTP: it builds URLs with net/url, bounds
// every request with a context deadline, retries transient failures according
// to a policy held as data (CheckRetry and Backoff, Retry-After honoured), and
// turns every non-2xx answer into a typed error (*APIError, which matches
// ErrNotFound, ErrUnauthorized or ErrAliasExists through errors.Is) whose text
// never contains the master key.
//
// The client tolerates the differences between LiteLLM releases described in
// the project's spec: the key_alias filter of /key/list may be exact, a
// substring match or ignored (FindByAlias re-checks on the client and
// paginates), and missing keys may be reported as 404 or as a 401/500 "invalid
// user key" (both match ErrNotFound).
package litellm
