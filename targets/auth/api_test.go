package auth

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAPI(t *testing.T) {
	s := startAuth(t, Config{ID: "api1"})
	c := newClient(t)
	login(t, c, s.URL(), "user3")
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/api/items", 200},
		{"POST", "/api/items/42?x=1", 200},
		{"DELETE", "/api/a/b/c", 200},
		{"GET", "/api/", 200},
		{"GET", "/api/slow?sleep=20ms", 200},
		{"GET", "/api/slow?sleep=15", 200},
		{"GET", "/api/slow?sleep=-1ms", 400},
		{"GET", "/api/slow?sleep=11s", 400},
		{"GET", "/api/slow?sleep=NaN", 400},
		{"GET", "/api/slow?sleep=soon", 400},
	} {
		start := time.Now()
		resp, body := do(t, c, tt.method, s.URL()+tt.path, "")
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d %s, want %d", tt.method, tt.path, resp.StatusCode, body, tt.status)
			continue
		}
		if tt.status != 200 {
			continue
		}
		var id Identity
		if err := json.Unmarshal(body, &id); err != nil {
			t.Fatal(err)
		}
		wantPath, _, _ := strings.Cut(tt.path, "?")
		if id != (Identity{User: "user3", Backend: "api1", Mode: ModeSession, Path: wantPath}) {
			t.Errorf("%s: %+v", tt.path, id)
		}
		if strings.Contains(tt.path, "sleep=20ms") && time.Since(start) < 20*time.Millisecond {
			t.Errorf("%s took %v", tt.path, time.Since(start))
		}
	}
	anon := newClient(t)
	resp, _ := do(t, anon, "POST", s.URL()+"/api/items", "")
	if resp.StatusCode != 401 || resp.Header.Get("X-Auth-Error") != string(ReasonMissingCredentials) {
		t.Errorf("anonymous /api/: %d %q", resp.StatusCode, resp.Header.Get("X-Auth-Error"))
	}
}

func TestParseSleep(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"5ms": 5 * time.Millisecond, "1.5s": 1500 * time.Millisecond, "0": 0, "2.5": 2500 * time.Microsecond, "10s": MaxSleep,
	} {
		if got, ok := parseSleep(in); !ok || got != want {
			t.Errorf("parseSleep(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "x", "-1", "-1ms", "10001", "11s", "NaN", "Inf", "1e300"} {
		if _, ok := parseSleep(in); ok {
			t.Errorf("parseSleep(%q) accepted", in)
		}
	}
}

// TestBackendHeaderAndRoutes checks X-Backend on every answer, and the
// routes' methods.
func TestBackendHeaderAndRoutes(t *testing.T) {
	s := startAuth(t, Config{})
	c := newClient(t)
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/", 200},
		{"GET", "/nope", 404},
		{"GET", "/login", 405},
		{"GET", "/logout", 405},
		{"POST", "/me", 405},
		{"HEAD", "/me", 401},
		{"GET", "/me", 401},
		{"GET", StatsPath, 200},
		{"POST", StatsPath, 405},
	} {
		resp, _ := do(t, c, tt.method, s.URL()+tt.path, "")
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
		if got := resp.Header.Get("X-Backend"); got != s.Addr() {
			t.Errorf("%s %s: X-Backend %q, want %q", tt.method, tt.path, got, s.Addr())
		}
	}
}

// TestStats checks that each counter moves, and the endpoint.
func TestStats(t *testing.T) {
	s := startAuth(t, Config{ID: "st"})
	c := newClient(t)
	form := "Content-Type"
	do(t, c, "POST", s.URL()+"/login", "user=user1&password=nope", form, "application/x-www-form-urlencoded")
	me(t, c, s.URL())
	login(t, c, s.URL(), "user1")
	me(t, c, s.URL())
	do(t, c, "GET", s.URL()+"/api/x", "")
	resp, body := do(t, c, "GET", s.URL()+StatsPath, "")
	var got Stats
	if err := json.Unmarshal(body, &got); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("%d %s: %v", resp.StatusCode, body, err)
	}
	want := map[string]uint64{"logins": 1, "login_failures": 1, "authenticated": 2, "bad_credentials": 1, "missing_credentials": 1, "live": 1}
	have := map[string]uint64{
		"logins": got.Logins, "login_failures": got.LoginFailures, "authenticated": got.Authenticated,
		"bad_credentials": got.Unauthenticated[ReasonBadCredentials], "missing_credentials": got.Unauthenticated[ReasonMissingCredentials],
		"live": uint64(got.SessionsLive),
	}
	for k, v := range want {
		if have[k] != v {
			t.Errorf("%s = %d, want %d", k, have[k], v)
		}
	}
	if len(got.Unauthenticated) != len(reasons) || got.ID != "st" || got.Mode != ModeSession {
		t.Errorf("stats %+v", got)
	}
	// The endpoint counts nothing itself.
	if again := s.Stats(); again.Authenticated != got.Authenticated || again.Logins != got.Logins {
		t.Errorf("stats moved: %+v", again)
	}
}
