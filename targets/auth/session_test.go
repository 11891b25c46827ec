package auth

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSessionCookie(t *testing.T) {
	s := startAuth(t, Config{TTL: 90 * time.Second})
	ts := httptest.NewTLSServer(s.Handler())
	t.Cleanup(ts.Close)
	form := url.Values{"user": {"user1"}, "password": {"pass"}}.Encode()
	tests := []struct {
		name   string
		client *http.Client
		base   string
		want   *regexp.Regexp
		secure bool
	}{
		{"plain http", newClient(t), s.URL(), regexp.MustCompile(`^sid=[A-Za-z0-9_-]{22}; Path=/; Max-Age=90; HttpOnly; SameSite=Lax$`), false},
		{"tls", ts.Client(), ts.URL, regexp.MustCompile(`^sid=[A-Za-z0-9_-]{22}; Path=/; Max-Age=90; HttpOnly; Secure; SameSite=Lax$`), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := do(t, tt.client, "POST", tt.base+"/login", form, "Content-Type", "application/x-www-form-urlencoded")
			if resp.StatusCode != 200 {
				t.Fatalf("login: %d %s", resp.StatusCode, body)
			}
			raw := resp.Header.Values("Set-Cookie")
			if len(raw) != 1 || !tt.want.MatchString(raw[0]) {
				t.Fatalf("Set-Cookie %q, want one matching %s", raw, tt.want)
			}
			c, err := http.ParseSetCookie(raw[0])
			if err != nil {
				t.Fatal(err)
			}
			if c.Name != CookieName || c.Path != "/" || c.MaxAge != 90 || !c.HttpOnly || c.Secure != tt.secure || c.SameSite != http.SameSiteLaxMode || c.Domain != "" {
				t.Errorf("cookie %+v", c)
			}
			// The cookie logs in.
			if status, reason := me(t, tt.client, tt.base, "Cookie", CookieName+"="+c.Value); status != 200 {
				t.Errorf("/me with the cookie: %d %s", status, reason)
			}
		})
	}
}

func TestSessionIDs(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		id := newSessionID()
		if !validSessionID(id) || seen[id] {
			t.Fatalf("id %q: valid %v, seen %v", id, validSessionID(id), seen[id])
		}
		seen[id] = true
	}
	for _, id := range []string{"", "short", strings.Repeat("a", 21), strings.Repeat("a", 23), strings.Repeat("a", 21) + "=", strings.Repeat("a", 21) + "/"} {
		if validSessionID(id) {
			t.Errorf("validSessionID(%q) = true", id)
		}
	}
}

func TestMe(t *testing.T) {
	s := startAuth(t, Config{ID: "b1"})
	c := newClient(t)
	login(t, c, s.URL(), "user7")
	resp, body := do(t, c, "GET", s.URL()+"/me", "")
	var id Identity
	if err := json.Unmarshal(body, &id); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/me: %d %s: %v", resp.StatusCode, body, err)
	}
	if id != (Identity{User: "user7", Backend: "b1", Mode: ModeSession}) {
		t.Errorf("/me = %+v", id)
	}
	anon := newClient(t)
	for _, tt := range []struct {
		cookie string
		reason Reason
	}{
		{"", ReasonMissingCredentials},
		{"sid=", ReasonMalformedSession},
		{"sid=not-a-session", ReasonMalformedSession},
		{"sid=" + strings.Repeat("A", 22), ReasonUnknownSession},
		{"other=" + strings.Repeat("A", 22), ReasonMissingCredentials},
	} {
		status, reason := me(t, anon, s.URL(), "Cookie", tt.cookie)
		if status != 401 || reason != tt.reason {
			t.Errorf("cookie %q: %d %s, want 401 %s", tt.cookie, status, reason, tt.reason)
		}
		resp, _ := do(t, anon, "GET", s.URL()+"/me", "", "Cookie", tt.cookie)
		if got := resp.Header.Get("Www-Authenticate"); !strings.HasPrefix(got, `Cookie realm="stampede"`) {
			t.Errorf("WWW-Authenticate %q", got)
		}
	}
}

func TestSessionExpiry(t *testing.T) {
	clock := newFakeClock()
	store := newMemoryStore(clock.now)
	s := startAuth(t, Config{TTL: time.Minute, Store: store, now: clock.now})
	c := newClient(t)
	login(t, c, s.URL(), "user1")
	steps := []struct {
		advance time.Duration
		sweep   bool
		status  int
		reason  Reason
		live    int
	}{
		{0, false, 200, "", 1},
		{59 * time.Second, false, 200, "", 1},
		{time.Second, false, 401, ReasonSessionExpired, 0}, // Len sweeps, so "live" is 0 ...
		{0, false, 401, ReasonUnknownSession, 0},           // ... and the session is gone
	}
	for i, st := range steps {
		clock.advance(st.advance)
		status, reason := me(t, c, s.URL())
		if status != st.status || reason != st.reason {
			t.Errorf("step %d: /me %d %s, want %d %s", i, status, reason, st.status, st.reason)
		}
		if live := s.Stats().SessionsLive; live != st.live {
			t.Errorf("step %d: %d sessions live, want %d", i, live, st.live)
		}
	}
	st := s.Stats()
	if st.Unauthenticated[ReasonSessionExpired] != 1 || st.Unauthenticated[ReasonUnknownSession] != 1 || st.Authenticated != 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestLogout(t *testing.T) {
	s := startAuth(t, Config{})
	c := newClient(t)
	login(t, c, s.URL(), "user1")
	u, _ := url.Parse(s.URL())
	sid := c.Jar.Cookies(u)[0].Value
	if s.Stats().SessionsLive != 1 {
		t.Fatalf("%d sessions live", s.Stats().SessionsLive)
	}
	resp, _ := do(t, c, "POST", s.URL()+"/logout", "")
	if resp.StatusCode != 204 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if got := resp.Header.Get("Set-Cookie"); got != "sid=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax" {
		t.Errorf("logout Set-Cookie %q", got)
	}
	if n := len(c.Jar.Cookies(u)); n != 0 {
		t.Errorf("the jar still has %d cookies", n)
	}
	// The old id is dead even if a client kept it.
	if status, reason := me(t, c, s.URL(), "Cookie", "sid="+sid); status != 401 || reason != ReasonUnknownSession {
		t.Errorf("/me after logout: %d %s", status, reason)
	}
	if s.Stats().SessionsLive != 0 {
		t.Errorf("%d sessions live after logout", s.Stats().SessionsLive)
	}
	// Logging out again, or without a session, is fine.
	if resp, _ := do(t, newClient(t), "POST", s.URL()+"/logout", ""); resp.StatusCode != 204 {
		t.Errorf("logout without a session: %d", resp.StatusCode)
	}
}

// TestLoginReplacesSession checks that a login always makes a fresh
// session and drops the one the client had (session fixation).
func TestLoginReplacesSession(t *testing.T) {
	s := startAuth(t, Config{})
	c := newClient(t)
	u, _ := url.Parse(s.URL())
	login(t, c, s.URL(), "user1")
	first := c.Jar.Cookies(u)[0].Value
	login(t, c, s.URL(), "user2")
	second := c.Jar.Cookies(u)[0].Value
	if first == second {
		t.Fatal("the second login kept the session id")
	}
	if status, reason := me(t, c, s.URL(), "Cookie", "sid="+first); status != 401 || reason != ReasonUnknownSession {
		t.Errorf("the first session: %d %s, want 401 unknown_session", status, reason)
	}
	if n := s.Stats().SessionsLive; n != 1 {
		t.Errorf("%d sessions live, want 1", n)
	}
}
