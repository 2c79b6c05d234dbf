package litellm

import (
	"context"
	"errors"
	"sync"
)

// ScanStats describe a ListAllKeys scan.
type ScanStats struct {
	// Pages is how many /key/list pages were fetched.
	Pages int
	// FirstTotal and LastTotal are the total_count the proxy gave on the
	// first and on the last page fetched (-1 when it gave none); they differ
	// when keys were created or deleted during the scan.
	FirstTotal, LastTotal int
	// Vanished counts keys listed as bare hashes that /key/info no longer
	// found (deleted during the scan).
	Vanished int
	// Duplicates counts keys seen on more than one page (the list shifted
	// during the scan); each is returned once.
	Duplicates int
	// Rescans counts the extra passes made because the list changed during
	// a pass (pages reported different total_count values): with offset
	// pagination a delete shifts later keys onto pages already fetched.
	Rescans int
	// Unstable is true when the list was still changing during the last
	// pass: a key created or deleted meanwhile may be missing.
	Unstable bool
}

// maxScanPasses bounds ListAllKeys' passes over a list that keeps changing.
const maxScanPasses = 3

// ListAllKeys returns every key of GET /key/list (size 100, full objects),
// fetching page 1 first and then pages 2..total_pages with at most parallel
// requests in flight. A key is returned once even if the list shifted
// between pages; keys listed as bare hashes (proxies that ignore
// return_full_object) are completed with /key/info, and those deleted
// meanwhile are skipped. A proxy that gives no total_pages is paged
// sequentially until a short page, and one that ignores `page` (the same
// first key again) stops the scan. When the pages of a pass report different
// total_count values (keys were created or deleted meanwhile, so the pages
// shifted), the scan is repeated, up to maxScanPasses passes in all.
func (c *Client) ListAllKeys(ctx context.Context, filter ListKeysOptions, parallel int) ([]Key, ScanStats, error) {
	keys, st, _, err := c.listAll(ctx, filter, parallel, maxPages)
	return keys, st, err
}

// ScanKeysParallel is ScanKeys with the pages after the first fetched
// concurrently (at most parallel at a time, like ListAllKeys): when the first
// page shows that the scan would take more than pageLimit pages it stops and
// returns false without error, so that the caller can look keys up one by
// one instead. fn is called for every key, from the calling goroutine, after
// the scan completed.
func (c *Client) ScanKeysParallel(ctx context.Context, pageLimit, parallel int, fn func(Key) bool) (bool, error) {
	keys, _, complete, err := c.listAll(ctx, ListKeysOptions{}, parallel, pageLimit)
	if err != nil || !complete {
		return false, err
	}
	for _, k := range keys {
		if !fn(k) {
			break
		}
	}
	return true, nil
}

// listAll runs scan passes until one sees a settled list; complete is false
// when the list is longer than pageLimit pages.
func (c *Client) listAll(ctx context.Context, filter ListKeysOptions, parallel, pageLimit int) ([]Key, ScanStats, bool, error) {
	if parallel < 1 {
		parallel = 1
	}
	var all ScanStats
	for pass := 1; ; pass++ {
		keys, st, changed, err := c.scanPass(ctx, filter, parallel, pageLimit)
		all.Pages += st.Pages
		all.Vanished += st.Vanished
		all.Duplicates += st.Duplicates
		all.FirstTotal, all.LastTotal = st.FirstTotal, st.LastTotal
		if err != nil || keys == nil {
			return nil, all, false, err // keys == nil: over pageLimit
		}
		if !changed || pass == maxScanPasses {
			all.Unstable = changed
			return keys, all, true, nil
		}
		all.Rescans++
	}
}

// scanPass is one pass of ListAllKeys; changed reports that the pages
// disagreed on total_count. It returns nil keys (and no error) when the list
// has more than pageLimit pages.
func (c *Client) scanPass(ctx context.Context, filter ListKeysOptions, parallel, pageLimit int) ([]Key, ScanStats, bool, error) {
	changed := false
	filter.ReturnFullObject = true
	filter.Size = PageSize
	st := ScanStats{FirstTotal: -1, LastTotal: -1}
	total := func(r *ListKeysResponse) int {
		if r.TotalCount == nil {
			return -1
		}
		return *r.TotalCount
	}
	first := filter
	first.Page = 1
	resp, err := c.ListKeys(ctx, &first)
	if err != nil {
		return nil, st, false, err
	}
	st.Pages, st.FirstTotal, st.LastTotal = 1, total(resp), total(resp)
	pages := []*ListKeysResponse{resp}
	if resp.TotalPages != nil && *resp.TotalPages > pageLimit {
		return nil, st, false, nil
	}

	switch {
	case resp.TotalPages != nil && *resp.TotalPages > 1:
		n := min(*resp.TotalPages, maxPages)
		rest := make([]*ListKeysResponse, n-1)
		err := c.fanOut(ctx, n-1, parallel, func(ctx context.Context, i int) error {
			f := filter
			f.Page = i + 2
			r, err := c.ListKeys(ctx, &f)
			if err != nil {
				return err
			}
			rest[i] = r
			return nil
		})
		if err != nil {
			return nil, st, false, err
		}
		pages = append(pages, rest...)
		st.Pages += len(rest)
		for _, r := range rest {
			changed = changed || total(r) != st.FirstTotal
		}
		st.LastTotal = total(rest[len(rest)-1])
	case resp.TotalPages == nil && len(resp.Keys) >= PageSize:
		prevFirst := resp.Keys[0].Token
		for page := 2; ; page++ {
			if page > pageLimit {
				return nil, st, false, nil
			}
			f := filter
			f.Page = page
			r, err := c.ListKeys(ctx, &f)
			if err != nil {
				return nil, st, false, err
			}
			st.Pages++
			st.LastTotal = total(r)
			changed = changed || st.LastTotal != st.FirstTotal
			if len(r.Keys) == 0 || (r.Keys[0].Token != "" && r.Keys[0].Token == prevFirst) {
				break
			}
			prevFirst = r.Keys[0].Token
			pages = append(pages, r)
			if len(r.Keys) < PageSize {
				break
			}
		}
	}

	seen := make(map[string]bool)
	out := []Key{}
	var bare []string
	for _, p := range pages {
		for _, k := range p.Keys {
			if k.Token != "" {
				if seen[k.Token] {
					st.Duplicates++
					continue
				}
				seen[k.Token] = true
			}
			if !p.FullObjects {
				bare = append(bare, k.Token)
				continue
			}
			out = append(out, k)
		}
	}
	if len(bare) == 0 {
		return out, st, changed, nil
	}
	full := make([]*Key, len(bare))
	err = c.fanOut(ctx, len(bare), parallel, func(ctx context.Context, i int) error {
		k, err := c.KeyInfo(ctx, bare[i])
		if errors.Is(err, ErrNotFound) {
			return nil // deleted meanwhile
		}
		if err != nil {
			return err
		}
		full[i] = k
		return nil
	})
	if err != nil {
		return nil, st, false, err
	}
	for _, k := range full {
		if k == nil {
			st.Vanished++
			continue
		}
		out = append(out, *k)
	}
	return out, st, changed, nil
}

// fanOut runs fn for 0..n-1 with at most parallel calls at a time; the first
// error cancels the others and is returned.
func (c *Client) fanOut(ctx context.Context, n, parallel int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	next := make(chan int)
	for w := 0; w < min(parallel, n); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		}()
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}
