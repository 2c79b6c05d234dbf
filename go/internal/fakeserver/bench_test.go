package fakeserver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// BenchmarkKeyInfo measures GET /key/info on the in-memory store over real
// HTTP on loopback (keep-alive connections, parallel clients) and reports
// requests per second:
//
//	cd go && go test -run '^$' -bench BenchmarkKeyInfo -benchtime 3s ./internal/fakeserver/
func BenchmarkKeyInfo(b *testing.B) {
	srv, err := New(context.Background(), Config{MasterKey: testMaster, Store: NewMemoryStore()})
	if err != nil {
		b.Fatal(err)
	}
	if err := srv.SeedKeys(context.Background(), 1000); err != nil {
		b.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	url := hs.URL + "/key/info?key=" + HashToken(testMaster)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	b.SetParallelism(4)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+testMaster)
		for pb.Next() {
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("status %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
}
