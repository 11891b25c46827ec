package backend

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http/httptest"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestInjectionRates drives a server's handler directly, without sockets,
// 10,000 times per case, and checks the injected faults' rates in Stats.
func TestInjectionRates(t *testing.T) {
	const n = 10_000
	s, _ := startServer(t, t.Context(), Config{
		Seed: 42,
		Default: WorkModel{
			Inject: []Injection{{P: 0.01, Status: 503}, {P: 0.005, Drop: DropReset}},
			Close:  0.02,
		},
		Endpoints: map[string]WorkModel{"/plain": {}},
	})
	h := s.srv.Handler
	serve := func(target string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", target, nil))
		if rec.Header().Get("X-Backend") != "b1" {
			t.Fatalf("GET %s: X-Backend %q; want b1", target, rec.Header().Get("X-Backend"))
		}
	}
	for range n {
		serve("/work")
	}
	st := s.Stats()
	checkRate(t, "injected 503", int(st.Status["503"]), n, 0.01)
	checkRate(t, "injected reset", int(st.Status["none"]), n, 0.005)
	checkRate(t, "closes", int(st.ClosesInjected), n, 0.02)
	if got, want := st.ErrorsInjected, st.Status["503"]+st.Status["none"]; got != want {
		t.Errorf("errors_injected %d; want the 503s and resets, %d", got, want)
	}
	if st.Requests != n {
		t.Errorf("requests %d; want %d", st.Requests, n)
	}

	// The run-time error rate applies to models and static routes alike.
	if err := s.SetErrorRate(0.1); err != nil {
		t.Fatal(err)
	}
	before := s.Stats().Status["503"]
	for i := range n {
		serve([]string{"/plain", "/healthz"}[i%2])
	}
	checkRate(t, "error rate 0.1", int(s.Stats().Status["503"]-before), n, 0.1)
}

// TestInjectionsOverrideQuery checks that an injected status wins over the
// query's, and the query's over the model's.
func TestInjectionsOverrideQuery(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{Endpoints: map[string]WorkModel{
		"/always": {Inject: []Injection{{P: 1, Status: 502}}},
		"/never":  {Status: 201},
	}})
	c := newClient(t)
	for _, tt := range []struct {
		target string
		status int
	}{{"/always?status=200", 502}, {"/never?status=202", 202}, {"/never", 201}} {
		if r := c.get(t, "GET", s.URL()+tt.target, ""); r.status != tt.status {
			t.Errorf("GET %s: %d; want %d", tt.target, r.status, tt.status)
		}
	}
}

func TestRoutesAndXBackend(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{
		ID:      "api-7",
		Default: WorkModel{Size: 4},
		Endpoints: map[string]WorkModel{
			"/api/search": {Size: 7, Status: 201},
			"/":           {Size: 3},
		},
	})
	c := newClient(t)
	tests := []struct {
		method, target string
		status, size   int
	}{
		{"GET", "/api/search", 201, 7},
		{"POST", "/api/search?size=2", 201, 2},
		{"GET", "/", 200, 3},
		{"GET", "/work", 200, 4},
		{"GET", "/healthz", 200, 2},
		{"POST", "/healthz", 405, -1},
		{"GET", "/api/search/", 404, -1},
		{"GET", "/api", 404, -1},
		{"GET", "/work?size=x", 400, -1},
		{"GET", "/__stampede/stats", 200, -1},
		{"GET", "/__stampede/nope", 404, -1},
	}
	for _, tt := range tests {
		r := c.get(t, tt.method, s.URL()+tt.target, "")
		if r.status != tt.status || (tt.size >= 0 && len(r.body) != tt.size) {
			t.Errorf("%s %s: %d, %d bytes; want %d, %d bytes", tt.method, tt.target, r.status, len(r.body), tt.status, tt.size)
		}
		if got := r.header.Values("X-Backend"); !slices.Equal(got, []string{"api-7"}) {
			t.Errorf("%s %s: X-Backend %q; want [api-7]", tt.method, tt.target, got)
		}
	}
	if s.ID() != "api-7" || s.Kind() != Concurrent {
		t.Errorf("ID %q, Kind %q", s.ID(), s.Kind())
	}
}

