package h1

import (
	"bufio"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// quietServer is an unstarted httptest server that does not log (TLS
// handshake errors are expected in some tests).
func quietServer(h http.HandlerFunc) *httptest.Server {
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	return srv
}

// TestKeepAliveReuse sends N requests from C goroutines over a pool of C
// connections: the server must accept exactly C connections. The first
// C requests are held until all C have arrived, so that all C
// connections are needed.
func TestKeepAliveReuse(t *testing.T) {
	tests := []struct{ conns, requests int }{
		{1, 10},
		{4, 40},
		{8, 200},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d conns %d requests", tc.conns, tc.requests), func(t *testing.T) {
			var accepted, arrived atomic.Int64
			all := make(chan struct{})
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if arrived.Add(1) == int64(tc.conns) {
					close(all)
				}
				select {
				case <-all:
				case <-time.After(5 * time.Second):
					t.Errorf("only %d of the first %d requests arrived together", arrived.Load(), tc.conns)
				}
				w.Write([]byte("hello"))
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				if s == http.StateNew {
					accepted.Add(1)
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			plan := testPlan(srv.URL + "/")
			plan.Client.Connections = tc.conns
			c := newClient(t, plan)

			samples := make([]metrics.Sample, tc.requests)
			per := tc.requests / tc.conns
			var wg sync.WaitGroup
			for w := range tc.conns {
				wg.Go(func() {
					for i := w * per; i < (w+1)*per; i++ {
						c.Do(i, &samples[i])
					}
				})
			}
			wg.Wait()

			dialed := 0
			for i := range samples {
				s := &samples[i]
				if s.Err != metrics.ErrNone || s.Status != 200 || s.BytesIn == 0 {
					t.Fatalf("request %d: err %v status %d bytes in %d", i, s.Err, s.Status, s.BytesIn)
				}
				checkTimes(t, s)
				if s.Dialed {
					dialed++
				} else if s.DNS != 0 || s.Connect != 0 || s.TLSHS != 0 {
					t.Errorf("request %d reused a connection but has dial phases %v %v %v", i, s.DNS, s.Connect, s.TLSHS)
				}
			}
			if got := accepted.Load(); got != int64(tc.conns) {
				t.Errorf("server accepted %d connections, want %d", got, tc.conns)
			}
			if dialed != tc.conns {
				t.Errorf("%d samples dialed, want %d", dialed, tc.conns)
			}
		})
	}
}

// TestNewConnectionEachTime checks the cases where every request needs a
// new connection: keep-alive off, or a server that closes.
func TestNewConnectionEachTime(t *testing.T) {
	const n = 5
	tests := []struct {
		name      string
		keepAlive bool
		answer    string
		once      bool // the server closes after its answer (a body to EOF)
	}{
		{name: "keep-alive off", answer: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{name: "server says close", keepAlive: true, answer: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok"},
		{name: "HTTP/1.0 server", keepAlive: true, answer: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok"},
		{name: "body to EOF", keepAlive: true, answer: "HTTP/1.1 200 OK\r\n\r\nuntil the end", once: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var closeAsked atomic.Int64
			srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
				for {
					raw, err := readRequest(br)
					if err != nil {
						return
					}
					if strings.Contains(string(raw), "\r\nConnection: close\r\n") {
						closeAsked.Add(1)
					}
					if _, err := io.WriteString(c, tc.answer); err != nil || tc.once {
						return
					}
				}
			})
			plan := testPlan(srv.url + "/")
			plan.Client.KeepAlive = tc.keepAlive
			plan.Client.Connections = 2
			c := newClient(t, plan)
			for i := range n {
				s := do(c, i)
				if s.Err != metrics.ErrNone || s.Status != 200 || !s.Dialed || s.BytesIn != int64(len(tc.answer)) {
					t.Fatalf("request %d: err %v status %d dialed %v bytes in %d", i, s.Err, s.Status, s.Dialed, s.BytesIn)
				}
				checkTimes(t, &s)
			}
			if got := srv.accepted.Load(); got != n {
				t.Errorf("server accepted %d connections, want %d", got, n)
			}
			want := int64(0)
			if !tc.keepAlive {
				want = n
			}
			if got := closeAsked.Load(); got != want {
				t.Errorf("%d requests sent Connection: close, want %d", got, want)
			}
		})
	}
}

