package lb

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// rawBackend answers every request of every connection with one fixed
// response, parsing no more than the blank line that ends a GET's head,
// so that a benchmark of the proxy counts the proxy's work and little else.
func rawBackend(b *testing.B) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	const resp = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Backend: raw\r\nContent-Type: text/plain\r\n\r\nhello"
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				br := bufio.NewReader(c)
				for {
					for {
						line, err := br.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(line) <= 2 {
							break
						}
					}
					if _, err := io.WriteString(c, resp); err != nil {
						return
					}
				}
			})
		}
	})
	b.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// nullWriter is a ResponseWriter that keeps nothing.
type nullWriter struct{ h http.Header }

func (w *nullWriter) Header() http.Header         { return w.h }
func (w *nullWriter) Write(p []byte) (int, error) { return len(p), nil }
func (w *nullWriter) WriteHeader(int)             {}

// BenchmarkServeHTTP measures the L7 proxy's own work per request: pick,
// forward, read the answer, copy it; the client side is a bare
// ResponseWriter and the backend a canned answer.
func BenchmarkServeHTTP(b *testing.B) {
	pool, err := newPool(context.Background(), poolConfig{
		mode: ModeL7, backends: []Backend{{URL: rawBackend(b)}},
		health: HealthCheck{}.withDefaults(ModeL7), passive: Passive{}.withDefaults(),
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.close)
	x := newProxy(pool, "")
	req, _ := http.NewRequest(http.MethodGet, "/index.html?x=1", nil)
	req.RequestURI = "/index.html?x=1"
	req.RemoteAddr = "127.0.0.1:40000"
	req.Header.Set("User-Agent", "bench")
	req.Header.Set("Accept", "*/*")
	w := &nullWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		clear(w.h)
		x.ServeHTTP(w, req)
	}
	if st := pool.Stats(); st.Backends[0].Errors != 0 || !strings.Contains(w.h.Get("X-Backend"), "raw") {
		b.Fatalf("stats %+v, header %v", st, w.h)
	}
}
