package backend

import (
	"net/http"
	"strconv"
	"sync/atomic"
)

// Header values shared by every response, so that setting a header allocates
// nothing. They are assigned straight into the header map under their
// canonical keys. net/http, Header.Set and Header.Add replace or copy these
// slices (their len equals their cap); nothing may modify them in place.
var (
	hdrTextPlain    = []string{"text/plain; charset=utf-8"}
	hdrAllowGetHead = []string{"GET, HEAD"}
	hdrAllowPost    = []string{"POST"}
	hdrClose        = []string{"close"}
	hdrJSON         = []string{"application/json"}
)

// staticResponse is a fixed response, built once and written many times.
type staticResponse struct {
	status        int
	body          []byte
	contentLength []string
	allow         []string // the Allow header, for 405; nil otherwise
}

func newStaticResponse(status int, body string) *staticResponse {
	return &staticResponse{
		status:        status,
		body:          []byte(body),
		contentLength: []string{strconv.Itoa(len(body))},
	}
}

// write sends the response; it allocates nothing.
func (s *staticResponse) write(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h["Content-Type"] = hdrTextPlain
	h["Content-Length"] = s.contentLength
	if s.allow != nil {
		h["Allow"] = s.allow
	}
	w.WriteHeader(s.status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(s.body) // a failed write means the client went away
	}
}

// fillLine is the unit of every simulated body: 63 printable bytes and a
// newline. A body of n bytes is the first n bytes of fillLine repeated, so
// the body of a smaller size is a prefix of the body of a larger one.
const fillLine = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.\n"

// fillChunk is the size of the shared body buffer. Larger bodies are written
// as several slices of it.
const fillChunk = 64 << 10

// filler is the shared, read-only buffer that every simulated body is sliced
// from. io.Writer implementations must neither modify nor retain it.
var filler = func() []byte {
	b := make([]byte, fillChunk)
	for i := 0; i < len(b); i += len(fillLine) {
		copy(b[i:], fillLine)
	}
	return b
}()

// writeFill writes n bytes of filler to w, stopping at the first error (the
// client went away).
func writeFill(w http.ResponseWriter, n int) {
	for n > 0 {
		k := min(n, len(filler))
		if _, err := w.Write(filler[:k]); err != nil {
			return
		}
		n -= k
	}
}

// clEntry is one Content-Length header value in clCache.
type clEntry struct {
	n int
	v []string
}

// clCache holds the Content-Length header values of recently used body
// sizes, so that a run asking for the same few sizes allocates none. It is a
// direct-mapped cache: a miss allocates the value and replaces the slot.
var clCache [64]atomic.Pointer[clEntry]

// contentLength returns the Content-Length header value for n bytes.
func contentLength(n int) []string {
	// Fibonacci hashing spreads round sizes (1024, 4096, ...) over the slots.
	slot := &clCache[(uint64(n)*0x9E3779B97F4A7C15)>>58]
	if e := slot.Load(); e != nil && e.n == n {
		return e.v
	}
	e := &clEntry{n: n, v: []string{strconv.Itoa(n)}}
	slot.Store(e)
	return e.v
}