// TestBytesIn checks that a sample counts exactly the answer's bytes, and
// that the connection is kept only when the answer allows it.
func TestBytesIn(t *testing.T) {
	tests := []struct {
		name   string
		method string
		answer string
		once   bool // the server closes after its answer
		status int
		closes bool
	}{
		{name: "content-length", answer: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", status: 200},
		{name: "chunked with trailers", answer: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\n", status: 200},
		{name: "early hints", answer: "HTTP/1.1 103 Early Hints\r\nLink: </s.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n!", status: 200},
		{name: "100 continue", method: "POST", answer: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n", status: 201},
		{name: "HEAD", method: "HEAD", answer: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", status: 200},
		{name: "204", answer: "HTTP/1.1 204 No Content\r\n\r\n", status: 204},
		{name: "304", answer: "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", status: 304},
		{name: "large body", answer: "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + strings.Repeat("z", 100000), status: 200},
		{name: "HTTP/1.0 keep-alive", answer: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", status: 200},
		{name: "connection close", answer: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", status: 200, closes: true},
		{name: "body to EOF", answer: "HTTP/1.1 200 OK\r\n\r\n" + strings.Repeat("e", 30000), once: true, status: 200, closes: true},
		{name: "101 switching protocols", answer: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\n\r\n", status: 101, closes: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			handle := respond(tc.answer)
			if tc.once {
				handle = respondOnce(tc.answer)
			}
			srv := newRawServer(t, handle)
			plan := testPlan(srv.url + "/")
			if tc.method != "" {
				plan.Requests[0].Method = tc.method
			}
			c := newClient(t, plan)
			for i := range 3 {
				s := do(c, i)
				if s.Err != metrics.ErrNone || s.Status != tc.status || s.BytesIn != int64(len(tc.answer)) {
					t.Fatalf("request %d: err %v status %d bytes in %d, want status %d bytes in %d",
						i, s.Err, s.Status, s.BytesIn, tc.status, len(tc.answer))
				}
				if want := i == 0 || tc.closes; s.Dialed != want {
					t.Errorf("request %d: dialed %v, want %v", i, s.Dialed, want)
				}
				if s.FirstByte.IsZero() {
					t.Errorf("request %d: no first byte time", i)
				}
				checkTimes(t, &s)
			}
		})
	}
}

// TestStaleConnectionRetry has a server that closes every connection
// after its answer without saying so: each reused connection is stale.
// The client must send each request again on a new connection, once,
// and count no error.
func TestStaleConnectionRetry(t *testing.T) {
	tests := []struct {
		name  string
		conns int // connections opened at once first, all left stale
		after int // requests sent one by one afterwards
	}{
		{"one connection", 1, 5},
		// All idle connections are stale: the retry must not take
		// another of them.
		{"pool of stale connections", 4, 8},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var arrived atomic.Int64
			all := make(chan struct{})
			srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
				if _, err := readRequest(br); err != nil {
					return
				}
				if n := arrived.Add(1); n == int64(tc.conns) {
					close(all)
				} else if n < int64(tc.conns) {
					<-all
				}
				io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
			})
			plan := testPlan(srv.url + "/")
			plan.Client.Connections = tc.conns
			c := newClient(t, plan)

			first := make([]metrics.Sample, tc.conns)
			var wg sync.WaitGroup
			for i := range first {
				wg.Go(func() { c.Do(i, &first[i]) })
			}
			wg.Wait()
			for i, s := range first {
				if s.Err != metrics.ErrNone || !s.Dialed {
					t.Fatalf("first request %d: err %v dialed %v", i, s.Err, s.Dialed)
				}
			}
			for i := range tc.after {
				s := do(c, i)
				if s.Err != metrics.ErrNone || s.Status != 200 || s.BytesIn != 40 {
					t.Fatalf("request %d: err %v status %d bytes in %d", i, s.Err, s.Status, s.BytesIn)
				}
				if !s.Dialed || s.Connect <= 0 {
					t.Errorf("request %d: dialed %v connect %v, want the new connection's phases", i, s.Dialed, s.Connect)
				}
				checkTimes(t, &s)
			}
			if got, want := srv.accepted.Load(), int64(tc.conns+tc.after); got != want {
				t.Errorf("server accepted %d connections, want %d", got, want)
			}
		})
	}
}

// TestStaleRetryOnlyOnce has a server that answers the first request and
// then closes every connection unanswered: the retry fails too, and is
// not retried again.
func TestStaleRetryOnlyOnce(t *testing.T) {
	var answered atomic.Bool
	srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			if answered.Swap(true) {
				return
			}
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
		}
	})
	c := newClient(t, testPlan(srv.url+"/"))
	if s := do(c, 0); s.Err != metrics.ErrNone {
		t.Fatalf("first request: %v", s.Err)
	}
	s := do(c, 0)
	if s.Err != metrics.ErrReset || s.Status != 0 || !s.Dialed {
		t.Errorf("err %v status %d dialed %v, want reset on a new connection", s.Err, s.Status, s.Dialed)
	}
	if got := srv.accepted.Load(); got != 2 {
		t.Errorf("server accepted %d connections, want 2", got)
	}
}

