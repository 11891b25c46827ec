package engine

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tidwall/gjson"

	"github.com/stampede-lab/stampede/engine/h1"
	"github.com/stampede-lab/stampede/engine/metrics"
	"github.com/stampede-lab/stampede/scenarios"
)

// StepResult is what one step of a flow measured.
type StepResult struct {
	Flow, Step      string
	Total           *metrics.Interval
	Checks          []CheckResult
	ExtractFailures uint64
	// Browser-cache emulation: requests saved (hits), answered 304
	// (revalidations), and sent in full (misses).
	CacheHits, CacheRevalidations, CacheMisses uint64
}

// StepSnapshot is one request step of a flow as a live display shows it:
// its totals since the start of the run.
type StepSnapshot struct {
	Flow, Step       string
	Requests, Errors uint64
	// P50 and P99 are the step's latency percentiles so far, in µs (0
	// before its first response).
	P50, P99 int64
	// ChecksPassed and ChecksFailed add up the outcomes of the step's
	// checks; Checks is how many checks the step has.
	ChecksPassed, ChecksFailed uint64
	Checks                     int
	// Total holds the step's counters and histograms so far. It is the
	// engine's own: valid only during OnInterval, and never to be changed.
	Total *metrics.Interval
}

// CheckResult counts one check's outcomes.
type CheckResult struct {
	Name         string
	Passes, Fail uint64
}

// stepRun is the runtime side of one request step.
type stepRun struct {
	flow, name string
	spec       *scenarios.StepRequest
	think      scenarios.Think
	rec        *metrics.Recorder
	acc        metrics.Counts
	total      *metrics.Interval
	checks     []*checkRun
	extracts   []extractRun
	needBody   bool
	// static is the step's request when nothing in it is templated: it is
	// then serialised once, for its origin's client.
	static   *scenarios.Request
	prepared atomic.Pointer[h1.Prepared]
	client   atomic.Pointer[h1.Client] // the static request's client
	// medianNs is the step's running median service time, the expected
	// response time used to place the next step's intended start.
	medianNs atomic.Int64

	extractFail, hits, revalidations, misses atomic.Uint64
	// checksPassed and checksFailed add up the checks' outcomes when the
	// collector last took the step's records (for snapshots).
	checksPassed, checksFailed uint64
}

type checkRun struct {
	spec       scenarios.Check
	re         *regexp.Regexp
	pass, fail atomic.Uint64
}

type extractRun struct {
	spec scenarios.Extract
	re   *regexp.Regexp
}

// flowNode is a step or a repeated group, compiled.
type flowNode struct {
	step   *stepRun
	repeat int
	nodes  []flowNode
	think  scenarios.Think
}

type flowRun struct {
	spec  *scenarios.Flow
	nodes []flowNode
}

// flowRunner runs a plan's flows for the VUs.
type flowRunner struct {
	r       *run
	plan    *scenarios.Plan
	base    *url.URL
	flows   []flowRun
	weights []int // cumulative
	steps   []*stepRun
	feeders []*feeder

	mu      sync.Mutex
	clients map[string]*h1.Client
	extra   []*h1.Client // clients made for other origins, closed at the end
}

// errStopIteration ends an iteration early: an extraction failed, or a
// check marked abort did.
var errStopIteration = errors.New("iteration stopped")

func newFlowRunner(r *run, main Client) (*flowRunner, error) {
	f := &flowRunner{r: r, plan: r.plan, clients: map[string]*h1.Client{}}
	if r.plan.BaseURL != "" {
		u, err := url.Parse(r.plan.BaseURL)
		if err != nil {
			return nil, err
		}
		f.base = u
	}
	if hc, ok := main.(*h1.Client); ok {
		f.clients[hc.Origin()] = hc
	}
	for i := range r.plan.Flows {
		fl := &r.plan.Flows[i]
		nodes, err := f.compile(fl.Name, fl.Steps)
		if err != nil {
			return nil, fmt.Errorf("flow %s: %w", fl.Name, err)
		}
		f.flows = append(f.flows, flowRun{spec: fl, nodes: nodes})
		w := max(fl.Weight, 1)
		if len(f.weights) > 0 {
			w += f.weights[len(f.weights)-1]
		}
		f.weights = append(f.weights, w)
	}
	for i := range r.plan.Data {
		f.feeders = append(f.feeders, newFeeder(&r.plan.Data[i]))
	}
	return f, nil
}

