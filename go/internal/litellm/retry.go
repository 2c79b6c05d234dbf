package litellm

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"time"
)

// CheckRetry decides, after one attempt, whether the request should be sent
// again. resp is nil when err is a transport error. A non-nil error returned
// by CheckRetry ends the request with that error.
type CheckRetry func(ctx context.Context, resp *http.Response, err error) (bool, error)

// Backoff returns how long to wait before attempt number attempt+1 (attempt
// counts from 0), given the base delay, the ceiling and the wait the proxy
// asked for with Retry-After on its last answer (0 = none asked).
type Backoff func(base, ceiling time.Duration, attempt int, retryAfter time.Duration) time.Duration

// DefaultCheckRetry retries transport errors (except certificate
// verification failures and a cancelled context) and the statuses 429, 500,
// 502, 503 and 504.
func DefaultCheckRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	if err != nil {
		return !isTLSError(err), nil
	}
	return retryableStatus(resp.StatusCode), nil
}

func retryableStatus(code int) bool {
	switch code {
	case http.StatusTooManyRequests, http.StatusInternalServerError, http.StatusBadGateway,
		http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// DefaultBackoff waits base*2^attempt with "equal jitter" (a random duration
// between half and all of it), capped at ceiling. A Retry-After the proxy
// sent (on a 429 or 503) takes precedence, also capped.
func DefaultBackoff(base, ceiling time.Duration, attempt int, retryAfter time.Duration) time.Duration {
	if retryAfter > 0 {
		return min(retryAfter, ceiling)
	}
	if base <= 0 {
		return 0
	}
	d := base
	for i := 0; i < attempt && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	half := d / 2
	if half <= 0 {
		return d
	}
	return half + rand.N(half+1)
}

// retryAfter parses the Retry-After header of a 429 or 503 answer (seconds
// or an HTTP date); 0 when there is none.
func retryAfter(resp *http.Response) time.Duration {
	if resp == nil || (resp.StatusCode != http.StatusTooManyRequests && resp.StatusCode != http.StatusServiceUnavailable) {
		return 0
	}
	v := resp.Header.Get("Retry-After")
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(v); err == nil && secs >= 0 {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// notProcessed reports whether a failed attempt certainly never reached the
// proxy's handler, so that even a non-idempotent request may be sent again:
// the connection could not be opened, or the proxy answered 429 (rate limited
// before any processing).
func notProcessed(resp *http.Response, err error) bool {
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return true
		}
		var dns *net.DNSError
		return errors.As(err, &dns)
	}
	return resp != nil && resp.StatusCode == http.StatusTooManyRequests
}

// sleep waits d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
