package reports

import (
	"encoding/json"
	"fmt"
	"sort"
)

// BackendShare is one backend of a bundled balancer as the balancer
// counted it over a run: how the policy spread the load.
type BackendShare struct {
	Pool     string  `json:"pool,omitempty"`
	ID       string  `json:"id"`
	Requests uint64  `json:"requests"`
	Errors   uint64  `json:"errors"`
	Share    float64 `json:"share"`
	P50MS    float64 `json:"p50_ms"`
	P99MS    float64 `json:"p99_ms"`
	Healthy  bool    `json:"healthy"`
}

// lbStats is the part of a bundled balancer's or router's
// /__stampede/stats answer that the report reads.
type lbStats struct {
	Backends []lbBackend `json:"backends"`
	Routes   []struct {
		Prefix   string      `json:"prefix"`
		Backends []lbBackend `json:"backends"`
	} `json:"routes"`
}

type lbBackend struct {
	ID       string `json:"id"`
	Requests uint64 `json:"requests"`
	Errors   uint64 `json:"errors"`
	Healthy  bool   `json:"healthy"`
	Latency  struct {
		P50 float64 `json:"p50_ns"`
		P99 float64 `json:"p99_ns"`
	} `json:"latency"`
}

// BackendsFromStats reads a bundled balancer's (or router's) stats JSON
// into per-backend shares. It fails on anything that is not one.
func BackendsFromStats(data []byte) ([]BackendShare, error) {
	var st lbStats
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, err
	}
	var out []BackendShare
	add := func(pool string, bs []lbBackend) {
		var total uint64
		for _, b := range bs {
			total += b.Requests
		}
		for _, b := range bs {
			s := BackendShare{Pool: pool, ID: b.ID, Requests: b.Requests, Errors: b.Errors, Healthy: b.Healthy,
				P50MS: round3(b.Latency.P50 / 1e6), P99MS: round3(b.Latency.P99 / 1e6)}
			if total > 0 {
				s.Share = round3(float64(b.Requests) / float64(total))
			}
			out = append(out, s)
		}
	}
	add("", st.Backends)
	for _, r := range st.Routes {
		add(r.Prefix, r.Backends)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no backends in the stats: not a bundled balancer")
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pool < out[j].Pool })
	return out, nil
}