func (f *flowRunner) compile(flow string, steps []scenarios.Step) ([]flowNode, error) {
	var out []flowNode
	for i := range steps {
		st := &steps[i]
		switch {
		case st.Group != nil:
			inner, err := f.compile(flow, st.Group.Steps)
			if err != nil {
				return nil, err
			}
			out = append(out, flowNode{repeat: max(st.Group.Repeat, 1), nodes: inner, think: st.Think})
		case st.Request != nil:
			sr := &stepRun{flow: flow, name: st.Name, spec: st.Request, think: st.Think, rec: metrics.NewRecorder(1)}
			sr.total = metrics.NewInterval(f.r.start)
			for _, c := range st.Request.Checks {
				cr := &checkRun{spec: c}
				if c.Kind == scenarios.CheckBodyMatches {
					re, err := regexp.Compile(c.Value)
					if err != nil {
						return nil, fmt.Errorf("step %s: check %s: %w", st.Name, c.Name, err)
					}
					cr.re = re
				}
				if c.Kind != scenarios.CheckStatus && c.Kind != scenarios.CheckDuration {
					sr.needBody = true
				}
				sr.checks = append(sr.checks, cr)
			}
			for _, e := range st.Request.Extract {
				er := extractRun{spec: e}
				if e.From == scenarios.FromRegex {
					re, err := regexp.Compile(e.Expr)
					if err != nil {
						return nil, fmt.Errorf("step %s: extract %s: %w", st.Name, e.Var, err)
					}
					er.re = re
				}
				sr.needBody = true
				sr.extracts = append(sr.extracts, er)
			}
			if isStatic(st.Request) {
				v := &vuState{}
				req, err := f.build(v, sr)
				if err == nil {
					sr.static = &req
				}
			}
			f.steps = append(f.steps, sr)
			out = append(out, flowNode{step: sr, think: st.Think})
		}
	}
	return out, nil
}

// clientFor returns the client of an origin, making one on first use.
func (f *flowRunner) clientFor(rawURL string) (*h1.Client, error) {
	origin, err := h1.OriginOf(rawURL)
	if err != nil {
		return nil, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if c := f.clients[origin]; c != nil {
		return c, nil
	}
	p := *f.plan
	p.Requests = []scenarios.Request{{Method: "GET", URL: origin + "/"}}
	c, err := h1.New(&p)
	if err != nil {
		return nil, err
	}
	f.clients[origin] = c
	f.extra = append(f.extra, c)
	return c, nil
}

// interrupt and close reach the clients the runner made itself.
func (f *flowRunner) interrupt() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.extra {
		c.Interrupt()
	}
}

func (f *flowRunner) close() {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, c := range f.extra {
		c.Close()
	}
}

// newState prepares a VU for flows.
func (f *flowRunner) newState(id int) *vuState {
	v := newVUState(id, uint64(f.r.start.UnixNano()))
	for _, fd := range f.feeders {
		if fd.spec.Select == scenarios.SelectPerVU {
			fd.bind(v, id)
		}
	}
	return v
}

// iterate runs one iteration of a flow for VU v. In the open model start
// is the arrival's intended time; in the closed model it is now.
func (f *flowRunner) iterate(v *vuState, start time.Time, open bool, shard *metrics.Shard, done <-chan struct{}) {
	fl := &f.flows[0]
	if len(f.flows) > 1 {
		n := v.rng.IntN(f.weights[len(f.weights)-1])
		for i, w := range f.weights {
			if n < w {
				fl = &f.flows[i]
				break
			}
		}
	}
	if fl.spec.Cookies && (v.jar == nil || fl.spec.ClearCookies) {
		v.resetJar()
	}
	if fl.spec.BrowserCache && v.cache == nil {
		v.cache = newBrowserCache()
	}
	for _, fd := range f.feeders {
		if fd.spec.Select != scenarios.SelectPerVU {
			fd.next(v)
		}
	}
	intended := start
	sent := v.sent
	_ = f.runNodes(v, fl, fl.nodes, &intended, open, shard, done)
	v.iter++
	if v.sent == sent && !open {
		// Nothing went to the network (every step a browser-cache hit,
		// no think time): without a pause the VU would spin on the CPU.
		time.Sleep(time.Millisecond)
	}
}

