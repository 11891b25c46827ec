// Package h1 is a lean HTTP/1.1 client for load generation: requests are
// serialised once, responses are parsed in place from a per-connection
// buffer and their bodies discarded, so a request costs two system calls
// and no allocation in steady state. net/http's client costs about four
// times as much CPU per request, which would make the generator the
// bottleneck.
package h1

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/stampede-lab/stampede/scenarios"
)

// UserAgent is sent unless the scenario sets its own.
const UserAgent = "stampede/0.1"

// prepared is a request serialised to the bytes sent on the wire.
type prepared struct {
	wire   []byte
	noBody bool // HEAD: the response has headers only
}

// target is where a plan's requests go; all requests of one client must
// share it, since connections are shared between them.
type target struct {
	scheme string
	host   string // Host header
	addr   string // host:port to dial
	name   string // host name for DNS and TLS SNI
}

func targetOf(raw string) (target, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return target{}, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return target{}, fmt.Errorf("scheme %q is not http or https", u.Scheme)
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return target{scheme: u.Scheme, host: u.Host, addr: net.JoinHostPort(u.Hostname(), port), name: u.Hostname()}, nil
}

func prepare(r scenarios.Request, keepAlive bool) (prepared, error) {
	u, err := url.Parse(r.URL)
	if err != nil {
		return prepared{}, err
	}
	path := u.RequestURI()
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte(' ')
	b.WriteString(path)
	b.WriteString(" HTTP/1.1\r\nHost: ")
	b.WriteString(u.Host)
	b.WriteString("\r\n")
	has := func(name string) bool {
		for _, h := range r.Headers {
			if strings.EqualFold(h.Name, name) {
				return true
			}
		}
		return false
	}
	if !has("User-Agent") {
		b.WriteString("User-Agent: " + UserAgent + "\r\n")
	}
	for _, h := range r.Headers {
		if strings.EqualFold(h.Name, "Host") || strings.EqualFold(h.Name, "Content-Length") {
			continue
		}
		b.WriteString(h.Name + ": " + h.Value + "\r\n")
	}
	if r.Body != "" || r.Method == "POST" || r.Method == "PUT" || r.Method == "PATCH" {
		b.WriteString("Content-Length: " + strconv.Itoa(len(r.Body)) + "\r\n")
	}
	if !keepAlive && !has("Connection") {
		b.WriteString("Connection: close\r\n")
	}
	b.WriteString("\r\n")
	b.WriteString(r.Body)
	return prepared{wire: []byte(b.String()), noBody: r.Method == "HEAD"}, nil
}
