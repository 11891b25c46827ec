package h1

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// responseCase is one byte stream for the reader: head is the response
// the reader must consume (its size is len(head)) and rest what follows
// it on the connection, which it must leave alone.
type responseCase struct {
	name     string
	head     string
	rest     string
	headOnly bool

	status int
	close  bool
	err    error // nil, or what the error must match with errors.Is
}

var (
	big        = strings.Repeat("x", bufferSize+1)
	manyLines  = strings.Repeat("X-Filler: "+strings.Repeat("f", 1000)+"\r\n", 20)
	nextAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
)

var responseCases = []responseCase{
	// Content-Length.
	{name: "content-length", head: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", status: 200},
	{name: "content-length zero", head: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", status: 200},
	{name: "content-length then next answer", head: "HTTP/1.1 201 Created\r\nContent-Length: 3\r\n\r\nabc", rest: nextAnswer, status: 201},
	{name: "body longer than the buffer", head: "HTTP/1.1 200 OK\r\nContent-Length: 20000\r\n\r\n" + strings.Repeat("b", 20000), rest: nextAnswer, status: 200},
	{name: "header names any case", head: "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:   2  \r\n\r\nhi", status: 200},
	{name: "bare LF line ends", head: "HTTP/1.1 200 OK\nContent-Length: 2\n\nhi", rest: "HTTP/1.1", status: 200},
	{name: "no reason phrase", head: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", status: 200},
	{name: "same content-length twice", head: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", status: 200},
	{name: "head of many lines longer than the buffer", head: "HTTP/1.1 200 OK\r\n" + manyLines + "Content-Length: 1\r\n\r\nz", rest: nextAnswer, status: 200},
	{name: "conflicting content-length", head: "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", status: 200, err: errProtocol},
	{name: "content-length list", head: "HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\n\r\nabc", status: 200, err: errProtocol},
	{name: "content-length not a number", head: "HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n", status: 200, err: errProtocol},
	{name: "content-length negative", head: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", status: 200, err: errProtocol},
	{name: "content-length empty", head: "HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", status: 200, err: errProtocol},
	{name: "content-length overflows", head: "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", status: 200, err: errProtocol},

	// Chunked.
	{name: "chunked", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", rest: nextAnswer, status: 200},
	{name: "chunked with extensions", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n6 ; a=\"b;c\"\r\n world\r\n0;last\r\n\r\n", status: 200},
	{name: "chunked with trailers", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-Sum\r\n\r\n3\r\nabc\r\n0\r\nX-Sum: 42\r\nX-More: yes\r\n\r\n", rest: nextAnswer, status: 200},
	{name: "chunked hex sizes", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\na\r\n0123456789\r\nB\r\n0123456789A\r\n00\r\n\r\n", status: 200},
	{name: "chunked chunk longer than the buffer", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4e20\r\n" + strings.Repeat("c", 20000) + "\r\n0\r\n\r\n", rest: nextAnswer, status: 200},
	{name: "chunked among encodings", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n", status: 200},
	{name: "chunked wins over content-length", head: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nz\r\n0\r\n\r\n", rest: nextAnswer, status: 200},
	{name: "chunked bad size", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", status: 200, err: errProtocol},
	{name: "chunked empty size", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n", status: 200, err: errProtocol},
	{name: "chunked 0x prefix", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n", status: 200, err: errProtocol},
	{name: "chunked size overflows", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n", status: 200, err: errProtocol},
	{name: "chunked data longer than its size", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcdef\r\n0\r\n\r\n", status: 200, err: errProtocol},
	{name: "chunked without last chunk", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", status: 200, err: io.ErrUnexpectedEOF},
	{name: "chunked cut in a chunk", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", status: 200, err: io.ErrUnexpectedEOF},
	{name: "chunked cut in trailers", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Sum: 1\r\n", status: 200, err: io.ErrUnexpectedEOF},
	{name: "chunked size line longer than the buffer", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + big + "\r\nz\r\n0\r\n\r\n", status: 200, err: errHeaderTooLarge},

	// Body to the connection's end.
	{name: "no length reads to EOF", head: "HTTP/1.1 200 OK\r\n\r\nall of this, " + strings.Repeat("and more ", 2000), status: 200, close: true},
	{name: "no length and no body", head: "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n", status: 200, close: true},
	{name: "not chunked encoding reads to EOF", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nabc", status: 200, close: true},

	// Connection management.
	{name: "HTTP/1.0 closes by default", head: "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", rest: "junk", status: 200, close: true},
	{name: "HTTP/1.0 keep-alive", head: "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nhi", rest: nextAnswer, status: 200},
	{name: "HTTP/1.0 keep-alive without length", head: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nuntil the end", status: 200, close: true},
	{name: "connection close", head: "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nhi", rest: "junk", status: 200, close: true},
	{name: "connection close among tokens", head: "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, CLOSE\r\nContent-Length: 0\r\n\r\n", status: 200, close: true},
	{name: "connection other token", head: "HTTP/1.1 200 OK\r\nConnection: closed, upgrade\r\nContent-Length: 0\r\n\r\n", rest: nextAnswer, status: 200},

	// Interim answers.
	{name: "100 continue", head: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", rest: nextAnswer, status: 200},
	{name: "103 early hints", head: "HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nLink: </b.js>; rel=preload\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx", status: 404},
	{name: "several interim answers", head: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n", rest: nextAnswer, status: 204},
	{name: "101 switching protocols closes", head: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", rest: "\x81\x05hello", status: 101, close: true},
	{name: "cut after interim answer", head: "HTTP/1.1 100 Continue\r\n\r\n", err: io.ErrUnexpectedEOF},

	// Answers without a body.
	{name: "HEAD with content-length", head: "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n", rest: nextAnswer, headOnly: true, status: 200},
	{name: "HEAD chunked", head: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", rest: nextAnswer, headOnly: true, status: 200},
	{name: "HEAD without length keeps alive", head: "HTTP/1.1 200 OK\r\n\r\n", rest: nextAnswer, headOnly: true, status: 200},
	{name: "HEAD 404", head: "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n", rest: nextAnswer, headOnly: true, status: 404},
	{name: "204 with content-length", head: "HTTP/1.1 204 No Content\r\nContent-Length: 50\r\n\r\n", rest: nextAnswer, status: 204},
	{name: "304 with content-length", head: "HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\nETag: \"x\"\r\n\r\n", rest: nextAnswer, status: 304},
	{name: "304 chunked", head: "HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n", rest: nextAnswer, status: 304},

	// Bad status lines and heads.
	{name: "nothing", err: io.EOF},
	{name: "empty line", head: "\r\n", err: errProtocol},
	{name: "garbage", head: "garbage\r\n\r\n", err: errProtocol},
	{name: "HTTP/2 status line", head: "HTTP/2 200 OK\r\n\r\n", err: errProtocol},
	{name: "HTTP/1.x status line", head: "HTTP/1.x 200 OK\r\n\r\n", err: errProtocol},
	{name: "lower-case version", head: "http/1.1 200 OK\r\n\r\n", err: errProtocol},
	{name: "two-digit status", head: "HTTP/1.1 20 OK\r\n\r\n", err: errProtocol},
	{name: "four-digit status", head: "HTTP/1.1 2000 OK\r\n\r\n", err: errProtocol},
	{name: "letters in status", head: "HTTP/1.1 2x0 OK\r\n\r\n", err: errProtocol},
	{name: "status under 100", head: "HTTP/1.1 099 Low\r\nContent-Length: 1\r\n\r\nx", err: errProtocol},
	{name: "no space after version", head: "HTTP/1.1200 OK\r\n\r\n", err: errProtocol},
	{name: "header without colon", head: "HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\nhi", status: 200, err: errProtocol},
	{name: "header without name", head: "HTTP/1.1 200 OK\r\n: 2\r\n\r\nhi", status: 200, err: errProtocol},
	{name: "status line longer than the buffer", head: "HTTP/1.1 200 " + big + "\r\n\r\n", err: errHeaderTooLarge},
	{name: "header longer than the buffer", head: "HTTP/1.1 200 OK\r\nX-Big: " + big + "\r\nContent-Length: 0\r\n\r\n", status: 200, err: errHeaderTooLarge},

	// Cut short.
	{name: "cut in status line", head: "HTTP/1.1 20", err: io.ErrUnexpectedEOF},
	{name: "cut after status line", head: "HTTP/1.1 200 OK\r\n", status: 200, err: io.ErrUnexpectedEOF},
	{name: "cut in head", head: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServ", status: 200, err: io.ErrUnexpectedEOF},
	{name: "cut in body", head: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello", status: 200, err: io.ErrUnexpectedEOF},
	{name: "cut before body", head: "HTTP/1.1 500 Oops\r\nContent-Length: 10\r\n\r\n", status: 500, err: io.ErrUnexpectedEOF},
}

// TestReader reads every case through every way of delivering it, and
// checks status, close flag, the bytes consumed and the bytes left.
func TestReader(t *testing.T) {
	for _, tc := range responseCases {
		for _, rd := range readers {
			t.Run(tc.name+"/"+rd.name, func(t *testing.T) {
				in := []byte(tc.head + tc.rest)
				got := parse(rd.make(in), tc.headOnly)
				if got.resp.status != tc.status {
					t.Errorf("status %d, want %d", got.resp.status, tc.status)
				}
				if tc.err != nil {
					if !errors.Is(got.err, tc.err) {
						t.Fatalf("error %v, want %v", got.err, tc.err)
					}
					return
				}
				if got.err != nil {
					t.Fatalf("error %v", got.err)
				}
				if got.resp.close != tc.close {
					t.Errorf("close %v, want %v", got.resp.close, tc.close)
				}
				if got.resp.size != int64(len(tc.head)) {
					t.Errorf("size %d, want %d", got.resp.size, len(tc.head))
				}
				if string(got.rest) != tc.rest {
					t.Errorf("left %.40q, want %.40q", got.rest, tc.rest)
				}
			})
		}
	}
}

// TestReaderKeepAlive reads answers one after another from one stream,
// as on a keep-alive connection: each read takes exactly its answer.
func TestReaderKeepAlive(t *testing.T) {
	answers := []struct {
		raw      string
		headOnly bool
		status   int
		close    bool
	}{
		{raw: "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", status: 200},
		{raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n", status: 200},
		{raw: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok", status: 201},
		{raw: "HTTP/1.1 200 OK\r\nContent-Length: 9000\r\n\r\n", headOnly: true, status: 200},
		{raw: "HTTP/1.1 304 Not Modified\r\nContent-Length: 9000\r\n\r\n", status: 304},
		{raw: "HTTP/1.1 404 Not Found\r\nContent-Length: 9000\r\n\r\n" + strings.Repeat("n", 9000), status: 404},
		{raw: "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n1", status: 200},
		{raw: "HTTP/1.1 200 OK\r\n\r\nto the end", status: 200, close: true},
	}
	var all strings.Builder
	for _, a := range answers {
		all.WriteString(a.raw)
	}
	for _, rd := range readers {
		t.Run(rd.name, func(t *testing.T) {
			r := reader{src: rd.make([]byte(all.String())), buf: make([]byte, bufferSize)}
			for i, a := range answers {
				resp, err := r.read(a.headOnly)
				if err != nil {
					t.Fatalf("answer %d: %v", i, err)
				}
				if resp.status != a.status || resp.close != a.close || resp.size != int64(len(a.raw)) {
					t.Errorf("answer %d: status %d close %v size %d, want %d %v %d",
						i, resp.status, resp.close, resp.size, a.status, a.close, len(a.raw))
				}
				if r.firstByte.IsZero() {
					t.Errorf("answer %d: no first byte time", i)
				}
			}
		})
	}
}

// errAfterReader returns its data, then err forever.
type errAfterReader struct {
	data []byte
	err  error
}

func (e *errAfterReader) Read(p []byte) (int, error) {
	if len(e.data) == 0 {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

// TestReaderSourceErrors checks that read errors other than EOF come
// through as they are, and that a source that returns nothing and no
// error cannot make the reader spin.
func TestReaderSourceErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		src  io.Reader
		want error
	}{
		{"error at once", &errAfterReader{err: boom}, boom},
		{"error in head", &errAfterReader{data: []byte("HTTP/1.1 200 OK\r\nCont"), err: boom}, boom},
		{"error in body", &errAfterReader{data: []byte("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nab"), err: boom}, boom},
		{"error in body to EOF", &errAfterReader{data: []byte("HTTP/1.1 200 OK\r\n\r\nab"), err: boom}, boom},
		{"error in chunk", &errAfterReader{data: []byte("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"), err: boom}, boom},
		{"no progress", &errAfterReader{data: []byte("HTTP/1.1 200 OK\r\n")}, io.ErrNoProgress},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := parse(tc.src, false); !errors.Is(got.err, tc.want) {
				t.Fatalf("got %v, want error %v", got, tc.want)
			}
		})
	}
}

// FuzzResponse feeds the reader arbitrary bytes. It must not panic or
// spin; when it succeeds it must have consumed no more than it was given,
// exactly the bytes before what it left; and the way the bytes arrive (all
// at once, one at a time, in random pieces) must not change the outcome.
// A small buffer, of 16 to 271 bytes, keeps inputs that overflow it short
// (minimising long inputs is slow): it must agree with the full one unless
// a line does not fit it.
func FuzzResponse(f *testing.F) {
	for _, tc := range responseCases {
		if in := tc.head + tc.rest; len(in) <= 2048 {
			f.Add([]byte(in), tc.headOnly, uint64(len(tc.name)))
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, headOnly bool, seed uint64) {
		whole := parse(bytes.NewReader(in), headOnly)
		if whole.err == nil {
			if whole.resp.size < 0 || whole.resp.size > int64(len(in)) {
				t.Fatalf("size %d of %d bytes", whole.resp.size, len(in))
			}
			if !bytes.Equal(whole.rest, in[whole.resp.size:]) {
				t.Fatalf("size %d but left %d bytes of %d", whole.resp.size, len(whole.rest), len(in))
			}
			if s := whole.resp.status; s < 100 || s > 999 || (s < 200 && s != 101) {
				t.Fatalf("final status %d", s)
			}
		}
		for _, src := range []io.Reader{
			oneByteReader{bytes.NewReader(in)},
			&chunkReader{data: in, state: seed, max: 1 + int(seed%4096)},
		} {
			got := parse(src, headOnly)
			if got.resp != whole.resp || !errors.Is(got.err, whole.err) || !bytes.Equal(got.rest, whole.rest) {
				t.Fatalf("in pieces: %v; whole: %v", got, whole)
			}
		}
		small := parseSized(&chunkReader{data: in, state: seed >> 8, max: 1 + int(seed%64)}, headOnly, 16+int(seed%256))
		if errors.Is(small.err, errHeaderTooLarge) {
			return // a line that did not fit; the full buffer goes further
		}
		if small.resp != whole.resp || !errors.Is(small.err, whole.err) || !bytes.Equal(small.rest, whole.rest) {
			t.Fatalf("small buffer: %v; full: %v", small, whole)
		}
	})
}
