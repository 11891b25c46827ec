package backend

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// watcher reports requests entering and leaving a server's handler, by path
// and query. A handler never waits on a test: reports that find the buffer
// full are dropped.
type watcher struct {
	entered, left chan string
}

func newWatcher() *watcher {
	return &watcher{entered: make(chan string, 1000), left: make(chan string, 1000)}
}

func (w *watcher) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		report(w.entered, r.URL.RequestURI())
		next.ServeHTTP(rw, r)
		report(w.left, r.URL.RequestURI())
	})
}

func report(ch chan<- string, uri string) {
	select {
	case ch <- uri:
	default:
	}
}

// startServer starts a backend on a free port of 127.0.0.1 unless cfg says
// otherwise, to be shut down when the test ends. Its requests are reported to the returned
// watcher.
func startServer(t testing.TB, ctx context.Context, cfg Config) (*Server, *watcher) {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	w := newWatcher()
	s, err := start(ctx, cfg, w.wrap)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return s, w
}

// testClient is an HTTP client with its own transport, which counts the
// connections it dials.
type testClient struct {
	*http.Client
	tr    *http.Transport
	dials atomic.Int64
}

func newClient(t testing.TB) *testClient {
	c := &testClient{}
	var d net.Dialer
	c.tr = &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c.dials.Add(1)
			return d.DialContext(ctx, network, addr)
		},
		MaxIdleConnsPerHost: 100,
		DisableCompression:  true,
	}
	c.Client = &http.Client{Transport: c.tr}
	t.Cleanup(c.tr.CloseIdleConnections)
	return c
}

// result is what a client got for one request.
type result struct {
	status int
	header http.Header
	body   string
	err    error
}

// fetch does one request with ctx and reads the whole response, so that the
// connection can be reused. It reports failures in the result, so that it
// may run on any goroutine.
func (c *testClient) fetch(ctx context.Context, method, url, body string) result {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return result{err: err}
	}
	res, err := c.Do(req)
	if err != nil {
		return result{err: err}
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return result{status: res.StatusCode, header: res.Header, body: string(b), err: err}
}

// newCloseClient returns a client without keep-alive: every request dials
// and asks the server to close the connection after the response, so that
// a single-threaded server is free again once a request is answered.
func newCloseClient(t testing.TB) *testClient {
	c := newClient(t)
	c.tr.DisableKeepAlives = true
	return c
}

// get does one request from the test's goroutine, within 10 s, and fails
// the test on a transport error.
func (c *testClient) get(t *testing.T, method, url, body string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	r := c.fetch(ctx, method, url, body)
	if r.err != nil {
		t.Fatalf("%s %s: %v", method, url, r.err)
	}
	return r
}

// recv waits for a value on ch, failing the test after timeout.
func recv[T any](t *testing.T, ch <-chan T, timeout time.Duration, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(timeout):
		t.Fatalf("no %s after %v", what, timeout)
		panic("unreachable")
	}
}

// dialFails reports whether nothing accepts connections at addr.
func dialFails(addr string) bool {
	conn, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return true
	}
	conn.Close()
	return false
}

// waitFor polls cond until it holds, failing the test after 10 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s after 10s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// timedGet does one GET with a 10 s limit and returns how long it took.
func (c *testClient) timedGet(t *testing.T, url string) (result, time.Duration) {
	t.Helper()
	began := time.Now()
	r := c.get(t, "GET", url, "")
	return r, time.Since(began)
}
