package auth

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// sign returns a token of claims signed by method with key.
func sign(t testing.TB, method jwt.SigningMethod, claims jwt.Claims, key any) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, claims).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// claimsAt returns claims of a token for user1 issued at now.
func claimsAt(now time.Time, ttl time.Duration) jwt.RegisteredClaims {
	return jwt.RegisteredClaims{
		Issuer:    issuer,
		Subject:   "user1",
		IssuedAt:  jwt.NewNumericDate(now),
		ExpiresAt: jwt.NewNumericDate(now.Add(ttl)),
	}
}

// b64 encodes a token segment.
func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestJWT(t *testing.T) {
	a := startAuth(t, Config{Mode: ModeJWT, Secret: testSecret, ID: "a"})
	b := startAuth(t, Config{Mode: ModeJWT, Secret: testSecret, ID: "b"})
	other := startAuth(t, Config{Mode: ModeJWT, Secret: []byte(strings.Repeat("z", 32)), ID: "other"})
	c := newClient(t)
	tok := login(t, c, a.URL(), "user1").Token
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q", tok)
	}
	now := time.Now()
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	valid := claimsAt(now, time.Hour)
	noSub := valid
	noSub.Subject = ""
	noExp := valid
	noExp.ExpiresAt = nil
	otherIssuer := valid
	otherIssuer.Issuer = "someone-else"
	notYet := valid
	notYet.NotBefore = jwt.NewNumericDate(now.Add(time.Hour))
	none := sign(t, jwt.SigningMethodNone, valid, jwt.UnsafeAllowNoneSignatureType)
	// Change the first character: it carries 6 whole bits of the
	// signature (the last one may carry padding bits only).
	tamperedSig := "A" + parts[2][1:]
	if parts[2][0] == 'A' {
		tamperedSig = "B" + parts[2][1:]
	}

	tests := []struct {
		name   string
		server *Server
		auth   string
		reason Reason // "" for 200
	}{
		{"own instance", a, "Bearer " + tok, ""},
		{"any instance with the secret", b, "Bearer " + tok, ""},
		{"scheme in lower case", b, "bearer " + tok, ""},
		{"another secret", other, "Bearer " + tok, ReasonBadSignature},
		{"no token", a, "", ReasonMissingCredentials},
		{"basic", a, "Basic dXNlcjE6cGFzcw==", ReasonWrongScheme},
		{"bearer without token", a, "Bearer", ReasonWrongScheme},
		{"garbage", a, "Bearer garbage", ReasonMalformedToken},
		{"two segments", a, "Bearer " + parts[0] + "." + parts[1], ReasonMalformedToken},
		{"alg none", a, "Bearer " + none, ReasonAlgNotAllowed},
		{"alg none with a signature", a, "Bearer " + b64(`{"alg":"none","typ":"JWT"}`) + "." + parts[1] + "." + parts[2], ReasonAlgNotAllowed},
		{"alg None", a, "Bearer " + b64(`{"alg":"None","typ":"JWT"}`) + "." + parts[1] + ".", ReasonAlgNotAllowed},
		{"alg HS512", a, "Bearer " + sign(t, jwt.SigningMethodHS512, valid, testSecret), ReasonAlgNotAllowed},
		{"alg HS384", a, "Bearer " + sign(t, jwt.SigningMethodHS384, valid, testSecret), ReasonAlgNotAllowed},
		{"alg RS256", a, "Bearer " + sign(t, jwt.SigningMethodRS256, valid, rsaKey), ReasonAlgNotAllowed},
		{"tampered payload", a, "Bearer " + parts[0] + "." + b64(`{"iss":"stampede-auth","sub":"admin","exp":9999999999}`) + "." + parts[2], ReasonBadSignature},
		{"tampered signature", a, "Bearer " + parts[0] + "." + parts[1] + "." + tamperedSig, ReasonBadSignature},
		{"no signature", a, "Bearer " + parts[0] + "." + parts[1] + ".", ReasonBadSignature},
		{"expired", a, "Bearer " + sign(t, jwt.SigningMethodHS256, claimsAt(now.Add(-2*time.Hour), time.Hour), testSecret), ReasonTokenExpired},
		{"expired a minute ago", a, "Bearer " + sign(t, jwt.SigningMethodHS256, claimsAt(now.Add(-time.Hour-time.Minute), time.Hour), testSecret), ReasonTokenExpired},
		{"no exp", a, "Bearer " + sign(t, jwt.SigningMethodHS256, noExp, testSecret), ReasonInvalidClaims},
		{"no sub", a, "Bearer " + sign(t, jwt.SigningMethodHS256, noSub, testSecret), ReasonInvalidClaims},
		{"other issuer", a, "Bearer " + sign(t, jwt.SigningMethodHS256, otherIssuer, testSecret), ReasonInvalidClaims},
		{"not valid yet", a, "Bearer " + sign(t, jwt.SigningMethodHS256, notYet, testSecret), ReasonInvalidClaims},
	}
	counts := map[*Server]map[Reason]uint64{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			anon := newClient(t)
			status, reason := me(t, anon, tt.server.URL(), "Authorization", tt.auth)
			want := 200
			if tt.reason != "" {
				want = 401
			}
			if status != want || reason != tt.reason {
				t.Errorf("/me: %d %q, want %d %q", status, reason, want, tt.reason)
			}
			if tt.reason != "" {
				if counts[tt.server] == nil {
					counts[tt.server] = map[Reason]uint64{}
				}
				counts[tt.server][tt.reason]++
			}
		})
	}
	for s, want := range counts {
		got := s.Stats().Unauthenticated
		for _, r := range reasons {
			if got[r] != want[r] {
				t.Errorf("%s: %d 401s for %s, want %d", s.h.id, got[r], r, want[r])
			}
		}
	}
}

