package auth

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestParseLogin(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	const js = "application/json"
	tests := []struct {
		ctype, body string
		user, pw    string
		err         error
	}{
		{form, "user=user1&password=pass", "user1", "pass", nil},
		{"", "user=user1&password=pass", "user1", "pass", nil},
		{form + "; charset=utf-8", "password=p%26q&user=a+b", "a b", "p&q", nil},
		{js, `{"user":"user1","password":"pass"}`, "user1", "pass", nil},
		{js + "; charset=utf-8", ` {"password":"pass","user":"u","extra":1} `, "u", "pass", nil},
		{"Application/JSON", `{"user":"u","password":"p"}`, "u", "p", nil},
		{form, "user=user1", "", "", errLoginMissing},
		{form, "", "", "", errLoginMissing},
		{form, "user=a&user=b&password=p", "", "", errLoginMalformed},
		{form, "user=%zz&password=p", "", "", errLoginMalformed},
		{form, "user=a;password=p", "", "", errLoginMalformed},
		{js, `{"user":"u"}`, "", "", errLoginMissing},
		{js, `{"user":"u","password":""}`, "", "", errLoginMissing},
		{js, `{"user":5,"password":"p"}`, "", "", errLoginMalformed},
		{js, `{"user":"u","password":"p"} {}`, "", "", errLoginMalformed},
		{js, `{"user":"u","password":"p"`, "", "", errLoginMalformed},
		{js, `["u","p"]`, "", "", errLoginMalformed},
		{js, `null`, "", "", errLoginMissing},
		{js, ``, "", "", errLoginMalformed},
		{js, `{"user":"` + strings.Repeat("x", maxUserLen+1) + `","password":"p"}`, "", "", errLoginTooLong},
		{"text/plain", "user=u&password=p", "", "", errLoginMediaType},
		{"multipart/form-data; boundary=x", "", "", "", errLoginMediaType},
		{"bad;;type", "", "", "", errLoginMediaType},
	}
	for _, tt := range tests {
		c, err := parseLogin(tt.ctype, []byte(tt.body))
		if !errors.Is(err, tt.err) {
			t.Errorf("%q %q: error %v, want %v", tt.ctype, tt.body, err, tt.err)
			continue
		}
		if err == nil && (c.User != tt.user || c.Password != tt.pw) {
			t.Errorf("%q %q: got %q/%q, want %q/%q", tt.ctype, tt.body, c.User, c.Password, tt.user, tt.pw)
		}
	}
}

// FuzzParseLogin checks that the login parser never panics, and that what
// it accepts is a usable user and password.
func FuzzParseLogin(f *testing.F) {
	for _, s := range []struct{ ctype, body string }{
		{"application/x-www-form-urlencoded", "user=user1&password=pass"},
		{"", "user=a&user=b"},
		{"application/json", `{"user":"user1","password":"pass"}`},
		{"application/json; charset=utf-8", `{"user":"\u0000","password":"\ud800"}`},
		{"application/json", `{"user":{"a":[1,2,{}]},"password":null}`},
		{"text/plain; charset=\"", "%"},
	} {
		f.Add(s.ctype, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, ctype string, body []byte) {
		c, err := parseLogin(ctype, body)
		if err != nil {
			return
		}
		if c.User == "" || c.Password == "" || len(c.User) > maxUserLen {
			t.Errorf("accepted %q/%q", c.User, c.Password)
		}
	})
}

func TestUsers(t *testing.T) {
	def := newUsers(nil)
	for _, tt := range []struct {
		user, pw string
		ok       bool
	}{
		{"user1", "pass", true},
		{"user0", "pass", true},
		{"user123456789", "pass", true},
		{"user1234567890", "pass", false}, // 10 digits
		{"user", "pass", false},
		{"user1x", "pass", false},
		{"User1", "pass", false},
		{"xuser1", "pass", false},
		{"user1", "Pass", false},
		{"user1", "", false},
		{"bob", "pass", false},
	} {
		if got := def.check(credentials{tt.user, tt.pw}); got != tt.ok {
			t.Errorf("default users: %q/%q: %v, want %v", tt.user, tt.pw, got, tt.ok)
		}
	}
	table := map[string]string{"bob": "s3cret"}
	u := newUsers(table)
	table["eve"] = "x" // a later change of the caller's map is not seen
	for _, tt := range []struct {
		user, pw string
		ok       bool
	}{
		{"bob", "s3cret", true},
		{"bob", "pass", false},
		{"user1", "pass", false},
		{"eve", "x", false},
		{"", "", false},
	} {
		if got := u.check(credentials{tt.user, tt.pw}); got != tt.ok {
			t.Errorf("table: %q/%q: %v, want %v", tt.user, tt.pw, got, tt.ok)
		}
	}
}

