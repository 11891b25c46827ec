package lb

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestProxyForwarding(t *testing.T) {
	b := startBackend(t, "b1")
	base := startBackend(t, "base")
	lb := startLB(t, Config{Backends: []Backend{b.backend()}})
	lbBase := startLB(t, Config{Backends: []Backend{{ID: "base", URL: base.url() + "/prefix/"}}})
	c := newClient(t)
	tests := []struct {
		name   string
		url    string
		method string
		body   string
		hdr    []string
		check  func(t *testing.T, r reply)
	}{
		{name: "X-Backend passes through, X-Forwarded-For is the peer", url: lb.URL() + "/x?q=1", check: func(t *testing.T, r reply) {
			if r.backend != "b1" || r.header.Get("X-Seen-XFF") != "127.0.0.1" || r.header.Get("X-Seen-Path") != "/x?q=1" {
				t.Errorf("headers %v", r.header)
			}
		}},
		{name: "X-Forwarded-For is appended to", url: lb.URL(), hdr: []string{"X-Forwarded-For", "203.0.113.9"}, check: func(t *testing.T, r reply) {
			if got := r.header.Get("X-Seen-XFF"); got != "203.0.113.9, 127.0.0.1" {
				t.Errorf("X-Forwarded-For %q", got)
			}
		}},
		{name: "Host passes through", url: lb.URL(), hdr: []string{"Host", "shop.example"}, check: func(t *testing.T, r reply) {
			if got := r.header.Get("X-Seen-Host"); got != "shop.example" {
				t.Errorf("Host %q", got)
			}
		}},
		{name: "headers named by Connection are dropped", url: lb.URL(), hdr: []string{"Connection", "X-Foo", "X-Foo", "secret"}, check: func(t *testing.T, r reply) {
			if got := r.header.Get("X-Seen-Foo"); got != "" {
				t.Errorf("X-Foo reached the backend: %q", got)
			}
		}},
		{name: "POST body", url: lb.URL(), method: http.MethodPost, body: strings.Repeat("z", 100000), check: func(t *testing.T, r reply) {
			if len(r.body) != 100000 {
				t.Errorf("echoed %d bytes", len(r.body))
			}
		}},
		{name: "HEAD", url: lb.URL(), method: http.MethodHead, check: func(t *testing.T, r reply) {
			if r.body != "" || r.status != http.StatusOK {
				t.Errorf("HEAD: %d %q", r.status, r.body)
			}
		}},
		{name: "backend base path", url: lbBase.URL() + "/a/b?c", check: func(t *testing.T, r reply) {
			if got := r.header.Get("X-Seen-Path"); got != "/prefix/a/b?c" {
				t.Errorf("path %q", got)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodGet
			}
			r, err := do(c, method, tt.url, tt.body, tt.hdr...)
			if err != nil {
				t.Fatal(err)
			}
			if r.status != http.StatusOK {
				t.Fatalf("status %d: %s", r.status, r.body)
			}
			tt.check(t, r)
		})
	}
}

// TestProxyStreamsAndTrailers: a chunked response is flushed piece by
// piece, and its trailers arrive.
func TestProxyStreamsAndTrailers(t *testing.T) {
	next := make(chan struct{})
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Sum")
		w.Header().Set("X-Backend", "stream")
		_, _ = io.WriteString(w, "first\n")
		w.(http.Flusher).Flush()
		select {
		case <-next:
		case <-r.Context().Done():
			return
		}
		_, _ = io.WriteString(w, "second\n")
		w.Header().Set("X-Sum", "42")
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	lb := startLB(t, Config{Backends: []Backend{{URL: "http://" + ln.Addr().String()}}})
	c := newClient(t)
	resp, err := c.Get(lb.URL())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	br := bufio.NewReader(resp.Body)
	if line, err := br.ReadString('\n'); err != nil || line != "first\n" {
		t.Fatalf("first piece: %q %v (not flushed?)", line, err)
	}
	close(next)
	rest, err := io.ReadAll(br)
	if err != nil || string(rest) != "second\n" {
		t.Fatalf("rest %q %v", rest, err)
	}
	if got := resp.Trailer.Get("X-Sum"); got != "42" {
		t.Errorf("trailer X-Sum = %q, want 42", got)
	}
}

// TestProxyBackendDiesMidBody: the client's connection is aborted rather
// than a truncated body passed off as whole, and the backend is charged.
func TestProxyBackendDiesMidBody(t *testing.T) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "1000")
		_, _ = io.WriteString(w, "only a part")
		w.(http.Flusher).Flush()
		panic(http.ErrAbortHandler) // cut the connection
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	lb := startLB(t, Config{Backends: []Backend{{ID: "b", URL: "http://" + ln.Addr().String()}}})
	c := newClient(t)
	resp, err := c.Get(lb.URL())
	if err == nil { // the head may or may not have left before the abort
		_, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	if err == nil {
		t.Error("truncated response passed off as whole")
	}
	if st := backendStats(t, lb.Pool, "b"); st.Errors != 1 || st.InFlight != 0 {
		t.Errorf("backend stats %+v, want 1 error, none in flight", st)
	}
}

