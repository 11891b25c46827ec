package cache

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestEvictionLRUByBytes fills the store past MaxBytes: the least recently
// used entry goes, not the oldest stored, and evictions are counted.
func TestEvictionLRUByBytes(t *testing.T) {
	body := strings.Repeat("x", 10_000)
	origin := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		_, _ = io.WriteString(w, body)
	})
	// Room for three entries of about 10.4 kB, not four.
	srv := startCache(t, Config{MaxBytes: 35_000, MaxObjectBytes: 20_000}, origin.URL, nil)
	client := newClient(t)
	get := func(path, want string) {
		t.Helper()
		r := do(client, "GET", srv.URL()+path, nil, "")
		if r.err != nil || r.body != body {
			t.Fatalf("%s: err %v, body of %d bytes", path, r.err, len(r.body))
		}
		if got := r.header.Get("X-Cache"); got != want {
			t.Errorf("%s: X-Cache %q, want %q", path, got, want)
		}
	}
	get("/a", "MISS")
	get("/b", "MISS")
	get("/c", "MISS")
	get("/a", "HIT") // /b is now the least recently used
	if s := srv.Stats(); s.Evictions != 0 || s.Entries != 3 {
		t.Fatalf("before filling past the bound: %+v", s)
	}
	get("/d", "MISS") // evicts /b
	s := srv.Stats()
	if s.Evictions != 1 || s.Entries != 3 || s.Bytes > 35_000 || s.Bytes < 30_000 {
		t.Errorf("after /d: %+v, want 1 eviction, 3 entries, bytes within (30000, 35000]", s)
	}
	get("/a", "HIT")
	get("/c", "HIT")
	get("/d", "HIT")
	get("/b", "MISS") // evicts /a, now the least recently used
	get("/c", "HIT")
	get("/a", "MISS")
	if s := srv.Stats(); s.Evictions != 3 || s.OriginRequests != 6 {
		t.Errorf("at the end: %+v, want 3 evictions, 6 origin requests", s)
	}
}

// TestMaxObjectBytes: a body over MaxObjectBytes is streamed through
// whole and not stored, whether its length is announced or not.
func TestMaxObjectBytes(t *testing.T) {
	big := strings.Repeat("0123456789", 300) // 3000 bytes
	origin := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		switch r.URL.Path {
		case "/small":
			_, _ = io.WriteString(w, big[:500])
		case "/chunked": // no Content-Length: the cache finds out reading
			_, _ = io.WriteString(w, big[:1500])
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, big[1500:])
		default:
			_, _ = io.WriteString(w, big)
		}
	})
	srv := startCache(t, Config{MaxObjectBytes: 1000}, origin.URL, nil)
	client := newClient(t)
	for _, tc := range []struct {
		path string
		want string
		x    []string
	}{
		{"/known", big, []string{"MISS", "MISS"}},
		{"/chunked", big, []string{"MISS", "MISS"}},
		{"/small", big[:500], []string{"MISS", "HIT"}},
	} {
		for i, x := range tc.x {
			r := do(client, "GET", srv.URL()+tc.path, nil, "")
			if r.err != nil || r.body != tc.want {
				t.Errorf("%s #%d: err %v, body of %d bytes, want %d", tc.path, i, r.err, len(r.body), len(tc.want))
			}
			if got := r.header.Get("X-Cache"); got != x {
				t.Errorf("%s #%d: X-Cache %q, want %q", tc.path, i, got, x)
			}
		}
	}
	if s := srv.Stats(); s.Entries != 1 || s.OriginRequests != 5 {
		t.Errorf("stats %+v: want 1 entry, 5 origin requests", s)
	}
}

// TestStatsEndpoint: the JSON at StatsPath has every counter, matches
// Stats, and is never forwarded.
func TestStatsEndpoint(t *testing.T) {
	origin := newOrigin(t, serve("hello", "Cache-Control", "max-age=60")(nil))
	srv := startCache(t, Config{}, origin.URL, nil)
	client := newClient(t)
	do(client, "GET", srv.URL()+"/a", nil, "")
	do(client, "GET", srv.URL()+"/a", nil, "")

	r := do(client, "GET", srv.URL()+StatsPath, nil, "")
	if r.err != nil || r.status != 200 || r.header.Get("Content-Type") != "application/json" {
		t.Fatalf("stats: %+v", r)
	}
	var m map[string]float64
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"hits", "misses", "stale", "revalidations", "coalesced_waiters",
		"origin_requests", "origin_errors", "passes", "evictions", "bytes_stored", "entries"} {
		if _, ok := m[k]; !ok {
			t.Errorf("stats JSON lacks %q: %s", k, r.body)
		}
	}
	var got Stats
	if err := json.Unmarshal([]byte(r.body), &got); err != nil {
		t.Fatal(err)
	}
	if want := srv.Stats(); got != want || got.Hits != 1 || got.Misses != 1 || got.Entries != 1 {
		t.Errorf("stats JSON %+v, Stats() %+v", got, want)
	}
	if r := do(client, "POST", srv.URL()+StatsPath, nil, "x"); r.status != http.StatusMethodNotAllowed {
		t.Errorf("POST stats: status %d, want 405", r.status)
	}
	if n := origin.requests.Load(); n != 1 {
		t.Errorf("origin requests %d, want 1", n)
	}
}

