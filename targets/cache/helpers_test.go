package cache

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the tests: every
// cache, origin and client a test starts is closed in t.Cleanup.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// fakeClock is the cache's clock in tests, moved by hand so that expiry
// needs no sleeping. It starts on a whole second, so ages are exact.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// httpDate formats the clock's time plus d for Date, Expires and
// Last-Modified.
func (c *fakeClock) httpDate(d time.Duration) string {
	return c.Now().Add(d).Format(http.TimeFormat)
}

// testOrigin is an httptest origin that counts requests and keeps the
// header of the last one.
type testOrigin struct {
	*httptest.Server
	requests atomic.Int64
	mu       sync.Mutex
	last     http.Header
}

func newOrigin(t testing.TB, h http.HandlerFunc) *testOrigin {
	t.Helper()
	o := &testOrigin{}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.requests.Add(1)
		o.mu.Lock()
		o.last = r.Header.Clone()
		o.mu.Unlock()
		h(w, r)
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *testOrigin) lastHeader() http.Header {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.last
}

// startCache starts a cache on a free port of 127.0.0.1 in front of
// origin, with clk as its clock (nil: the real one), and shuts it down
// when the test ends.
func startCache(t testing.TB, cfg Config, origin string, clk *fakeClock) *Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	cfg.Origin = origin
	now := time.Now
	if clk != nil {
		now = clk.Now
	}
	s, err := start(t.Context(), cfg, now)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

// newClient is a keep-alive client that neither asks for nor decodes
// gzip by itself, so that tests set Accept-Encoding themselves.
func newClient(t testing.TB) *http.Client {
	t.Helper()
	tr := &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: 200,
		DisableCompression:  true,
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{
		Transport:     tr,
		Timeout:       10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// reply is a response read in full.
type reply struct {
	status int
	header http.Header
	body   string
	err    error
}

// do sends one request; it does not fail the test, so that it may run in
// any goroutine.
func do(c *http.Client, method, url string, h http.Header, body string) reply {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return reply{err: err}
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

// hdr builds a header from pairs of name and value.
func hdr(kv ...string) http.Header {
	h := make(http.Header)
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}