// TestClientLeavesMidRequest: a client that hangs up frees the backend's
// slot at once and is not the backend's fault.
func TestClientLeavesMidRequest(t *testing.T) {
	b := startBackend(t, "b1")
	lb := startLB(t, Config{Backends: []Backend{b.backend()}, Passive: Passive{Failures: 1}})
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, lb.URL()+"/hold", nil)
	done := make(chan error, 1)
	c := newClient(t)
	go func() {
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	waitFor(t, 2*time.Second, "the request in flight", func() bool { return backendStats(t, lb.Pool, "b1").InFlight == 1 })
	cancel()
	<-done
	waitFor(t, 2*time.Second, "the slot freed", func() bool { return backendStats(t, lb.Pool, "b1").InFlight == 0 })
	if st := backendStats(t, lb.Pool, "b1"); st.Errors != 0 || st.Ejected {
		t.Errorf("client hang-up charged to the backend: %+v", st)
	}
	get(t, c, lb.URL())
}

// TestShutdownWaitsThenCuts: Shutdown lets a request in flight finish
// while its context lasts, then cuts it off.
func TestShutdownWaitsThenCuts(t *testing.T) {
	b := startBackend(t, "b1")
	lbs, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Backends: []Backend{b.backend()}})
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t)
	got := make(chan error, 1)
	go func() {
		_, err := do(c, http.MethodGet, lbs.URL()+"/hold", "")
		got <- err
	}()
	waitFor(t, 2*time.Second, "the request in flight", func() bool { return lbs.Stats().Backends[0].InFlight == 1 })
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := lbs.Shutdown(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want a deadline error", err)
	}
	if err := <-got; err == nil {
		t.Error("the cut-off request succeeded")
	}
	if n := lbs.Stats().Backends[0].InFlight; n != 0 {
		t.Errorf("%d in flight after Shutdown", n)
	}
}

// TestStartContextBoundsLife: cancelling Start's context closes the
// balancer; Shutdown then returns at once.
func TestStartContextBoundsLife(t *testing.T) {
	b := startBackend(t, "b1")
	ctx, cancel := context.WithCancel(context.Background())
	lbs, err := Start(ctx, Config{Addr: "127.0.0.1:0", Backends: []Backend{b.backend()}, Health: HealthCheck{Interval: 10 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	get(t, newClient(t), lbs.URL())
	cancel()
	waitFor(t, 2*time.Second, "the listener to close", func() bool {
		c, err := net.Dial("tcp", lbs.Addr())
		if err == nil {
			c.Close()
		}
		return err != nil
	})
	if err := lbs.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown after cancel: %v", err)
	}
	if _, err := Start(ctx, Config{Backends: []Backend{b.backend()}}); err == nil {
		t.Error("Start with a done context succeeded")
	}
}

// BenchmarkProxy measures one keep-alive request through the L7 balancer
// against a local backend: the balancer's CPU and allocations per request
// (the client's and backend's are in the figures too).
func BenchmarkProxy(b *testing.B) {
	be := startBackend(b, "b1")
	lb := startLB(b, Config{Backends: []Backend{be.backend()}})
	c := newClient(b)
	req, _ := http.NewRequest(http.MethodGet, lb.URL()+"/", nil)
	b.ReportAllocs()
	for b.Loop() {
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

// TestProxyChunkedUpload: a body of unknown length goes upstream chunked,
// with its trailers, and Expect: 100-continue is answered by the balancer.
func TestProxyChunkedUpload(t *testing.T) {
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		w.Header().Set("X-Seen-TE", strings.Join(r.TransferEncoding, ","))
		w.Header().Set("X-Seen-Expect", r.Header.Get("Expect"))
		_, _ = io.WriteString(w, string(body)+"|"+r.Trailer.Get("X-Check"))
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	lb := startLB(t, Config{Backends: []Backend{{URL: "http://" + ln.Addr().String()}}})
	tr := &http.Transport{ExpectContinueTimeout: 5 * time.Second}
	t.Cleanup(tr.CloseIdleConnections)
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	payload := strings.Repeat("chunk ", 5000)
	req, _ := http.NewRequest(http.MethodPost, lb.URL(), io.NopCloser(strings.NewReader(payload))) // length unknown
	req.Trailer = http.Header{"X-Check": {"abc"}}
	req.Header.Set("Expect", "100-continue")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if string(got) != payload+"|abc" {
		t.Errorf("echo of %d bytes: got %d bytes, ending %q", len(payload), len(got), got[max(0, len(got)-10):])
	}
	if te := resp.Header.Get("X-Seen-TE"); te != "chunked" {
		t.Errorf("backend saw Transfer-Encoding %q, want chunked", te)
	}
	if e := resp.Header.Get("X-Seen-Expect"); e != "" {
		t.Errorf("Expect reached the backend: %q", e)
	}
}
