package h1

import (
	"bytes"
	"errors"
	"io"
	"time"
)

// errProtocol marks a response that is not valid HTTP/1.x.
var errProtocol = errors.New("malformed HTTP response")

// errHeaderTooLarge is a line of a response (status, header, chunk size or
// trailer) that does not fit the buffer. A head of many lines may be longer
// than the buffer: lines are consumed as they are parsed.
var errHeaderTooLarge = errors.New("response header too large")

// reader parses responses in place from a fixed buffer filled from src.
// buf[start:end] holds bytes received and not yet consumed.
type reader struct {
	src        io.Reader
	buf        []byte
	start, end int
	// firstByte is when the first read of the current response returned.
	firstByte time.Time
	// consumed counts the response's bytes, head and body.
	consumed int64
	// capture, when set, keeps the headers and (part of) the body of the
	// response being read, for flows that extract from or check it.
	capture *Capture
}

// HeaderField is one response header as received.
type HeaderField struct{ Name, Value string }

// Capture receives what a flow needs of a response. Only responses sent
// with a Capture pay for copying.
type Capture struct {
	Header []HeaderField
	Body   []byte
	// MaxBody bounds the body kept; the rest is read and discarded.
	MaxBody   int
	Truncated bool
	// SetCookieOnly keeps only Set-Cookie headers and no body: what a
	// cookie jar needs, at the least cost.
	SetCookieOnly bool
}

// Get returns the first value of header name (case-insensitive).
func (c *Capture) Get(name string) (string, bool) {
	for _, h := range c.Header {
		if equalFold([]byte(h.Name), lowerASCII(name)) {
			return h.Value, true
		}
	}
	return "", false
}

