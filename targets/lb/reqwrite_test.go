package lb

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// serverAccepts applies the checks net/http's server makes on a request
// beyond http.ReadRequest's, so that the fuzz test sees only requests a
// balancer can receive.
func serverAccepts(r *http.Request) bool {
	if len(r.Header["Host"]) > 0 || strings.ContainsFunc(r.Host, func(c rune) bool { return c <= ' ' || c >= 0x7f }) {
		return false
	}
	for k, vv := range r.Header {
		if !validHeaderName(k) {
			return false
		}
		for _, v := range vv {
			if strings.ContainsFunc(v, func(c rune) bool { return c < ' ' && c != '\t' || c == 0x7f }) {
				return false
			}
		}
	}
	return r.ProtoMajor == 1 && strings.HasPrefix(r.RequestURI, "/")
}

// FuzzWriteRequest checks that what writeRequest sends upstream parses
// back as the same request: method, target, Host, end-to-end headers,
// body and trailers, with X-Forwarded-For extended by the client and the
// hop-by-hop headers gone.
func FuzzWriteRequest(f *testing.F) {
	for _, s := range []string{
		"GET /a?b=1 HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n",
		"POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nX-Forwarded-For: 1.2.3.4\r\n\r\nhello",
		"PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n3\r\nabc\r\n0\r\nX-T: v\r\n\r\n",
		"GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive, X-Secret\r\nX-Secret: s\r\nTe: trailers\r\nExpect: 100-continue\r\n\r\n",
		"GET / HTTP/1.0\r\n\r\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		in, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		if err != nil || !serverAccepts(in) {
			return
		}
		in.RemoteAddr = "192.0.2.9:1234"
		var wire bytes.Buffer
		bw := bufio.NewWriter(&wire)
		if err := writeRequest(bw, in, in.RequestURI); err != nil {
			return // a body shorter than announced: the client's error
		}
		out, err := http.ReadRequest(bufio.NewReader(&wire))
		if err != nil {
			t.Fatalf("forwarded request does not parse: %v\n%q", err, wire.String())
		}
		if out.Method != in.Method || out.RequestURI != in.RequestURI || out.Host != in.Host {
			t.Fatalf("request line or Host changed: %s %s %s -> %s %s %s", in.Method, in.RequestURI, in.Host, out.Method, out.RequestURI, out.Host)
		}
		gotBody, err := io.ReadAll(out.Body)
		if err != nil {
			t.Fatalf("forwarded body: %v", err)
		}
		// The inbound body was consumed by writeRequest: re-read it.
		in2, _ := http.ReadRequest(bufio.NewReader(strings.NewReader(raw)))
		inBody, _ := io.ReadAll(in2.Body)
		if !bytes.Equal(gotBody, inBody) {
			t.Fatalf("body changed: %q -> %q", inBody, gotBody)
		}
		dropped := connectionTokens(in.Header)
		for k, vv := range in.Header {
			switch {
			case k == "Te" || k == "Content-Length" || k == "X-Forwarded-For":
				// rewritten by the balancer
			case hopHeader(k) || dropped[k] || k == "Expect":
				if _, ok := out.Header[k]; ok {
					t.Fatalf("hop-by-hop %s forwarded", k)
				}
			case !slices.Equal(trimOWS(out.Header[k]), trimOWS(vv)):
				t.Fatalf("header %s: %q -> %q", k, vv, out.Header[k])
			}
		}
		xff := out.Header.Values("X-Forwarded-For")
		if len(xff) != 1 || !strings.HasSuffix(xff[0], "192.0.2.9") {
			t.Fatalf("X-Forwarded-For %q", xff)
		}
		for k, vv := range in.Trailer {
			if !slices.Equal(out.Trailer[k], vv) {
				t.Fatalf("trailer %s: %q -> %q", k, vv, out.Trailer[k])
			}
		}
	})
}

// trimOWS trims the optional white space around each value, which is not
// part of it (RFC 9110, section 5.5): an obs-fold can leave some behind.
func trimOWS(vv []string) []string {
	out := make([]string, len(vv))
	for i, v := range vv {
		out[i] = strings.Trim(v, " \t")
	}
	return out
}
