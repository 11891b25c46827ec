package scenarios

import (
	"maps"
	"slices"
	"strings"

	"go.yaml.in/yaml/v4"
)

var thresholdSection = section{where: "in a threshold", allowed: []string{"expr", "step", "abort"}}

// thresholdOps are the comparison operators of a threshold, longest
// first. The reports package owns the grammar; here an expression only
// has to compare something with something.
var thresholdOps = []string{"<=", ">=", "==", "!=", "<", ">"}

// buildThresholds reads the thresholds: strings, or {expr, step, abort}.
// flows maps flow names to their steps.
func buildThresholds(p *problems, d *decoder, e entry, flows map[string]map[string]stepRef, hasFlows bool) []Threshold {
	items, ok := d.list(e, `a list of thresholds like - "p(99) < 200ms"`)
	if !ok {
		return nil
	}
	var out []Threshold
	for _, item := range items {
		n := deref(item)
		th := Threshold{}
		var expr *yaml.Node
		switch {
		case n.Kind == yaml.ScalarNode && !isNull(n):
			expr = n
			th.Line, th.Col = item.Line, item.Column
		case n.Kind == yaml.MappingNode:
			f, _ := d.fields(item, "thresholds", "", thresholdSection)
			ee, has := f["expr"]
			if !has {
				p.add(nodeSrc("", item), `missing field "expr" in a threshold, like {expr: "p(95) < 100ms", step: login}`)
				continue
			}
			if v := deref(ee.val); v.Kind != yaml.ScalarNode || isNull(v) {
				p.add(srcOf(ee), "expected an expression like \"p(99) < 200ms\", got %s", describe(v))
				continue
			}
			expr = deref(ee.val)
			th.Line, th.Col = ee.val.Line, ee.val.Column
			th.Abort = d.boolean(f["abort"]).v
			if step := d.str(f["step"], ""); step.set {
				if msg := thresholdStep(step.v, flows, hasFlows); msg != "" {
					p.add(step.at, "%s", msg)
				}
				th.Step = step.v
			}
		default:
			p.add(nodeSrc("thresholds", item), `expected an expression like "p(99) < 200ms" or {expr: ..., step: ...}, got %s`, describe(item))
			continue
		}
		th.Expr = strings.TrimSpace(expr.Value)
		if msg := thresholdSyntax(th.Expr); msg != "" {
			p.at(th.Line, th.Col, "threshold %s: %s", quote(expr.Value), msg)
		}
		out = append(out, th)
	}
	return out
}

// thresholdSyntax checks the little this package knows of the grammar.
func thresholdSyntax(expr string) string {
	if expr == "" {
		return `empty: expected an expression like "p(99) < 200ms"`
	}
	for _, op := range thresholdOps {
		left, right, found := strings.Cut(expr, op)
		if !found {
			continue
		}
		switch {
		case strings.TrimSpace(left) == "":
			return "nothing before " + op + `: expected a metric, like "p(99) ` + op + ` 200ms"`
		case strings.TrimSpace(strings.TrimLeft(right, "=")) == "":
			return "nothing after " + op + `: expected a limit, like "p(99) ` + op + ` 200ms"`
		}
		return ""
	}
	return `no comparison: expected an expression like "p(99) < 200ms" (operators: < <= > >= == !=)`
}

// thresholdStep checks that a threshold's step ("step" or "flow/step")
// is a request step of the flows.
func thresholdStep(step string, flows map[string]map[string]stepRef, hasFlows bool) string {
	if !hasFlows {
		return "only scenarios with flows have steps; remove step to judge the whole run"
	}
	flowNames := slices.Sorted(maps.Keys(flows))
	if flow, name, ok := strings.Cut(step, "/"); ok {
		steps, exists := flows[flow]
		if !exists {
			msg := "no flow " + quote(flow)
			if s := suggest(flow, flowNames); s != "" {
				msg += ", did you mean " + quote(s) + "?"
			}
			return msg + " (flows: " + strings.Join(flowNames, ", ") + ")"
		}
		return stepIn(name, steps, "in flow "+quote(flow))
	}
	all := map[string]stepRef{}
	for _, f := range flowNames {
		for n, r := range flows[f] {
			if prev, seen := all[n]; !seen || !prev.request {
				all[n] = r
			}
		}
	}
	return stepIn(step, all, "in any flow")
}

func stepIn(name string, steps map[string]stepRef, where string) string {
	r, exists := steps[name]
	switch {
	case !exists:
		names := slices.Sorted(maps.Keys(steps))
		msg := "no step " + quote(name) + " " + where
		if s := suggest(name, names); s != "" {
			msg += ", did you mean " + quote(s) + "?"
		}
		return msg
	case !r.request:
		return quote(name) + " is a group; thresholds judge request steps"
	}
	return ""
}
