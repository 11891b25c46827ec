package lb

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"sort"
	"strconv"
	"strings"
)

// writeRequest writes r, as received by the balancer's server, to a
// backend: request line, Host, the end-to-end headers, X-Forwarded-For
// (the client's peer appended) and X-Forwarded-Proto, the body framed
// afresh (Content-Length, or chunked with its trailers), and flushes.
//
// It writes straight from the inbound request, which net/http's server has
// already parsed and validated (no CR or LF can be in a name or value), so
// nothing is cloned: the balancer's hot path allocates little beyond
// ReadResponse's work. target is the request-target to send.
func writeRequest(bw *bufio.Writer, r *http.Request, target string) error {
	bw.WriteString(r.Method)
	bw.WriteByte(' ')
	bw.WriteString(target)
	bw.WriteString(" HTTP/1.1\r\nHost: ")
	bw.WriteString(r.Host)
	bw.WriteString("\r\n")
	dropped := connectionTokens(r.Header)
	for k, vv := range r.Header {
		if skipForward(k) || dropped != nil && dropped[k] {
			continue
		}
		for _, v := range vv {
			writeField(bw, k, v)
		}
	}
	if te := r.Header["Te"]; len(te) == 1 && te[0] == "trailers" {
		writeField(bw, "Te", "trailers") // the one hop-by-hop value that must pass
	}
	bw.WriteString("X-Forwarded-For: ")
	for _, v := range r.Header["X-Forwarded-For"] {
		bw.WriteString(v)
		bw.WriteString(", ")
	}
	bw.WriteString(hostOf(r.RemoteAddr))
	bw.WriteString("\r\nX-Forwarded-Proto: http\r\n")
	if err := writeBody(bw, r); err != nil {
		return err
	}
	return bw.Flush()
}

// writeBody ends the head with the body's framing and writes the body.
func writeBody(bw *bufio.Writer, r *http.Request) error {
	switch {
	case !hasBody(r):
		if bodyMethod(r.Method) {
			bw.WriteString("Content-Length: 0\r\n")
		}
		_, err := bw.WriteString("\r\n")
		return err
	case r.ContentLength > 0:
		bw.WriteString("Content-Length: ")
		bw.WriteString(strconv.FormatInt(r.ContentLength, 10))
		bw.WriteString("\r\n\r\n")
		n, err := io.CopyN(bw, r.Body, r.ContentLength)
		if err != nil {
			return fmt.Errorf("request body: %d of %d bytes: %w", n, r.ContentLength, err)
		}
		return nil
	}
	if len(r.Trailer) > 0 {
		keys := make([]string, 0, len(r.Trailer))
		for k := range r.Trailer {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		writeField(bw, "Trailer", strings.Join(keys, ", "))
	}
	bw.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	cw := httputil.NewChunkedWriter(bw)
	if _, err := io.Copy(cw, r.Body); err != nil {
		return fmt.Errorf("request body: %w", err)
	}
	if err := cw.Close(); err != nil { // the last chunk, "0\r\n"
		return err
	}
	for k, vv := range r.Trailer { // filled in once the body is read
		for _, v := range vv {
			writeField(bw, k, v)
		}
	}
	_, err := bw.WriteString("\r\n")
	return err
}

func writeField(bw *bufio.Writer, k, v string) {
	bw.WriteString(k)
	bw.WriteString(": ")
	bw.WriteString(v)
	bw.WriteString("\r\n")
}

// hasBody reports whether the inbound request has a body to forward; the
// server gives body-less requests http.NoBody.
func hasBody(r *http.Request) bool {
	return r.Body != nil && r.Body != http.NoBody && r.ContentLength != 0
}

// bodyMethod reports whether method is one whose requests carry a body as
// a rule, so that an empty one is framed with Content-Length: 0, as Go's
// client does.
func bodyMethod(method string) bool {
	return method == http.MethodPost || method == http.MethodPut || method == http.MethodPatch
}

// skipForward reports whether the canonical header k must not be copied
// upstream: hop-by-hop headers, those the balancer writes itself, and
// Expect (the server has answered 100-continue already, when the body was
// read, so the backend need not send an interim response).
func skipForward(k string) bool {
	switch k {
	case "Host", "Content-Length", "X-Forwarded-For", "X-Forwarded-Proto", "Expect":
		return true
	}
	return hopHeader(k)
}

// connectionTokens returns the headers that h's Connection header names
// as hop-by-hop, or nil when there are none (nearly always).
func connectionTokens(h http.Header) map[string]bool {
	var m map[string]bool
	for _, v := range h["Connection"] {
		for f := range strings.SplitSeq(v, ",") {
			if f = strings.TrimSpace(f); f != "" {
				if m == nil {
					m = map[string]bool{}
				}
				m[http.CanonicalHeaderKey(f)] = true
			}
		}
	}
	return m
}

// requestTarget returns the request-target to send for r: the client's
// own, verbatim, when nothing is rewritten (as nginx's proxy_pass without
// a URI); else the path rebuilt on the backend's base path, minus strip.
func requestTarget(t *Target, r *http.Request, strip string) string {
	if strip == "" && (t.url.Path == "" || t.url.Path == "/") && strings.HasPrefix(r.RequestURI, "/") {
		return r.RequestURI
	}
	return joinURL(t.url, r.URL, strip).RequestURI()
}
