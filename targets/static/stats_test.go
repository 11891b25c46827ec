package static

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// waitStats returns s's stats once they equal want, or after a second. A
// request is counted when its handler returns, which may be just after the
// client has read the whole response.
func waitStats(s *Server, want Stats) Stats {
	deadline := time.Now().Add(time.Second)
	for {
		got := s.Stats()
		if got == want || time.Now().After(deadline) {
			return got
		}
		time.Sleep(time.Millisecond)
	}
}

// TestStats checks that every counter moves with the requests it counts,
// and that reading the stats counts nothing.
func TestStats(t *testing.T) {
	s := startStatic(t, Config{
		ID:         "s1",
		Generate:   testGenerate,
		Authorizer: func(r *http.Request) bool { return r.Header.Get("X-Let-In") == "yes" },
	})
	c := newClient(t)
	var bytes uint64 // body bytes the client received
	get := func(method, path string, headers ...string) {
		_, body := fetch(t, c, method, s.URL()+path, headers...)
		bytes += uint64(len(body))
	}
	want := Stats{ID: "s1"}
	steps := []struct {
		name string
		do   func()
		add  func(*Stats)
	}{
		{"200", func() { get("GET", "/gen/a.jpg") }, func(s *Stats) {}},
		{"304", func() { get("GET", "/gen/a.jpg", "If-None-Match", "*") }, func(s *Stats) { s.NotModified++ }},
		{"206", func() { get("GET", "/gen/a.jpg", "Range", "bytes=0-9") }, func(s *Stats) { s.PartialContent++ }},
		{"401", func() { get("GET", "/private/g.bin") }, func(s *Stats) { s.Unauthorized++ }},
		{"private 200", func() { get("GET", "/private/g.bin", "X-Let-In", "yes") }, func(s *Stats) {}},
		{"404", func() { get("GET", "/nope") }, func(s *Stats) { s.NotFound++ }},
		{"HEAD", func() { get("HEAD", "/app.js") }, func(s *Stats) {}},
	}
	for _, st := range steps {
		before := bytes
		st.do()
		want.Requests++
		st.add(&want)
		want.Bytes = bytes
		if got := waitStats(s, want); got != want {
			t.Errorf("after %s: Stats() = %+v, want %+v", st.name, got, want)
		}
		if st.name == "200" && bytes-before != 50_000 {
			t.Errorf("200: %d bytes, want 50000", bytes-before)
		}
	}
	// The endpoint reports the same, and is not counted itself.
	for range 2 {
		resp, body := fetch(t, c, "GET", s.URL()+StatsPath)
		var got Stats
		if err := json.Unmarshal(body, &got); err != nil || resp.Header.Get("Content-Type") != "application/json" {
			t.Fatalf("stats body %q: %v", body, err)
		}
		if got != want {
			t.Errorf("GET %s = %+v, want %+v", StatsPath, got, want)
		}
	}
}
