package static

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/targets/auth"
)

// startAuthTarget starts an auth target, shut down when the test ends.
func startAuthTarget(t *testing.T, cfg auth.Config) *auth.Server {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	s, err := auth.Start(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("auth shutdown: %v", err)
		}
	})
	return s
}

// TestPrivateWithAuth wires the auth target's Authorizer into /private/:
// a login on the auth target opens it, by cookie or by token.
func TestPrivateWithAuth(t *testing.T) {
	secret := []byte("a secret of at least thirty-two bytes")
	for _, mode := range []string{auth.ModeSession, auth.ModeJWT} {
		t.Run(mode, func(t *testing.T) {
			a := startAuthTarget(t, auth.Config{Mode: mode, Secret: secret})
			s := startStatic(t, Config{Dir: testDir(t), Authorizer: a.Authorizer()})
			c := newClient(t)
			jar, _ := cookiejar.New(nil)
			c.Jar = jar // cookies ignore ports: the login on a reaches s
			private := s.URL() + "/private/secret.txt"

			if resp, _ := fetch(t, c, "GET", private); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("before login: %d, want 401", resp.StatusCode)
			}
			form := url.Values{"user": {"user1"}, "password": {"pass"}}.Encode()
			req, _ := http.NewRequestWithContext(t.Context(), "POST", a.URL()+"/login", strings.NewReader(form))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var lr auth.LoginResponse
			err = json.NewDecoder(resp.Body).Decode(&lr)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				t.Fatalf("login: %d %v", resp.StatusCode, err)
			}
			var headers []string
			if mode == auth.ModeJWT {
				headers = []string{"Authorization", "Bearer " + lr.Token}
			}
			resp, body := fetch(t, c, "GET", private, headers...)
			if resp.StatusCode != 200 || string(body) != testFiles["private/secret.txt"] {
				t.Errorf("after login: %d %q", resp.StatusCode, body)
			}
			if resp, _ := fetch(t, c, "GET", private, "Authorization", "Bearer forged"); mode == auth.ModeJWT && resp.StatusCode != 401 {
				t.Errorf("forged token: %d", resp.StatusCode)
			}
			// Public files need nothing, and the Authorizer counted nothing
			// on the auth target.
			if resp, _ := fetch(t, newClient(t), "GET", s.URL()+"/data.json"); resp.StatusCode != 200 {
				t.Errorf("public file: %d", resp.StatusCode)
			}
			if st := a.Stats(); st.Authenticated != 0 {
				t.Errorf("the Authorizer was counted on the auth target: %+v", st)
			}
			if mode == auth.ModeSession {
				req, _ := http.NewRequestWithContext(t.Context(), "POST", a.URL()+"/logout", nil)
				resp, err := c.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp, _ := fetch(t, c, "GET", private); resp.StatusCode != 401 {
					t.Errorf("after logout: %d, want 401", resp.StatusCode)
				}
			}
		})
	}
}
