package engine

import (
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// preciseSleeper waits with nanosecond resolution. Go's timers wake a
// goroutine through the network poller, whose epoll_wait timeout has
// millisecond resolution: an idle generator wakes up to a millisecond
// late, and in the open model that lateness lands in every latency. A
// timerfd is itself a pollable file, so the poller wakes when it fires,
// to the microsecond, without a thread of its own.
type preciseSleeper struct {
	fd   int
	file *os.File
	buf  [8]byte
}

func newPreciseSleeper() (*preciseSleeper, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &preciseSleeper{fd: fd, file: os.NewFile(uintptr(fd), "timerfd")}, nil
}

// sleep waits for d. It is not interruptible; callers keep d short.
func (p *preciseSleeper) sleep(d time.Duration) {
	if d <= 0 {
		return
	}
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	if err := unix.TimerfdSettime(p.fd, 0, &spec, nil); err != nil {
		time.Sleep(d)
		return
	}
	if _, err := p.file.Read(p.buf[:]); err != nil {
		time.Sleep(time.Until(time.Now().Add(d)))
	}
}

func (p *preciseSleeper) close() { p.file.Close() }