func TestJWTChallenge(t *testing.T) {
	s := startAuth(t, Config{Mode: ModeJWT, Secret: testSecret})
	c := newClient(t)
	resp, _ := do(t, c, "GET", s.URL()+"/me", "")
	if got := resp.Header.Get("Www-Authenticate"); got != `Bearer realm="stampede"` {
		t.Errorf("no token: WWW-Authenticate %q", got)
	}
	resp, _ = do(t, c, "GET", s.URL()+"/me", "", "Authorization", "Bearer x.y.z")
	if got := resp.Header.Get("Www-Authenticate"); got != `Bearer realm="stampede", error="invalid_token", error_description="malformed_token"` {
		t.Errorf("bad token: WWW-Authenticate %q", got)
	}
}

func TestJWTExpiry(t *testing.T) {
	clock := newFakeClock()
	s := startAuth(t, Config{Mode: ModeJWT, Secret: testSecret, TTL: time.Minute, now: clock.now})
	c := newClient(t)
	auth := "Bearer " + login(t, c, s.URL(), "user1").Token
	for _, st := range []struct {
		advance time.Duration
		status  int
	}{
		{0, 200},
		{time.Minute, 200},  // exp, within the leeway
		{JWTLeeway, 401},    // past it
		{-time.Minute, 200}, // the clock went back
	} {
		clock.advance(st.advance)
		if status, _ := me(t, c, s.URL(), "Authorization", auth); status != st.status {
			t.Errorf("after %v more: %d, want %d", st.advance, status, st.status)
		}
	}
}

func TestJWTLogout(t *testing.T) {
	s := startAuth(t, Config{Mode: ModeJWT, Secret: testSecret})
	c := newClient(t)
	auth := "Bearer " + login(t, c, s.URL(), "user1").Token
	resp, _ := do(t, c, "POST", s.URL()+"/logout", "", "Authorization", auth)
	if resp.StatusCode != 204 || !strings.Contains(resp.Header.Get("X-Auth-Note"), "stateless") {
		t.Errorf("logout: %d, note %q", resp.StatusCode, resp.Header.Get("X-Auth-Note"))
	}
	if status, _ := me(t, c, s.URL(), "Authorization", auth); status != 200 {
		t.Errorf("the token after logout: %d, want 200 (stateless)", status)
	}
	if st := s.Stats(); st.SessionsLive != 0 || st.Logins != 1 {
		t.Errorf("stats %+v", st)
	}
}
