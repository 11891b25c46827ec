package scenarios

import (
	"time"
)

// Flow is a user journey: a VU running a flow goes through its steps in
// order, once per iteration. A plan with flows picks one per iteration by
// weight (like k6 scenarios or Locust tasks). A plan without flows has one
// implicit flow whose single step is "the next of Plan.Requests".
type Flow struct {
	Name string `json:"name"`
	// Weight is the flow's share of iterations (default 1).
	Weight int    `json:"weight"`
	Steps  []Step `json:"steps"`
	// Cookies false gives the flow's VUs no cookie jar; ClearCookies
	// empties the jar at the start of every iteration.
	Cookies      bool `json:"cookies"`
	ClearCookies bool `json:"clear_cookies,omitempty"`
	// BrowserCache makes each VU keep cacheable responses and revalidate
	// them as a browser would.
	BrowserCache bool `json:"browser_cache,omitempty"`
}

// Step is one request, or a group of steps repeated Repeat times.
// Exactly one of Request and Group is set.
type Step struct {
	// Name tags the step's metrics; unique within its flow. Bounded: never
	// a URL with ids in it.
	Name    string       `json:"name"`
	Request *StepRequest `json:"request,omitempty"`
	Group   *Group       `json:"group,omitempty"`
	// Think is the pause after the step.
	Think Think `json:"think,omitzero"`
}

// Group repeats its steps.
type Group struct {
	Repeat int    `json:"repeat"`
	Steps  []Step `json:"steps"`
}

// StepRequest is a templated HTTP request with what to take from its
// response and what to check in it.
type StepRequest struct {
	Method string `json:"method"`
	// URL is absolute, or a path joined to the plan's base URL when run.
	URL     Template         `json:"url"`
	Query   []TemplateHeader `json:"query,omitempty"`
	Headers []TemplateHeader `json:"headers,omitempty"`
	Body    Template         `json:"body,omitzero"`
	// BodyKind is raw, json or form; it sets Content-Type unless a header
	// does.
	BodyKind string        `json:"body_kind,omitempty"`
	Timeout  time.Duration `json:"timeout,omitempty"`
	Extract  []Extract     `json:"extract,omitempty"`
	Checks   []Check       `json:"checks,omitempty"`
}

// Template is text with ${name} references, split once at load time into
// literal and variable parts so that running it is a concatenation.
type Template struct {
	Raw   string         `json:"raw"`
	Parts []TemplatePart `json:"-"`
}

// TemplatePart is a literal (Var empty) or a variable reference.
type TemplatePart struct {
	Literal string
	Var     string
}

// TemplateHeader is a header or query parameter whose value is templated.
type TemplateHeader struct {
	Name  string   `json:"name"`
	Value Template `json:"value"`
}

// Extraction sources.
const (
	FromJSON   = "json"   // Expr is a gjson path into the body
	FromHeader = "header" // Expr is a header name
	FromCookie = "cookie" // Expr is a cookie name (from Set-Cookie or the jar)
	FromRegex  = "regex"  // Expr is a regular expression on the body; its first group, or the match
)

// Extract takes a value from a response into a variable of the VU.
type Extract struct {
	Var  string `json:"var"`
	From string `json:"from"`
	Expr string `json:"expr"`
	// Optional extractions do not fail the step when nothing is found.
	Optional bool `json:"optional,omitempty"`
}

// Check kinds.
const (
	CheckStatus       = "status"        // Statuses (exact codes) or Class ("2xx")
	CheckBodyContains = "body_contains" // Value
	CheckBodyMatches  = "body_matches"  // Value is a regular expression
	CheckJSON         = "json"          // Path equals Value (as text)
	CheckHeader       = "header"        // Name present (and equals Value if set)
	CheckDuration     = "duration"      // service time under Max
)

// Check is an assertion on a response. A failed check is counted per
// check; it stops the iteration only when Abort is set.
type Check struct {
	Name     string        `json:"name"`
	Kind     string        `json:"kind"`
	Statuses []int         `json:"statuses,omitempty"`
	Class    int           `json:"class,omitempty"` // 2 for 2xx
	Value    string        `json:"value,omitempty"`
	Path     string        `json:"path,omitempty"`
	Header   string        `json:"header,omitempty"`
	Max      time.Duration `json:"max,omitempty"`
	Abort    bool          `json:"abort,omitempty"`
	// Expect is set when the expected value of a body_contains, json or
	// header check uses run-time variables (${data.users.name}, an
	// extracted value, a built-in): render it per response and compare
	// with that instead of Value. Value then holds Expect.Raw, so an
	// engine that ignores Expect fails the check rather than passing it.
	// Values known at load time (vars, env) are already in Value.
	Expect Template `json:"expect,omitzero"`
}

// Think is a pause: constant (Min == Max) or uniform in [Min, Max], or
// exponential with mean Mean.
type Think struct {
	Min  time.Duration `json:"min,omitempty"`
	Max  time.Duration `json:"max,omitempty"`
	Mean time.Duration `json:"mean,omitempty"`
}

// Data selection modes of a feeder.
const (
	SelectPerVU      = "per-vu"     // VU n gets row n mod rows for the whole run
	SelectSequential = "sequential" // each iteration takes the next row, wrapping
	SelectRandom     = "random"
	SelectUnique     = "unique" // each iteration takes a row no other took; the run stops feeding when rows run out
)

// Data is a feeder: rows from a CSV or JSON file whose columns become
// variables (${data.NAME.COLUMN}).
type Data struct {
	Name    string     `json:"name"`
	File    string     `json:"file"`
	Select  string     `json:"select"`
	Columns []string   `json:"columns"`
	Rows    [][]string `json:"-"`
}

// Threshold is a latency or error budget, e.g. "p(99) < 200ms" on the
// latency of step "login". The expression is kept as written; reports
// evaluates it.
type Threshold struct {
	Expr string `json:"expr"`
	// Step (optionally "flow/step") narrows it to one step; empty = run.
	Step string `json:"step,omitempty"`
	// Abort stops the run early when the threshold is clearly broken.
	Abort bool `json:"abort,omitempty"`
	// Where it was written, for messages.
	Line, Col int `json:"-"`
}
