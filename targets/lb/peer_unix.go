//go:build unix

package lb

import (
	"net"
	"syscall"
)

// peerOpen reports whether the backend has neither closed nc nor sent
// anything unasked on it, with one non-blocking peek: what http.Transport
// learns from its per-connection read goroutine, for one system call, and
// only for connections that idled a while.
func peerOpen(nc net.Conn) bool {
	sc, ok := nc.(syscall.Conn)
	if !ok {
		return true
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	open := false
	err = rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		open = rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK
		return true
	})
	return err == nil && open
}
