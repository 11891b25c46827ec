package scenarios

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

// checkFlows asserts what a validated plan promises the engine about
// flows, data and thresholds.
func checkFlows(t *testing.T, p *Plan) {
	t.Helper()
	cols := map[string][]string{}
	for _, d := range p.Data {
		if d.Name == "" || len(d.Columns) == 0 || len(d.Rows) == 0 || !slices.Contains(selectModes, d.Select) {
			t.Fatalf("feeder %+v", d)
		}
		for _, r := range d.Rows {
			if len(r) != len(d.Columns) {
				t.Fatalf("feeder %s: row %q for columns %q", d.Name, r, d.Columns)
			}
		}
		cols[d.Name] = d.Columns
	}
	names := map[string]bool{}
	for _, f := range p.Flows {
		if f.Name == "" || names[f.Name] || f.Weight < 1 {
			t.Fatalf("flow %q (weight %d), seen %v", f.Name, f.Weight, names[f.Name])
		}
		names[f.Name] = true
		checkSteps(t, f.Steps, map[string]bool{}, map[string]bool{}, cols, p.BaseURL != "")
	}
	for _, th := range p.Thresholds {
		if th.Expr == "" || th.Line < 1 || th.Col < 1 {
			t.Fatalf("threshold %+v", th)
		}
	}
}

// checkSteps walks steps in order: every variable a template uses must
// be defined by then.
func checkSteps(t *testing.T, steps []Step, seen, defined map[string]bool, cols map[string][]string, base bool) {
	t.Helper()
	if len(steps) == 0 {
		t.Fatal("empty list of steps")
	}
	for _, s := range steps {
		if s.Name == "" || seen[s.Name] || strings.Contains(s.Name, "/") {
			t.Fatalf("step name %q (seen %v)", s.Name, seen[s.Name])
		}
		seen[s.Name] = true
		if (s.Request == nil) == (s.Group == nil) {
			t.Fatalf("step %s: request %v, group %v", s.Name, s.Request, s.Group)
		}
		if s.Think.Min > s.Think.Max || s.Think.Min < 0 || s.Think.Mean < 0 {
			t.Fatalf("step %s: think %+v", s.Name, s.Think)
		}
		if g := s.Group; g != nil {
			if g.Repeat < 1 {
				t.Fatalf("group %s repeats %d", s.Name, g.Repeat)
			}
			checkSteps(t, g.Steps, seen, defined, cols, base)
			continue
		}
		r := s.Request
		if !isToken(r.Method) || r.URL.Raw == "" || r.Timeout < 0 {
			t.Fatalf("step %s: %+v", s.Name, r)
		}
		uses := func(tm Template) {
			t.Helper()
			if tm.Raw != "" && len(tm.Parts) == 0 {
				t.Fatalf("step %s: template %q without parts", s.Name, tm.Raw)
			}
			for _, part := range tm.Parts {
				v := part.Var
				if v == "" || slices.Contains(builtinVars, v) || defined[v] {
					continue
				}
				feeder, col, _ := strings.Cut(strings.TrimPrefix(v, dataPrefix), ".")
				if !strings.HasPrefix(v, dataPrefix) || !slices.Contains(cols[feeder], col) {
					t.Fatalf("step %s: variable %q is not defined here", s.Name, v)
				}
			}
		}
		uses(r.URL)
		uses(r.Body)
		if (r.Body.Raw == "") != (r.BodyKind == "") && r.BodyKind != BodyRaw {
			t.Fatalf("step %s: body %q of kind %q", s.Name, r.Body.Raw, r.BodyKind)
		}
		if r.BodyKind != "" && !slices.Contains([]string{BodyRaw, BodyJSON, BodyForm}, r.BodyKind) {
			t.Fatalf("step %s: body kind %q", s.Name, r.BodyKind)
		}
		for _, h := range append(slices.Clone(r.Headers), r.Query...) {
			uses(h.Value)
		}
		for _, h := range r.Headers {
			if !isToken(h.Name) {
				t.Fatalf("step %s: header name %q", s.Name, h.Name)
			}
		}
		for _, x := range r.Extract {
			if !isIdent(x.Var) || !slices.Contains(extractSources, x.From) || x.Expr == "" {
				t.Fatalf("step %s: extract %+v", s.Name, x)
			}
			if x.From == FromRegex {
				regexp.MustCompile(x.Expr)
			}
			defined[x.Var] = true
		}
		for _, c := range r.Checks {
			if c.Name == "" || !slices.Contains(checkKinds, c.Kind) {
				t.Fatalf("step %s: check %+v", s.Name, c)
			}
			uses(c.Expect)
			switch c.Kind {
			case CheckStatus:
				if (c.Class == 0) == (len(c.Statuses) == 0) || c.Class > 5 {
					t.Fatalf("check %+v", c)
				}
				for _, code := range c.Statuses {
					if code < 100 || code > 599 {
						t.Fatalf("check %+v", c)
					}
				}
			case CheckBodyMatches:
				regexp.MustCompile(c.Value)
			case CheckDuration:
				if c.Max <= 0 {
					t.Fatalf("check %+v", c)
				}
			}
		}
	}
}
