package cache

import (
	"io"
	"net/http"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

// originSpec builds an origin handler; clk is the cache's clock, for
// Date and Expires.
type originSpec func(clk *fakeClock) http.HandlerFunc

// serve answers every request with body and the given header pairs.
func serve(body string, kv ...string) originSpec {
	return serveStatus(http.StatusOK, body, kv...)
}

func serveStatus(status int, body string, kv ...string) originSpec {
	return func(*fakeClock) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(kv); i += 2 {
				w.Header().Add(kv[i], kv[i+1])
			}
			w.WriteHeader(status)
			_, _ = io.WriteString(w, body)
		}
	}
}

// validating serves body with the validators given and Cache-Control cc,
// and answers 304 to a conditional request that matches them.
func validating(body, etag, lastModified, cc string) originSpec {
	return func(*fakeClock) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Cache-Control", cc)
			if etag != "" {
				h.Set("Etag", etag)
			}
			if lastModified != "" {
				h.Set("Last-Modified", lastModified)
			}
			if (etag != "" && r.Header.Get("If-None-Match") == etag) ||
				(lastModified != "" && r.Header.Get("If-Modified-Since") == lastModified) {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			_, _ = io.WriteString(w, body)
		}
	}
}

// step is one request of a behaviour case and what must come of it.
type step struct {
	advance    time.Duration // move the cache's clock first
	stopOrigin bool          // close the origin first
	method     string        // default GET
	path       string        // default /r
	header     http.Header
	reqBody    string

	status int    // default 200
	xcache string // checked unless ""
	body   string // checked unless "" (see noBody)
	noBody bool   // the body must be empty
	age    string // the Age field, checked unless ""
	origin int64  // requests the origin has had so far, always checked

	want      http.Header // fields the reply must carry (first values)
	absent    []string    // fields the reply must not carry
	originSaw http.Header // fields of the origin's last request
	originNot []string    // fields the origin's last request must lack
}

// behaviourCase is one scenario of requests against a fresh cache and
// origin.
type behaviourCase struct {
	name   string
	cfg    Config // Addr and Origin are filled in
	origin originSpec
	steps  []step
	after  func(t *testing.T, s Stats)
}

const lastMod = "Mon, 02 Jan 2006 15:04:05 GMT"

