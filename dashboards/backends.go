package dashboards

import (
	"encoding/json"
	"time"
)

// Backends is what the load balancer in front of the target said about
// its backends at one moment: one pool for a balancer; for a router, a
// pool of its routes and the pools of the balancers behind them. The
// dashboard shows each backend's share of the requests, its requests in
// flight and its health, so that a policy's behaviour is visible.
//
// A Backends is not changed once given to a Model.
type Backends struct {
	// At is when the stats were read.
	At    time.Time
	Pools []Pool
	// Err says why the last reading failed; Pools are then the last good
	// ones.
	Err string
}

// Pool is a balancer's (or a router's) set of backends.
type Pool struct {
	// Name says where the pool is: "lb" for the entry point, the routes
	// of a router, or the backend of a route that is itself a balancer.
	Name         string
	Mode, Policy string
	// Requests counts those placed on a backend; NoBackend those turned
	// away with no backend available.
	Requests, NoBackend uint64
	Backends            []Backend
}

// Backend is one backend of a pool. Counters are since the balancer
// started.
type Backend struct {
	// ID names the backend; Route is the path prefix of a router's route
	// that leads to it ("" in a balancer's pool).
	ID, Route string
	URL       string
	Weight    int
	Requests  uint64
	InFlight  int64
	// Errors counts the balancer's transport errors with the backend.
	Errors                                uint64
	Available, Healthy, Ejected, Draining bool
	// P99 is the backend's latency as the balancer measures it.
	P99 time.Duration
}

// lbStats mirrors the JSON a bundled balancer (targets/lb) serves at
// /__stampede/stats; a router serves one per route under "routes".
type lbStats struct {
	Mode      string      `json:"mode"`
	Policy    string      `json:"policy"`
	Requests  uint64      `json:"requests"`
	NoBackend uint64      `json:"no_backend"`
	Backends  []lbBackend `json:"backends"`
	Prefix    string      `json:"prefix"`
}

type lbBackend struct {
	ID        string `json:"id"`
	URL       string `json:"url"`
	Weight    int    `json:"weight"`
	Available bool   `json:"available"`
	Healthy   bool   `json:"healthy"`
	Ejected   bool   `json:"ejected"`
	Draining  bool   `json:"draining"`
	Requests  uint64 `json:"requests"`
	InFlight  int64  `json:"in_flight"`
	Errors    uint64 `json:"errors"`
	Latency   struct {
		P99 time.Duration `json:"p99_ns"`
	} `json:"latency"`
}

// ParseBackendStats reads the stats a bundled balancer or router serves at
// /__stampede/stats into pools named after name ("lb", say): one pool for
// a balancer, one holding every route for a router. It reports false for
// JSON of another shape (a backend's, a cache's own stats) and for
// anything that is not JSON.
func ParseBackendStats(name string, data []byte) ([]Pool, bool) {
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(data, &keys); err != nil {
		return nil, false
	}
	if _, ok := keys["backends"]; ok {
		var s lbStats
		if err := json.Unmarshal(data, &s); err != nil {
			return nil, false
		}
		return []Pool{poolOf(name, s)}, true
	}
	if _, ok := keys["routes"]; !ok {
		return nil, false
	}
	var doc struct {
		Routes []lbStats `json:"routes"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, false
	}
	routes := Pool{Name: name, Mode: "router"}
	for _, r := range doc.Routes {
		routes.Requests += r.Requests
		routes.NoBackend += r.NoBackend
		for _, b := range poolOf("", r).Backends {
			b.Route = r.Prefix
			routes.Backends = append(routes.Backends, b)
		}
	}
	return []Pool{routes}, true
}

func poolOf(name string, s lbStats) Pool {
	p := Pool{Name: name, Mode: s.Mode, Policy: s.Policy, Requests: s.Requests, NoBackend: s.NoBackend}
	for _, b := range s.Backends {
		p.Backends = append(p.Backends, Backend{
			ID: b.ID, URL: b.URL, Weight: b.Weight, Requests: b.Requests, InFlight: b.InFlight, Errors: b.Errors,
			Available: b.Available, Healthy: b.Healthy, Ejected: b.Ejected, Draining: b.Draining, P99: b.Latency.P99,
		})
	}
	return p
}

// BackendRow is one backend as the panel shows it, with its share of the
// pool's requests: over the time since the previous reading when there
// was traffic then (Recent), else over the whole run.
type BackendRow struct {
	Backend
	Share float64 // 0..1
	// Rate is requests per second since the previous reading; -1 when
	// there is no previous reading to compare with.
	Rate float64
}

// PoolRows is a pool with its rows.
type PoolRows struct {
	Pool
	Rows   []BackendRow
	Recent bool
	// Rate is the pool's requests per second since the previous reading,
	// or -1.
	Rate float64
}

// backendRows works out each backend's share from two readings (prev may
// be nil, or hold other pools).
func backendRows(prev, cur *Backends) []PoolRows {
	if cur == nil {
		return nil
	}
	out := make([]PoolRows, 0, len(cur.Pools))
	for _, p := range cur.Pools {
		pr := PoolRows{Pool: p, Rate: -1}
		var before map[string]uint64
		dt := 0.0
		if prev != nil {
			dt = cur.At.Sub(prev.At).Seconds()
			for _, q := range prev.Pools {
				if q.Name == p.Name {
					before = make(map[string]uint64, len(q.Backends))
					for _, b := range q.Backends {
						before[b.Route+"\x00"+b.ID] = b.Requests
					}
				}
			}
		}
		deltas := make([]uint64, len(p.Backends))
		var sumDelta, sumTotal uint64
		for i, b := range p.Backends {
			if n, ok := before[b.Route+"\x00"+b.ID]; ok && b.Requests >= n {
				deltas[i] = b.Requests - n
			}
			sumDelta += deltas[i]
			sumTotal += b.Requests
		}
		pr.Recent = sumDelta > 0
		if before != nil && dt > 0 {
			pr.Rate = float64(sumDelta) / dt
		}
		for i, b := range p.Backends {
			row := BackendRow{Backend: b, Rate: -1}
			switch {
			case pr.Recent:
				row.Share = float64(deltas[i]) / float64(sumDelta)
			case sumTotal > 0:
				row.Share = float64(b.Requests) / float64(sumTotal)
			}
			if before != nil && dt > 0 {
				row.Rate = float64(deltas[i]) / dt
			}
			pr.Rows = append(pr.Rows, row)
		}
		out = append(out, pr)
	}
	return out
}
