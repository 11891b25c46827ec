package auth

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestStores runs the same checks against every Store.
func TestStores(t *testing.T) {
	stores := map[string]func(t *testing.T) Store{
		"memory": func(*testing.T) Store { return NewMemoryStore() },
		"http": func(t *testing.T) Store {
			_, hs := startStore(t)
			return hs
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			st, ctx := newStore(t), t.Context()
			now := time.Now()
			live := Session{ID: newSessionID(), User: "user1", Backend: "a", Expires: now.Add(time.Hour).Round(0).UTC()}
			dead := Session{ID: newSessionID(), User: "user2", Backend: "b", Expires: now.Add(-time.Second).Round(0).UTC()}
			for _, s := range []Session{live, dead} {
				if err := st.Put(ctx, s); err != nil {
					t.Fatal(err)
				}
			}
			got, ok, err := st.Get(ctx, live.ID)
			if err != nil || !ok || !got.Expires.Equal(live.Expires) || got.User != live.User || got.Backend != live.Backend || got.ID != live.ID {
				t.Errorf("get live: %+v %v %v", got, ok, err)
			}
			// An expired session is still returned until swept, so the
			// caller can say "expired".
			if got, ok, err := st.Get(ctx, dead.ID); err != nil || !ok || !got.Expired(now) {
				t.Errorf("get expired: %+v %v %v", got, ok, err)
			}
			if n, err := st.Len(ctx); n != 1 || err != nil {
				t.Errorf("len: %d %v, want 1", n, err)
			}
			if _, ok, err := st.Get(ctx, dead.ID); ok || err != nil {
				t.Errorf("get expired after the sweep of Len: %v %v", ok, err)
			}
			for _, id := range []string{newSessionID(), "", "../x", strings.Repeat("a", 200)} {
				if _, ok, err := st.Get(ctx, id); ok || err != nil {
					t.Errorf("get %q: %v %v", id, ok, err)
				}
			}
			if err := st.Delete(ctx, live.ID); err != nil {
				t.Fatal(err)
			}
			if err := st.Delete(ctx, live.ID); err != nil {
				t.Errorf("delete twice: %v", err)
			}
			if _, ok, _ := st.Get(ctx, live.ID); ok {
				t.Error("deleted session still there")
			}
			if n, _ := st.Len(ctx); n != 0 {
				t.Errorf("len %d after delete", n)
			}
		})
	}
}

func TestMemoryStoreSweepsOnPut(t *testing.T) {
	clock := newFakeClock()
	m := newMemoryStore(clock.now)
	ctx := context.Background()
	m.Put(ctx, Session{ID: "a", Expires: clock.now().Add(time.Second)})
	clock.advance(2 * time.Second)
	m.Put(ctx, Session{ID: "b", Expires: clock.now().Add(time.Hour)}) // within sweepEvery of the first sweep
	if _, ok, _ := m.Get(ctx, "a"); !ok {
		t.Fatal("swept before sweepEvery")
	}
	clock.advance(sweepEvery)
	m.Put(ctx, Session{ID: "c", Expires: clock.now().Add(time.Hour)})
	if _, ok, _ := m.Get(ctx, "a"); ok {
		t.Error("not swept after sweepEvery")
	}
	clock.advance(time.Hour)
	if n := m.Sweep(); n != 2 {
		t.Errorf("Sweep removed %d, want 2", n)
	}
}

func TestMemoryStoreConcurrent(t *testing.T) {
	m := NewMemoryStore()
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				s := Session{ID: newSessionID(), Expires: time.Now().Add(time.Minute)}
				m.Put(ctx, s)
				m.Get(ctx, s.ID)
				m.Len(ctx)
				m.Delete(ctx, s.ID)
			}
		})
	}
	wg.Wait()
	if n, _ := m.Len(ctx); n != 0 {
		t.Errorf("%d left", n)
	}
}

func TestStoreServerRejects(t *testing.T) {
	ss, _ := startStore(t)
	c := newClient(t)
	id := newSessionID()
	for _, tt := range []struct {
		method, path, body string
		status             int
	}{
		{"PUT", "/sessions/" + id, `{"id":"` + id + `","user":"u"}`, 204},
		{"PUT", "/sessions/" + id, `{"id":"other"}`, 400},
		{"PUT", "/sessions/bad.id", `{"id":"bad.id"}`, 400},
		{"PUT", "/sessions/" + id, `{`, 400},
		{"PUT", "/sessions/" + id, `{"user":"` + strings.Repeat("x", maxSessionBody) + `"}`, 413},
		{"GET", "/sessions/" + id, "", 200},
		{"GET", "/sessions/nope", "", 404},
		{"POST", "/sessions/" + id, "", 405},
		{"GET", "/sessions", "", 200},
		{"DELETE", "/sessions/" + id, "", 204},
	} {
		resp, body := do(t, c, tt.method, ss.URL()+tt.path, tt.body, "Content-Type", "application/json")
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d %s, want %d", tt.method, tt.path[:min(len(tt.path), 40)], resp.StatusCode, body, tt.status)
		}
	}
	if n, _ := ss.Store().Len(t.Context()); n != 0 {
		t.Errorf("%d sessions left", n)
	}
}

// TestStoreDown checks that a failing store gives 503, never a 401 or a
// login, and that the Authorizer says no.
func TestStoreDown(t *testing.T) {
	ss, hs := startStore(t)
	s := startAuth(t, Config{Store: hs})
	c := newClient(t)
	login(t, c, s.URL(), "user1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := ss.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, c, "GET", s.URL()+"/me", "")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), "store_unavailable") {
		t.Errorf("/me with the store down: %d %s", resp.StatusCode, body)
	}
	form := "user=user1&password=pass"
	if resp, _ := do(t, c, "POST", s.URL()+"/login", form, "Content-Type", "application/x-www-form-urlencoded"); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("login with the store down: %d", resp.StatusCode)
	}
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL()+"/private/x", nil)
	cookies := c.Jar.Cookies(req.URL)
	if len(cookies) != 1 {
		t.Fatalf("%d cookies", len(cookies))
	}
	req.AddCookie(cookies[0])
	if s.Authorizer()(req) {
		t.Error("Authorizer said yes with the store down")
	}
	st := s.Stats()
	if st.StoreErrors != 2 || st.SessionsLive != -1 || st.LoginFailures != 1 {
		t.Errorf("stats: store errors %d, live %d, login failures %d; want 2, -1, 1", st.StoreErrors, st.SessionsLive, st.LoginFailures)
	}
}