func behaviourCases() []behaviourCase {
	max60 := serve("hello", "Cache-Control", "max-age=60")
	return []behaviourCase{
		{
			name:   "hit after miss, origin asked once, X-Backend passed through",
			origin: serve("hello", "Cache-Control", "max-age=60", "X-Backend", "b1"),
			steps: []step{
				{xcache: "MISS", body: "hello", origin: 1, age: "0", want: hdr("X-Backend", "b1")},
				{xcache: "HIT", body: "hello", origin: 1, age: "0", want: hdr("X-Backend", "b1", "Via", "1.1 stampede-cache")},
			},
			after: func(t *testing.T, s Stats) {
				if s.Hits != 1 || s.Misses != 1 || s.Entries != 1 || s.Bytes <= 5 {
					t.Errorf("stats %+v: want 1 hit, 1 miss, 1 entry of more than 5 bytes", s)
				}
			},
		},
		{
			name:   "age grows with time in the cache",
			origin: max60,
			steps: []step{
				{xcache: "MISS", origin: 1, age: "0"},
				{advance: 3 * time.Second, xcache: "HIT", origin: 1, age: "3"},
				{advance: 7 * time.Second, xcache: "HIT", origin: 1, age: "10"},
			},
		},
		{
			name:   "age adds the origin's Age, which counts against max-age",
			origin: serve("hello", "Cache-Control", "max-age=60", "Age", "50"),
			steps: []step{
				{xcache: "MISS", origin: 1, age: "50"},
				{advance: 5 * time.Second, xcache: "HIT", origin: 1, age: "55"},
				{advance: 6 * time.Second, xcache: "MISS", origin: 2, age: "50"},
			},
		},
		{
			name:   "max-age expiry: revalidation with If-None-Match, 304 refreshes freshness",
			origin: validating("hello", `"v1"`, "", "max-age=10"),
			steps: []step{
				{xcache: "MISS", body: "hello", origin: 1, originNot: []string{"If-None-Match"}},
				{advance: 5 * time.Second, xcache: "HIT", body: "hello", origin: 1, age: "5"},
				{advance: 6 * time.Second, xcache: "HIT", body: "hello", origin: 2, age: "0",
					originSaw: hdr("If-None-Match", `"v1"`), want: hdr("Etag", `"v1"`)},
				{advance: 9 * time.Second, xcache: "HIT", body: "hello", origin: 2, age: "9"},
				{advance: 2 * time.Second, xcache: "HIT", body: "hello", origin: 3, age: "0"},
			},
			after: func(t *testing.T, s Stats) {
				if s.Revalidations != 2 || s.Hits != 4 || s.Misses != 1 {
					t.Errorf("stats %+v: want 2 revalidations, 4 hits, 1 miss", s)
				}
			},
		},
		{
			name: "a 304 refreshes the stored fields",
			origin: func(*fakeClock) http.HandlerFunc {
				var n atomic.Int64
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Cache-Control", "max-age=10")
					w.Header().Set("Etag", `"v1"`)
					w.Header().Set("X-Backend", "b"+strconv.FormatInt(n.Add(1), 10))
					if r.Header.Get("If-None-Match") == `"v1"` {
						w.WriteHeader(http.StatusNotModified)
						return
					}
					_, _ = io.WriteString(w, "hello")
				}
			},
			steps: []step{
				{xcache: "MISS", origin: 1, want: hdr("X-Backend", "b1", "Content-Length", "5")},
				{advance: 11 * time.Second, xcache: "HIT", body: "hello", origin: 2, want: hdr("X-Backend", "b2", "Content-Length", "5")},
				{xcache: "HIT", body: "hello", origin: 2, want: hdr("X-Backend", "b2")},
			},
		},
		{
			name: "a 304 with no-store drops the entry",
			origin: func(*fakeClock) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Etag", `"v1"`)
					if r.Header.Get("If-None-Match") == `"v1"` {
						w.Header().Set("Cache-Control", "no-store")
						w.WriteHeader(http.StatusNotModified)
						return
					}
					w.Header().Set("Cache-Control", "max-age=10")
					_, _ = io.WriteString(w, "hello")
				}
			},
			steps: []step{
				{xcache: "MISS", origin: 1},
				{advance: 11 * time.Second, xcache: "HIT", body: "hello", origin: 2},
				{xcache: "MISS", body: "hello", origin: 3, originNot: []string{"If-None-Match"}},
			},
		},
		{
			name:   "Last-Modified revalidation with If-Modified-Since",
			origin: validating("hello", "", lastMod, "max-age=10"),
			steps: []step{
				{xcache: "MISS", body: "hello", origin: 1},
				{advance: 11 * time.Second, xcache: "HIT", body: "hello", origin: 2, age: "0",
					originSaw: hdr("If-Modified-Since", lastMod), originNot: []string{"If-None-Match"}},
			},
		},
		{
			name: "changed at the origin after expiry: full response replaces the entry",
			origin: func(*fakeClock) http.HandlerFunc {
				var n atomic.Int64
				return func(w http.ResponseWriter, r *http.Request) {
					v := strconv.FormatInt(n.Add(1), 10)
					w.Header().Set("Cache-Control", "max-age=10")
					w.Header().Set("Etag", `"v`+v+`"`)
					_, _ = io.WriteString(w, "version "+v)
				}
			},
			steps: []step{
				{xcache: "MISS", body: "version 1", origin: 1},
				{advance: 11 * time.Second, xcache: "MISS", body: "version 2", origin: 2, originSaw: hdr("If-None-Match", `"v1"`)},
				{xcache: "HIT", body: "version 2", origin: 2},
			},
		},
		{
			name:   "client conditional requests answered 304 from a fresh entry",
			origin: serve("hello", "Cache-Control", "max-age=60", "Etag", `"v1"`, "Last-Modified", lastMod),
			steps: []step{
				{xcache: "MISS", body: "hello", origin: 1},
				{header: hdr("If-None-Match", `"v1"`), status: 304, xcache: "HIT", noBody: true, origin: 1, want: hdr("Etag", `"v1"`)},
				{header: hdr("If-None-Match", `"x", W/"v1"`), status: 304, xcache: "HIT", noBody: true, origin: 1},
				{header: hdr("If-None-Match", `"v2"`), xcache: "HIT", body: "hello", origin: 1},
				{header: hdr("If-Modified-Since", lastMod), status: 304, xcache: "HIT", origin: 1},
				{header: hdr("If-Modified-Since", "Sun, 01 Jan 2006 00:00:00 GMT"), xcache: "HIT", body: "hello", origin: 1},
				{method: "HEAD", header: hdr("If-None-Match", "*"), status: 304, xcache: "HIT", origin: 1},
			},
		},
		{
			name:   "client conditional request on a cold key: full fetch, stored, 304 to the client",
			origin: serve("hello", "Cache-Control", "max-age=60", "Etag", `"v1"`),
			steps: []step{
				{header: hdr("If-None-Match", `"v1"`), status: 304, xcache: "MISS", noBody: true, origin: 1, originNot: []string{"If-None-Match"}},
				{xcache: "HIT", body: "hello", origin: 1},
			},
		},
		{
			name:   "no-store is never stored",
			origin: serve("hello", "Cache-Control", "no-store, max-age=60"),
			steps:  []step{{xcache: "MISS", body: "hello", origin: 1}, {xcache: "MISS", body: "hello", origin: 2}},
			after: func(t *testing.T, s Stats) {
				if s.Entries != 0 {
					t.Errorf("entries %d, want 0", s.Entries)
				}
			},
		},
		{
			name:   "private is not stored by a shared cache",
			origin: serve("hello", "Cache-Control", "private, max-age=60"),
			steps:  []step{{xcache: "MISS", origin: 1}, {xcache: "MISS", origin: 2}},
		},
		{
			name:   `private="Set-Cookie": stored without the cookie`,
			origin: serve("hello", "Cache-Control", `max-age=60, private="Set-Cookie"`, "Set-Cookie", "id=1"),
			steps: []step{
				{xcache: "MISS", origin: 1, want: hdr("Set-Cookie", "id=1")},
				{xcache: "HIT", body: "hello", origin: 1, absent: []string{"Set-Cookie"}},
			},
		},
		{
			name:   "no-cache is stored but revalidated on every use",
			origin: validating("hello", `"v1"`, "", "no-cache"),
			steps: []step{
				{xcache: "MISS", body: "hello", origin: 1},
				{xcache: "HIT", body: "hello", origin: 2, originSaw: hdr("If-None-Match", `"v1"`)},
				{xcache: "HIT", body: "hello", origin: 3, originSaw: hdr("If-None-Match", `"v1"`)},
			},
		},
		{
			name:   "no-cache without a validator is not stored",
			origin: serve("hello", "Cache-Control", "no-cache"),
			steps:  []step{{xcache: "MISS", origin: 1}, {xcache: "MISS", origin: 2}},
		},
		{
			name:   "s-maxage beats a shorter max-age",
			origin: serve("hello", "Cache-Control", "max-age=1, s-maxage=100"),
			steps:  []step{{xcache: "MISS", origin: 1}, {advance: 50 * time.Second, xcache: "HIT", origin: 1, age: "50"}},
		},
		{
			name:   "s-maxage beats a longer max-age",
			origin: serve("hello", "Cache-Control", "max-age=100, s-maxage=10"),
			steps:  []step{{xcache: "MISS", origin: 1}, {advance: 50 * time.Second, xcache: "MISS", origin: 2}},
		},
		{
			name: "Expires minus Date when there is no max-age",
			origin: func(clk *fakeClock) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Date", clk.httpDate(0))
					w.Header().Set("Expires", clk.httpDate(60*time.Second))
					_, _ = io.WriteString(w, "hello")
				}
			},
			steps: []step{
				{xcache: "MISS", origin: 1},
				{advance: 59 * time.Second, xcache: "HIT", origin: 1, age: "59"},
				{advance: 2 * time.Second, xcache: "MISS", origin: 2},
			},
		},
		{
			name:   "max-age beats Expires",
			origin: serve("hello", "Cache-Control", "max-age=60", "Expires", "Thu, 01 Jan 1970 00:00:00 GMT"),
			steps:  []step{{xcache: "MISS", origin: 1}, {xcache: "HIT", origin: 1}},
		},
		{
			name:   "an invalid Expires means already expired",
			origin: serve("hello", "Expires", "0"),
			steps:  []step{{xcache: "MISS", origin: 1}, {xcache: "MISS", origin: 2}},
		},
		{
			name:   "no explicit freshness: not stored (no heuristics)",
			origin: serve("hello", "Etag", `"v1"`, "Last-Modified", lastMod),
			steps:  []step{{xcache: "MISS", origin: 1}, {xcache: "MISS", origin: 2}},
		},
		{
			name:   "DefaultTTL stands in for missing freshness",
			cfg:    Config{DefaultTTL: 30 * time.Second},
			origin: serve("hello"),
			steps: []step{
				{xcache: "MISS", origin: 1},
				{advance: 29 * time.Second, xcache: "HIT", origin: 1},
				{advance: 2 * time.Second, xcache: "MISS", origin: 2},
			},
		},
		{
			name: "Vary: Accept-Encoding stores one variant per encoding",
			origin: func(*fakeClock) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Cache-Control", "max-age=60")
					w.Header().Set("Vary", "Accept-Encoding")
					_, _ = io.WriteString(w, "enc="+r.Header.Get("Accept-Encoding"))
				}
			},
			steps: []step{
				{header: hdr("Accept-Encoding", "gzip"), xcache: "MISS", body: "enc=gzip", origin: 1},
				{header: hdr("Accept-Encoding", "identity"), xcache: "MISS", body: "enc=identity", origin: 2},
				{header: hdr("Accept-Encoding", "gzip"), xcache: "HIT", body: "enc=gzip", origin: 2},
				{header: hdr("Accept-Encoding", "identity"), xcache: "HIT", body: "enc=identity", origin: 2},
				{xcache: "MISS", body: "enc=", origin: 3},
				{xcache: "HIT", body: "enc=", origin: 3},
			},
			after: func(t *testing.T, s Stats) {
				if s.Entries != 3 {
					t.Errorf("entries %d, want 3 variants", s.Entries)
				}
			},
		},
		{
			name:   "Vary: * is never stored",
			origin: serve("hello", "Cache-Control", "max-age=60", "Vary", "*"),
			steps:  []step{{xcache: "MISS", origin: 1}, {xcache: "MISS", origin: 2}},
		},
		{
			name: "POST is passed through, not stored, and invalidates the target",
			origin: func(*fakeClock) http.HandlerFunc {
				return func(w http.ResponseWriter, r *http.Request) {
					w.Header().Set("Cache-Control", "max-age=60")
					b, _ := io.ReadAll(r.Body)
					_, _ = io.WriteString(w, r.Method+":"+string(b))
				}
			},
			steps: []step{
				{xcache: "MISS", body: "GET:", origin: 1},
				{xcache: "HIT", body: "GET:", origin: 1},
				{method: "POST", reqBody: "data", xcache: "MISS", body: "POST:data", origin: 2},
				{method: "POST", reqBody: "data", xcache: "MISS", body: "POST:data", origin: 3},
				{xcache: "MISS", body: "GET:", origin: 4},
				{xcache: "HIT", body: "GET:", origin: 4},
			},
			after: func(t *testing.T, s Stats) {
				if s.Passes != 2 {
					t.Errorf("passes %d, want 2", s.Passes)
				}
			},
		},
		{
			name:   "request no-cache, Pragma: no-cache and max-age=0 force revalidation",
			origin: validating("hello", `"v1"`, "", "max-age=60"),
			steps: []step{
				{xcache: "MISS", origin: 1},
				{header: hdr("Cache-Control", "no-cache"), xcache: "HIT", body: "hello", origin: 2, originSaw: hdr("If-None-Match", `"v1"`)},
				{header: hdr("Pragma", "no-cache"), xcache: "HIT", origin: 3},
				{header: hdr("Cache-Control", "max-age=0"), xcache: "HIT", origin: 4},
				{xcache: "HIT", origin: 4},
			},
		},
		{
			name:   "request max-age and min-fresh",
			origin: max60,
			steps: []step{
				{xcache: "MISS", origin: 1},
				{advance: 30 * time.Second, header: hdr("Cache-Control", "max-age=40"), xcache: "HIT", origin: 1},
				{header: hdr("Cache-Control", "max-age=20"), xcache: "MISS", origin: 2},
				{advance: 50 * time.Second, header: hdr("Cache-Control", "min-fresh=5"), xcache: "HIT", origin: 2},
				{header: hdr("Cache-Control", "min-fresh=20"), xcache: "MISS", origin: 3},
			},
		},
		{
			name:   "request no-store bypasses the store",
			origin: max60,
			steps: []step{
				{header: hdr("Cache-Control", "no-store"), xcache: "MISS", origin: 1},
				{xcache: "MISS", origin: 2},
				{header: hdr("Cache-Control", "no-store"), xcache: "MISS", origin: 3},
				{xcache: "HIT", origin: 3},
			},
		},
		{
			name:   "only-if-cached",
			origin: max60,
			steps: []step{
				{header: hdr("Cache-Control", "only-if-cached"), status: 504, xcache: "MISS", origin: 0},
				{xcache: "MISS", origin: 1},
				{header: hdr("Cache-Control", "only-if-cached"), xcache: "HIT", origin: 1},
			},
		},
		{
			name:   "request max-stale accepts a stale entry",
			origin: serve("hello", "Cache-Control", "max-age=10"),
			steps: []step{
				{xcache: "MISS", origin: 1},
				{advance: 20 * time.Second, header: hdr("Cache-Control", "max-stale=30"), xcache: "STALE", body: "hello", origin: 1, age: "20"},
				{header: hdr("Cache-Control", "max-stale=5"), xcache: "MISS", origin: 2},
			},
		},
		{
			name:   "HEAD is answered from a stored GET",
			origin: max60,
			steps: []step{
				{xcache: "MISS", origin: 1},
				{method: "HEAD", xcache: "HIT", noBody: true, origin: 1, want: hdr("Content-Length", "5")},
			},
		},
		{
			name:   "HEAD miss is stored apart from GET",
			origin: max60,
			steps: []step{
				{method: "HEAD", xcache: "MISS", noBody: true, origin: 1},
				{method: "HEAD", xcache: "HIT", noBody: true, origin: 1, want: hdr("Content-Length", "5")},
				{xcache: "MISS", body: "hello", origin: 2},
			},
		},
		{
			name:   "404 with max-age is stored",
			origin: serveStatus(404, "gone", "Cache-Control", "max-age=60"),
			steps:  []step{{status: 404, xcache: "MISS", origin: 1}, {status: 404, xcache: "HIT", body: "gone", origin: 1}},
		},
		{
			name:   "500 is not stored, even with max-age",
			origin: serveStatus(500, "boom", "Cache-Control", "max-age=60"),
			steps:  []step{{status: 500, xcache: "MISS", origin: 1}, {status: 500, xcache: "MISS", body: "boom", origin: 2}},
		},
		{
			name:   "Authorization: not shared unless public",
			origin: max60,
			steps: []step{
				{header: hdr("Authorization", "Bearer a"), xcache: "MISS", origin: 1},
				{header: hdr("Authorization", "Bearer a"), xcache: "MISS", origin: 2},
				{xcache: "MISS", origin: 3},
				{header: hdr("Authorization", "Bearer a"), xcache: "MISS", origin: 4},
			},
		},
		{
			name:   "Authorization with public is shared",
			origin: serve("hello", "Cache-Control", "public, max-age=60"),
			steps: []step{
				{header: hdr("Authorization", "Bearer a"), xcache: "MISS", origin: 1},
				{header: hdr("Authorization", "Bearer b"), xcache: "HIT", origin: 1},
			},
		},
		{
			name:   "Range requests bypass the store",
			origin: max60,
			steps: []step{
				{xcache: "MISS", origin: 1},
				{header: hdr("Range", "bytes=0-1"), xcache: "MISS", origin: 2},
			},
		},
		{
			name:   "origin down, ServeStaleOnError: served STALE",
			cfg:    Config{ServeStaleOnError: true},
			origin: serve("hello", "Cache-Control", "max-age=10", "X-Backend", "b1"),
			steps: []step{
				{xcache: "MISS", origin: 1},
				{advance: 20 * time.Second, stopOrigin: true, xcache: "STALE", body: "hello", age: "20", origin: 1, want: hdr("X-Backend", "b1")},
			},
			after: func(t *testing.T, s Stats) {
				if s.Stale != 1 || s.OriginErrors != 1 {
					t.Errorf("stats %+v: want 1 stale, 1 origin error", s)
				}
			},
		},
		{
			name:   "origin down without ServeStaleOnError: 502",
			origin: serve("hello", "Cache-Control", "max-age=10"),
			steps: []step{
				{xcache: "MISS", origin: 1},
				{advance: 20 * time.Second, stopOrigin: true, status: 502, xcache: "MISS", origin: 1},
			},
		},
		{
			name:   "origin down, stale-if-error window",
			origin: serve("hello", "Cache-Control", "max-age=10, stale-if-error=60"),
			steps: []step{
				{xcache: "MISS", origin: 1},
				{advance: 20 * time.Second, stopOrigin: true, xcache: "STALE", body: "hello", origin: 1},
				{advance: 60 * time.Second, status: 502, xcache: "MISS", origin: 1},
			},
		},
		{
			name:   "origin down, must-revalidate: never stale",
			cfg:    Config{ServeStaleOnError: true},
			origin: serve("hello", "Cache-Control", "max-age=10, must-revalidate"),
			steps: []step{
				{xcache: "MISS", origin: 1},
				{advance: 20 * time.Second, stopOrigin: true, status: 502, xcache: "MISS", origin: 1},
			},
		},
		{
			name: "origin answers 503 after expiry, ServeStaleOnError: served STALE",
			cfg:  Config{ServeStaleOnError: true},
			origin: func(*fakeClock) http.HandlerFunc {
				var n atomic.Int64
				return func(w http.ResponseWriter, r *http.Request) {
					if n.Add(1) > 1 {
						http.Error(w, "overloaded", http.StatusServiceUnavailable)
						return
					}
					w.Header().Set("Cache-Control", "max-age=10")
					_, _ = io.WriteString(w, "hello")
				}
			},
			steps: []step{
				{xcache: "MISS", origin: 1},
				{advance: 20 * time.Second, xcache: "STALE", body: "hello", origin: 2},
			},
		},
	}
}

