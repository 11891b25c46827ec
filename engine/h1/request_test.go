package h1

import (
	"bufio"
	"net"
	"strings"
	"testing"

	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// TestRequestWire checks the exact bytes a request puts on the wire, as
// a server receives them. In want, {host} stands for the server's
// host:port.
func TestRequestWire(t *testing.T) {
	tests := []struct {
		name      string
		req       scenarios.Request // URL is a path, joined to the server's
		keepAlive bool
		want      string
	}{
		{
			name:      "GET with query",
			req:       scenarios.Request{Method: "GET", URL: "/a/b?x=1&y=%20z"},
			keepAlive: true,
			want:      "GET /a/b?x=1&y=%20z HTTP/1.1\r\nHost: {host}\r\nUser-Agent: stampede/0.1\r\n\r\n",
		},
		{
			name:      "no path is /",
			req:       scenarios.Request{Method: "GET", URL: ""},
			keepAlive: true,
			want:      "GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: stampede/0.1\r\n\r\n",
		},
		{
			name:      "fragment is not sent",
			req:       scenarios.Request{Method: "GET", URL: "/page?q=1#section"},
			keepAlive: true,
			want:      "GET /page?q=1 HTTP/1.1\r\nHost: {host}\r\nUser-Agent: stampede/0.1\r\n\r\n",
		},
		{
			name: "custom headers in order, user agent overridden",
			req: scenarios.Request{Method: "GET", URL: "/h", Headers: []scenarios.Header{
				{Name: "X-One", Value: "1"},
				{Name: "user-agent", Value: "probe/2"},
				{Name: "Accept", Value: "application/json"},
			}},
			keepAlive: true,
			want:      "GET /h HTTP/1.1\r\nHost: {host}\r\nX-One: 1\r\nuser-agent: probe/2\r\nAccept: application/json\r\n\r\n",
		},
		{
			name: "Host and Content-Length headers are the client's",
			req: scenarios.Request{Method: "PUT", URL: "/p", Body: "abc", Headers: []scenarios.Header{
				{Name: "Host", Value: "elsewhere"},
				{Name: "Content-Length", Value: "99"},
			}},
			keepAlive: true,
			want:      "PUT /p HTTP/1.1\r\nHost: {host}\r\nUser-Agent: stampede/0.1\r\nContent-Length: 3\r\n\r\nabc",
		},
		{
			name: "POST with body",
			req: scenarios.Request{Method: "POST", URL: "/submit", Body: `{"k":"v"}`, Headers: []scenarios.Header{
				{Name: "Content-Type", Value: "application/json"},
			}},
			keepAlive: true,
			want:      "POST /submit HTTP/1.1\r\nHost: {host}\r\nUser-Agent: stampede/0.1\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{\"k\":\"v\"}",
		},
		{
			name:      "POST without body",
			req:       scenarios.Request{Method: "POST", URL: "/empty"},
			keepAlive: true,
			want:      "POST /empty HTTP/1.1\r\nHost: {host}\r\nUser-Agent: stampede/0.1\r\nContent-Length: 0\r\n\r\n",
		},
		{
			name:      "DELETE without body has no length",
			req:       scenarios.Request{Method: "DELETE", URL: "/item/1"},
			keepAlive: true,
			want:      "DELETE /item/1 HTTP/1.1\r\nHost: {host}\r\nUser-Agent: stampede/0.1\r\n\r\n",
		},
		{
			name:      "HEAD",
			req:       scenarios.Request{Method: "HEAD", URL: "/h"},
			keepAlive: true,
			want:      "HEAD /h HTTP/1.1\r\nHost: {host}\r\nUser-Agent: stampede/0.1\r\n\r\n",
		},
		{
			name: "keep-alive off asks to close",
			req:  scenarios.Request{Method: "GET", URL: "/"},
			want: "GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: stampede/0.1\r\nConnection: close\r\n\r\n",
		},
		{
			name: "keep-alive off keeps the user's Connection header",
			req:  scenarios.Request{Method: "GET", URL: "/", Headers: []scenarios.Header{{Name: "connection", Value: "Close"}}},
			want: "GET / HTTP/1.1\r\nHost: {host}\r\nUser-Agent: stampede/0.1\r\nconnection: Close\r\n\r\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := make(chan string, 1)
			srv := newRawServer(t, func(c net.Conn, br *bufio.Reader) {
				raw, err := readRequest(br)
				got <- string(raw)
				if err == nil {
					c.Write([]byte("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
				}
			})
			req := tc.req
			req.URL = srv.url + req.URL
			plan := testPlan(req.URL)
			plan.Requests[0] = req
			plan.Client.KeepAlive = tc.keepAlive
			c := newClient(t, plan)

			s := do(c, 0)
			want := strings.ReplaceAll(tc.want, "{host}", srv.ln.Addr().String())
			if g := <-got; g != want {
				t.Errorf("wire:\n%q\nwant\n%q", g, want)
			}
			if s.Err != metrics.ErrNone || s.Status != 200 {
				t.Errorf("err %v status %d", s.Err, s.Status)
			}
			if s.BytesOut != int64(len(want)) {
				t.Errorf("bytes out %d, want %d", s.BytesOut, len(want))
			}
		})
	}
}

// TestNewRejects checks the plans a client cannot serve.
func TestNewRejects(t *testing.T) {
	tests := []struct {
		name string
		urls []string
	}{
		{"no requests", nil},
		{"not http", []string{"ftp://example.com/"}},
		{"bad URL", []string{"http://[::1"}},
		{"two hosts", []string{"http://127.0.0.1:1/", "http://127.0.0.2:1/"}},
		{"two ports", []string{"http://127.0.0.1:1/", "http://127.0.0.1:2/"}},
		{"two schemes", []string{"http://127.0.0.1:443/", "https://127.0.0.1:443/"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			plan := testPlan("")
			plan.Requests = nil
			for _, u := range tc.urls {
				plan.Requests = append(plan.Requests, scenarios.Request{Method: "GET", URL: u})
			}
			if c, err := New(plan); err == nil {
				c.Close()
				t.Fatal("New succeeded")
			}
		})
	}
}

// TestConnectionsDefault checks how many connections a client may open.
func TestConnectionsDefault(t *testing.T) {
	tests := []struct {
		connections, maxVUs, want int
	}{
		{0, 0, 1},
		{0, 7, 7},
		{3, 7, 3},
		{12, 7, 12},
	}
	for _, tc := range tests {
		plan := testPlan("http://127.0.0.1:1/")
		plan.Client.Connections, plan.Load.MaxVUs = tc.connections, tc.maxVUs
		c := newClient(t, plan)
		if got := c.Connections(); got != tc.want {
			t.Errorf("connections %d, max VUs %d: got %d, want %d", tc.connections, tc.maxVUs, got, tc.want)
		}
	}
}