func (f *flowRunner) runNodes(v *vuState, fl *flowRun, nodes []flowNode, intended *time.Time, open bool, shard *metrics.Shard, done <-chan struct{}) error {
	for i := range nodes {
		n := &nodes[i]
		if n.step != nil {
			if err := f.runStep(v, fl, n.step, intended, open, shard); err != nil {
				return err
			}
		} else {
			for range n.repeat {
				if err := f.runNodes(v, fl, n.nodes, intended, open, shard, done); err != nil {
					return err
				}
			}
		}
		if d := thinkTime(n.think, v); d > 0 {
			*intended = intended.Add(d)
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-done:
				t.Stop()
				return errStopIteration
			}
		}
	}
	return nil
}

func thinkTime(t scenarios.Think, v *vuState) time.Duration {
	switch {
	case t.Mean > 0:
		return time.Duration(v.rng.ExpFloat64() * float64(t.Mean))
	case t.Max > t.Min:
		return t.Min + time.Duration(v.rng.Int64N(int64(t.Max-t.Min)))
	default:
		return t.Min
	}
}

// isStatic reports whether a step's request is the same every time.
func isStatic(r *scenarios.StepRequest) bool {
	literal := func(t *scenarios.Template) bool {
		for _, p := range t.Parts {
			if p.Var != "" {
				return false
			}
		}
		return true
	}
	if !literal(&r.URL) || !literal(&r.Body) {
		return false
	}
	for i := range r.Headers {
		if !literal(&r.Headers[i].Value) {
			return false
		}
	}
	for i := range r.Query {
		if !literal(&r.Query[i].Value) {
			return false
		}
	}
	return true
}

// runStep sends one step's request, records it, extracts and checks.
func (f *flowRunner) runStep(v *vuState, fl *flowRun, st *stepRun, intended *time.Time, open bool, shard *metrics.Shard) error {
	var req scenarios.Request
	if st.static != nil {
		req = *st.static
	} else {
		r, err := f.build(v, st)
		if err != nil {
			st.extractFail.Add(1)
			return errStopIteration
		}
		req = r
	}
	get := req.Method == "GET"
	var u *url.URL
	extraHeaders := false
	if v.cache != nil && get {
		fresh, cond := v.cache.lookup(req.URL, time.Now())
		if fresh {
			st.hits.Add(1)
			return nil
		}
		for _, h := range cond {
			req.Headers = append(req.Headers[:len(req.Headers):len(req.Headers)], scenarios.Header{Name: h[0], Value: h[1]})
			extraHeaders = true
		}
	}
	// The jar is consulted only once it holds something: a flow whose
	// target sets no cookie pays nothing for it.
	if v.jar != nil && v.jarUsed {
		u, _ = url.Parse(req.URL)
		if cs := v.jar.Cookies(u); len(cs) > 0 {
			req.Headers = append(req.Headers[:len(req.Headers):len(req.Headers)], scenarios.Header{Name: "Cookie", Value: cookieHeader(cs)})
			extraHeaders = true
		}
	}
	client := st.client.Load()
	if client == nil {
		c, err := f.clientFor(req.URL)
		if err != nil {
			st.extractFail.Add(1)
			return errStopIteration
		}
		client = c
		if st.static != nil {
			st.client.Store(c)
		}
	}
	var capture *h1.Capture
	switch {
	case st.needBody || v.cache != nil:
		capture = &v.capture
		capture.SetCookieOnly = false
	case v.jar != nil:
		capture = &v.capture
		capture.SetCookieOnly = true
	}
	var s metrics.Sample
	if !open {
		*intended = time.Now()
	}
	s.Intended = *intended
	v.sent++
	if st.static != nil && !extraHeaders {
		p := st.prepared.Load()
		if p == nil {
			var err error
			if p, err = client.Prepare(req); err != nil {
				st.extractFail.Add(1)
				return errStopIteration
			}
			st.prepared.Store(p)
		}
		client.DoPrepared(p, capture, &s)
	} else if err := client.DoRequest(req, capture, &s); err != nil {
		st.extractFail.Add(1)
		return errStopIteration
	}
	if open && s.Sent.Before(s.Intended) {
		// Faster than the step's expected time: the user would not have
		// waited for a schedule, so latency starts at the send.
		s.Intended = s.Sent
	}
	shard.Record(&s)
	st.rec.Shard(0).Record(&s)
	if s.Err == metrics.ErrInterrupted {
		return errStopIteration
	}
	// The next step is planned after this one's expected response time.
	*intended = intended.Add(time.Duration(st.medianNs.Load()))
	if capture != nil && s.Status > 0 {
		if v.jar != nil {
			if cs := cookiesFrom(capture); len(cs) > 0 {
				if u == nil {
					u, _ = url.Parse(req.URL)
				}
				if u != nil {
					v.jar.SetCookies(u, cs)
					v.jarUsed = true
				}
			}
		}
		if v.cache != nil && get {
			switch s.Status {
			case 304:
				st.revalidations.Add(1)
			default:
				st.misses.Add(1)
			}
			v.cache.store(req.URL, s.Status, capture, time.Now())
		}
	}
	if len(st.extracts) == 0 && len(st.checks) == 0 {
		return nil
	}
	return f.judge(v, st, &s, capture)
}

