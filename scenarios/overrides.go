package scenarios

import (
	"fmt"
	"strings"
	"time"
)

// Overrides are command-line values that take precedence over the file.
// A nil pointer or an empty slice means the flag was not given. Problems
// with them are reported under the flag's name (--url, --method, --header,
// --body, --rate, --vus, --max-vus, --connections, --duration, --stages,
// --grace, --max-backlog, --timeout, --keep-alive, --insecure).
type Overrides struct {
	// URL is the full request URL without a file; with a file it replaces
	// base_url.
	URL *string
	// Method and Body replace those of every request.
	Method *string
	// Headers are added to every request; a file header with the same name
	// (case-insensitively) is dropped in favour of the flag's.
	Headers []Header
	Body    *string
	// Rate selects the open model: constant-arrival-rate, or
	// ramping-arrival-rate with stages (Rate is then the start rate).
	Rate *float64
	// VUs sets the VUs: pre-allocated VUs in the open model, else the VUs
	// (or the starting VUs of a ramp) of the closed model. Without --rate it
	// selects the closed model unless the file is written for the open one.
	VUs    *int
	MaxVUs *int
	// Connections replaces client.connections.
	Connections *int
	// Duration sets the duration; it cannot be combined with stages.
	Duration *time.Duration
	// Stages (from --stages, see ParseStages) replace the file's stages and
	// duration: the executor becomes the ramping one of the model in force.
	Stages     []Stage
	Grace      *time.Duration
	MaxBacklog *time.Duration
	Timeout    *time.Duration
	KeepAlive  *bool
	Insecure   *bool

	// Getenv resolves ${env.NAME} in a scenario file; nil means no
	// variable is set (only ${env.NAME:-default} then works). The command
	// passes the process environment.
	Getenv func(string) string
	// ReadFile reads the data files a scenario names (paths are relative
	// to the scenario file's directory). nil makes any data file an error,
	// except in built-in scenarios, whose data files are built in too. The
	// command passes os.ReadFile; the package never reads files itself.
	ReadFile func(name string) ([]byte, error)
}

// apply merges the overrides into a file's spec, each value taking the
// flag as its source, and settles the executor when a flag changes it.
//
// The model in force is the open one with --rate; otherwise the file's
// (its executor, or what rate, stages and vus imply); a file that says
// nothing about it leaves the choice to --vus and --stages as FromFlags
// does. The executor is the ramping one of that model when stages are in
// force.
func (s *spec) apply(p *problems, o Overrides) {
	l := &s.load
	fileModel, decided := l.fileModel()
	fileStages := l.stages.given()
	fileExec, fileWhy := l.infer()
	flagStages := len(o.Stages) > 0

	if o.URL != nil {
		s.baseURL = some(*o.URL, flagSrc("--url"))
	}
	s.getenv, s.readFile = o.Getenv, o.ReadFile
	if s.flows.val != nil {
		s.applyFlows(p, o)
	} else {
		s.applyRequests(o)
	}
	if flagStages {
		l.stages = stagesFromFlag(o.Stages)
		l.duration = opt[time.Duration]{} // the stages set the duration
	}
	if o.Duration != nil {
		l.duration = some(*o.Duration, flagSrc("--duration"))
	}
	set(&l.maxVUs, o.MaxVUs, "--max-vus")
	set(&l.grace, o.Grace, "--grace")
	set(&l.maxBacklog, o.MaxBacklog, "--max-backlog")
	set(&s.client.connections, o.Connections, "--connections")
	set(&s.client.timeout, o.Timeout, "--timeout")
	set(&s.client.keepAlive, o.KeepAlive, "--keep-alive")
	set(&s.client.insecure, o.Insecure, "--insecure")

	m, by := fileModel, ""
	switch {
	case o.Rate != nil:
		m, by = openModel, "--rate"
		if fileModel == closedModel && fileStages && !flagStages {
			p.add(flagSrc("--rate"), "the scenario's stages are VU targets (closed model) and cannot become rates: give --stages with rate targets too, or leave out --rate")
		}
	case !decided && o.VUs != nil:
		m, by = closedModel, "--vus"
	case !decided && flagStages:
		m, by = openModel, "--stages"
	case flagStages && fileModel != unknownModel:
		by = "--stages"
	}
	// A flag that sets where the load starts replaces the file's start.
	if o.Rate != nil {
		l.rate = some(*o.Rate, flagSrc("--rate"))
		l.start = opt[float64]{}
	}
	if o.VUs != nil {
		l.vus = some(*o.VUs, flagSrc("--vus"))
		if m == closedModel {
			l.start = opt[float64]{}
		}
	}
	switch {
	case by != "":
		l.executor = some(executorFor(m, l.stages.given()), flagSrc(by))
		l.why = " (chosen by " + by + ")"
	case decided && !l.executor.given():
		// Pin what the file's own fields imply, before --vus changed them.
		l.executor = some(fileExec, l.at)
		l.why = fileWhy
	}
}

// applyRequests applies --method, --header and --body to every request.
func (s *spec) applyRequests(o Overrides) {
	for i := range s.requests.v {
		r := &s.requests.v[i]
		if o.Method != nil {
			r.method = some(*o.Method, flagSrc("--method"))
		}
		if o.Body != nil {
			r.body = some(*o.Body, flagSrc("--body"))
		}
		if len(o.Headers) > 0 {
			r.headers = mergeHeaders(r.headers, o.Headers)
		}
	}
}

// applyFlows applies the request flags to a scenario with flows: --header
// is added to every request step; --method and --body, which would make
// every step of a login flow the same request, are refused.
func (s *spec) applyFlows(p *problems, o Overrides) {
	if o.Method != nil {
		p.add(flagSrc("--method"), "the scenario has flows, whose steps set their own methods; --method applies to scenarios with requests")
	}
	if o.Body != nil {
		p.add(flagSrc("--body"), "the scenario has flows, whose steps set their own bodies; --body applies to scenarios with requests")
	}
	s.flagHeaders = o.Headers
}

// mergeHeaders keeps the file's headers that the flags do not name, in
// order, followed by the flags' headers in order.
func mergeHeaders(file []headerSpec, flags []Header) []headerSpec {
	var out []headerSpec
	for _, h := range file {
		named := false
		for _, f := range flags {
			named = named || strings.EqualFold(f.Name, h.name)
		}
		if !named {
			out = append(out, h)
		}
	}
	for _, f := range flags {
		out = append(out, headerSpec{name: f.Name, value: f.Value, at: flagSrc("--header")})
	}
	return out
}

// stagesFromFlag turns --stages into stage specs labelled by item number.
func stagesFromFlag(stages []Stage) opt[[]stageSpec] {
	o := some(make([]stageSpec, len(stages)), flagSrc("--stages"))
	for i, st := range stages {
		item := fmt.Sprintf("--stages: item %d", i+1)
		o.v[i] = stageSpec{
			at:       flagSrc(item),
			duration: some(st.Duration, flagSrc(item+" duration")),
			target:   some(st.Target, flagSrc(item+" target")),
		}
	}
	return o
}

// set replaces *o with the flag's value when the flag was given.
func set[T any](o *opt[T], v *T, flag string) {
	if v != nil {
		*o = some(*v, flagSrc(flag))
	}
}
