package static

import (
	"net/http"
	"testing"
)

func TestPrivateStub(t *testing.T) {
	allow := func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer ok" }
	s := startStatic(t, Config{
		Dir:          testDir(t),
		Generate:     testGenerate,
		Authorizer:   allow,
		CacheControl: []Rule{{"/", "public, max-age=600"}},
	})
	open := startStatic(t, Config{Dir: testDir(t)}) // no Authorizer: /private/ is open
	c := newClient(t)
	tests := []struct {
		server *Server
		path   string
		auth   string
		status int
	}{
		{s, "/private/secret.txt", "", 401},
		{s, "/private/secret.txt", "Bearer no", 401},
		{s, "/private/secret.txt", "Bearer ok", 200},
		{s, "/private/g.bin", "", 401},
		{s, "/private/g.bin", "Bearer ok", 200},
		{s, "/private/missing", "", 401}, // no hint of what exists
		{s, "/private/missing", "Bearer ok", 404},
		{s, "/private", "", 401},
		{s, "/PRIVATE/secret.txt", "", 401},
		{s, "/Private/", "", 401},
		{s, "/privateer.txt", "", 404}, // not under /private/
		{s, "/data.json", "", 200},
		{open, "/private/secret.txt", "", 200},
	}
	for _, tt := range tests {
		resp, body := fetch(t, c, "GET", tt.server.URL()+tt.path, "Authorization", tt.auth)
		if resp.StatusCode != tt.status {
			t.Errorf("%s with %q: %d, want %d", tt.path, tt.auth, resp.StatusCode, tt.status)
			continue
		}
		switch {
		case tt.status == 401:
			if resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("Www-Authenticate") == "" || resp.Header.Get("X-Backend") == "" {
				t.Errorf("%s: 401 headers %v", tt.path, resp.Header)
			}
			if string(body) == testFiles["private/secret.txt"] {
				t.Errorf("%s: 401 with the file", tt.path)
			}
		case tt.status == 200 && tt.server == s && tt.path != "/data.json":
			// The public rule is made private: no shared cache may keep it.
			if got := resp.Header.Get("Cache-Control"); got != "private, max-age=600" {
				t.Errorf("%s: Cache-Control %q", tt.path, got)
			}
			if got := resp.Header.Get("Vary"); got != "Authorization, Cookie" {
				t.Errorf("%s: Vary %q", tt.path, got)
			}
		}
	}
}

func TestPrivateCacheControl(t *testing.T) {
	for in, want := range map[string]string{
		"no-cache":                           "private, no-cache",
		"public, max-age=3600":               "private, max-age=3600",
		"PUBLIC,max-age=60":                  "private, max-age=60",
		"private, max-age=60":                "private, max-age=60",
		"no-store":                           "no-store",
		"max-age=60, private=\"Set-Cookie\"": "max-age=60, private=\"Set-Cookie\"",
		"public":                             "private",
		" , public , ":                       "private",
	} {
		if got := privateCacheControl(in); got != want {
			t.Errorf("privateCacheControl(%q) = %q, want %q", in, got, want)
		}
	}
}