// build renders a step's request for v.
func (f *flowRunner) build(v *vuState, st *stepRun) (scenarios.Request, error) {
	spec := st.spec
	raw := v.render(&spec.URL, f.plan)
	u, err := url.Parse(raw)
	if err != nil {
		return scenarios.Request{}, err
	}
	if !u.IsAbs() {
		if f.base == nil {
			return scenarios.Request{}, fmt.Errorf("relative URL %q without base_url", raw)
		}
		u = f.base.ResolveReference(u)
	}
	if len(spec.Query) > 0 {
		q := u.Query()
		for _, kv := range spec.Query {
			q.Add(kv.Name, v.render(&kv.Value, f.plan))
		}
		u.RawQuery = q.Encode()
	}
	req := scenarios.Request{Method: spec.Method, URL: u.String(), Body: v.renderEscaped(&spec.Body, f.plan, spec.BodyKind)}
	hasCT := false
	for _, h := range spec.Headers {
		if strings.EqualFold(h.Name, "Content-Type") {
			hasCT = true
		}
		req.Headers = append(req.Headers, scenarios.Header{Name: h.Name, Value: v.render(&h.Value, f.plan)})
	}
	if !hasCT && req.Body != "" {
		switch spec.BodyKind {
		case "json":
			req.Headers = append(req.Headers, scenarios.Header{Name: "Content-Type", Value: "application/json"})
		case "form":
			req.Headers = append(req.Headers, scenarios.Header{Name: "Content-Type", Value: "application/x-www-form-urlencoded"})
		}
	}
	return req, nil
}

// judge runs the step's extractions and checks on its response.
func (f *flowRunner) judge(v *vuState, st *stepRun, s *metrics.Sample, c *h1.Capture) error {
	stop := false
	for i := range st.extracts {
		e := &st.extracts[i]
		val, ok := extract(e, c, v)
		if !ok {
			if !e.spec.Optional {
				st.extractFail.Add(1)
				stop = true
			}
			continue
		}
		v.vars[e.spec.Var] = val
	}
	for i := range st.checks {
		ck := st.checks[i]
		if check(ck, s, c, v, f.plan) {
			ck.pass.Add(1)
		} else {
			ck.fail.Add(1)
			if ck.spec.Abort {
				stop = true
			}
		}
	}
	if stop {
		return errStopIteration
	}
	return nil
}

func extract(e *extractRun, c *h1.Capture, v *vuState) (string, bool) {
	if c == nil {
		return "", false
	}
	switch e.spec.From {
	case scenarios.FromJSON:
		r := gjson.GetBytes(c.Body, e.spec.Expr)
		return r.String(), r.Exists()
	case scenarios.FromHeader:
		return c.Get(e.spec.Expr)
	case scenarios.FromCookie:
		for _, ck := range cookiesFrom(c) {
			if ck.Name == e.spec.Expr {
				return ck.Value, true
			}
		}
		return "", false
	case scenarios.FromRegex:
		m := e.re.FindSubmatch(c.Body)
		switch {
		case m == nil:
			return "", false
		case len(m) > 1:
			return string(m[1]), true
		default:
			return string(m[0]), true
		}
	}
	return "", false
}