// TestErrorClasses checks how each kind of failure is counted.
func TestErrorClasses(t *testing.T) {
	// hold reads a request and then waits for the client to go.
	hold := func(prefix string) func(net.Conn, *bufio.Reader) {
		return func(c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err == nil {
				io.WriteString(c, prefix)
				io.Copy(io.Discard, br)
			}
		}
	}
	raw := func(h func(net.Conn, *bufio.Reader)) func(t *testing.T) string {
		return func(t *testing.T) string { return newRawServer(t, h).url + "/" }
	}
	tests := []struct {
		name    string
		server  func(t *testing.T) string // returns the URL to ask
		timeout time.Duration
		err     metrics.ErrClass
		status  int
		slow    bool // the error comes after the timeout
	}{
		{name: "ok", server: raw(respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")), status: 200},
		{name: "ok without timeout", server: raw(respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")), timeout: -1, status: 200},
		{name: "redirect is no error", server: raw(respond("HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n")), status: 301},
		{name: "refused", server: func(t *testing.T) string { return refusedURL(t) }, err: metrics.ErrRefused},
		{name: "no answer", server: raw(hold("")), timeout: 200 * time.Millisecond, err: metrics.ErrTimeout, slow: true},
		{name: "body stalls", server: raw(hold("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nab")), timeout: 200 * time.Millisecond, err: metrics.ErrTimeout, status: 200, slow: true},
		{name: "closed before answering", server: raw(respondOnce("")), err: metrics.ErrReset},
		{name: "closed in status line", server: raw(respondOnce("HTTP/1.1 2")), err: metrics.ErrReset},
		{name: "closed in head", server: raw(respondOnce("HTTP/1.1 200 OK\r\nContent-Le")), err: metrics.ErrReset, status: 200},
		{name: "closed in body", server: raw(respondOnce("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")), err: metrics.ErrReset, status: 200},
		{name: "closed in chunked body", server: raw(respondOnce("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab")), err: metrics.ErrReset, status: 200},
		{name: "reset by peer", server: raw(func(c net.Conn, br *bufio.Reader) {
			if _, err := readRequest(br); err == nil {
				c.(*net.TCPConn).SetLinger(0)
			}
		}), err: metrics.ErrReset},
		{name: "garbage", server: raw(respond("SSH-2.0-OpenSSH_9.6\r\n\r\n")), err: metrics.ErrProtocol},
		{name: "bad status", server: raw(respond("HTTP/1.1 2OO OK\r\n\r\n")), err: metrics.ErrProtocol},
		{name: "conflicting lengths", server: raw(respond("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")), err: metrics.ErrProtocol, status: 200},
		{name: "bad chunk size", server: raw(respond("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n")), err: metrics.ErrProtocol, status: 200},
		{name: "head too large", server: raw(respond("HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("b", bufferSize) + "\r\n\r\n")), err: metrics.ErrProtocol, status: 200},
		{name: "404", server: raw(respond("HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found")), err: metrics.ErrStatus, status: 404},
		{name: "503", server: func(t *testing.T) string {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, "busy", http.StatusServiceUnavailable)
			}))
			t.Cleanup(srv.Close)
			return srv.URL + "/"
		}, err: metrics.ErrStatus, status: 503},
		{name: "https to a plain server", server: func(t *testing.T) string {
			srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
				io.WriteString(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
				io.Copy(io.Discard, br)
			})
			return strings.Replace(srv.url, "http:", "https:", 1) + "/"
		}, err: metrics.ErrTLS},
		{name: "TLS handshake unanswered", server: func(t *testing.T) string {
			srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) { io.Copy(io.Discard, br) })
			return strings.Replace(srv.url, "http:", "https:", 1) + "/"
		}, timeout: 200 * time.Millisecond, err: metrics.ErrTimeout, slow: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := testPlan(tc.server(t))
			switch {
			case tc.timeout > 0:
				plan.Client.Timeout = tc.timeout
			case tc.timeout < 0:
				plan.Client.Timeout = 0
			}
			plan.Client.Insecure = true
			c := newClient(t, plan)
			start := time.Now()
			s := do(c, 0)
			took := time.Since(start)
			if s.Err != tc.err || s.Status != tc.status {
				t.Errorf("err %v status %d, want %v %d", s.Err, s.Status, tc.err, tc.status)
			}
			if !s.Dialed {
				t.Error("not dialed")
			}
			checkTimes(t, &s)
			if tc.slow && (took < tc.timeout || took > tc.timeout+2*time.Second) {
				t.Errorf("took %v with a timeout of %v", took, tc.timeout)
			}
			if !tc.slow && took > 2*time.Second {
				t.Errorf("took %v", took)
			}
		})
	}
}

