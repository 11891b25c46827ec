package backend

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
)

// listener is what a server's http.Server accepts from, for the server's
// whole life. Below it, the socket can be closed (Kill: new connections are
// refused) and bound again (Restart) without stopping http.Server.Serve,
// which cannot be restarted once shut down.
//
// It tracks every connection it hands out, so that Kill can close them all:
// a connection is registered under the same lock that Kill takes, so none
// accepted as the server is killed escapes.
//
// In serial mode it hands out one connection at a time: Accept waits until
// the last connection is closed, by whoever closes it (net/http when the
// client hangs up or the idle timeout fires, a handler that hijacked it,
// Kill, Shutdown). That is the single-threaded server: connections queue in
// the kernel's backlog, as they do behind Python's http.server.
type listener struct {
	addr   string // host:port, with the port bound first
	serial bool

	mu      sync.Mutex
	ln      net.Listener // nil while killed
	closed  bool
	conns   map[*trackedConn]struct{}
	changed chan struct{} // closed and replaced when ln, closed or conns change

	accepted atomic.Uint64
}

func newListener(ln net.Listener, serial bool) *listener {
	return &listener{
		addr:    ln.Addr().String(),
		serial:  serial,
		ln:      ln,
		conns:   make(map[*trackedConn]struct{}),
		changed: make(chan struct{}),
	}
}

// signal wakes every Accept waiting on a change. l.mu is held.
func (l *listener) signal() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// Accept waits for a connection, while the server is down or (in serial
// mode) busy with another connection.
func (l *listener) Accept() (net.Conn, error) {
	for {
		l.mu.Lock()
		if l.closed {
			l.mu.Unlock()
			return nil, net.ErrClosed
		}
		if l.ln == nil || (l.serial && len(l.conns) > 0) {
			ch := l.changed
			l.mu.Unlock()
			<-ch
			continue
		}
		ln := l.ln
		l.mu.Unlock()

		c, err := ln.Accept()

		l.mu.Lock()
		if l.ln != ln || l.closed { // killed or closed while accepting
			l.mu.Unlock()
			if c != nil {
				_ = c.Close()
			}
			continue
		}
		if err != nil {
			l.mu.Unlock()
			return nil, err
		}
		tc := &trackedConn{Conn: c, l: l}
		l.conns[tc] = struct{}{}
		l.mu.Unlock()
		l.accepted.Add(1)
		return tc, nil
	}
}

// Close stops Accept for good. Open connections are the http.Server's to
// close.
func (l *listener) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.signal()
	if l.ln != nil {
		return l.ln.Close()
	}
	return nil
}

// Addr is the bound address, also while killed.
func (l *listener) Addr() net.Addr {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.ln != nil {
		return l.ln.Addr()
	}
	a, _ := net.ResolveTCPAddr("tcp", l.addr)
	return a
}

// kill closes the socket and every connection but except (which may be
// nil), left for its owner to close.
func (l *listener) kill(except net.Conn) {
	l.mu.Lock()
	if l.ln == nil || l.closed {
		l.mu.Unlock()
		return
	}
	_ = l.ln.Close()
	l.ln = nil
	conns := make([]*trackedConn, 0, len(l.conns))
	for c := range l.conns {
		if net.Conn(c) != except {
			conns = append(conns, c)
		}
	}
	l.signal()
	l.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// restart binds the address again after kill.
func (l *listener) restart() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.closed:
		return errors.New("the server is shut down")
	case l.ln != nil:
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(context.Background(), "tcp", l.addr)
	if err != nil {
		return err
	}
	l.ln = ln
	l.signal()
	return nil
}

// down reports whether the server is killed.
func (l *listener) down() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.ln == nil && !l.closed
}

func (l *listener) remove(c *trackedConn) {
	l.mu.Lock()
	delete(l.conns, c)
	l.signal()
	l.mu.Unlock()
}

// trackedConn is a connection of a listener, which forgets it on Close.
type trackedConn struct {
	net.Conn
	l    *listener
	once sync.Once
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.remove(c) })
	return err
}

// NetConn returns the underlying connection, as tls.Conn.NetConn does.
func (c *trackedConn) NetConn() net.Conn { return c.Conn }

var (
	_ net.Listener = (*listener)(nil)
	_ net.Conn     = (*trackedConn)(nil)
)