// TestDeterministicWithSeed checks over a socket that two servers with the
// same seed draw the same faults for a connection's requests, and servers
// with other seeds draw others.
func TestDeterministicWithSeed(t *testing.T) {
	draws := func(kind Kind, seed uint64) []int {
		s, _ := startServer(t, t.Context(), Config{Kind: kind, Seed: seed, Default: WorkModel{
			Inject: []Injection{{P: 0.5, Status: 503}},
		}})
		c := newClient(t)
		var out []int
		for range 64 {
			out = append(out, c.get(t, "GET", s.URL()+"/work", "").status)
		}
		c.tr.CloseIdleConnections()
		return out
	}
	for _, kind := range []Kind{Concurrent, SingleThreaded} {
		a, b, other := draws(kind, 7), draws(kind, 7), draws(kind, 8)
		if !slices.Equal(a, b) {
			t.Errorf("%s: seed 7 drew\n%v then\n%v", kind, a, b)
		}
		if slices.Equal(a, other) {
			t.Errorf("%s: seeds 7 and 8 drew the same", kind)
		}
	}
}

// rawGet sends a GET for target on a new connection and returns what came
// back: the status line, or the read error.
func rawGet(t *testing.T, addr, target string) (string, error) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "GET "+target+" HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return bufio.NewReader(conn).ReadString('\n')
}

func TestInjectedDrops(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{Endpoints: map[string]WorkModel{
		"/reset": {Inject: []Injection{{P: 1, Drop: DropReset}}},
		"/close": {Inject: []Injection{{P: 1, Drop: DropClose}}},
	}})
	if line, err := rawGet(t, s.Addr(), "/reset"); !errors.Is(err, syscall.ECONNRESET) {
		t.Errorf("GET /reset: %q, %v; want connection reset", line, err)
	}
	if line, err := rawGet(t, s.Addr(), "/close"); line != "" || !errors.Is(err, io.EOF) {
		t.Errorf("GET /close: %q, %v; want EOF and nothing", line, err)
	}
	if line, err := rawGet(t, s.Addr(), "/healthz"); err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
		t.Errorf("GET /healthz: %q, %v", line, err)
	}
	waitFor(t, "3 requests in Stats", func() bool { return s.Stats().Requests == 3 })
	if st := s.Stats(); st.Status["none"] != 2 || st.ErrorsInjected != 2 {
		t.Errorf("stats: status %v, errors_injected %d; want 2 with no answer", st.Status, st.ErrorsInjected)
	}
}

func TestInjectedCloseAfterResponse(t *testing.T) {
	s, _ := startServer(t, t.Context(), Config{Default: WorkModel{Close: 1, Size: 5}})
	c := newClient(t)
	const n = 5
	for range n {
		if r := c.get(t, "GET", s.URL()+"/work", ""); r.status != 200 || len(r.body) != 5 {
			t.Errorf("GET /work: %d, %d bytes", r.status, len(r.body))
		}
	}
	if got := c.dials.Load(); got != n {
		t.Errorf("%d connections for %d requests that each close theirs; want %d", got, n, n)
	}
	if got := s.Stats().ClosesInjected; got != n {
		t.Errorf("closes_injected %d; want %d", got, n)
	}
}

func TestCPUBurn(t *testing.T) {
	const cpu = 50 * time.Millisecond
	s, _ := startServer(t, t.Context(), Config{Default: WorkModel{CPU: cpu}})
	c := newClient(t)
	if r, took := c.timedGet(t, s.URL()+"/work"); r.status != 200 || took < cpu {
		t.Errorf("GET /work with cpu %v: %d after %v", cpu, r.status, took)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := burnCPU(ctx, time.Minute); !errors.Is(err, context.Canceled) {
		t.Errorf("burnCPU with a cancelled context: %v", err)
	}
}