// TestDNS resolves names with a resolver that never leaves the process.
func TestDNS(t *testing.T) {
	tests := []struct {
		name     string
		host     string
		hosts    map[string][]net.IP
		dnsDown  bool
		err      metrics.ErrClass
		queries  bool // the DNS server must be asked (false: /etc/hosts)
		attempts int  // dials, when more than one
	}{
		{name: "localhost", host: "localhost"},
		{name: "name from DNS", host: "svc.test", hosts: map[string][]net.IP{"svc.test.": {net.IPv4(127, 0, 0, 1)}}, queries: true},
		{name: "unknown name", host: "nonexistent.invalid", err: metrics.ErrDNS, queries: true},
		{name: "name without addresses", host: "empty.test", hosts: map[string][]net.IP{"empty.test.": nil}, err: metrics.ErrDNS, queries: true},
		{name: "DNS server unreachable", host: "svc.test", dnsDown: true, err: metrics.ErrDNS},
		{
			name: "first address refused", host: "multi.test", queries: true, attempts: 2,
			hosts: map[string][]net.IP{"multi.test.": {net.ParseIP("192.0.2.1"), net.ParseIP("192.0.2.2")}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := newRawServer(t, respond("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
			dns, resolver := newFakeDNS(t, tc.hosts)
			if tc.dnsDown {
				resolver.Dial = func(context.Context, string, string) (net.Conn, error) {
					return nil, errors.New("no DNS server in tests")
				}
			}
			if tc.host == "localhost" {
				if _, err := resolver.LookupIPAddr(t.Context(), "localhost"); err != nil {
					t.Skipf("localhost is not in the hosts file: %v", err)
				}
			}
			// The dialer sends every connection to the server, whatever
			// the address, and refuses the first one when asked to.
			var dials atomic.Int64
			dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
				if dials.Add(1) == 1 && tc.attempts > 1 {
					return nil, &net.OpError{Op: "dial", Net: network, Err: errRefusedForTest}
				}
				var d net.Dialer
				return d.DialContext(ctx, network, srv.ln.Addr().String())
			}
			_, port, _ := net.SplitHostPort(srv.ln.Addr().String())
			c := newClient(t, testPlan("http://"+net.JoinHostPort(tc.host, port)+"/"), WithResolver(resolver), WithDialer(dial))

			s := do(c, 0)
			if s.Err != tc.err {
				t.Fatalf("err %v, want %v", s.Err, tc.err)
			}
			if !s.Dialed || s.DNS <= 0 {
				t.Errorf("dialed %v dns %v, want the lookup timed", s.Dialed, s.DNS)
			}
			if got := dns.queries.Load() > 0; got != tc.queries {
				t.Errorf("DNS server asked: %v, want %v", got, tc.queries)
			}
			if tc.err != metrics.ErrNone {
				if dials.Load() != 0 {
					t.Errorf("dialed %d times after a failed lookup", dials.Load())
				}
				return
			}
			if s.Status != 200 {
				t.Errorf("status %d", s.Status)
			}
			if want := max(tc.attempts, 1); dials.Load() != int64(want) {
				t.Errorf("%d dials, want %d", dials.Load(), want)
			}
		})
	}
}

// TestTLS talks to an httptest TLS server.
func TestTLS(t *testing.T) {
	tests := []struct {
		name     string
		insecure bool
		trust    bool // trust the server's certificate through WithTLSConfig
		err      metrics.ErrClass
	}{
		{name: "insecure", insecure: true},
		{name: "trusted certificate", trust: true},
		{name: "untrusted certificate", err: metrics.ErrTLS},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := quietServer(func(w http.ResponseWriter, r *http.Request) {
				if r.TLS == nil || r.ProtoMajor != 1 {
					t.Errorf("request over %s, TLS %v", r.Proto, r.TLS != nil)
				}
				w.Write([]byte("secret"))
			})
			srv.StartTLS()
			t.Cleanup(srv.Close)
			plan := testPlan(srv.URL + "/")
			plan.Client.Insecure = tc.insecure
			var opts []Option
			if tc.trust {
				pool := x509.NewCertPool()
				pool.AddCert(srv.Certificate())
				opts = append(opts, WithTLSConfig(&tls.Config{RootCAs: pool, ServerName: "127.0.0.1", NextProtos: []string{"http/1.1"}}))
			}
			c := newClient(t, plan, opts...)
			for i := range 3 {
				s := do(c, i)
				if s.Err != tc.err {
					t.Fatalf("request %d: err %v, want %v", i, s.Err, tc.err)
				}
				if tc.err != metrics.ErrNone {
					if s.TLSHS <= 0 || s.Status != 0 || s.BytesIn != 0 {
						t.Errorf("handshake %v status %d bytes in %d", s.TLSHS, s.Status, s.BytesIn)
					}
					return
				}
				if s.Status != 200 {
					t.Errorf("request %d: status %d", i, s.Status)
				}
				if first := i == 0; s.Dialed != first || (s.TLSHS > 0) != first || (s.Connect > 0) != first {
					t.Errorf("request %d: dialed %v connect %v handshake %v", i, s.Dialed, s.Connect, s.TLSHS)
				}
				checkTimes(t, &s)
			}
		})
	}
}

