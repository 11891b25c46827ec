package engine

import (
	"bufio"
	"bytes"
	"net"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/engine/h1"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// rawServer answers every request on a connection with one canned
// response, at almost no cost, so a benchmark measures the client.
func rawServer(b *testing.B, response string) string {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				r := bufio.NewReaderSize(c, 16<<10)
				for {
					// Requests here have no body: the head ends the request.
					for {
						line, err := r.ReadSlice('\n')
						if err != nil {
							return
						}
						if len(bytes.TrimSpace(line)) == 0 {
							break
						}
					}
					if _, err := c.Write([]byte(response)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

const cannedResponse = "HTTP/1.1 200 OK\r\nContent-Length: 13\r\nX-Backend: b1\r\nContent-Type: application/json\r\n\r\n{\"id\":\"abc1\"}"

// BenchmarkRequestPath compares the cost per request of a plain --url
// run, a one-step flow without templating (cookie jar on, as flows have
// by default), and a templated step with an extraction and two checks.
func BenchmarkRequestPath(b *testing.B) {
	base := rawServer(b, cannedResponse)
	plain := &scenarios.Plan{Name: "b", BaseURL: base, Requests: []scenarios.Request{{Method: "GET", URL: base + "/item"}},
		Load: scenarios.Load{MaxVUs: 1}, Client: scenarios.Client{KeepAlive: true, Timeout: 5 * time.Second}}
	flowOf := func(st scenarios.Step) *scenarios.Plan {
		p := *plain
		p.Requests = nil
		p.Flows = []scenarios.Flow{{Name: "f", Weight: 1, Cookies: true, Steps: []scenarios.Step{st}}}
		return &p
	}
	static := flowOf(scenarios.Step{Name: "item", Request: &scenarios.StepRequest{Method: "GET", URL: tpl("/item")}})
	templated := flowOf(scenarios.Step{Name: "item", Request: &scenarios.StepRequest{Method: "GET", URL: tpl("/item/${vu}?i=${iter}"),
		Headers: []scenarios.TemplateHeader{{Name: "X-Trace", Value: tpl("${uuid}")}},
		Extract: []scenarios.Extract{{Var: "id", From: scenarios.FromJSON, Expr: "id"}},
		Checks: []scenarios.Check{{Name: "ok", Kind: scenarios.CheckStatus, Statuses: []int{200}},
			{Name: "has id", Kind: scenarios.CheckJSON, Path: "id", Value: "abc1"}}}})

	b.Run("plain", func(b *testing.B) {
		c, err := h1.New(plain)
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		shard := metrics.NewRecorder(1).Shard(0)
		var s metrics.Sample
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			s.Reset()
			s.Intended = time.Now()
			c.Do(i, &s)
			shard.Record(&s)
			if s.Err != metrics.ErrNone {
				b.Fatal(s.Err)
			}
		}
	})
	for _, tc := range []struct {
		name string
		plan *scenarios.Plan
	}{{"flow-static", static}, {"flow-templated", templated}} {
		b.Run(tc.name, func(b *testing.B) {
			c, err := NewClient(tc.plan)
			if err != nil {
				b.Fatal(err)
			}
			defer c.Close()
			r := &run{plan: tc.plan, start: time.Now(), rec: metrics.NewRecorder(1)}
			f, err := newFlowRunner(r, c)
			if err != nil {
				b.Fatal(err)
			}
			v := f.newState(1)
			shard := r.rec.Shard(0)
			done := make(chan struct{})
			b.ReportAllocs()
			for b.Loop() {
				f.iterate(v, time.Now(), false, shard, done)
			}
			b.StopTimer()
			if st := f.steps[0]; st.extractFail.Load() != 0 {
				b.Fatalf("extraction failures %d", st.extractFail.Load())
			}
			for _, ck := range f.steps[0].checks {
				if ck.fail.Load() != 0 {
					b.Fatalf("check %s failed %d times", ck.spec.Name, ck.fail.Load())
				}
			}
		})
	}
}
