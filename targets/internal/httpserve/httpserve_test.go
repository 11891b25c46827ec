package httpserve

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the tests: every
// server must be shut down and every client's connections closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// start starts h on a free port of 127.0.0.1 under ctx, and shuts the
// server down when the test ends.
func start(t *testing.T, ctx context.Context, h http.HandlerFunc) *Server {
	t.Helper()
	s, err := Start(ctx, Options{Name: "test", Addr: "127.0.0.1:0", Handler: func(*Server) http.Handler { return h }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown at cleanup: %v", err)
		}
	})
	return s
}

// get sends GET url on a client of its own and returns the body.
func get(t *testing.T, url string) (string, error) {
	t.Helper()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GET %s: status %d", url, resp.StatusCode)
	}
	return string(b), err
}

// hold is a handler that signals each request on entered and answers
// "done" once release is closed.
type hold struct{ entered, release chan struct{} }

func newHold() *hold { return &hold{entered: make(chan struct{}, 1), release: make(chan struct{})} }

func (h *hold) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.entered <- struct{}{}
	<-h.release
	_, _ = io.WriteString(w, "done")
}

// stuck is a handler that signals each request on entered, then reads the
// request's body, which the client never ends: only closing the
// connection ends it, not the request's context.
type stuck struct{ entered chan struct{} }

func (h stuck) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.entered <- struct{}{}
	_, _ = io.Copy(io.Discard, r.Body)
}

// waitEntered waits for a request to reach a handler.
func waitEntered(t *testing.T, entered <-chan struct{}) {
	t.Helper()
	select {
	case <-entered:
	case <-time.After(5 * time.Second):
		t.Fatal("the request never reached the handler")
	}
}

// getInFlight sends GET url in the background, waits until h holds it, and
// returns where its outcome will come.
func getInFlight(t *testing.T, h *hold, url string) <-chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		body, err := get(t, url)
		if err == nil && body != "done" {
			err = errors.New("body " + body)
		}
		done <- err
	}()
	waitEntered(t, h.entered)
	return done
}

// postStuck sends, on a connection of its own, a POST whose body never
// ends, and waits until h holds it.
func postStuck(t *testing.T, h stuck, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	req := "POST / HTTP/1.1\r\nHost: " + addr + "\r\nTransfer-Encoding: chunked\r\n\r\n4\r\npart\r\n"
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	waitEntered(t, h.entered)
	return c
}

// checkClosed checks that the server closed c without answering.
func checkClosed(t *testing.T, c net.Conn) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	b, err := io.ReadAll(c)
	var ne net.Error
	if len(b) > 0 || errors.As(err, &ne) && ne.Timeout() {
		t.Errorf("the connection of the request in flight: read %q, %v; want it closed without an answer", b, err)
	}
}

func TestStartServes(t *testing.T) {
	var seen *Server
	s, err := Start(t.Context(), Options{
		Name: "test",
		Addr: ":0", // empty host: 127.0.0.1
		Handler: func(s *Server) http.Handler {
			seen = s
			addr := s.Addr()
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.Context().Value(http.ServerContextKey) == nil {
					t.Error("the request's context is not the server's")
				}
				_, _ = io.WriteString(w, addr+" "+r.Proto)
			})
		},
		HTTP1Only: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != s {
		t.Error("Handler was not given the server")
	}
	if host, port, _ := net.SplitHostPort(s.Addr()); host != "127.0.0.1" || port == "0" {
		t.Errorf("Addr %q; want 127.0.0.1 and a port picked", s.Addr())
	}
	body, err := get(t, "http://"+s.Addr()+"/")
	if err != nil || body != s.Addr()+" HTTP/1.1" {
		t.Errorf("GET: %q, %v", body, err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("second shutdown: %v", err)
	}
	if s.Context().Err() == nil {
		t.Error("the requests' context outlives Shutdown")
	}
}

func TestServeOwnListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := Serve(t.Context(), ln, Options{Name: "test", Handler: func(*Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	}})
	if s.Addr() != ln.Addr().String() {
		t.Errorf("Addr %q; want the listener's %q", s.Addr(), ln.Addr())
	}
	if body, err := get(t, "http://"+s.Addr()); err != nil || body != "ok" {
		t.Errorf("GET: %q, %v", body, err)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown: %v", err)
	}
	if c, err := net.Dial("tcp", s.Addr()); err == nil {
		c.Close()
		t.Error("the listener is still open after Shutdown")
	}
}

