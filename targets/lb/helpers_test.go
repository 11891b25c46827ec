package lb

import (
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the tests: every
// balancer, backend and client must be shut down.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testBackend is a small HTTP backend on 127.0.0.1 that answers every
// request with "X-Backend: <id>", as the bundled targets do behind the
// balancer. It can be killed (connections cut) and restarted on the same
// port.
//
//	/hold        blocks until release() or the client leaves
//	/healthz     200, or 503 while sick
//	?sleep=20ms  waits that long first (and delay, always)
//	POST, PUT    echo the request body, once read whole
//
// Every answer carries X-Seen-XFF and X-Seen-Host: what reached it.
type testBackend struct {
	t    testing.TB
	id   string
	addr string

	hits  atomic.Int64
	sick  atomic.Bool
	delay atomic.Int64 // ns added to every request

	opts []func(*http.Server) // applied to every server, restarts included

	mu     sync.Mutex
	srv    *http.Server
	served chan struct{}
	held   chan struct{} // closed by release
}

func startBackend(t testing.TB, id string, opts ...func(*http.Server)) *testBackend {
	t.Helper()
	b := &testBackend{t: t, id: id, addr: "127.0.0.1:0", held: make(chan struct{}), opts: opts}
	b.listen()
	t.Cleanup(b.kill)
	return b
}

// listen starts serving on b.addr (the same port after a restart).
func (b *testBackend) listen() {
	b.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the port may linger for a moment after a kill
		if ln, err = net.Listen("tcp", b.addr); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		b.t.Fatalf("backend %s: listen: %v", b.id, err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.addr = ln.Addr().String()
	b.srv = &http.Server{Handler: http.HandlerFunc(b.serve), ReadHeaderTimeout: 5 * time.Second}
	for _, o := range b.opts {
		o(b.srv)
	}
	b.served = make(chan struct{})
	srv, served := b.srv, b.served
	go func() {
		defer close(served)
		_ = srv.Serve(ln)
	}()
}

func (b *testBackend) url() string { return "http://" + b.addr }

func (b *testBackend) backend() Backend { return Backend{ID: b.id, URL: b.url()} }

func (b *testBackend) serve(w http.ResponseWriter, r *http.Request) {
	b.hits.Add(1)
	h := w.Header()
	h.Set("X-Backend", b.id)
	h.Set("X-Seen-XFF", r.Header.Get("X-Forwarded-For"))
	h.Set("X-Seen-Host", r.Host)
	h.Set("X-Seen-Path", r.URL.RequestURI())
	h.Set("X-Seen-Foo", r.Header.Get("X-Foo"))
	if d := time.Duration(b.delay.Load()); d > 0 {
		time.Sleep(d)
	}
	if d, err := time.ParseDuration(r.URL.Query().Get("sleep")); err == nil {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	switch {
	case r.URL.Path == "/healthz":
		if b.sick.Load() {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = io.WriteString(w, "ok")
	case r.URL.Path == "/hold":
		b.mu.Lock()
		held := b.held
		b.mu.Unlock()
		select {
		case <-held:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "released")
	case r.Method == http.MethodPost || r.Method == http.MethodPut:
		// Read it all first: net/http's server stops reading a request
		// body once the response is under way.
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		_, _ = w.Write(body)
	default:
		_, _ = io.WriteString(w, "hello from "+b.id)
	}
}

// release lets every /hold request in flight finish, and the next ones
// too.
func (b *testBackend) release() {
	b.mu.Lock()
	defer b.mu.Unlock()
	select {
	case <-b.held:
	default:
		close(b.held)
	}
}

// kill closes the listener and every connection at once, as a crash does.
func (b *testBackend) kill() {
	b.mu.Lock()
	srv, served := b.srv, b.served
	b.mu.Unlock()
	_ = srv.Close()
	<-served
}

// stop shuts down gracefully, as a planned restart does.
func (b *testBackend) stop(ctx context.Context) error {
	b.mu.Lock()
	srv, served := b.srv, b.served
	b.mu.Unlock()
	err := srv.Shutdown(ctx)
	<-served
	return err
}

// startLB starts a balancer on port 0 and shuts it down at cleanup.
func startLB(t testing.TB, cfg Config) *Balancer {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	b, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := b.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return b
}

// newClient returns a keep-alive client whose connections are closed at
// cleanup.
func newClient(t testing.TB) *http.Client {
	tr := &http.Transport{MaxIdleConnsPerHost: 64, DisableCompression: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

// reply is what a test learns from one request through the balancer.
type reply struct {
	status  int
	backend string
	header  http.Header
	body    string
}

// do sends one request; hdr holds extra headers as name, value pairs.
func do(c *http.Client, method, url, body string, hdr ...string) (reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return reply{}, err
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i] == "Host" {
			req.Host = hdr[i+1]
			continue
		}
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: resp.StatusCode, backend: resp.Header.Get("X-Backend"), header: resp.Header, body: string(b)}, nil
}

// get sends a GET and fails the test unless the answer is 200.
func get(t testing.TB, c *http.Client, url string, hdr ...string) reply {
	t.Helper()
	r, err := do(c, http.MethodGet, url, "", hdr...)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: status %d, body %q", url, r.status, r.body)
	}
	return r
}

// count sends n GETs from conc goroutines and counts answers per backend.
// Errors and non-200 answers are counted under "error".
func count(c *http.Client, url string, n, conc int) map[string]int {
	var mu sync.Mutex
	counts := map[string]int{}
	var next atomic.Int64
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for next.Add(1) <= int64(n) {
				r, err := do(c, http.MethodGet, url, "")
				key := r.backend
				if err != nil || r.status != http.StatusOK {
					key = "error"
				}
				mu.Lock()
				counts[key]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return counts
}

// waitFor polls cond every 5 ms until it holds or d has passed, and
// reports how long it took.
func waitFor(t testing.TB, d time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > d {
			t.Fatalf("still waiting after %v for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// backendStats returns the stats of backend id.
func backendStats(t testing.TB, p *Pool, id string) BackendStats {
	t.Helper()
	for _, b := range p.Stats().Backends {
		if b.ID == id {
			return b
		}
	}
	t.Fatalf("no backend %q in stats", id)
	return BackendStats{}
}

// tcpBackend is an L4 test backend: it greets every connection with
// "<id>\n" and then echoes what it reads until the client half-closes.
type tcpBackend struct {
	id    string
	ln    net.Listener
	wg    sync.WaitGroup
	conns sync.Map
	open  atomic.Int64
}

func startTCPBackend(t testing.TB, id string) *tcpBackend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &tcpBackend{id: id, ln: ln}
	b.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			b.conns.Store(c, true)
			b.open.Add(1)
			b.wg.Go(func() {
				defer b.open.Add(-1)
				defer b.conns.Delete(c)
				defer c.Close()
				if _, err := io.WriteString(c, id+"\n"); err != nil {
					return
				}
				_, _ = io.Copy(c, c)
				_ = c.(*net.TCPConn).CloseWrite()
			})
		}
	})
	t.Cleanup(b.close)
	return b
}

func (b *tcpBackend) addr() string { return b.ln.Addr().String() }

func (b *tcpBackend) close() {
	_ = b.ln.Close()
	b.conns.Range(func(k, _ any) bool {
		_ = k.(net.Conn).Close()
		return true
	})
	b.wg.Wait()
}

// readLine reads up to and without '\n', one byte at a time, so that
// nothing after it is consumed.
func readLine(c net.Conn) (string, error) {
	var sb strings.Builder
	var b [1]byte
	for {
		if _, err := io.ReadFull(c, b[:]); err != nil {
			return sb.String(), err
		}
		if b[0] == '\n' {
			return sb.String(), nil
		}
		sb.WriteByte(b[0])
	}
}

// dialGreeting connects to an L4 balancer and returns the connection and
// the ID of the backend that greeted it.
func dialGreeting(t testing.TB, addr string) (net.Conn, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 2*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	id, err := readLine(c)
	if err != nil {
		c.Close()
		t.Fatalf("greeting: %v (got %q)", err, id)
	}
	return c, id
}

func itoa(i int) string { return strconv.Itoa(i) }
