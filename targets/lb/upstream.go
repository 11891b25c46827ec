package lb

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// Sizes and ages of the connections to an L7 backend.
const (
	// maxIdlePerBackend keeps a connection per client connection of a
	// heavy test, so that keep-alive holds under load.
	maxIdlePerBackend = 1024
	// backendIdleTimeout is below the 120 s idle timeout of the bundled
	// targets, so the balancer drops idle connections before a backend
	// closes them.
	backendIdleTimeout = 90 * time.Second
	// checkIdleAfter: a connection idle longer than this is checked for a
	// close by the backend before it is reused. Under load connections
	// idle for microseconds and skip the check's system call.
	checkIdleAfter = time.Second
	dialTimeout    = 2 * time.Second
	upBufSize      = 4 << 10
)

// upstream is the HTTP/1.1 client of one L7 backend: a LIFO stack of idle
// keep-alive connections, each carrying one request at a time, written and
// read by the handler's own goroutine.
//
// It replaces http.Transport, whose two goroutines per connection, channel
// hand-offs and connection-pool queueing cost as much CPU per request as
// all the rest of the balancer (see bench/README.md). It keeps the part
// that is hard to get right from net/http: ReadResponse parses the answer
// and its body.
type upstream struct {
	addr   string
	dialer net.Dialer

	mu     sync.Mutex // guards idle and closed
	idle   []*upConn  // most recently used last
	closed bool
}

// upConn is one connection to a backend.
type upConn struct {
	nc     net.Conn
	br     *bufio.Reader
	bw     *bufio.Writer
	idleAt time.Time
	reused bool // carried a request before this one
}

func newUpstream(addr string) *upstream {
	return &upstream{addr: addr, dialer: net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}}
}

// get returns an idle connection, or a new one. An idle connection is
// checked for a close by the backend first if it idled long, or if check is
// set: for a request that could not be sent again on errNothingBack.
func (u *upstream) get(ctx context.Context, check bool) (*upConn, error) {
	now := time.Now()
	for {
		pc := u.popIdle(now)
		if pc == nil {
			return u.dial(ctx)
		}
		if !check && now.Sub(pc.idleAt) < checkIdleAfter || peerOpen(pc.nc) {
			pc.reused = true
			return pc, nil
		}
		_ = pc.nc.Close()
	}
}

// popIdle takes the most recently used idle connection, closing the oldest
// one on the way if it has idled too long, so that a stack that shrinks
// does not keep stale connections at its bottom.
func (u *upstream) popIdle(now time.Time) *upConn {
	u.mu.Lock()
	defer u.mu.Unlock()
	if n := len(u.idle); n > 1 && now.Sub(u.idle[0].idleAt) > backendIdleTimeout {
		_ = u.idle[0].nc.Close()
		copy(u.idle, u.idle[1:])
		u.idle[n-1] = nil
		u.idle = u.idle[:n-1]
	}
	n := len(u.idle)
	if n == 0 {
		return nil
	}
	pc := u.idle[n-1]
	if now.Sub(pc.idleAt) > backendIdleTimeout {
		// The youngest is stale, so all are: close them; get dials.
		for i, old := range u.idle {
			_ = old.nc.Close()
			u.idle[i] = nil
		}
		u.idle = u.idle[:0]
		return nil
	}
	u.idle[n-1] = nil
	u.idle = u.idle[:n-1]
	return pc
}

// dial opens a new connection. Its errors are *net.OpError with Op
// "dial", which is how retryable tells that nothing was sent.
func (u *upstream) dial(ctx context.Context) (*upConn, error) {
	nc, err := u.dialer.DialContext(ctx, "tcp", u.addr)
	if err != nil {
		return nil, err
	}
	return &upConn{
		nc: nc,
		br: bufio.NewReaderSize(nc, upBufSize),
		bw: bufio.NewWriterSize(nc, upBufSize),
	}, nil
}

// put returns a connection whose last response was read to the end.
func (u *upstream) put(pc *upConn) {
	pc.idleAt = time.Now()
	u.mu.Lock()
	if !u.closed && len(u.idle) < maxIdlePerBackend {
		u.idle = append(u.idle, pc)
		pc = nil
	}
	u.mu.Unlock()
	if pc != nil {
		_ = pc.nc.Close()
	}
}

// closeIdle closes the idle connections; with shut set, connections put
// back later are closed too.
func (u *upstream) closeIdle(shut bool) {
	u.mu.Lock()
	idle := u.idle
	u.idle = nil
	if shut {
		u.closed = true
	}
	u.mu.Unlock()
	for _, pc := range idle {
		_ = pc.nc.Close()
	}
}

// errNothingBack marks a round trip on a reused connection that got not a
// byte of response: the backend had closed the connection while it idled,
// so the request may go again on a fresh one.
var errNothingBack = errors.New("lb: reused backend connection closed before any response")

// roundTrip forwards the inbound request r as target (see writeRequest)
// and reads the response head, skipping interim 1xx responses (a 101 is
// returned, and never reused). The body stays on the connection for the
// caller to read.
func (pc *upConn) roundTrip(r *http.Request, target string) (*http.Response, error) {
	if err := writeRequest(pc.bw, r, target); err != nil {
		return nil, pc.failed(err)
	}
	if _, err := pc.br.Peek(1); err != nil {
		return nil, pc.failed(err)
	}
	for {
		resp, err := http.ReadResponse(pc.br, r)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			return resp, nil
		}
	}
}

// failed wraps an error that struck before any byte of response came back.
func (pc *upConn) failed(err error) error {
	if pc.reused {
		return errors.Join(errNothingBack, err)
	}
	return err
}

// aLongTimeAgo is a deadline in the past, which makes blocked reads and
// writes return at once.
var aLongTimeAgo = time.Unix(1, 0)

// watch cuts the connection's I/O short when ctx is done (the client left,
// or the balancer is cut off). The returned stop reports whether that was
// averted; if not, the connection must not be reused.
func (pc *upConn) watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() { _ = pc.nc.SetDeadline(aLongTimeAgo) })
}
