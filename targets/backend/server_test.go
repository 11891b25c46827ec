package backend

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestListenAddr(t *testing.T) {
	tests := []struct {
		in, want string
		bad      bool
	}{
		{in: "", want: "127.0.0.1:8080"},
		{in: ":0", want: "127.0.0.1:0"},
		{in: ":9000", want: "127.0.0.1:9000"},
		{in: "127.0.0.1:0", want: "127.0.0.1:0"},
		{in: "0.0.0.0:80", want: "0.0.0.0:80"},
		{in: "[::1]:0", want: "[::1]:0"},
		{in: "localhost:0", want: "localhost:0"},
		{in: "127.0.0.1", bad: true},
		{in: "nonsense", bad: true},
	}
	for _, tt := range tests {
		got, err := listenAddr(tt.in)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("listenAddr(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.bad)
		}
	}
}

func TestStartAddrAndURL(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:0", ":0"} {
		s, _ := startServer(t, context.Background(), Config{Addr: addr})
		host, port, err := net.SplitHostPort(s.Addr())
		if err != nil || host != "127.0.0.1" || port == "0" {
			t.Errorf("Addr %q from config %q; want 127.0.0.1 and a chosen port", s.Addr(), addr)
		}
		if s.URL() != "http://"+s.Addr() {
			t.Errorf("URL %q; want http://%s", s.URL(), s.Addr())
		}
		c := newClient(t)
		if r := c.get(t, "GET", s.URL()+"/healthz", ""); r.status != 200 {
			t.Errorf("GET %s/healthz: %d", s.URL(), r.status)
		}
	}
}

func TestStartErrors(t *testing.T) {
	taken, _ := startServer(t, context.Background(), Config{})
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	tests := []struct {
		name string
		ctx  context.Context
		cfg  Config
		want string
	}{
		{"bad work", context.Background(), Config{Addr: "127.0.0.1:0", Default: WorkModel{Size: -1, Status: 700}}, "size"},
		{"bad address", context.Background(), Config{Addr: "nonsense"}, "nonsense"},
		{"port taken", context.Background(), Config{Addr: taken.Addr()}, taken.Addr()},
		{"cancelled", cancelled, Config{Addr: "127.0.0.1:0"}, "context canceled"},
	}
	for _, tt := range tests {
		s, err := Start(tt.ctx, tt.cfg)
		if err == nil {
			_ = s.Shutdown(context.Background())
			t.Errorf("%s: Start succeeded", tt.name)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Start error %q; want it to mention %q", tt.name, err, tt.want)
		}
	}
}