func TestLoginHTTP(t *testing.T) {
	const form = "application/x-www-form-urlencoded"
	for _, mode := range []string{ModeSession, ModeJWT} {
		s := startAuth(t, Config{Mode: mode, Secret: testSecret, ID: "a1", Users: map[string]string{"bob": "s3cret"}})
		c := newClient(t)
		tests := []struct {
			name, method, ctype, body string
			status                    int
			errCode                   string
		}{
			{"form", "POST", form, "user=bob&password=s3cret", 200, ""},
			{"json", "POST", "application/json", `{"user":"bob","password":"s3cret"}`, 200, ""},
			{"wrong password", "POST", form, "user=bob&password=pass", 401, string(ReasonBadCredentials)},
			{"unknown user", "POST", "application/json", `{"user":"user1","password":"pass"}`, 401, string(ReasonBadCredentials)},
			{"missing password", "POST", form, "user=bob", 400, "bad_request"},
			{"malformed json", "POST", "application/json", `{"user":`, 400, "bad_request"},
			{"media type", "POST", "text/plain", "bob:s3cret", 415, "unsupported_media_type"},
			{"too large", "POST", form, "user=bob&password=" + strings.Repeat("x", maxLoginBody), 413, "too_large"},
			{"get", "GET", "", "", 405, ""},
		}
		for _, tt := range tests {
			t.Run(mode+"/"+tt.name, func(t *testing.T) {
				resp, body := do(t, c, tt.method, s.URL()+"/login", tt.body, "Content-Type", tt.ctype)
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
				}
				if resp.Header.Get("X-Backend") != "a1" {
					t.Errorf("X-Backend %q", resp.Header.Get("X-Backend"))
				}
				if tt.status == 200 {
					var lr LoginResponse
					if err := json.Unmarshal(body, &lr); err != nil {
						t.Fatal(err)
					}
					if lr.User != "bob" || lr.Backend != "a1" || lr.Mode != mode || lr.ExpiresIn != int(DefaultTTL.Seconds()) {
						t.Errorf("login response %+v", lr)
					}
					if (lr.Token != "") != (mode == ModeJWT) || (lr.TokenType == "Bearer") != (mode == ModeJWT) {
						t.Errorf("%s mode: token %q type %q", mode, lr.Token, lr.TokenType)
					}
					if (resp.Header.Get("Set-Cookie") != "") != (mode == ModeSession) {
						t.Errorf("%s mode: Set-Cookie %q", mode, resp.Header.Get("Set-Cookie"))
					}
					if resp.Header.Get("Cache-Control") != "no-store" {
						t.Errorf("Cache-Control %q", resp.Header.Get("Cache-Control"))
					}
				}
				if tt.errCode != "" {
					var e ErrorResponse
					if err := json.Unmarshal(body, &e); err != nil || e.Error != tt.errCode || e.Message == "" {
						t.Errorf("error body %s: %v", body, err)
					}
				}
			})
		}
		st := s.Stats()
		if st.Logins != 2 || st.LoginFailures != 6 || st.Unauthenticated[ReasonBadCredentials] != 2 {
			t.Errorf("%s stats: logins %d, failures %d, bad credentials %d; want 2, 6, 2", mode, st.Logins, st.LoginFailures, st.Unauthenticated[ReasonBadCredentials])
		}
	}
}

func TestLoginDefaultUsers(t *testing.T) {
	s := startAuth(t, Config{})
	c := newClient(t)
	for _, u := range []string{"user1", "user2", "user99999"} {
		if lr := login(t, c, s.URL(), u); lr.User != u {
			t.Errorf("logged in as %q, want %q", lr.User, u)
		}
		if status, _ := me(t, c, s.URL()); status != http.StatusOK {
			t.Errorf("%s: /me %d", u, status)
		}
	}
}
