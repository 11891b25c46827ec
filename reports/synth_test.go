package reports

import (
	"math"
	"math/rand/v2"
	"time"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// synth describes a made-up run, built through engine.Result and
// NewResults so that it has exactly the shape of a real one.
type synth struct {
	name      string
	intervals int           // of one second
	rate      int           // requests per interval
	median    time.Duration // of the latency
	errEvery  int           // every errEvery-th request fails with 503 (0: none)
	seed      uint64
	start     time.Time
	url       string
	// spike multiplies latencies in the second half (a regression).
	spike float64
	// flows gives the run per-step results: flows browse (home, product)
	// and buy (login, checkout), the requests dealt to them in turn, and
	// login slower than the rest.
	flows bool
}

var synthSteps = [][2]string{{"browse", "home"}, {"browse", "product"}, {"buy", "login"}, {"buy", "checkout"}}

func (s synth) result() *engine.Result {
	if s.start.IsZero() {
		s.start = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	}
	if s.url == "" {
		s.url = "http://127.0.0.1:8080/"
	}
	if s.name == "" {
		s.name = "synthetic"
	}
	r := rand.New(rand.NewPCG(s.seed, 1))
	plan := &scenarios.Plan{
		Name:     s.name,
		Source:   "test",
		BaseURL:  s.url,
		Requests: []scenarios.Request{{Method: "GET", URL: s.url}},
		Load: scenarios.Load{
			Executor: scenarios.ConstantArrivalRate, Rate: float64(s.rate), VUs: 10, MaxVUs: 100,
			Duration: time.Duration(s.intervals) * time.Second, Grace: 5 * time.Second, MaxBacklog: 10 * time.Second,
		},
		Client: scenarios.Client{KeepAlive: true, Timeout: 10 * time.Second},
	}
	res := &engine.Result{Plan: plan, Start: s.start, Stopped: "completed", MaxVUsUsed: 10}
	res.Total = metrics.NewInterval(s.start)
	if s.flows {
		plan.Flows = []scenarios.Flow{
			{Name: "browse", Weight: 1, Steps: []scenarios.Step{
				{Name: "home", Request: &scenarios.StepRequest{Method: "GET", URL: scenarios.Template{Raw: "/"}}},
				{Name: "product", Request: &scenarios.StepRequest{Method: "GET", URL: scenarios.Template{Raw: "/products/${id}"}}}}},
			{Name: "buy", Weight: 1, Steps: []scenarios.Step{
				{Name: "login", Request: &scenarios.StepRequest{Method: "POST", URL: scenarios.Template{Raw: "/login"}}},
				{Name: "checkout", Request: &scenarios.StepRequest{Method: "POST", URL: scenarios.Template{Raw: "/checkout"}}}}},
		}
		for _, fs := range synthSteps {
			res.Steps = append(res.Steps, engine.StepResult{Flow: fs[0], Step: fs[1], Total: metrics.NewInterval(s.start),
				Checks: []engine.CheckResult{{Name: "status is 2xx"}}})
		}
	}
	n := 0
	for i := range s.intervals {
		iv := metrics.NewInterval(s.start.Add(time.Duration(i) * time.Second))
		iv.End = iv.Start.Add(time.Second)
		factor := 1.0
		if s.spike > 0 && i >= s.intervals/2 {
			factor = s.spike
		}
		for range s.rate {
			n++
			svc := float64(s.median.Microseconds()) * math.Exp(r.NormFloat64()*0.5) * factor
			lat := svc * (1 + r.ExpFloat64()*0.1)
			if s.flows {
				st := &res.Steps[n%len(res.Steps)]
				if st.Step == "login" {
					lat, svc = lat*3, svc*3
				}
				st.Total.Hists[metrics.Latency].RecordValue(int64(lat))
				st.Total.Hists[metrics.Service].RecordValue(int64(svc))
				st.Total.Requests++
				if s.errEvery > 0 && n%s.errEvery == 0 {
					st.Total.Errors++
					st.Checks[0].Fail++
				} else {
					st.Checks[0].Passes++
				}
			}
			iv.Hists[metrics.Latency].RecordValue(int64(lat))
			iv.Hists[metrics.Service].RecordValue(int64(svc))
			iv.Hists[metrics.TTFB].RecordValue(int64(svc * 0.9))
			iv.Hists[metrics.Lag].RecordValue(int64(r.ExpFloat64() * 50))
			iv.Requests++
			iv.BytesIn += 1200
			iv.BytesOut += 80
			if s.errEvery > 0 && n%s.errEvery == 0 {
				iv.Errors++
				iv.Status[503]++
				iv.ErrClasses["status"]++
			} else {
				iv.Status[200]++
			}
		}
		if i == 0 {
			for range 10 {
				iv.Connections++
				iv.Hists[metrics.Connect].RecordValue(int64(80 + r.IntN(40)))
			}
		}
		res.Total.Merge(iv)
		res.Intervals = append(res.Intervals, iv)
	}
	res.End = s.start.Add(time.Duration(s.intervals) * time.Second)
	res.Events = []engine.Event{{At: time.Duration(s.intervals/2) * time.Second, Kind: "scale", Detail: "×1.2"}}
	return res
}

func (s synth) build() *Results { return NewResults(s.result(), "test") }