func TestEndpoints(t *testing.T) {
	s, _ := startServer(t, context.Background(), Config{Default: WorkSpec{Size: 10}.Model()})
	c := newClient(t)
	root := "stampede backend b1 (concurrent)\n"
	tests := []struct {
		method, target, body string
		status               int
		wantBody             string
		header               map[string]string // "" means absent
	}{
		{"GET", "/", "", 200, root, map[string]string{
			"Content-Type": "text/plain; charset=utf-8", "Content-Length": strconv.Itoa(len(root))}},
		{"GET", "/?x=1", "", 200, root, nil},
		{"HEAD", "/", "", 200, "", map[string]string{"Content-Length": strconv.Itoa(len(root))}},
		{"POST", "/", "data", 405, "405 method not allowed: use GET or HEAD\n", map[string]string{"Allow": "GET, HEAD"}},
		{"GET", "/healthz", "", 200, "ok", map[string]string{"Content-Type": "text/plain; charset=utf-8", "Content-Length": "2"}},
		{"HEAD", "/healthz", "", 200, "", nil},
		{"DELETE", "/healthz", "", 405, "405 method not allowed: use GET or HEAD\n", nil},
		{"GET", "/nope", "", 404, "404 page not found\n", nil},
		{"GET", "/work/", "", 404, "404 page not found\n", nil},
		{"GET", "/healthz/x", "", 404, "404 page not found\n", nil},
		{"GET", "/work", "", 200, wantBody(10), map[string]string{
			"Content-Type": "text/plain; charset=utf-8", "Content-Length": "10"}},
		{"GET", "/work?size=0", "", 200, "", map[string]string{"Content-Length": "0"}},
		{"GET", "/work?size=1024", "", 200, wantBody(1024), map[string]string{"Content-Length": "1024"}},
		{"GET", "/work?size=200000", "", 200, wantBody(200000), map[string]string{"Content-Length": "200000"}},
		{"GET", "/work?status=503", "", 503, wantBody(10), nil},
		{"GET", "/work?status=599&size=3", "", 599, wantBody(3), nil},
		{"GET", "/work?status=204", "", 204, "", map[string]string{"Content-Length": ""}},
		{"GET", "/work?sleep=1ms&size=5&status=201", "", 201, wantBody(5), nil},
		{"GET", "/work?s%69ze=7", "", 200, wantBody(7), nil},
		{"GET", "/work?id=42&size=3", "", 200, wantBody(3), nil},
		{"GET", "/work?size=3&size=4", "", 200, wantBody(4), nil},
		{"HEAD", "/work?size=5000", "", 200, "", map[string]string{"Content-Length": "5000"}},
		{"POST", "/work?size=3", "hello", 200, wantBody(3), nil},
		{"POST", "/work", strings.Repeat("u", 1<<20), 200, wantBody(10), nil},
		{"PUT", "/work?status=202", "x", 202, wantBody(10), nil},
		{"DELETE", "/work", "", 200, wantBody(10), nil},
		{"PATCH", "/work", "{}", 200, wantBody(10), nil},
		{"OPTIONS", "/work", "", 200, wantBody(10), nil},
	}
	for _, tt := range tests {
		r := c.get(t, tt.method, s.URL()+tt.target, tt.body)
		if r.status != tt.status || r.body != tt.wantBody {
			t.Errorf("%s %s: %d, %d bytes %.40q; want %d, %d bytes %.40q",
				tt.method, tt.target, r.status, len(r.body), r.body, tt.status, len(tt.wantBody), tt.wantBody)
		}
		for k, want := range tt.header {
			if got := r.header.Get(k); got != want {
				t.Errorf("%s %s: header %s %q; want %q", tt.method, tt.target, k, got, want)
			}
		}
	}
	if got := s.Requests(); got != uint64(len(tests)) {
		t.Errorf("Requests() = %d after %d requests", got, len(tests))
	}
}

func TestWorkMaxSize(t *testing.T) {
	s, _ := startServer(t, context.Background(), Config{})
	c := newClient(t)
	res, err := c.Get(s.URL() + "/work?size=" + strconv.Itoa(MaxSize))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil || n != MaxSize || res.ContentLength != MaxSize {
		t.Errorf("size=MaxSize: read %d bytes (%v), Content-Length %d; want %d", n, err, res.ContentLength, MaxSize)
	}
}

func TestWorkBadParameters(t *testing.T) {
	s, _ := startServer(t, context.Background(), Config{})
	c := newClient(t)
	for _, tt := range badParams {
		r := c.get(t, "GET", s.URL()+"/work?"+tt.query, "")
		if r.status != 400 || !strings.Contains(r.body, "bad parameter "+tt.param+"=") {
			t.Errorf("GET /work?%s: %d %q; want 400 naming %s", tt.query, r.status, r.body, tt.param)
		}
		if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
			t.Errorf("GET /work?%s: Content-Type %q", tt.query, ct)
		}
	}
	if got := c.dials.Load(); got != 1 {
		t.Errorf("%d connections for %d bad requests; want 1 (400 keeps the connection)", got, len(badParams))
	}
}

