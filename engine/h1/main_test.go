package h1

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// TestMain fails the package if any test leaves a goroutine behind: every
// server and client a test starts is closed in t.Cleanup.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testPlan is a keep-alive plan of one GET of url.
func testPlan(url string) *scenarios.Plan {
	return &scenarios.Plan{
		Name:     "h1",
		Requests: []scenarios.Request{{Method: "GET", URL: url}},
		Load:     scenarios.Load{MaxVUs: 1},
		Client:   scenarios.Client{KeepAlive: true, Timeout: 5 * time.Second},
	}
}

// newClient builds a client for plan and closes it when the test ends
// (before the servers the test started earlier, since cleanups run last
// registered first).
func newClient(t testing.TB, plan *scenarios.Plan, opts ...Option) *Client {
	t.Helper()
	c, err := New(plan, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// do sends request req and returns its sample.
func do(c *Client, req int) metrics.Sample {
	var s metrics.Sample
	c.Do(req, &s)
	return s
}

// checkTimes checks the ordering of a sample's times.
func checkTimes(t testing.TB, s *metrics.Sample) {
	t.Helper()
	if s.Sent.IsZero() || s.Done.IsZero() || s.Done.Before(s.Sent) {
		t.Errorf("sent %v, done %v: want sent <= done, both set", s.Sent, s.Done)
	}
	if !s.FirstByte.IsZero() && (s.FirstByte.Before(s.Sent) || s.Done.Before(s.FirstByte)) {
		t.Errorf("first byte %v not within [%v, %v]", s.FirstByte, s.Sent, s.Done)
	}
}

// rawServer is a TCP server on 127.0.0.1 whose handler writes whatever
// bytes it likes, to produce answers net/http never would. The server
// closes each connection when its handler returns.
type rawServer struct {
	ln       net.Listener
	url      string
	accepted atomic.Int64

	wg    sync.WaitGroup
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func newRawServer(t testing.TB, handle func(c net.Conn, br *bufio.Reader)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln, url: "http://" + ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			s.mu.Lock()
			s.conns[c] = struct{}{}
			s.mu.Unlock()
			s.wg.Go(func() {
				defer func() {
					c.Close()
					s.mu.Lock()
					delete(s.conns, c)
					s.mu.Unlock()
				}()
				handle(c, bufio.NewReader(c))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// respond is a handler that answers every request on the connection with
// the same bytes.
func respond(answer string) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		for {
			if _, err := readRequest(br); err != nil {
				return
			}
			if _, err := io.WriteString(c, answer); err != nil {
				return
			}
		}
	}
}

// respondOnce answers the first request with answer and closes.
func respondOnce(answer string) func(net.Conn, *bufio.Reader) {
	return func(c net.Conn, br *bufio.Reader) {
		if _, err := readRequest(br); err == nil {
			io.WriteString(c, answer)
		}
	}
}

// readRequest reads one request, head and Content-Length body, and
// returns its bytes as they came on the wire.
func readRequest(br *bufio.Reader) ([]byte, error) {
	var raw []byte
	length := 0
	for {
		l, err := br.ReadString('\n')
		raw = append(raw, l...)
		if err != nil {
			return raw, err
		}
		if l == "\r\n" || l == "\n" {
			break
		}
		if name, value, ok := strings.Cut(l, ":"); ok && strings.EqualFold(name, "content-length") {
			if length, err = strconv.Atoi(strings.TrimSpace(value)); err != nil {
				return raw, err
			}
		}
	}
	body := make([]byte, length)
	_, err := io.ReadFull(br, body)
	return append(raw, body...), err
}

// refusedURL is the URL of a port on which nothing listens.
func refusedURL(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr + "/"
}

// fakeDNS is a resolver that never leaves the process: its "server"
// answers A and AAAA queries for the names in hosts (absolute, lower
// case), NXDOMAIN for any other, over an in-memory stream connection.
// Names in /etc/hosts, such as localhost, are still found there first.
type fakeDNS struct {
	hosts   map[string][]net.IP
	queries atomic.Int64
	wg      sync.WaitGroup
}

func newFakeDNS(t testing.TB, hosts map[string][]net.IP) (*fakeDNS, *net.Resolver) {
	d := &fakeDNS{hosts: hosts}
	t.Cleanup(d.wg.Wait)
	return d, &net.Resolver{
		PreferGo: true,
		Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
			client, server := net.Pipe()
			d.wg.Go(func() { d.serve(server) })
			return client, nil
		},
	}
}

// serve answers length-prefixed DNS queries (RFC 1035 4.2.2) until the
// resolver closes its end.
func (d *fakeDNS) serve(c net.Conn) {
	defer c.Close()
	for {
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(c, q); err != nil {
			return
		}
		d.queries.Add(1)
		a := d.answer(q)
		if a == nil {
			return
		}
		if _, err := c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(a))), a...)); err != nil {
			return
		}
	}
}