// TestForwarding: the origin's base path, the query, X-Forwarded-For and
// Via are forwarded; hop-by-hop fields are not.
func TestForwarding(t *testing.T) {
	origin := newOrigin(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=60")
		w.Header().Set("Connection", "X-Secret")
		w.Header().Set("X-Secret", "hop")
		_, _ = io.WriteString(w, r.URL.RequestURI())
	})
	srv := startCache(t, Config{}, origin.URL+"/api/", nil)
	client := newClient(t)
	r := do(client, "GET", srv.URL()+"/x?q=1", hdr("Connection", "X-Hop", "X-Hop", "1", "X-End", "2"), "")
	if r.err != nil || r.body != "/api/x?q=1" {
		t.Fatalf("reply %+v, want body /api/x?q=1", r)
	}
	if _, ok := r.header["X-Secret"]; ok {
		t.Errorf("reply carries X-Secret, a hop-by-hop field of the origin")
	}
	seen := origin.lastHeader()
	if seen.Get("X-Hop") != "" || seen.Get("X-End") != "2" {
		t.Errorf("origin saw X-Hop %q, X-End %q; want none, 2", seen.Get("X-Hop"), seen.Get("X-End"))
	}
	if seen.Get("X-Forwarded-For") != "127.0.0.1" || seen.Get("Via") != "1.1 stampede-cache" {
		t.Errorf("origin saw X-Forwarded-For %q, Via %q", seen.Get("X-Forwarded-For"), seen.Get("Via"))
	}
}

func TestPurge(t *testing.T) {
	origin := newOrigin(t, serve("hello", "Cache-Control", "max-age=60")(nil))
	srv := startCache(t, Config{}, origin.URL, nil)
	client := newClient(t)
	for i, want := range []string{"MISS", "HIT", "purge", "MISS", "HIT"} {
		if want == "purge" {
			srv.Purge()
			if s := srv.Stats(); s.Entries != 0 || s.Bytes != 0 || s.Evictions != 0 {
				t.Errorf("after Purge: %+v", s)
			}
			continue
		}
		if got := do(client, "GET", srv.URL()+"/a", nil, "").header.Get("X-Cache"); got != want {
			t.Errorf("#%d: X-Cache %q, want %q", i, got, want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want []string // substrings, one per expected error
	}{
		{"valid", Config{Origin: "http://127.0.0.1:9000"}, nil},
		{"valid with path and options", Config{Origin: "https://127.0.0.1:9000/api", Addr: ":0", MaxBytes: 10, MaxObjectBytes: 10, DefaultTTL: time.Second}, nil},
		{"missing origin", Config{}, []string{"origin: missing"}},
		{"origin scheme", Config{Origin: "ftp://x"}, []string{"http:// or https://"}},
		{"origin without host", Config{Origin: "http:///x"}, []string{"missing host"}},
		{"origin with query", Config{Origin: "http://h/?a=1"}, []string{"without user, query or fragment"}},
		{"everything wrong", Config{Origin: "::", Addr: "nope", MaxBytes: -1, MaxObjectBytes: -1, DefaultTTL: -1, OriginTimeout: -1},
			[]string{"not a URL", "addr", "max bytes", "max object bytes", "default TTL", "origin timeout"}},
		{"object larger than the store", Config{Origin: "http://h", MaxBytes: 10, MaxObjectBytes: 11}, []string{"larger than max bytes"}},
		{"object larger than the default store", Config{Origin: "http://h", MaxObjectBytes: DefaultMaxBytes + 1}, []string{"larger than max bytes"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errs := tc.cfg.Validate()
			if len(errs) != len(tc.want) {
				t.Fatalf("errors %q, want %d", errs, len(tc.want))
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tc.want[i]) {
					t.Errorf("error %d: %q, want it to contain %q", i, err, tc.want[i])
				}
			}
		})
	}
}

func TestStartErrors(t *testing.T) {
	if _, err := Start(t.Context(), Config{}); err == nil || !strings.Contains(err.Error(), "origin") {
		t.Errorf("Start without origin: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Start(ctx, Config{Origin: "http://127.0.0.1:1", Addr: "127.0.0.1:0"}); !errors.Is(err, context.Canceled) {
		t.Errorf("Start with a cancelled context: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if _, err := Start(t.Context(), Config{Origin: "http://127.0.0.1:1", Addr: ln.Addr().String()}); err == nil {
		t.Errorf("Start on a busy address: no error")
	}
}

// TestStartContextEnds: when Start's context ends, the cache closes.
func TestStartContextEnds(t *testing.T) {
	origin := newOrigin(t, serve("hello")(nil))
	ctx, cancel := context.WithCancel(t.Context())
	srv, err := Start(ctx, Config{Origin: origin.URL, Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	if srv.URL() != "http://"+srv.Addr() || !strings.HasPrefix(srv.Addr(), "127.0.0.1:") {
		t.Errorf("Addr %q, URL %q", srv.Addr(), srv.URL())
	}
	cancel()
	waitFor(t, func() bool {
		c, err := net.Dial("tcp", srv.Addr())
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	if err := srv.Shutdown(sctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}