// Values returns every value of header name.
func (c *Capture) Values(name string) []string {
	var out []string
	low := lowerASCII(name)
	for _, h := range c.Header {
		if equalFold([]byte(h.Name), low) {
			out = append(out, h.Value)
		}
	}
	return out
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// keep appends body bytes to the capture, up to its bound.
func (r *reader) keep(b []byte) {
	c := r.capture
	if c == nil || len(b) == 0 || c.SetCookieOnly {
		return
	}
	room := c.MaxBody - len(c.Body)
	if room <= 0 {
		c.Truncated = true
		return
	}
	if len(b) > room {
		b = b[:room]
		c.Truncated = true
	}
	c.Body = append(c.Body, b...)
}

// response is what the engine needs to know of an answer.
type response struct {
	status int
	close  bool // the server will close, or the body ran to EOF
	size   int64
}

// fill reads more bytes, compacting the buffer first if it is full.
func (r *reader) fill() error {
	if r.start > 0 && r.end == len(r.buf) {
		r.end = copy(r.buf, r.buf[r.start:r.end])
		r.start = 0
	}
	if r.end == len(r.buf) {
		return errHeaderTooLarge
	}
	n, err := r.src.Read(r.buf[r.end:])
	if n > 0 {
		if r.firstByte.IsZero() {
			r.firstByte = time.Now()
		}
		r.end += n
		return nil
	}
	if err == nil {
		err = io.ErrNoProgress
	}
	return err
}

// line returns the next CRLF- (or LF-) terminated line without its end.
func (r *reader) line() ([]byte, error) {
	for {
		if i := bytes.IndexByte(r.buf[r.start:r.end], '\n'); i >= 0 {
			l := r.buf[r.start : r.start+i]
			r.start += i + 1
			r.consumed += int64(i + 1)
			return bytes.TrimSuffix(l, []byte{'\r'}), nil
		}
		if err := r.fill(); err != nil {
			return nil, err
		}
	}
}

// discard consumes n body bytes.
func (r *reader) discard(n int64) error {
	for n > 0 {
		if r.start == r.end {
			r.start, r.end = 0, 0
			if err := r.fill(); err != nil {
				if err == io.EOF {
					err = io.ErrUnexpectedEOF
				}
				return err
			}
		}
		k := min(int64(r.end-r.start), n)
		r.keep(r.buf[r.start : r.start+int(k)])
		r.start += int(k)
		r.consumed += k
		n -= k
	}
	return nil
}

// discardToEOF consumes a body delimited by the connection's end.
func (r *reader) discardToEOF() error {
	for {
		r.keep(r.buf[r.start:r.end])
		r.consumed += int64(r.end - r.start)
		r.start, r.end = 0, 0
		if err := r.fill(); err != nil {
			if err == io.EOF {
				return nil
			}
			return err
		}
	}
}

// read parses one response and discards its body. headOnly says the
// request was HEAD, whose response never has a body.
func (r *reader) read(headOnly bool) (response, error) {
	r.firstByte = time.Time{}
	if r.start < r.end {
		// Bytes the server sent early, with the previous answer.
		r.firstByte = time.Now()
	}
	r.consumed = 0
	for {
		resp, err := r.readOne(headOnly)
		if err != nil {
			return resp, err
		}
		// 1xx answers are interim (100 Continue, 103 Early Hints): the
		// real one follows. 101 would switch protocols, which we never ask.
		if resp.status >= 100 && resp.status < 200 && resp.status != 101 {
			continue
		}
		resp.size = r.consumed
		return resp, nil
	}
}

func (r *reader) readOne(headOnly bool) (response, error) {
	if r.capture != nil {
		r.capture.Header = r.capture.Header[:0]
		r.capture.Body = r.capture.Body[:0]
		r.capture.Truncated = false
	}
	var resp response
	status, err := r.line()
	if err != nil {
		// EOF before the first byte of an answer is a clean close (a
		// stale keep-alive connection); after one, the answer is cut.
		if err == io.EOF && (r.consumed > 0 || r.start < r.end) {
			err = io.ErrUnexpectedEOF
		}
		return resp, err
	}
	// "HTTP/1.1 200 OK": version, space, three digits.
	if len(status) < 12 || !bytes.HasPrefix(status, []byte("HTTP/1.")) || !isDigit(status[7]) || status[8] != ' ' {
		return resp, errProtocol
	}
	code := 0
	for _, c := range status[9:12] {
		if !isDigit(c) {
			return resp, errProtocol
		}
		code = code*10 + int(c-'0')
	}
	// A status under 100 has no meaning: guessing whether it has a body
	// would desynchronise the connection.
	if code < 100 || (len(status) > 12 && status[12] != ' ') {
		return resp, errProtocol
	}
	resp.status = code
	http10 := status[7] == '0'
	resp.close = http10
	contentLength := int64(-1)
	chunked := false
	for {
		l, err := r.line()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return resp, err
		}
		if len(l) == 0 {
			break
		}
		colon := bytes.IndexByte(l, ':')
		if colon <= 0 {
			return resp, errProtocol
		}
		name, value := l[:colon], bytes.TrimSpace(l[colon+1:])
		if c := r.capture; c != nil && (!c.SetCookieOnly || equalFold(name, "set-cookie")) {
			c.Header = append(c.Header, HeaderField{Name: string(name), Value: string(value)})
		}
		switch {
		case equalFold(name, "content-length"):
			n, ok := parseDecimal(value)
			if !ok || (contentLength >= 0 && n != contentLength) {
				return resp, errProtocol
			}
			contentLength = n
		case equalFold(name, "transfer-encoding"):
			chunked = hasToken(value, "chunked")
		case equalFold(name, "connection"):
			if hasToken(value, "close") {
				resp.close = true
			} else if http10 && hasToken(value, "keep-alive") {
				resp.close = false
			}
		}
	}
	// After 101 Switching Protocols the connection no longer speaks HTTP.
	if resp.status == 101 {
		resp.close = true
	}
	switch {
	case headOnly, resp.status < 200, resp.status == 204, resp.status == 304:
		return resp, nil
	case chunked:
		return resp, r.discardChunked()
	case contentLength >= 0:
		return resp, r.discard(contentLength)
	default:
		resp.close = true
		return resp, r.discardToEOF()
	}
}

// discardChunked consumes a chunked body and its trailers.
func (r *reader) discardChunked() error {
	for {
		l, err := r.line()
		if err != nil {
			return unexpected(err)
		}
		if i := bytes.IndexByte(l, ';'); i >= 0 {
			l = l[:i]
		}
		size, ok := parseHex(bytes.TrimSpace(l))
		if !ok {
			return errProtocol
		}
		if size == 0 {
			for {
				t, err := r.line()
				if err != nil {
					return unexpected(err)
				}
				if len(t) == 0 {
					return nil
				}
			}
		}
		if err := r.discard(size); err != nil {
			return err
		}
		crlf, err := r.line()
		if err != nil {
			return unexpected(err)
		}
		if len(crlf) != 0 {
			return errProtocol
		}
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// equalFold compares an ASCII header name with a lower-case constant.
func equalFold(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// hasToken reports whether a comma-separated header value holds token.
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		var item []byte
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			item, v = v, nil
		}
		if equalFold(bytes.TrimSpace(item), token) {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func parseHex(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		switch {
		case '0' <= c && c <= '9':
			n = n<<4 | int64(c-'0')
		case 'a' <= c && c <= 'f':
			n = n<<4 | int64(c-'a'+10)
		case 'A' <= c && c <= 'F':
			n = n<<4 | int64(c-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}