func (d *fakeDNS) answer(q []byte) []byte {
	if len(q) < 12 {
		return nil
	}
	// The question: a name of labels, then type and class.
	var name []string
	i := 12
	for i < len(q) && q[i] != 0 {
		l := int(q[i])
		if i+1+l > len(q) {
			return nil
		}
		name = append(name, strings.ToLower(string(q[i+1:i+1+l])))
		i += 1 + l
	}
	if i+5 > len(q) {
		return nil
	}
	question := q[12 : i+5]
	qtype := binary.BigEndian.Uint16(q[i+1:])
	var rrs [][]byte
	ips, found := d.hosts[strings.Join(name, ".")+"."]
	for _, ip := range ips {
		if v4 := ip.To4(); (qtype == 1) == (v4 != nil) {
			if v4 != nil {
				ip = v4
			}
			rr := []byte{0xc0, 12} // the question's name
			rr = binary.BigEndian.AppendUint16(rr, qtype)
			rr = binary.BigEndian.AppendUint16(rr, 1) // IN
			rr = binary.BigEndian.AppendUint32(rr, 60)
			rr = binary.BigEndian.AppendUint16(rr, uint16(len(ip)))
			rrs = append(rrs, append(rr, ip...))
		}
	}
	flags := uint16(0x8180) // response, recursion desired and available
	if !found {
		flags |= 3 // NXDOMAIN
	}
	a := binary.BigEndian.AppendUint16(nil, binary.BigEndian.Uint16(q))
	a = binary.BigEndian.AppendUint16(a, flags)
	a = binary.BigEndian.AppendUint16(a, 1)
	a = binary.BigEndian.AppendUint16(a, uint16(len(rrs)))
	a = append(a, 0, 0, 0, 0)
	a = append(a, question...)
	for _, rr := range rrs {
		a = append(a, rr...)
	}
	return a
}

// countingDialer dials TCP and counts dials and open connections, to
// check the client's side of connection limits.
type countingDialer struct {
	dials   atomic.Int64
	open    atomic.Int64
	maxOpen atomic.Int64
	addrs   chan string // every address dialed, when not nil
	refuse  func(addr string) bool
}

func (d *countingDialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d.dials.Add(1)
	if d.addrs != nil {
		d.addrs <- addr
	}
	if d.refuse != nil && d.refuse(addr) {
		return nil, &net.OpError{Op: "dial", Net: network, Err: errRefusedForTest}
	}
	var nd net.Dialer
	c, err := nd.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	n := d.open.Add(1)
	for {
		m := d.maxOpen.Load()
		if n <= m || d.maxOpen.CompareAndSwap(m, n) {
			break
		}
	}
	return &countedConn{Conn: c, d: d}, nil
}

var errRefusedForTest = errors.New("refused by the test's dialer")

type countedConn struct {
	net.Conn
	d    *countingDialer
	once sync.Once
}

func (c *countedConn) Close() error {
	c.once.Do(func() { c.d.open.Add(-1) })
	return c.Conn.Close()
}

// oneByteReader returns one byte per Read.
type oneByteReader struct{ r io.Reader }

func (o oneByteReader) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return o.r.Read(p[:1])
}

// chunkReader returns reads of pseudo-random sizes from 1 to max, the
// same ones for the same seed.
type chunkReader struct {
	data  []byte
	state uint64
	max   int
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	c.state = c.state*6364136223846793005 + 1442695040888963407
	n := 1 + int((c.state>>33)%uint64(c.max))
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

// dataEOFReader returns the last bytes together with io.EOF, as Read
// may.
type dataEOFReader struct{ data []byte }

func (d *dataEOFReader) Read(p []byte) (int, error) {
	n := copy(p, d.data)
	d.data = d.data[n:]
	if len(d.data) == 0 {
		return n, io.EOF
	}
	return n, nil
}

// readers are the ways a byte stream can arrive.
var readers = []struct {
	name string
	make func([]byte) io.Reader
}{
	{"whole", func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"one-byte", func(b []byte) io.Reader { return oneByteReader{bytes.NewReader(b)} }},
	{"chunks-7", func(b []byte) io.Reader { return &chunkReader{data: b, state: 1, max: 7} }},
	{"chunks-100", func(b []byte) io.Reader { return &chunkReader{data: b, state: 2, max: 100} }},
	{"chunks-3000", func(b []byte) io.Reader { return &chunkReader{data: b, state: 3, max: 3000} }},
	{"data-with-eof", func(b []byte) io.Reader { return &dataEOFReader{data: b} }},
}

// parsed is the outcome of reading one response from a stream.
type parsed struct {
	resp response
	err  error
	rest []byte // the stream's bytes after the response
}

func (p parsed) String() string {
	return fmt.Sprintf("status %d close %v size %d err %v", p.resp.status, p.resp.close, p.resp.size, p.err)
}

// parse reads one response from src through a reader of bufferSize and,
// if it succeeds, the rest of src.
func parse(src io.Reader, headOnly bool) parsed {
	return parseSized(src, headOnly, bufferSize)
}

// parseSized is parse with a buffer of size bytes.
func parseSized(src io.Reader, headOnly bool, size int) parsed {
	r := reader{src: src, buf: make([]byte, size)}
	resp, err := r.read(headOnly)
	if err != nil {
		return parsed{resp: resp, err: err}
	}
	rest := append([]byte(nil), r.buf[r.start:r.end]...)
	more, _ := io.ReadAll(src)
	return parsed{resp: resp, rest: append(rest, more...)}
}
