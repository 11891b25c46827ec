package h1

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// bufferSize is each connection's read buffer. Small, because a run may
// hold 10,000 connections; bodies are discarded through it in pieces.
const bufferSize = 8 << 10

// Option configures a Client.
type Option func(*Client)

// WithTLSConfig sets the TLS configuration for https targets.
func WithTLSConfig(c *tls.Config) Option { return func(cl *Client) { cl.tlsConfig = c } }

// WithDialer replaces the dialer (tests use it to count or fail dials).
func WithDialer(d func(ctx context.Context, network, addr string) (net.Conn, error)) Option {
	return func(cl *Client) { cl.dial = d }
}

// WithResolver replaces the resolver of host names (tests use one that
// never leaves the process).
func WithResolver(r *net.Resolver) Option { return func(cl *Client) { cl.resolver = r } }

// Client sends a plan's requests over HTTP/1.1 connections shared by all
// VUs, at most Connections of them. It is safe for concurrent use.
type Client struct {
	target    target
	requests  []prepared
	keepAlive bool
	timeout   time.Duration
	tlsConfig *tls.Config
	dial      func(ctx context.Context, network, addr string) (net.Conn, error)
	resolver  *net.Resolver

	idle  chan *conn
	slots chan struct{} // one token per connection that may exist
	// ctx ends on Interrupt: it stops waits for a connection and dials.
	ctx    context.Context
	cancel context.CancelFunc

	mu          sync.Mutex
	live        map[*conn]struct{}
	interrupted atomic.Bool
}

type conn struct {
	nc net.Conn
	r  reader
	// fresh is true until the connection has carried one response: a
	// reused keep-alive connection may have been closed by the server
	// while idle, and such a failure is retried once on a new one.
	fresh bool
}

// New builds a client for plan's requests. All requests must go to one
// scheme, host and port.
func New(plan *scenarios.Plan, opts ...Option) (*Client, error) {
	if len(plan.Requests) == 0 {
		return nil, errors.New("h1: plan has no requests")
	}
	tgt, err := targetOf(plan.Requests[0].URL)
	if err != nil {
		return nil, fmt.Errorf("h1: %w", err)
	}
	c := &Client{
		target:    tgt,
		keepAlive: plan.Client.KeepAlive,
		timeout:   plan.Client.Timeout,
		resolver:  net.DefaultResolver,
		live:      map[*conn]struct{}{},
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())
	for _, r := range plan.Requests {
		t, err := targetOf(r.URL)
		if err != nil {
			return nil, fmt.Errorf("h1: %s: %w", r.URL, err)
		}
		if t != tgt {
			return nil, fmt.Errorf("h1: all requests must go to one origin; %s differs from %s://%s", r.URL, tgt.scheme, tgt.host)
		}
		p, err := prepare(r, plan.Client.KeepAlive)
		if err != nil {
			return nil, fmt.Errorf("h1: %s: %w", r.URL, err)
		}
		c.requests = append(c.requests, p)
	}
	n := plan.Client.Connections
	if n <= 0 {
		n = plan.Load.MaxVUs
	}
	n = max(n, 1)
	c.idle = make(chan *conn, n)
	c.slots = make(chan struct{}, n)
	for range n {
		c.slots <- struct{}{}
	}
	d := &net.Dialer{Timeout: c.timeout, KeepAlive: -1}
	c.dial = d.DialContext
	if tgt.scheme == "https" {
		c.tlsConfig = &tls.Config{
			ServerName:         tgt.name,
			InsecureSkipVerify: plan.Client.Insecure, //nolint:gosec // only when the user asks with --insecure
			NextProtos:         []string{"http/1.1"},
		}
	}
	for _, o := range opts {
		o(c)
	}
	return c, nil
}

// Connections is the most connections the client opens at once.
func (c *Client) Connections() int { return cap(c.slots) }

// Do sends request number req%len and fills s with its timings and
// outcome. It never returns an error: failures are data on the sample.
func (c *Client) Do(req int, s *metrics.Sample) {
	c.do(&c.requests[req%len(c.requests)], nil, s)
}

// DoRequest sends a request built at run time (a flow's step) and, when
// capture is set, keeps the response's headers and body in it. r.URL must
// be on the client's origin (Origin).
func (c *Client) DoRequest(r scenarios.Request, capture *Capture, s *metrics.Sample) error {
	p, err := prepare(r, c.keepAlive)
	if err != nil {
		return err
	}
	c.do(&p, capture, s)
	return nil
}

// Prepared is a run-time request serialised once, for a flow step whose
// request never changes.
type Prepared struct{ p prepared }