func check(ck *checkRun, s *metrics.Sample, c *h1.Capture, v *vuState, plan *scenarios.Plan) bool {
	sp := &ck.spec
	want := sp.Value
	if len(sp.Expect.Parts) > 0 {
		want = v.render(&sp.Expect, plan)
	}
	switch sp.Kind {
	case scenarios.CheckStatus:
		if sp.Class > 0 {
			return s.Status/100 == sp.Class
		}
		for _, st := range sp.Statuses {
			if s.Status == st {
				return true
			}
		}
		return false
	case scenarios.CheckDuration:
		return s.Done.Sub(s.Sent) <= sp.Max
	}
	if c == nil {
		return false
	}
	switch sp.Kind {
	case scenarios.CheckBodyContains:
		return strings.Contains(string(c.Body), want)
	case scenarios.CheckBodyMatches:
		return ck.re.Match(c.Body)
	case scenarios.CheckJSON:
		r := gjson.GetBytes(c.Body, sp.Path)
		return r.Exists() && r.String() == want
	case scenarios.CheckHeader:
		val, ok := c.Get(sp.Header)
		return ok && (want == "" || val == want)
	}
	return false
}

// collect folds the steps' records into their totals and refreshes their
// running medians; the collector calls it once per interval.
func (f *flowRunner) collect(start, end time.Time) {
	for _, st := range f.steps {
		st.rec.Collect(&st.acc)
		st.checksPassed, st.checksFailed = 0, 0
		for _, ck := range st.checks {
			st.checksPassed += ck.pass.Load()
			st.checksFailed += ck.fail.Load()
		}
		iv := st.acc.Interval(start, end)
		st.total.Merge(iv)
		if svc := iv.Hists[metrics.Service]; svc.TotalCount() > 0 {
			st.medianNs.Store(svc.ValueAtQuantile(50) * int64(time.Microsecond))
		}
	}
}

// snapshot appends every step's totals so far to dst, for a snapshot;
// the collector calls it after collect, whose check counts it reports
// (a check is counted after its request is recorded, so they agree but
// for the requests in between). It allocates nothing once dst has room
// for the steps.
func (f *flowRunner) snapshot(dst []StepSnapshot) []StepSnapshot {
	for _, st := range f.steps {
		s := StepSnapshot{Flow: st.flow, Step: st.name, Requests: st.total.Requests, Errors: st.total.Errors,
			ChecksPassed: st.checksPassed, ChecksFailed: st.checksFailed, Checks: len(st.checks), Total: st.total}
		if h := st.total.Hists[metrics.Latency]; h.TotalCount() > 0 {
			s.P50, s.P99 = h.ValueAtQuantile(50), h.ValueAtQuantile(99)
		}
		dst = append(dst, s)
	}
	return dst
}

// results reports every step.
func (f *flowRunner) results() []StepResult {
	out := make([]StepResult, 0, len(f.steps))
	for _, st := range f.steps {
		sr := StepResult{Flow: st.flow, Step: st.name, Total: st.total, ExtractFailures: st.extractFail.Load(),
			CacheHits: st.hits.Load(), CacheRevalidations: st.revalidations.Load(), CacheMisses: st.misses.Load()}
		for i := range st.checks {
			ck := st.checks[i]
			sr.Checks = append(sr.Checks, CheckResult{Name: ck.spec.Name, Passes: ck.pass.Load(), Fail: ck.fail.Load()})
		}
		out = append(out, sr)
	}
	return out
}

// feeder hands out a data file's rows as ${data.NAME.COLUMN} variables.
type feeder struct {
	spec   *scenarios.Data
	cursor atomic.Uint64
}

func newFeeder(d *scenarios.Data) *feeder { return &feeder{spec: d} }

func (fd *feeder) bind(v *vuState, row int) {
	rows := fd.spec.Rows
	if len(rows) == 0 {
		return
	}
	r := rows[row%len(rows)]
	for i, col := range fd.spec.Columns {
		if i < len(r) {
			v.vars["data."+fd.spec.Name+"."+col] = r[i]
		}
	}
}

func (fd *feeder) next(v *vuState) {
	n := len(fd.spec.Rows)
	if n == 0 {
		return
	}
	switch fd.spec.Select {
	case scenarios.SelectRandom:
		fd.bind(v, v.rng.IntN(n))
	case scenarios.SelectUnique:
		i := fd.cursor.Add(1) - 1
		if i >= uint64(n) {
			// Rows ran out: keep the last, and say so in the variables.
			fd.bind(v, n-1)
			return
		}
		fd.bind(v, int(i))
	default:
		fd.bind(v, int((fd.cursor.Add(1)-1)%uint64(n)))
	}
}
