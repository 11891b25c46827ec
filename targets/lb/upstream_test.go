package lb

import (
	"context"
	"net"
	"testing"
	"time"
)

// TestUpstreamIdleStack: connections are reused most recent first, the
// stale are closed rather than reused, and a shut upstream keeps nothing.
func TestUpstreamIdleStack(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 8)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	u := newUpstream(ln.Addr().String())
	ctx := context.Background()
	a, err := u.get(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	b, err := u.get(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	u.put(a)
	u.put(b)
	if got, _ := u.get(ctx, false); got != b || !got.reused {
		t.Error("the most recently used connection was not reused first")
	}
	u.put(b)
	for _, pc := range u.idle {
		pc.idleAt = time.Now().Add(-2 * backendIdleTimeout)
	}
	c, err := u.get(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	if c == a || c == b || len(u.idle) != 0 {
		t.Errorf("stale connections reused or kept: %d idle", len(u.idle))
	}
	// A connection the backend closed is found out before reuse when
	// checked.
	u.put(c)
	srv := <-accepted // a's peer
	srv.Close()
	for range 2 {
		(<-accepted).Close() // b's and c's peers
	}
	time.Sleep(20 * time.Millisecond)
	if got, err := u.get(ctx, true); err != nil || got == c {
		t.Errorf("closed connection reused after a check (err %v)", err)
	} else {
		got.nc.Close()
	}
	u.closeIdle(true)
	d, _ := u.dial(ctx)
	u.put(d)
	if len(u.idle) != 0 {
		t.Error("a shut upstream kept a connection")
	}
	ln.Close()
	for c := range accepted {
		c.Close()
	}
}