// Prepare serialises r for this client.
func (c *Client) Prepare(r scenarios.Request) (*Prepared, error) {
	p, err := prepare(r, c.keepAlive)
	if err != nil {
		return nil, err
	}
	return &Prepared{p: p}, nil
}

// DoPrepared sends a prepared request, as DoRequest does.
func (c *Client) DoPrepared(p *Prepared, capture *Capture, s *metrics.Sample) {
	c.do(&p.p, capture, s)
}

// Origin is the scheme://host:port the client sends to.
func (c *Client) Origin() string { return c.target.scheme + "://" + c.target.host }

// OriginOf returns the origin of an absolute URL, as Origin names it.
func OriginOf(rawURL string) (string, error) {
	t, err := targetOf(rawURL)
	if err != nil {
		return "", err
	}
	return t.scheme + "://" + t.host, nil
}

func (c *Client) do(p *prepared, capture *Capture, s *metrics.Sample) {
	if c.interrupted.Load() {
		c.fail(s, errInterrupted)
		return
	}
	cn, err := c.acquire(s)
	if err != nil {
		c.fail(s, err)
		return
	}
	if !c.roundTrip(cn, p, capture, s, true) {
		return
	}
	// The reused connection was closed by the server while idle. The
	// other idle ones may well be stale too (an idle timeout closes them
	// together), so retry once on a new connection, in the slot the stale
	// one held.
	cn, err = c.connect(s)
	if err != nil {
		c.slots <- struct{}{}
		c.fail(s, err)
		return
	}
	c.roundTrip(cn, p, capture, s, false)
}

// fail records a request that got no connection.
func (c *Client) fail(s *metrics.Sample, err error) {
	if c.interrupted.Load() {
		err = errInterrupted
	}
	s.Err = classify(err)
	s.Done = time.Now()
	if s.Sent.IsZero() {
		s.Sent = s.Done
	}
}

// acquire returns an idle connection, or dials one if the limit allows,
// or waits for one to come back.
func (c *Client) acquire(s *metrics.Sample) (*conn, error) {
	select {
	case cn := <-c.idle:
		return cn, nil
	default:
	}
	select {
	case cn := <-c.idle:
		return cn, nil
	case <-c.slots:
		cn, err := c.connect(s)
		if err != nil {
			c.slots <- struct{}{}
		}
		return cn, err
	case <-c.ctx.Done():
		return nil, errInterrupted
	}
}

var errInterrupted = errors.New("interrupted")

// connect dials a new connection and times its phases into s.
func (c *Client) connect(s *metrics.Sample) (*conn, error) {
	if c.interrupted.Load() {
		return nil, errInterrupted
	}
	ctx, cancel := c.ctx, context.CancelFunc(func() {})
	if c.timeout > 0 {
		ctx, cancel = context.WithTimeout(c.ctx, c.timeout)
	}
	defer cancel()
	s.Dialed = true
	addrs := []string{c.target.addr}
	t0 := time.Now()
	if net.ParseIP(c.target.name) == nil {
		ips, err := c.resolver.LookupIPAddr(ctx, c.target.name)
		s.DNS = time.Since(t0)
		if err != nil {
			return nil, &dnsError{err}
		}
		if len(ips) == 0 {
			return nil, &dnsError{fmt.Errorf("no addresses for %s", c.target.name)}
		}
		_, port, _ := net.SplitHostPort(c.target.addr)
		addrs = addrs[:0]
		for _, ip := range ips {
			addrs = append(addrs, net.JoinHostPort(ip.IP.String(), port))
		}
	}
	// Try the addresses in turn, as net.Dialer does: "localhost" may
	// resolve to ::1 first while the server listens on 127.0.0.1 only.
	t1 := time.Now()
	var nc net.Conn
	var err error
	for _, addr := range addrs {
		var e error
		if nc, e = c.dial(ctx, "tcp", addr); e == nil {
			err = nil
			break
		}
		if err == nil {
			err = e
		}
		if ctx.Err() != nil {
			break
		}
	}
	s.Connect = time.Since(t1)
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	if c.tlsConfig != nil {
		t2 := time.Now()
		tc := tls.Client(nc, c.tlsConfig)
		err := tc.HandshakeContext(ctx)
		s.TLSHS = time.Since(t2)
		if err != nil {
			nc.Close()
			return nil, &tlsError{err}
		}
		nc = tc
	}
	cn := &conn{nc: nc, fresh: true}
	cn.r = reader{src: nc, buf: make([]byte, bufferSize)}
	c.mu.Lock()
	c.live[cn] = struct{}{}
	interrupted := c.interrupted.Load()
	c.mu.Unlock()
	if interrupted {
		c.discard(cn)
		return nil, errInterrupted
	}
	return cn, nil
}

