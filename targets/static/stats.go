package static

import (
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"
)

// Stats are a static target's counters since it started. Requests to
// StatsPath are not counted.
type Stats struct {
	ID             string `json:"id"`
	Requests       uint64 `json:"requests"`
	Bytes          uint64 `json:"bytes"`           // body bytes sent, error pages included (HEAD and 304 send none)
	NotModified    uint64 `json:"not_modified"`    // 304
	PartialContent uint64 `json:"partial_content"` // 206
	Unauthorized   uint64 `json:"unauthorized"`    // 401
	NotFound       uint64 `json:"not_found"`       // 404
}

// counters are the live values behind Stats.
type counters struct {
	requests, bytes, notModified, partial, unauthorized, notFound atomic.Uint64
}

// record counts one finished request.
func (c *counters) record(status int, bytes int64) {
	c.requests.Add(1)
	c.bytes.Add(uint64(bytes))
	switch status {
	case http.StatusNotModified:
		c.notModified.Add(1)
	case http.StatusPartialContent:
		c.partial.Add(1)
	case http.StatusUnauthorized:
		c.unauthorized.Add(1)
	case http.StatusNotFound:
		c.notFound.Add(1)
	}
}

func (h *handler) snapshot() Stats {
	c := &h.stats
	return Stats{
		ID:             h.id[0],
		Requests:       c.requests.Load(),
		Bytes:          c.bytes.Load(),
		NotModified:    c.notModified.Load(),
		PartialContent: c.partial.Load(),
		Unauthorized:   c.unauthorized.Load(),
		NotFound:       c.notFound.Load(),
	}
}

func (h *handler) serveStats(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header()["Allow"] = hdrAllow
		http.Error(w, "405 method not allowed: use GET or HEAD", http.StatusMethodNotAllowed)
		return
	}
	body, _ := json.Marshal(h.snapshot()) // Stats always marshals
	w.Header()["Content-Type"] = hdrJSONType
	w.Header()["Cache-Control"] = hdrNoStore
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(append(body, '\n'))
	}
}

// countingWriter records the status and body bytes of a response.
type countingWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (c *countingWriter) WriteHeader(status int) {
	if c.status == 0 && status >= 200 {
		c.status = status
	}
	c.ResponseWriter.WriteHeader(status)
}

func (c *countingWriter) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	n, err := c.ResponseWriter.Write(p)
	c.bytes += int64(n)
	return n, err
}

// ReadFrom keeps net/http's sendfile path: ServeContent copies a file with
// io.CopyN, which uses the writer's ReadFrom, and the underlying response
// hands an *os.File to the kernel.
func (c *countingWriter) ReadFrom(src io.Reader) (int64, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	if rf, ok := c.ResponseWriter.(io.ReaderFrom); ok {
		n, err := rf.ReadFrom(src)
		c.bytes += n
		return n, err
	}
	n, err := io.Copy(struct{ io.Writer }{c.ResponseWriter}, src)
	c.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

var (
	_ http.ResponseWriter = (*countingWriter)(nil)
	_ io.ReaderFrom       = (*countingWriter)(nil)
)
