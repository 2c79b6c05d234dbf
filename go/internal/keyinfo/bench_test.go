package keyinfo

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
	"github.com/rhpds/litellm_virtual_keys/internal/keymodule"
	"github.com/stretchr/testify/require"
)

// The numbers, measured here (not asserted on time):
//
//	cd go && go test -run '^$' -bench 'KeyInfo|Sweep' -benchtime 3x ./internal/keyinfo/
//
// BenchmarkKeyInfo20000: litellm_key_info over 20,000 keys, goal <= 3 s.
// BenchmarkSweep2000of20000: select 2,000 leaked keys among 20,000 and
// delete them through litellm_key state=absent in bulk mode, goal <= 10 s.
// Both assert their request counts: pages = ceil(N/100), one delete per
// batch of 100.

const benchKeys = 20000

// seedBench fills f with n keys: the first leaked ones are expired
// virtkey-leak{i} keys, the rest active virtkey-live{i} and unrelated keys.
func seedBench(b *testing.B, f *fake, n, leaked int) {
	b.Helper()
	ctx := context.Background()
	for i := 0; i < n; i++ {
		var alias string
		// Distinct creation times, as real keys have (the proxy sorts by them).
		k := &fakeserver.Key{CreatedAt: now.Add(-40 * day).Add(time.Duration(i) * time.Second), UpdatedAt: now, Metadata: map[string]any{}}
		switch {
		case i < leaked:
			alias = fmt.Sprintf("virtkey-leak%05d", i)
			e := now.Add(-10 * day)
			k.Expires = &e
			k.Metadata["guid"] = fmt.Sprintf("leak%05d", i)
		case i%2 == 0:
			alias = fmt.Sprintf("virtkey-live%05d-user1", i)
			e := now.Add(10 * day)
			k.Expires = &e
		default:
			alias = fmt.Sprintf("app-key-%05d", i)
		}
		k.KeyAlias = &alias
		k.Token = fakeserver.HashToken("sk-bench-" + alias)
		k.Spend = float64(i%7) / 4
		_, err := f.store.Insert(ctx, k, fakeserver.InsertOptions{AllowDuplicateAlias: true}) // unique anyway; skips an O(N) check
		require.NoError(b, err)
	}
}

func runInfo(b *testing.B, f *fake, args map[string]any) map[string]any {
	b.Helper()
	raw, err := json.Marshal(f.args(args))
	require.NoError(b, err)
	out := ansible.Execute(context.Background(), Name, raw, Deps{Now: func() time.Time { return now }}.Run)
	var res map[string]any
	require.NoError(b, json.Unmarshal(out, &res))
	require.Nil(b, res["failed"], "%v", res["msg"])
	return res
}

func BenchmarkKeyInfo20000(b *testing.B) {
	f := newFake(b)
	seedBench(b, f, benchKeys, 2000)
	wantPages := (benchKeys + 1 + 99) / 100 // + the master key's row
	b.ResetTimer()
	cpu := cpuTime()
	var res map[string]any
	for i := 0; i < b.N; i++ {
		res = runInfo(b, f, map[string]any{"alias_prefix": "virtkey-", "expired_for": "7d"})
	}
	b.StopTimer()
	b.ReportMetric((cpuTime()-cpu).Seconds()/float64(b.N), "cpu-s/op")
	require.EqualValues(b, 2000, res["totals"].(map[string]any)["count"])
	require.EqualValues(b, wantPages, res["api_requests"], "pages = ceil(N/100)")
	b.ReportMetric(res["api_requests"].(float64), "api_requests")
}

func BenchmarkSweep2000of20000(b *testing.B) {
	f := newFake(b)
	seedBench(b, f, benchKeys-2000, 0)
	wantPages := (benchKeys + 1 + 99) / 100
	var infoReq, keyReq float64
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		seedLeaked(b, f, 2000)
		f.log.Take()
		b.StartTimer()
		start := cpuTime()

		info := runInfo(b, f, map[string]any{"alias_prefix": "virtkey-", "expired_for": "7d", "managed_only": true})
		keys := info["keys"].([]any)
		items := make([]map[string]any, len(keys))
		for j, k := range keys {
			items[j] = map[string]any{"key_alias": k.(map[string]any)["key_alias"]}
		}
		raw, err := json.Marshal(f.args(map[string]any{"state": "absent", "keys": items}))
		require.NoError(b, err)
		out := ansible.Execute(context.Background(), keymodule.Name, raw, keymodule.Run)

		b.StopTimer()
		cpu += cpuTime() - start
		var res map[string]any
		require.NoError(b, json.Unmarshal(out, &res))
		require.Nil(b, res["failed"], "%v", res["msg"])
		require.EqualValues(b, 2000, res["totals"].(map[string]any)["deleted"])
		require.EqualValues(b, wantPages, info["api_requests"], "info: pages = ceil(N/100)")
		deletes := 0
		for _, m := range f.log.Take() {
			if strings.HasPrefix(m, "POST ") {
				require.Equal(b, "POST /key/delete", m)
				deletes++
			}
		}
		require.Equal(b, 20, deletes, "one delete request per batch of 100")
		infoReq, keyReq = info["api_requests"].(float64), res["api_requests"].(float64)
		b.StartTimer()
	}
	b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/op")
	b.ReportMetric(infoReq, "info_requests")
	b.ReportMetric(keyReq, "delete_run_requests")
}

func seedLeaked(b *testing.B, f *fake, n int) {
	b.Helper()
	for i := 0; i < n; i++ {
		alias := fmt.Sprintf("virtkey-leak%05d", i)
		e := now.Add(-10 * day)
		k := &fakeserver.Key{Token: fakeserver.HashToken("sk-bench-" + alias), KeyAlias: &alias, Expires: &e,
			CreatedAt: now.Add(-20 * day).Add(time.Duration(i) * time.Second), UpdatedAt: now, Metadata: map[string]any{"guid": alias[len("virtkey-"):]}}
		_, err := f.store.Insert(context.Background(), k, fakeserver.InsertOptions{AllowDuplicateAlias: true})
		require.NoError(b, err)
	}
}

// cpuTime is the CPU time this process (module and fake alike) has used: on
// a shared, loaded machine it says more than the wall time, which it bounds
// from below on two idle cores.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