// TestInterrupt checks the hard stop: requests in flight (or waiting for
// a connection, or dialing) end at once with ErrInterrupted, and later
// ones fail the same way without being sent.
func TestInterrupt(t *testing.T) {
	tests := []struct {
		name      string
		conns     int
		warm      int  // requests that complete before the interrupt
		inFlight  int  // requests under way when it comes
		handshake bool // the server never answers the TLS handshake
	}{
		{name: "request in flight", conns: 1, inFlight: 1},
		{name: "requests waiting for a connection", conns: 1, inFlight: 3},
		{name: "idle connection", conns: 1, warm: 1},
		{name: "TLS handshake in flight", conns: 2, inFlight: 2, handshake: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			arrived := make(chan struct{}, 16)
			var requests atomic.Int64
			url := ""
			if tc.handshake {
				srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
					arrived <- struct{}{}
					io.Copy(io.Discard, br)
				})
				url = strings.Replace(srv.url, "http:", "https:", 1)
			} else {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					requests.Add(1)
					if r.URL.Path == "/fast" {
						return
					}
					arrived <- struct{}{}
					select {
					case <-r.Context().Done():
					case <-time.After(10 * time.Second):
					}
				}))
				t.Cleanup(srv.Close)
				url = srv.URL
			}
			plan := testPlan(url + "/fast")
			plan.Requests = append(plan.Requests, scenarios.Request{Method: "GET", URL: url + "/slow"})
			plan.Client.Timeout = 30 * time.Second
			plan.Client.Connections = tc.conns
			plan.Client.Insecure = true
			dialer := &countingDialer{}
			c := newClient(t, plan, WithDialer(dialer.dial))

			for i := range tc.warm {
				if s := do(c, 0); s.Err != metrics.ErrNone {
					t.Fatalf("warm request %d: %v", i, s.Err)
				}
			}
			samples := make([]metrics.Sample, tc.inFlight)
			var wg sync.WaitGroup
			for i := range samples {
				wg.Go(func() { c.Do(1, &samples[i]) })
			}
			for range min(tc.inFlight, tc.conns) {
				select {
				case <-arrived:
				case <-time.After(5 * time.Second):
					t.Fatal("request did not arrive")
				}
			}
			time.Sleep(20 * time.Millisecond) // let the others wait for a connection
			start := time.Now()
			c.Interrupt()
			wg.Wait()
			if took := time.Since(start); took > 2*time.Second {
				t.Errorf("requests in flight took %v to stop", took)
			}
			for i, s := range samples {
				if s.Err != metrics.ErrInterrupted {
					t.Errorf("request in flight %d: err %v, want interrupted", i, s.Err)
				}
				checkTimes(t, &s)
			}

			dials, sent := dialer.dials.Load(), requests.Load()
			for i := range 3 {
				s := do(c, i)
				if s.Err != metrics.ErrInterrupted || s.Dialed || s.BytesOut != 0 {
					t.Errorf("request after: err %v dialed %v bytes out %d", s.Err, s.Dialed, s.BytesOut)
				}
				checkTimes(t, &s)
			}
			if dialer.dials.Load() != dials || requests.Load() != sent {
				t.Errorf("after the interrupt: %d more dials, %d more requests", dialer.dials.Load()-dials, requests.Load()-sent)
			}
		})
	}
}

