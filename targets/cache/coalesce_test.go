package cache

import (
	"context"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"
)

// slowOrigin answers after delay (or when the client goes away) with
// max-age=60 and an ETag, and 304 to a matching If-None-Match.
func slowOrigin(delay time.Duration, cc string) originSpec {
	return func(*fakeClock) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "POST" { // warmUp
				time.Sleep(50 * time.Millisecond)
				return
			}
			t := time.NewTimer(delay)
			defer t.Stop()
			select {
			case <-t.C:
			case <-r.Context().Done():
				return
			}
			w.Header().Set("Cache-Control", cc)
			w.Header().Set("Etag", `"v1"`)
			if r.Header.Get("If-None-Match") == `"v1"` {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			_, _ = io.WriteString(w, "hello")
		}
	}
}

// warmUp opens n connections from client to the cache and from the cache
// to the origin (concurrent POSTs, passed through, that the origin holds
// for a moment), so that a burst that follows starts at once instead of
// spreading over connection set-ups.
func warmUp(t *testing.T, client *http.Client, n int, url string) {
	t.Helper()
	start := make(chan struct{})
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			<-start
			if r := do(client, "POST", url, nil, "warm"); r.err != nil {
				t.Error(r.err)
			}
		})
	}
	close(start)
	wg.Wait()
}

// burst sends n concurrent GETs of url (with header h, if any, chosen per
// request) released together, and returns the replies.
func burst(client *http.Client, n int, url string, h func(i int) http.Header) []reply {
	replies := make([]reply, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			var hh http.Header
			if h != nil {
				hh = h(i)
			}
			replies[i] = do(client, "GET", url, hh, "")
		})
	}
	close(start)
	wg.Wait()
	return replies
}

// TestCoalescing is the cache stampede: 100 concurrent requests for one key
// that is cold or has just expired, while the origin takes 200 ms. With
// Coalesce, one origin request serves them all; without, each of them
// that arrives before the first response goes to the origin.
func TestCoalescing(t *testing.T) {
	const n = 100
	for _, tc := range []struct {
		name     string
		coalesce bool
		expired  bool // fill the cache, then let the entry expire
	}{
		{"cold key, coalesced", true, false},
		{"cold key, not coalesced", false, false},
		{"expired key, coalesced", true, true},
		{"expired key, not coalesced", false, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			origin := newOrigin(t, slowOrigin(200*time.Millisecond, "max-age=60")(clk))
			srv := startCache(t, Config{Coalesce: tc.coalesce}, origin.URL, clk)
			client := newClient(t)
			warmUp(t, client, n, srv.URL()+"/warm")
			var before int64
			if tc.expired {
				if r := do(client, "GET", srv.URL()+"/k", nil, ""); r.err != nil || r.body != "hello" {
					t.Fatalf("filling: %+v", r)
				}
				clk.Advance(61 * time.Second)
			}
			before = origin.requests.Load()
			statsBefore := srv.Stats()
			begin := time.Now()
			replies := burst(client, n, srv.URL()+"/k", nil)
			for i, r := range replies {
				if r.err != nil || r.status != 200 || r.body != "hello" {
					t.Fatalf("request %d: status %d, body %q, err %v", i, r.status, r.body, r.err)
				}
			}
			got := origin.requests.Load() - before
			s := srv.Stats()
			s.Coalesced -= statsBefore.Coalesced
			t.Logf("burst took %v, origin requests %d; stats %+v", time.Since(begin), got, s)
			if tc.coalesce {
				if got != 1 {
					t.Errorf("origin requests %d, want exactly 1", got)
				}
				if s.Coalesced == 0 {
					t.Errorf("coalesced waiters 0, want some")
				}
				return
			}
			// Without coalescing, every request that arrives within the
			// origin's 200 ms goes there: nearly all of them.
			if got < n/2 {
				t.Errorf("origin requests %d, want about %d", got, n)
			}
			if s.Coalesced != 0 {
				t.Errorf("coalesced waiters %d, want 0", s.Coalesced)
			}
		})
	}
}

// TestCoalescingNotShared: waiters of a flight whose response may not be
// shared (private, another variant) fetch their own, and get their own.
func TestCoalescingNotShared(t *testing.T) {
	t.Run("private", func(t *testing.T) {
		origin := newOrigin(t, slowOrigin(100*time.Millisecond, "private, max-age=60")(nil))
		srv := startCache(t, Config{Coalesce: true}, origin.URL, nil)
		replies := burst(newClient(t), 20, srv.URL()+"/p", nil)
		for i, r := range replies {
			if r.err != nil || r.body != "hello" {
				t.Fatalf("request %d: %+v", i, r)
			}
		}
		if got := origin.requests.Load(); got != 20 {
			t.Errorf("origin requests %d, want 20: a private response is not shared", got)
		}
	})
	t.Run("vary", func(t *testing.T) {
		origin := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(100 * time.Millisecond)
			w.Header().Set("Cache-Control", "max-age=60")
			w.Header().Set("Vary", "Accept-Encoding")
			_, _ = io.WriteString(w, "enc="+r.Header.Get("Accept-Encoding"))
		})
		srv := startCache(t, Config{Coalesce: true}, origin.URL, nil)
		enc := func(i int) string { return []string{"gzip", "br"}[i%2] }
		replies := burst(newClient(t), 20, srv.URL()+"/v", func(i int) http.Header {
			return hdr("Accept-Encoding", enc(i))
		})
		for i, r := range replies {
			if r.err != nil || r.body != "enc="+enc(i) {
				t.Errorf("request %d (%s): body %q, err %v", i, enc(i), r.body, r.err)
			}
		}
	})
}

