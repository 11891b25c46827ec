package targets

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Limits of simulated work, for WorkSpec and for the /work query.
const (
	// MaxSleep is the longest service time a request may ask for.
	MaxSleep = 60 * time.Second
	// MaxSize is the largest response body a request may ask for.
	MaxSize = 64 << 20
)

// Status codes a WorkSpec may ask for. 1xx codes are not final responses and
// cannot be simulated.
const (
	minStatus = 200
	maxStatus = 599
)

// WorkSpec is the simulated work of one request to /work: wait Sleep, then
// answer Status with a body of Size bytes.
type WorkSpec struct {
	Sleep  time.Duration // service time, 0 to MaxSleep
	Size   int           // response body bytes, 0 to MaxSize
	Status int           // response status, 200 to 599; 0 means 200
}

// Validate reports every value of w out of range, or nil.
func (w WorkSpec) Validate() error {
	var errs []error
	if w.Sleep < 0 || w.Sleep > MaxSleep {
		errs = append(errs, fmt.Errorf("work sleep %v: want 0 to %v", w.Sleep, MaxSleep))
	}
	if w.Size < 0 || w.Size > MaxSize {
		errs = append(errs, fmt.Errorf("work size %d: want 0 to %d bytes", w.Size, MaxSize))
	}
	if w.Status != 0 && (w.Status < minStatus || w.Status > maxStatus) {
		errs = append(errs, fmt.Errorf("work status %d: want %d to %d (or 0 for 200)", w.Status, minStatus, maxStatus))
	}
	return errors.Join(errs...)
}

// withDefaults returns w with a zero Status replaced by 200.
func (w WorkSpec) withDefaults() WorkSpec {
	if w.Status == 0 {
		w.Status = http.StatusOK
	}
	return w
}

// NewWorkHandler returns the handler of /work: it reads and discards the
// request body (so the connection can be reused), waits the service time,
// then writes the status and a body of filler bytes with its Content-Length.
// Any method is accepted; HEAD gets the headers only, and 204 and 304 get no
// body.
//
// The query may override def, parameter by parameter:
//
//	sleep   a Go duration (5ms, 1.5s) or a plain number of milliseconds (5, 2.5); 0 to MaxSleep
//	size    body bytes, 0 to MaxSize
//	status  200 to 599
//
// Other parameters are ignored (cache busters pass through); when a parameter
// is repeated the last one counts. A bad parameter gets 400 and a message that
// names it. The wait ends early when the request's context is done (the
// client went away, or the server is closing); the handler then answers 503
// if anyone is still listening.
//
// The handler is safe for concurrent use. Steady state, it allocates nothing
// of its own: the body is sliced from a shared buffer, header values are
// shared (replace them, never modify them in place), and timers are pooled.
//
// NewWorkHandler panics if def is invalid (see WorkSpec.Validate), as
// http.ServeMux.Handle panics on a bad pattern: check configuration from users
// with Validate first.
func NewWorkHandler(def WorkSpec) http.Handler {
	if err := def.Validate(); err != nil {
		panic("targets: NewWorkHandler: " + err.Error())
	}
	def = def.withDefaults()
	return &workHandler{def: def, defContentLength: contentLength(def.Size)}
}

// workHandler serves /work; see NewWorkHandler.
type workHandler struct {
	def              WorkSpec // with defaults applied
	defContentLength []string // Content-Length of def.Size
}

func (h *workHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Read the body first: net/http reuses the connection only when the body
	// has been consumed, and notices a client that goes away only once it has.
	if r.Body != nil && r.Body != http.NoBody {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, "reading request body: "+err.Error(), http.StatusBadRequest)
			return
		}
	}

	spec, cl := h.def, h.defContentLength
	if q := r.URL.RawQuery; q != "" {
		var err error
		if spec, err = parseWork(q, h.def); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if spec.Size != h.def.Size {
			cl = contentLength(spec.Size)
		}
	}

	if spec.Sleep > 0 {
		if err := sleep(r.Context(), spec.Sleep); err != nil {
			// Usually the client has gone and this write goes nowhere; when
			// the server is closing, the client learns why.
			http.Error(w, "work interrupted: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
	}

	hdr := w.Header()
	hdr["Content-Type"] = hdrTextPlain
	noBody := spec.Status == http.StatusNoContent || spec.Status == http.StatusNotModified
	if !noBody {
		hdr["Content-Length"] = cl
	}
	w.WriteHeader(spec.Status)
	if noBody || r.Method == http.MethodHead {
		return
	}
	writeFill(w, spec.Size)
}

// timers holds stopped timers for sleep. Since Go 1.23, Reset and Stop need
// no draining of the channel, so a timer can be reused whichever way its last
// wait ended.
var timers = sync.Pool{New: func() any {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return t
}}

// sleep waits d, or until ctx is done, in which case it returns ctx.Err().
func sleep(ctx context.Context, d time.Duration) error {
	t := timers.Get().(*time.Timer)
	defer timers.Put(t)
	t.Reset(d)
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		t.Stop()
		return ctx.Err()
	}
}

var _ http.Handler = (*workHandler)(nil)