// TestConcurrentUse runs many goroutines over fewer connections (run it
// with -race): the client must never have more connections open than
// allowed. With a server that never closes, the server's count is
// exact; when it closes some, the client's own dials are counted, as the
// server may see a close after the next connection's open.
func TestConcurrentUse(t *testing.T) {
	tests := []struct {
		goroutines, conns, requests int
		closeEvery                  int64 // the server closes after every n-th answer
	}{
		{goroutines: 32, conns: 4, requests: 50},
		{goroutines: 64, conns: 3, requests: 20},
		{goroutines: 16, conns: 1, requests: 20},
		{goroutines: 32, conns: 4, requests: 30, closeEvery: 7},
	}
	for _, tc := range tests {
		name := fmt.Sprintf("%d goroutines %d conns close every %d", tc.goroutines, tc.conns, tc.closeEvery)
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			open, maxOpen, accepted := 0, 0, 0
			var answers atomic.Int64
			srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n := answers.Add(1); tc.closeEvery > 0 && n%tc.closeEvery == 0 {
					w.Header().Set("Connection", "close")
				}
				w.Write([]byte("ok"))
			}))
			srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
				mu.Lock()
				defer mu.Unlock()
				switch s {
				case http.StateNew:
					open++
					accepted++
					maxOpen = max(maxOpen, open)
				case http.StateClosed, http.StateHijacked:
					open--
				}
			}
			srv.Start()
			t.Cleanup(srv.Close)
			plan := testPlan(srv.URL + "/")
			plan.Client.Connections = tc.conns
			plan.Load.MaxVUs = tc.goroutines
			dialer := &countingDialer{}
			c := newClient(t, plan, WithDialer(dialer.dial))

			var failed atomic.Int64
			var wg sync.WaitGroup
			for g := range tc.goroutines {
				wg.Go(func() {
					var s metrics.Sample
					for i := range tc.requests {
						s.Reset()
						c.Do(g+i, &s)
						if s.Err != metrics.ErrNone || s.Status != 200 {
							failed.Add(1)
						}
					}
				})
			}
			wg.Wait()
			if n := failed.Load(); n != 0 {
				t.Errorf("%d requests failed", n)
			}
			if got := dialer.maxOpen.Load(); got > int64(tc.conns) {
				t.Errorf("client had %d connections open, limit %d", got, tc.conns)
			}
			mu.Lock()
			defer mu.Unlock()
			if tc.closeEvery == 0 && (maxOpen > tc.conns || accepted > tc.conns) {
				t.Errorf("server saw %d connections, %d at once; limit %d", accepted, maxOpen, tc.conns)
			}
		})
	}
}