func TestBehaviour(t *testing.T) {
	for _, tc := range behaviourCases() {
		t.Run(tc.name, func(t *testing.T) {
			clk := newClock()
			origin := newOrigin(t, tc.origin(clk))
			srv := startCache(t, tc.cfg, origin.URL, clk)
			client := newClient(t)
			for i, st := range tc.steps {
				checkStep(t, i, st, clk, origin, srv, client)
			}
			if tc.after != nil {
				tc.after(t, srv.Stats())
			}
		})
	}
}

func checkStep(t *testing.T, i int, st step, clk *fakeClock, origin *testOrigin, srv *Server, client *http.Client) {
	t.Helper()
	clk.Advance(st.advance)
	if st.stopOrigin {
		origin.Close()
	}
	method, path, status := st.method, st.path, st.status
	if method == "" {
		method = "GET"
	}
	if path == "" {
		path = "/r"
	}
	if status == 0 {
		status = 200
	}
	r := do(client, method, srv.URL()+path, st.header, st.reqBody)
	if r.err != nil {
		t.Fatalf("step %d: %s %s: %v", i, method, path, r.err)
	}
	where := "step " + strconv.Itoa(i) + " (" + method + " " + path + ")"
	if r.status != status {
		t.Errorf("%s: status %d, want %d", where, r.status, status)
	}
	if got := r.header.Get("X-Cache"); st.xcache != "" && got != st.xcache {
		t.Errorf("%s: X-Cache %q, want %q", where, got, st.xcache)
	}
	if st.body != "" && r.body != st.body {
		t.Errorf("%s: body %q, want %q", where, r.body, st.body)
	}
	if st.noBody && r.body != "" {
		t.Errorf("%s: body %q, want none", where, r.body)
	}
	if got := r.header.Get("Age"); st.age != "" && got != st.age {
		t.Errorf("%s: Age %q, want %q", where, got, st.age)
	}
	if got := origin.requests.Load(); got != st.origin {
		t.Errorf("%s: origin has had %d requests, want %d", where, got, st.origin)
	}
	for k := range st.want {
		if got := r.header.Get(k); got != st.want.Get(k) {
			t.Errorf("%s: %s %q, want %q", where, k, got, st.want.Get(k))
		}
	}
	for _, k := range st.absent {
		if got, ok := r.header[http.CanonicalHeaderKey(k)]; ok {
			t.Errorf("%s: %s %q, want none", where, k, got)
		}
	}
	last := origin.lastHeader()
	for k := range st.originSaw {
		if got := last.Get(k); got != st.originSaw.Get(k) {
			t.Errorf("%s: origin saw %s %q, want %q", where, k, got, st.originSaw.Get(k))
		}
	}
	for _, k := range st.originNot {
		if got := last.Get(k); got != "" {
			t.Errorf("%s: origin saw %s %q, want none", where, k, got)
		}
	}
}
