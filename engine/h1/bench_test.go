package h1

import (
	"bufio"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stampede-lab/stampede/engine/metrics"
)

// fixedAnswer is what serveFixed answers to every request.
var fixedAnswer = []byte("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello")

// serveFixed answers every request head (up to its blank line; requests
// have no body) with fixedAnswer, allocating nothing per request, so that
// a benchmark's allocations are the client's.
func serveFixed(c net.Conn, _ *bufio.Reader) {
	buf := make([]byte, 4096)
	const end = "\r\n\r\n"
	matched := 0
	for {
		n, err := c.Read(buf)
		for _, b := range buf[:n] {
			switch {
			case b == end[matched]:
				matched++
			case b == '\r':
				matched = 1
			default:
				matched = 0
			}
			if matched == len(end) {
				matched = 0
				if _, err := c.Write(fixedAnswer); err != nil {
					return
				}
			}
		}
		if err != nil {
			return
		}
	}
}

// BenchmarkDo measures one request on a warm keep-alive connection. The
// httptest server's own allocations count in allocs/op (the runtime's
// count is process-wide); the raw server allocates nothing per request,
// so its allocs/op are the client's.
func BenchmarkDo(b *testing.B) {
	servers := []struct {
		name string
		url  func(b *testing.B) string
	}{
		{"httptest", func(b *testing.B) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Write([]byte("hello"))
			}))
			b.Cleanup(srv.Close)
			return srv.URL
		}},
		{"raw", func(b *testing.B) string { return newRawServer(b, serveFixed).url }},
	}
	for _, srv := range servers {
		b.Run(srv.name, func(b *testing.B) {
			c := newClient(b, testPlan(srv.url(b)+"/bench?q=1"))
			var s metrics.Sample
			c.Do(0, &s)
			b.ReportAllocs()
			for b.Loop() {
				s.Reset()
				c.Do(0, &s)
				if s.Err != metrics.ErrNone {
					b.Fatalf("err %v status %d", s.Err, s.Status)
				}
			}
		})
	}
}

// TestDoAllocs checks that a request on a warm connection allocates
// nothing.
func TestDoAllocs(t *testing.T) {
	if testing.Short() {
		t.Skip("measures allocations over many requests")
	}
	srv := newRawServer(t, serveFixed)
	c := newClient(t, testPlan(srv.url+"/"))
	var s metrics.Sample
	c.Do(0, &s)
	allocs := testing.AllocsPerRun(200, func() {
		s.Reset()
		c.Do(0, &s)
	})
	if s.Err != metrics.ErrNone || s.BytesIn != int64(len(fixedAnswer)) {
		t.Fatalf("err %v bytes in %d", s.Err, s.BytesIn)
	}
	if allocs != 0 {
		t.Errorf("%v allocations per request, want 0", allocs)
	}
}