// roundTrip sends p on cn and reads the answer. It returns true when the
// request should be retried on a new connection: only when a reused
// keep-alive connection turned out to be closed before any byte came back.
// cn is then closed and its slot is the caller's to dial in.
func (c *Client) roundTrip(cn *conn, p *prepared, capture *Capture, s *metrics.Sample, mayRetry bool) (retry bool) {
	reused := !cn.fresh
	// The capture is detached before the connection goes back to the pool.
	cn.r.capture = capture
	s.Sent = time.Now()
	var err error
	if c.timeout > 0 {
		_ = cn.nc.SetDeadline(s.Sent.Add(c.timeout))
		// Interrupt may have set its past deadline just before ours.
		if c.interrupted.Load() {
			err = errInterrupted
		}
	}
	if err == nil {
		_, err = cn.nc.Write(p.wire)
	}
	var resp response
	if err == nil {
		resp, err = cn.r.read(p.noBody)
	}
	cn.r.capture = nil
	s.Done = time.Now()
	if err != nil {
		if reused && mayRetry && resp.status == 0 && cn.r.firstByte.IsZero() && isStale(err) &&
			!c.interrupted.Load() && c.release(cn) {
			s.Dialed, s.DNS, s.Connect, s.TLSHS = false, 0, 0, 0
			return true
		}
		c.discard(cn)
		if c.interrupted.Load() {
			s.Err = metrics.ErrInterrupted
		} else {
			s.Err = classify(err)
		}
		s.Status = resp.status
		s.BytesOut = int64(len(p.wire))
		s.BytesIn = cn.r.consumed
		s.FirstByte = cn.r.firstByte
		return false
	}
	cn.fresh = false
	s.Status = resp.status
	s.BytesOut = int64(len(p.wire))
	s.BytesIn = resp.size
	s.FirstByte = cn.r.firstByte
	if resp.status >= 400 {
		s.Err = metrics.ErrStatus
	}
	if resp.close || !c.keepAlive {
		c.discard(cn)
	} else {
		c.idle <- cn
	}
	return false
}

// discard closes cn and frees its slot for a new connection.
func (c *Client) discard(cn *conn) {
	if c.release(cn) {
		c.slots <- struct{}{}
	}
}

// release closes cn and forgets it. It reports whether cn still held a
// slot, which is then the caller's: Close forgets every connection.
func (c *Client) release(cn *conn) bool {
	cn.nc.Close()
	c.mu.Lock()
	_, ok := c.live[cn]
	delete(c.live, cn)
	c.mu.Unlock()
	return ok
}

// Interrupt makes every request in flight fail at once and every later
// one fail without being sent: the hard stop of a run.
func (c *Client) Interrupt() {
	c.mu.Lock()
	c.interrupted.Store(true)
	for cn := range c.live {
		_ = cn.nc.SetDeadline(time.Unix(1, 0))
	}
	c.mu.Unlock()
	c.cancel()
}

// Close closes every connection.
func (c *Client) Close() error {
	c.Interrupt()
	c.mu.Lock()
	for cn := range c.live {
		cn.nc.Close()
	}
	clear(c.live)
	c.mu.Unlock()
	return nil
}

type dnsError struct{ err error }

func (e *dnsError) Error() string { return "dns: " + e.err.Error() }
func (e *dnsError) Unwrap() error { return e.err }

type tlsError struct{ err error }

func (e *tlsError) Error() string { return "tls: " + e.err.Error() }
func (e *tlsError) Unwrap() error { return e.err }

// isStale reports errors a server's close of an idle connection causes.
func isStale(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// classify maps a transport error to its class.
func classify(err error) metrics.ErrClass {
	var de *dnsError
	var te *tlsError
	var ne net.Error
	switch {
	case err == errInterrupted:
		return metrics.ErrInterrupted
	case errors.As(err, &de):
		return metrics.ErrDNS
	case errors.As(err, &te):
		if errors.As(err, &ne) && ne.Timeout() {
			return metrics.ErrTimeout
		}
		return metrics.ErrTLS
	case errors.Is(err, syscall.ECONNREFUSED):
		return metrics.ErrRefused
	case errors.Is(err, os.ErrDeadlineExceeded), errors.Is(err, context.DeadlineExceeded):
		return metrics.ErrTimeout
	case errors.As(err, &ne) && ne.Timeout():
		return metrics.ErrTimeout
	case isStale(err):
		return metrics.ErrReset
	case errors.Is(err, errProtocol), errors.Is(err, errHeaderTooLarge):
		return metrics.ErrProtocol
	default:
		return metrics.ErrOther
	}
}