func TestKeepAlive(t *testing.T) {
	s, _ := startServer(t, context.Background(), Config{})
	c := newClient(t)
	reqs := []struct{ method, target, body string }{
		{"GET", "/", ""},
		{"GET", "/healthz", ""},
		{"GET", "/work?size=100000", ""},
		{"POST", "/work?size=10", strings.Repeat("b", 100000)},
		{"POST", "/work", "small"},
		{"PUT", "/work?status=503", "x"},
		{"HEAD", "/work?size=1000", ""},
		{"GET", "/work?status=204", ""},
		{"GET", "/work?size=-1", ""},
		{"GET", "/missing", ""},
		{"POST", "/", "body"},
		{"GET", "/work?sleep=1ms", ""},
	}
	for range 3 {
		for _, r := range reqs {
			c.get(t, r.method, s.URL()+r.target, r.body)
		}
	}
	if got := c.dials.Load(); got != 1 {
		t.Errorf("%d connections dialled for %d sequential requests; want 1", got, 3*len(reqs))
	}
	if got, want := s.Requests(), uint64(3*len(reqs)); got != want {
		t.Errorf("Requests() = %d; want %d", got, want)
	}
}

func TestConcurrentClients(t *testing.T) {
	s, _ := startServer(t, context.Background(), Config{Default: WorkSpec{Sleep: 2 * time.Millisecond, Size: 100}.Model()})
	c := newClient(t)
	const clients, each = 50, 20
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				r := c.fetch(t.Context(), "GET", s.URL()+"/work", "")
				if r.err != nil || r.status != 200 || len(r.body) != 100 {
					t.Errorf("GET /work: %d, %d bytes, %v", r.status, len(r.body), r.err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := s.Requests(); got != clients*each {
		t.Errorf("Requests() = %d; want %d", got, clients*each)
	}
	// The transport may dial for a request and then hand it a connection
	// freed meanwhile, so a few more dials than clients are fine; one per
	// request is not.
	if got := c.dials.Load(); got > 2*clients {
		t.Errorf("%d connections for %d clients making %d requests each; want them reused", got, clients, each)
	}
}

func TestWorkSleepHonoured(t *testing.T) {
	const d = 50 * time.Millisecond
	s, _ := startServer(t, context.Background(), Config{Default: WorkSpec{Sleep: d}.Model()})
	c := newClient(t)
	tests := []struct {
		target string
		min    time.Duration
	}{
		{"/work", d}, // the configured default
		{"/work?sleep=50ms", 50 * time.Millisecond},
		{"/work?sleep=0.06s", 60 * time.Millisecond},
		{"/work?sleep=40", 40 * time.Millisecond},
		{"/work?sleep=30.5", 30500 * time.Microsecond},
		{"/work?sleep=45ms&status=503&size=100", 45 * time.Millisecond},
	}
	for _, tt := range tests {
		began := time.Now()
		r := c.get(t, "GET", s.URL()+tt.target, "")
		if took := time.Since(began); took < tt.min {
			t.Errorf("GET %s answered %d after %v; want no sooner than %v", tt.target, r.status, took, tt.min)
		}
	}
}

// TestWorkCancelledWhenClientGoes checks that a request sleeping in /work
// returns as soon as its client hangs up, instead of holding a goroutine for
// the rest of its sleep.
func TestWorkCancelledWhenClientGoes(t *testing.T) {
	s, w := startServer(t, context.Background(), Config{})
	for _, method := range []string{"GET", "POST"} {
		c := newClient(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan result, 1)
		go func() { done <- c.fetch(ctx, method, s.URL()+"/work?sleep=30s", "payload") }()
		recv(t, w.entered, 10*time.Second, "request in the handler")
		began := time.Now()
		cancel()
		if r := recv(t, done, 10*time.Second, "client result"); r.err == nil {
			t.Errorf("%s: request completed with %d despite the cancel", method, r.status)
		}
		recv(t, w.left, 5*time.Second, "handler return after the client hung up")
		if took := time.Since(began); took > 5*time.Second {
			t.Errorf("%s: handler returned %v after the client hung up", method, took)
		}
		c.tr.CloseIdleConnections()
	}
	if got := s.Requests(); got != 2 {
		t.Errorf("Requests() = %d; want the 2 interrupted requests", got)
	}
}

func TestShutdownGraceful(t *testing.T) {
	s, w := startServer(t, context.Background(), Config{})
	c := newClient(t)
	done := make(chan result, 1)
	go func() { done <- c.fetch(context.Background(), "GET", s.URL()+"/work?sleep=300ms&size=5000", "") }()
	recv(t, w.entered, 10*time.Second, "request in the handler")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if got := s.Requests(); got != 1 {
		t.Errorf("Shutdown returned with Requests() = %d; want 1, the request in flight finished first", got)
	}
	r := recv(t, done, 10*time.Second, "client result")
	if r.err != nil || r.status != 200 || r.body != wantBody(5000) {
		t.Errorf("request in flight during Shutdown: %d, %d bytes, %v; want 200 and the whole body", r.status, len(r.body), r.err)
	}
	if !dialFails(s.Addr()) {
		t.Errorf("the server still accepts connections after Shutdown")
	}
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	c.tr.CloseIdleConnections()
	goleak.VerifyNone(t)
}

func TestShutdownClosesIdleConnections(t *testing.T) {
	s, _ := startServer(t, context.Background(), Config{})
	c := newClient(t)
	for range 3 {
		c.get(t, "GET", s.URL()+"/work", "")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	began := time.Now()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if took := time.Since(began); took > 3*time.Second {
		t.Errorf("Shutdown with only idle connections took %v", took)
	}
	if r := c.fetch(context.Background(), "GET", s.URL()+"/", ""); r.err == nil {
		t.Errorf("request after Shutdown: %d; want an error", r.status)
	}
	c.tr.CloseIdleConnections()
	goleak.VerifyNone(t)
}

func TestShutdownForced(t *testing.T) {
	s, w := startServer(t, context.Background(), Config{})
	c := newClient(t)
	done := make(chan result, 1)
	go func() { done <- c.fetch(context.Background(), "GET", s.URL()+"/work?sleep=30s", "") }()
	recv(t, w.entered, 10*time.Second, "request in the handler")

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	began := time.Now()
	err := s.Shutdown(ctx)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v; want it to wrap context.DeadlineExceeded", err)
	}
	if took := time.Since(began); took > 5*time.Second {
		t.Errorf("forced Shutdown took %v", took)
	}
	if r := recv(t, done, 10*time.Second, "client result"); r.err == nil && r.status == 200 {
		t.Errorf("request cut off by Shutdown got 200")
	}
	recv(t, w.left, time.Second, "handler return") // Shutdown waited for it
	c.tr.CloseIdleConnections()
	goleak.VerifyNone(t)
}

func TestStartContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, w := startServer(t, ctx, Config{})
	c := newClient(t)
	done := make(chan result, 1)
	go func() { done <- c.fetch(context.Background(), "GET", s.URL()+"/work?sleep=30s", "") }()
	recv(t, w.entered, 10*time.Second, "request in the handler")

	cancel()
	if r := recv(t, done, 5*time.Second, "client result after cancelling Start's context"); r.err == nil && r.status == 200 {
		t.Errorf("request in flight when the server's context was cancelled got 200")
	}
	recv(t, w.left, 5*time.Second, "handler return after cancelling Start's context")
	shutdownCtx, cancelShutdown := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancelShutdown()
	if err := s.Shutdown(shutdownCtx); err != nil {
		t.Errorf("Shutdown after the context was cancelled: %v", err)
	}
	if !dialFails(s.Addr()) {
		t.Errorf("the server still accepts connections after its context was cancelled")
	}
	c.tr.CloseIdleConnections()
	goleak.VerifyNone(t)
}

// BenchmarkServer measures whole requests over loopback with keep-alive
// clients. Its allocations include the client's and net/http's.
func BenchmarkServer(b *testing.B) {
	s, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Default: WorkModel{Size: 128}})
	if err != nil {
		b.Fatal(err)
	}
	defer func() {
		if err := s.Shutdown(context.Background()); err != nil {
			b.Error(err)
		}
	}()
	c := newClient(b)
	defer c.tr.CloseIdleConnections()
	url := s.URL() + "/work"
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		req, _ := http.NewRequest("GET", url, nil)
		for pb.Next() {
			res, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	})
}