func TestShutdownWaitsForInFlight(t *testing.T) {
	h := newHold()
	s := start(t, t.Context(), h.ServeHTTP)
	req := getInFlight(t, h, "http://"+s.Addr()+"/")
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(context.Background()) }()
	select {
	case err := <-shut:
		t.Errorf("Shutdown returned with a request in flight: %v", err)
		shut <- err
	case <-time.After(100 * time.Millisecond):
	}
	close(h.release)
	if err := <-req; err != nil {
		t.Errorf("the request in flight: %v", err)
	}
	if err := <-shut; err != nil {
		t.Errorf("shutdown: %v", err)
	}
}

func TestShutdownCutShort(t *testing.T) {
	h := stuck{entered: make(chan struct{}, 1)}
	s := start(t, t.Context(), h.ServeHTTP)
	c := postStuck(t, h, s.Addr())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- s.Shutdown(ctx) }()
	var err error
	select {
	case err = <-shut:
	case <-time.After(10 * time.Second):
		t.Fatal("Shutdown cut short still waits: the connection of the request in flight was left open")
	}
	if !errors.Is(err, context.DeadlineExceeded) || !strings.HasPrefix(err.Error(), "test: graceful shutdown cut short") {
		t.Errorf("shutdown: %v; want test: graceful shutdown cut short, wrapping the deadline", err)
	}
	checkClosed(t, c)
	if s.Context().Err() == nil {
		t.Error("the requests' context outlives a cut-short Shutdown")
	}
}

func TestStartContextClosesServer(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	h := stuck{entered: make(chan struct{}, 1)}
	s := start(t, ctx, h.ServeHTTP)
	c := postStuck(t, h, s.Addr())
	cancel()
	checkClosed(t, c)
	if s.Context().Err() == nil {
		t.Error("the requests' context outlives the start context")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.Dial("tcp", s.Addr())
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("the server still accepts connections after its context ended")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := s.Shutdown(context.Background()); err != nil {
		t.Errorf("shutdown after the context ended: %v", err)
	}
}

func TestStartErrors(t *testing.T) {
	handler := func(*Server) http.Handler { return http.NotFoundHandler() }
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Start(ctx, Options{Name: "test", Addr: "127.0.0.1:0", Handler: handler}); !errors.Is(err, context.Canceled) || !strings.HasPrefix(err.Error(), "test: ") {
		t.Errorf("done context: %v", err)
	}
	taken := start(t, t.Context(), http.NotFound)
	if _, err := Start(t.Context(), Options{Name: "test", Addr: taken.Addr(), Handler: handler}); err == nil || !strings.HasPrefix(err.Error(), "test: ") {
		t.Errorf("address in use: %v", err)
	}
}

func TestListenAddr(t *testing.T) {
	for in, want := range map[string]string{
		"":             "127.0.0.1:8080",
		":0":           "127.0.0.1:0",
		":9000":        "127.0.0.1:9000",
		"0.0.0.0:80":   "0.0.0.0:80",
		"[::1]:9":      "[::1]:9",
		"[::]:9":       "[::]:9",
		"localhost:10": "localhost:10",
		"nonsense":     "nonsense",
	} {
		if got := ListenAddr(in, "127.0.0.1:8080"); got != want {
			t.Errorf("ListenAddr(%q) = %q, want %q", in, got, want)
		}
	}
}
