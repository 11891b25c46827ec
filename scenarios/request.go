package scenarios

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// standardMethods are the methods users spell in lower case by mistake;
// methods are case-sensitive, and "get" is not GET to a server.
var standardMethods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE"}

// buildRequests validates the requests and resolves their URLs.
func buildRequests(p *problems, s *spec) []Request {
	base, baseOK := parseBase(p, s.baseURL)
	if s.flows.val != nil {
		// Flows replace requests; buildFlowParts builds them.
		if s.requests.given() {
			p.add(s.requests.at.key(), "a scenario has requests or flows, not both: flows replace requests (write each request as a step of a flow)")
		}
		return nil
	}
	if !s.requests.given() {
		p.add(s.at, `missing field "requests": a scenario needs a list of requests, each with at least a path (or flows of steps)`)
		return nil
	}
	if s.requests.set && !s.requests.bad && len(s.requests.v) == 0 {
		p.add(s.requests.at, "expected at least one request, like - path: /")
	}
	names := make(map[string]src)
	out := make([]Request, 0, len(s.requests.v))
	for _, r := range s.requests.v {
		req := Request{Name: r.name.v, Method: DefaultMethod, Body: r.body.v}
		if r.name.set && r.name.v != "" {
			if first, dup := names[r.name.v]; dup {
				p.add(r.name.at, "duplicate request name %s (first at line %d); names tell requests apart in results", quote(r.name.v), first.line)
			} else {
				names[r.name.v] = r.name.at
			}
		}
		if r.method.set {
			req.Method = r.method.v
			checkMethod(p, r.method)
		}
		req.URL = requestURL(p, r, s.baseURL, base, baseOK)
		req.Headers = checkHeaders(p, r.headers)
		out = append(out, req)
	}
	return out
}

// parseBase validates base_url (or --url): an absolute http(s) URL with a
// host. ok is false when it is not given or not valid.
func parseBase(p *problems, o opt[string]) (*url.URL, bool) {
	if !o.set {
		return nil, false
	}
	u, msg := absoluteURL(o.v)
	if msg != "" {
		p.add(o.at, "%s", msg)
		return nil, false
	}
	if u.RawQuery != "" {
		p.add(o.at, "must not have a query (%s): paths replace it; put the query in each path", quote("?"+u.RawQuery))
		return nil, false
	}
	return u, true
}

// absoluteURL parses s as an absolute http or https URL with a host, or
// says what is wrong with it.
func absoluteURL(s string) (*url.URL, string) {
	const want = "expected an absolute http or https URL like http://127.0.0.1:8080"
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil && !strings.Contains(s, "://") {
		return nil, want + ", got " + quote(s) + " (no scheme: add http://)"
	}
	if err != nil {
		return nil, want + ", got " + quote(s) + ": " + urlReason(err)
	}
	switch {
	case u.Scheme == "":
		return nil, want + ", got " + quote(s) + " (no scheme)"
	case u.Scheme != "http" && u.Scheme != "https" && u.Opaque != "":
		return nil, want + ", got " + quote(s) + " (no scheme: add http://)"
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, want + ", got " + quote(s) + " (scheme " + quote(u.Scheme) + " is not supported)"
	case u.Opaque != "" || u.Hostname() == "":
		return nil, want + ", got " + quote(s) + " (no host)"
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, want + ", got " + quote(s) + " (port must be 1 to 65535)"
		}
	}
	return u, ""
}

// urlReason is the cause in a net/url error, without the repeated input.
func urlReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}

// requestURL resolves a request's path against the base URL, keeping the
// path's query (net/url ResolveReference, as a browser resolves a link).
func requestURL(p *problems, r requestSpec, baseOpt opt[string], base *url.URL, baseOK bool) string {
	if !r.path.given() {
		p.add(r.at, `missing field "path" in a request (a path like /search?q=x, or an absolute URL)`)
		return ""
	}
	if !r.path.set {
		return ""
	}
	path := r.path.v
	if strings.TrimSpace(path) == "" {
		p.add(r.path.at, "must not be empty: write / for the root")
		return ""
	}
	ref, err := url.Parse(path)
	if err != nil {
		p.add(r.path.at, "not a valid path or URL %s: %s", quote(path), urlReason(err))
		return ""
	}
	if ref.IsAbs() {
		u, msg := absoluteURL(path)
		if msg != "" {
			p.add(r.path.at, "%s", msg)
			return ""
		}
		return u.String()
	}
	if ref.Host != "" || strings.HasPrefix(path, "//") {
		// A network-path reference (//host/path) keeps the base's scheme
		// only: its host must be valid on its own.
		if _, msg := absoluteURL("http:" + path); msg != "" {
			p.add(r.path.at, "%s", networkPathMsg(path))
			return ""
		}
	}
	switch {
	case baseOK:
		return base.ResolveReference(ref).String()
	case !baseOpt.given():
		p.add(r.path.at, "%s is relative, but base_url is not set: set base_url, or write an absolute URL like http://127.0.0.1:8080/path", quote(path))
	}
	return ""
}

// networkPathMsg says what is wrong with a path that starts with // (a
// reference to another host) but names no valid host.
func networkPathMsg(path string) string {
	return quote(path) + " starts with //, which names a host, and the host is not valid: write a path with one / (like /x), or an absolute URL like http://host/x"
}

// checkMethod reports a method that is not an HTTP token.
func checkMethod(p *problems, o opt[string]) {
	m := o.v
	if !isToken(m) {
		p.add(o.at, "%s is not a valid method: expected a method such as GET or POST (letters, digits and !#$%%&'*+-.^_`|~ only)", quote(m))
		return
	}
	for _, std := range standardMethods {
		if m != std && strings.EqualFold(m, std) {
			p.add(o.at, "%s: methods are case-sensitive, did you mean %s?", quote(m), quote(std))
			return
		}
	}
}

// checkHeaders validates header names (tokens) and values (no control
// characters, which would split or corrupt the request).
func checkHeaders(p *problems, hs []headerSpec) []Header {
	var out []Header
	for _, h := range hs {
		ok := true
		if !isToken(h.name) {
			p.add(h.at.key(), "invalid header name %s: expected letters, digits and !#$%%&'*+-.^_`|~, like Content-Type", quote(h.name))
			ok = false
		}
		if i := strings.IndexFunc(h.value, isCTL); i >= 0 {
			p.add(h.at, "header %s: the value has a control character (%s); use a single line of text", quote(h.name), quote(h.value[i:i+1]))
			ok = false
		}
		if ok {
			out = append(out, Header{Name: h.name, Value: h.value})
		}
	}
	return out
}

// isCTL reports a control character other than tab (RFC 9110 field value).
func isCTL(r rune) bool { return r != '\t' && (r < 0x20 || r == 0x7f) }

// isToken reports whether s is an RFC 9110 token (method, header name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0:
		default:
			return false
		}
	}
	return true
}
