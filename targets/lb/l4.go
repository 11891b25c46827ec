package lb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"
)

// tcpProxy is the L4 balancer: it accepts connections, places each on a
// backend with the pool's policy and splices bytes both ways, parsing
// nothing. Between two *net.TCPConn io.Copy uses splice(2) on Linux, so
// the bytes never enter user space; they are counted when a direction
// ends.
type tcpProxy struct {
	pool   *Pool
	ln     net.Listener
	dialer net.Dialer
	ctx    context.Context // cancelled when connections are cut off
	cancel context.CancelFunc

	mu      sync.Mutex // guards conns and closing
	conns   map[net.Conn]struct{}
	closing bool

	wg        sync.WaitGroup // the accept loop and every connection's goroutine
	stopWatch func() bool
}

func startTCP(ctx context.Context, addr string, pool *Pool) (*tcpProxy, error) {
	ln, err := listen(ctx, "l4 balancer", addr)
	if err != nil {
		return nil, err
	}
	x := &tcpProxy{
		pool:   pool,
		ln:     ln,
		dialer: net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second},
		conns:  make(map[net.Conn]struct{}),
	}
	x.ctx, x.cancel = context.WithCancel(ctx)
	x.stopWatch = context.AfterFunc(ctx, x.cutOff)
	x.wg.Add(1)
	go x.acceptLoop()
	return x, nil
}

// acceptLoop accepts until the listener is closed. Temporary errors, such
// as running out of file descriptors, back off up to a second, as
// net/http's server does.
func (x *tcpProxy) acceptLoop() {
	defer x.wg.Done()
	var backoff time.Duration
	for {
		c, err := x.ln.Accept()
		if err != nil {
			if x.isClosing() || errors.Is(err, net.ErrClosed) {
				return
			}
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			select {
			case <-time.After(backoff):
				continue
			case <-x.ctx.Done():
				return
			}
		}
		backoff = 0
		if !x.track(c) {
			_ = c.Close()
			continue
		}
		x.wg.Add(1) // the loop's own count is held, so Wait cannot have begun
		go x.handle(c)
	}
}

// handle places one client connection and splices it to its backend.
func (x *tcpProxy) handle(c net.Conn) {
	defer x.wg.Done()
	defer x.untrackClose(c)
	p := x.pool
	sel := Request{RemoteAddr: c.RemoteAddr().String()}
	t := p.pick(&sel, nil)
	if t == nil {
		p.noBackend.Add(1)
		return
	}
	bc, err := x.dial(t)
	if err != nil {
		// Nothing was sent: any connection may go to another backend.
		t2 := p.pick(&sel, t)
		if t2 == nil {
			return
		}
		p.retries.Add(1)
		t = t2
		if bc, err = x.dial(t); err != nil {
			return
		}
	}
	defer t.release()
	if !x.track(bc) {
		_ = bc.Close()
		return
	}
	defer x.untrackClose(bc)
	splice(c, bc, t)
}

// dial connects to t, recording the connect time; on error t is released
// and charged with the failure.
func (x *tcpProxy) dial(t *Target) (net.Conn, error) {
	start := time.Now()
	bc, err := x.dialer.DialContext(x.ctx, "tcp", t.addr)
	if err != nil {
		t.release()
		if x.ctx.Err() == nil {
			x.pool.failed(t)
		}
		return nil, err
	}
	t.observe(time.Since(start))
	x.pool.succeeded(t)
	return bc, nil
}

// splice copies both ways until both are done. A direction that ends
// cleanly half-closes its destination, so that protocols which close their
// sending side first still get the answer; one that fails closes both
// connections, so the other direction cannot hang on a dead peer.
func splice(c, bc net.Conn, t *Target) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		n, err := io.Copy(bc, c)
		t.bytesIn.Add(uint64(n))
		endDirection(bc, c, err)
	}()
	n, err := io.Copy(c, bc)
	t.bytesOut.Add(uint64(n))
	endDirection(c, bc, err)
	<-done
}

// endDirection ends one direction of a splice into dst from src.
func endDirection(dst, src net.Conn, err error) {
	if err != nil {
		_ = dst.Close()
		_ = src.Close()
		return
	}
	if cw, ok := dst.(interface{ CloseWrite() error }); ok {
		_ = cw.CloseWrite()
		return
	}
	_ = dst.Close()
}

func (x *tcpProxy) track(c net.Conn) bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.closing {
		return false
	}
	x.conns[c] = struct{}{}
	return true
}

func (x *tcpProxy) untrackClose(c net.Conn) {
	x.mu.Lock()
	delete(x.conns, c)
	x.mu.Unlock()
	_ = c.Close()
}

func (x *tcpProxy) isClosing() bool {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.closing
}

// stopAccepting closes the listener; connections carry on.
func (x *tcpProxy) stopAccepting() {
	x.mu.Lock()
	x.closing = true
	x.mu.Unlock()
	_ = x.ln.Close()
}

// cutOff stops accepting and closes every connection at once.
func (x *tcpProxy) cutOff() {
	x.stopAccepting()
	x.cancel()
	x.mu.Lock()
	for c := range x.conns {
		_ = c.Close()
	}
	x.mu.Unlock()
}

// shutdown stops accepting and waits for connections to end until ctx is
// done, then cuts them off; it returns once every goroutine has ended.
func (x *tcpProxy) shutdown(ctx context.Context) error {
	x.stopAccepting()
	done := make(chan struct{})
	go func() {
		x.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("lb: l4 balancer: graceful shutdown cut short, connections were closed: %w", ctx.Err())
		x.cutOff()
		<-done
	}
	x.stopWatch()
	x.cancel()
	return err
}
