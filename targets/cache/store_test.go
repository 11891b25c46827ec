package cache

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// testEntry is a stored response of key varying on vary, for the request
// header h, with a body of n bytes.
func testEntry(key string, vary []string, h http.Header, n int) *entry {
	now := time.Unix(0, 0)
	hdr := http.Header{"Cache-Control": {"max-age=60"}}
	e := newEntry(key, variantKey(vary, h), vary, 200, hdr, nil, now, now, 0)
	e.setBody(make([]byte, n))
	return e
}

func TestStore(t *testing.T) {
	gzip, br := hdr("Accept-Encoding", "gzip"), hdr("Accept-Encoding", "br")
	ae := []string{"Accept-Encoding"}

	t.Run("variants and replacement", func(t *testing.T) {
		s := newStore(1 << 20)
		a, b := testEntry("GET /x", ae, gzip, 10), testEntry("GET /x", ae, br, 10)
		s.put(a)
		s.put(b)
		if s.get("GET /x", gzip) != a || s.get("GET /x", br) != b || s.get("GET /x", nil) != nil {
			t.Fatal("variants not told apart")
		}
		a2 := testEntry("GET /x", ae, gzip, 20)
		s.put(a2)
		bytes, entries, _ := s.usage()
		if s.get("GET /x", gzip) != a2 || entries != 2 || bytes != a2.size+b.size {
			t.Errorf("replacing a variant: entries %d, bytes %d", entries, bytes)
		}
		// A response that varies on other fields replaces every variant.
		c := testEntry("GET /x", nil, nil, 5)
		s.put(c)
		if bytes, entries, ev := s.usage(); entries != 1 || bytes != c.size || ev != 0 || s.get("GET /x", gzip) != c {
			t.Errorf("after a Vary change: entries %d, bytes %d, evictions %d", entries, bytes, ev)
		}
		s.remove("GET /x")
		if bytes, entries, _ := s.usage(); entries != 0 || bytes != 0 {
			t.Errorf("after remove: entries %d, bytes %d", entries, bytes)
		}
	})

	t.Run("normalized variant values", func(t *testing.T) {
		s := newStore(1 << 20)
		e := testEntry("GET /x", ae, hdr("Accept-Encoding", "gzip, br"), 1)
		s.put(e)
		if s.get("GET /x", http.Header{"Accept-Encoding": {"gzip,br"}}) != e ||
			s.get("GET /x", http.Header{"Accept-Encoding": {"gzip", " br"}}) != e {
			t.Error("whitespace and line splits should not matter")
		}
		if s.get("GET /x", hdr("Accept-Encoding", "")) != nil {
			t.Error("an empty value matched a different one")
		}
	})

	t.Run("too large for the store", func(t *testing.T) {
		s := newStore(1000)
		if s.put(testEntry("GET /big", nil, nil, 1000)) {
			t.Error("stored an entry larger than the store")
		}
	})

	t.Run("LRU eviction", func(t *testing.T) {
		one := testEntry("GET /0", nil, nil, 1000).size
		s := newStore(3 * one)
		for _, k := range []string{"/a", "/b", "/c"} {
			s.put(testEntry("GET "+k, nil, nil, 1000))
		}
		s.get("GET /a", nil)
		s.put(testEntry("GET /d", nil, nil, 1000))
		if s.get("GET /b", nil) != nil || s.get("GET /a", nil) == nil {
			t.Error("evicted the wrong entry")
		}
		if bytes, entries, ev := s.usage(); entries != 3 || ev != 1 || bytes != 3*one {
			t.Errorf("entries %d, evictions %d, bytes %d", entries, ev, bytes)
		}
	})
}

func TestVaryNames(t *testing.T) {
	names, star := varyNames(http.Header{"Vary": {"accept-encoding, User-Agent", "Accept-Encoding"}})
	if strings.Join(names, ",") != "Accept-Encoding,User-Agent" || star {
		t.Errorf("got %q, %v", names, star)
	}
	if _, star := varyNames(http.Header{"Vary": {"Accept, *"}}); !star {
		t.Error("* not seen")
	}
}

// BenchmarkServeHit measures the handler alone on a stored response.
func BenchmarkServeHit(b *testing.B) {
	origin := newOrigin(b, serve(strings.Repeat("x", 1024), "Cache-Control", "max-age=3600", "Etag", `"v1"`)(nil))
	srv := startCache(b, Config{}, origin.URL, nil)
	req := httptest.NewRequest("GET", "/hit", nil)
	srv.proxy.ServeHTTP(httptest.NewRecorder(), req)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.proxy.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatal(w.Code)
		}
	}
}