// TestStaleWhileRevalidate: a stale entry within stale-while-revalidate is
// served at once while one background request revalidates it.
func TestStaleWhileRevalidate(t *testing.T) {
	clk := newClock()
	release := make(chan struct{})
	var once sync.Once
	unblock := func() { once.Do(func() { close(release) }) }
	origin := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=1, stale-while-revalidate=60")
		w.Header().Set("Etag", `"v1"`)
		if r.Header.Get("If-None-Match") != "" {
			select { // hold the revalidation until the test has its STALE
			case <-release:
			case <-r.Context().Done():
				return
			}
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = io.WriteString(w, "hello")
	})
	t.Cleanup(unblock) // runs before the origin closes
	srv := startCache(t, Config{}, origin.URL, clk)
	client := newClient(t)

	if r := do(client, "GET", srv.URL()+"/s", nil, ""); r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("first: %+v", r)
	}
	clk.Advance(5 * time.Second)
	for i := range 3 { // all served while the revalidation is held
		r := do(client, "GET", srv.URL()+"/s", nil, "")
		if r.err != nil || r.header.Get("X-Cache") != "STALE" || r.body != "hello" || r.header.Get("Age") != "5" {
			t.Fatalf("stale %d: X-Cache %q, Age %q, body %q, err %v", i, r.header.Get("X-Cache"), r.header.Get("Age"), r.body, r.err)
		}
	}
	unblock()
	waitFor(t, func() bool { return srv.Stats().Revalidations == 1 })
	r := do(client, "GET", srv.URL()+"/s", nil, "")
	if r.header.Get("X-Cache") != "HIT" || r.header.Get("Age") != "0" {
		t.Errorf("after revalidation: X-Cache %q, Age %q; want HIT, 0", r.header.Get("X-Cache"), r.header.Get("Age"))
	}
	if got := origin.requests.Load(); got != 2 {
		t.Errorf("origin requests %d, want 2: one background revalidation for three stale hits", got)
	}
	if s := srv.Stats(); s.Stale != 3 {
		t.Errorf("stale %d, want 3", s.Stale)
	}
}

// TestShutdownCancelsBackgroundRevalidation: Shutdown does not wait for
// the origin to answer a background revalidation, and leaves no goroutine.
func TestShutdownCancelsBackgroundRevalidation(t *testing.T) {
	clk := newClock()
	started := make(chan struct{}, 1)
	origin := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=1, stale-while-revalidate=60")
		w.Header().Set("Etag", `"v1"`)
		if r.Header.Get("If-None-Match") != "" {
			started <- struct{}{}
			<-r.Context().Done() // never answers
			return
		}
		_, _ = io.WriteString(w, "hello")
	})
	srv := startCache(t, Config{}, origin.URL, clk)
	client := newClient(t)
	do(client, "GET", srv.URL()+"/s", nil, "")
	clk.Advance(5 * time.Second)
	if r := do(client, "GET", srv.URL()+"/s", nil, ""); r.header.Get("X-Cache") != "STALE" {
		t.Fatalf("want STALE, got %+v", r)
	}
	<-started
	client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	begin := time.Now()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(begin); d > 2*time.Second {
		t.Errorf("Shutdown took %v", d)
	}
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestCoalescedStaleOnError: when the one coalesced revalidation fails,
// every waiter gets the stale entry, and the failing origin sees one
// request, not a burst.
func TestCoalescedStaleOnError(t *testing.T) {
	clk := newClock()
	var n sync.Mutex
	calls := 0
	origin := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "POST" { // warmUp
			time.Sleep(50 * time.Millisecond)
			return
		}
		n.Lock()
		calls++
		first := calls == 1
		n.Unlock()
		if first {
			w.Header().Set("Cache-Control", "max-age=10")
			_, _ = io.WriteString(w, "hello")
			return
		}
		time.Sleep(200 * time.Millisecond)
		http.Error(w, "overloaded", http.StatusServiceUnavailable)
	})
	srv := startCache(t, Config{Coalesce: true, ServeStaleOnError: true}, origin.URL, clk)
	client := newClient(t)
	warmUp(t, client, 50, srv.URL()+"/warm")
	do(client, "GET", srv.URL()+"/k", nil, "")
	clk.Advance(20 * time.Second)
	before := origin.requests.Load()
	for i, r := range burst(client, 50, srv.URL()+"/k", nil) {
		if r.err != nil || r.body != "hello" || r.header.Get("X-Cache") != "STALE" {
			t.Fatalf("request %d: X-Cache %q, body %q, err %v", i, r.header.Get("X-Cache"), r.body, r.err)
		}
	}
	if got := origin.requests.Load() - before; got != 1 {
		t.Errorf("origin requests during the burst %d, want 1", got)
	}
	if s := srv.Stats(); s.Stale != 50 || s.OriginErrors != 1 {
		t.Errorf("stats %+v: want 50 stale, 1 origin error", s)
	}
}
