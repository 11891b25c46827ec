package main

import (
	"io"
	"net"
	"net/http"
	"net/url"
	"time"

	"github.com/stampede-lab/stampede/reports"
	"github.com/stampede-lab/stampede/scenarios"
)

// targetBackends asks the run's target, when it is a bundled balancer on
// loopback, how it spread the requests, for the results and the report.
// Anything else (another server, no answer) yields nothing.
func targetBackends(plan *scenarios.Plan) []reports.BackendShare {
	u, err := url.Parse(planTarget(plan))
	if err != nil || u.Scheme != "http" {
		return nil
	}
	host := u.Hostname()
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return nil
	}
	client := &http.Client{Timeout: time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(u.Scheme + "://" + u.Host + "/__stampede/stats")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil
	}
	b, err := reports.BackendsFromStats(data)
	if err != nil {
		return nil
	}
	return b
}
