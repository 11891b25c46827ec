package auth

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives the tests: every
// server is shut down and every client's connections closed.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testSecret is the JWT secret of the tests.
var testSecret = []byte("0123456789abcdef0123456789abcdef-stampede")

// startAuth starts an auth target on a free port of 127.0.0.1, shut down
// when the test ends.
func startAuth(t testing.TB, cfg Config) *Server {
	t.Helper()
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:0"
	}
	s, err := Start(t.Context(), cfg)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return s
}

// startStore starts a StoreServer, shut down when the test ends, and
// returns an HTTPStore client of it, closed when the test ends.
func startStore(t testing.TB) (*StoreServer, *HTTPStore) {
	t.Helper()
	ss, err := StartStoreServer(t.Context(), StoreConfig{Addr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := ss.Shutdown(ctx); err != nil {
			t.Errorf("store shutdown: %v", err)
		}
	})
	hs := NewHTTPStore(ss.URL())
	t.Cleanup(hs.Close)
	return ss, hs
}

// newClient returns a client with a cookie jar of its own, like a browser
// or a stampede VU, whose connections are closed when the test ends.
// Cookies ignore ports, so the jar sends a login made on one instance to
// every instance on 127.0.0.1, as a browser does behind a load balancer.
func newClient(t testing.TB) *http.Client {
	t.Helper()
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: tr, Jar: jar, Timeout: 10 * time.Second}
}

// do sends a request with a body and headers (name, value pairs) and
// returns the response with its body read.
func do(t testing.TB, c *http.Client, method, url, body string, headers ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: body: %v", method, url, err)
	}
	return resp, b
}

// login logs user in with a form and fails the test unless it succeeds.
func login(t testing.TB, c *http.Client, base, user string) LoginResponse {
	t.Helper()
	form := url.Values{"user": {user}, "password": {DefaultPassword}}.Encode()
	resp, body := do(t, c, "POST", base+"/login", form, "Content-Type", "application/x-www-form-urlencoded")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("login %s: %d %s", user, resp.StatusCode, body)
	}
	var lr LoginResponse
	if err := json.Unmarshal(body, &lr); err != nil {
		t.Fatalf("login body %q: %v", body, err)
	}
	return lr
}

// me asks base for /me with the given headers and returns the status and
// the reason of a 401.
func me(t testing.TB, c *http.Client, base string, headers ...string) (int, Reason) {
	t.Helper()
	resp, body := do(t, c, "GET", base+"/me", "", headers...)
	if resp.StatusCode == http.StatusUnauthorized {
		var e ErrorResponse
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("401 body %q: %v", body, err)
		}
		if r := resp.Header.Get("X-Auth-Error"); r != e.Error {
			t.Errorf("401: X-Auth-Error %q, body says %q", r, e.Error)
		}
		if resp.Header.Get("Www-Authenticate") == "" {
			t.Error("401 without WWW-Authenticate")
		}
		return resp.StatusCode, Reason(e.Error)
	}
	return resp.StatusCode, ""
}

// fakeClock is a clock that moves only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Now().Truncate(time.Second)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
