package reports

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
)

// WriteSummary prints the end-of-run summary, aligned like wrk's and k6's.
// Its "requests: N" and "errors: N" lines are parsed by scripts (the peer
// benchmark among them): keep those words.
func WriteSummary(w io.Writer, r *Results) error {
	s := r.Summary
	p := r.Plan
	var b strings.Builder
	fmt.Fprintf(&b, "\nstampede %s: %q, %s model (%s), %s\n", r.Version, p.Name, s.Model, p.Load.Executor, target(r))
	if r.Stopped != "completed" {
		fmt.Fprintf(&b, "  stopped early (%s)\n", r.Stopped)
	}
	fmt.Fprintf(&b, "  duration: %.2fs   requests: %d   rate: %.1f/s   errors: %d (%.2f%%)   dropped: %d   interrupted: %d\n",
		s.DurationS, s.Requests, s.RPS, s.Errors, 100*s.ErrorRate, s.Dropped, s.Interrupted)
	fmt.Fprintf(&b, "  VUs: %d max   connections opened: %d   data: %s in, %s out\n\n",
		s.MaxVUs, s.Connections, bytesHuman(s.BytesIn), bytesHuman(s.BytesOut))

	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  \tp50\tp90\tp95\tp99\tp99.9\tp99.99\tmax\tmean\tcount\t")
	row := func(name string, q Percentiles) {
		if q.Count == 0 {
			return
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t\n", name,
			ms(q.P50), ms(q.P90), ms(q.P95), ms(q.P99), ms(q.P999), ms(q.P9999), ms(q.Max), ms(q.Mean), q.Count)
	}
	latencyName := "latency"
	if s.Model == "open" {
		latencyName = "latency (from schedule)"
	}
	row(latencyName, s.LatencyMS)
	row("service (from send)", s.ServiceMS)
	row("time to first byte", s.TTFBMS)
	row("scheduler lag", s.LagMS)
	for _, ph := range []string{"dns", "connect", "tls"} {
		if q := s.PhasesMS[ph]; q.Max > 0 {
			row(ph+" (per connection)", q)
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	if len(s.Status) > 0 {
		b.WriteString("\n  status:")
		for _, k := range sortedKeys(s.Status) {
			fmt.Fprintf(&b, "  %s=%d", k, s.Status[k])
		}
		b.WriteString("\n")
	}
	if len(r.Steps) > 0 {
		if err := writeSteps(&b, r.Steps); err != nil {
			return err
		}
	}
	if len(s.ErrorClasses) > 0 {
		b.WriteString("  errors by class:")
		for _, k := range sortedKeys(s.ErrorClasses) {
			fmt.Fprintf(&b, "  %s=%d", k, s.ErrorClasses[k])
		}
		b.WriteString("\n")
	}
	if s.Model == "open" && s.LagMS.P99 > 10 {
		fmt.Fprintf(&b, "  note: the generator itself fell behind (scheduler lag p99 %s): latencies include it\n", ms(s.LagMS.P99))
	}
	if s.Dropped > 0 {
		fmt.Fprintf(&b, "  note: %d arrivals were dropped: no VU was free within max_backlog (raise max_vus)\n", s.Dropped)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func target(r *Results) string {
	if len(r.Plan.Requests) == 0 {
		if n := len(r.Plan.Flows); n > 0 {
			return fmt.Sprintf("%s (%d flows)", r.Plan.BaseURL, n)
		}
		return r.Plan.BaseURL
	}
	u := r.Plan.Requests[0].URL
	if n := len(r.Plan.Requests); n > 1 {
		u += fmt.Sprintf(" (+%d more)", n-1)
	}
	return u
}

// ms formats milliseconds with three significant-ish digits and a unit.
func ms(v float64) string {
	switch {
	case v >= 1000:
		return strconv.FormatFloat(v/1000, 'f', 2, 64) + "s"
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
	case v >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64) + "ms"
	default:
		return strconv.FormatFloat(v*1000, 'f', 0, 64) + "µs"
	}
}

func bytesHuman(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

func sortedKeys(m map[string]uint64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// writeSteps prints the per-step table of a run with flows, then the
// checks that failed at least once.
func writeSteps(b *strings.Builder, steps []StepStats) error {
	b.WriteString("\n")
	tw := tabwriter.NewWriter(b, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "  step\trequests\terrors\tp50\tp99\tmax\tchecks ok\tbrowser cache hit/304/miss\t")
	for _, st := range steps {
		var pass, total uint64
		for _, c := range st.Checks {
			pass += c.Passes
			total += c.Passes + c.Fails
		}
		checks := "-"
		if total > 0 {
			checks = fmt.Sprintf("%d/%d", pass, total)
		}
		cache := "-"
		if st.CacheHits+st.CacheRevalidations+st.CacheMisses > 0 {
			cache = fmt.Sprintf("%d/%d/%d", st.CacheHits, st.CacheRevalidations, st.CacheMisses)
		}
		fmt.Fprintf(tw, "  %s/%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t\n", st.Flow, st.Step, st.Requests, st.Errors,
			ms(st.LatencyMS.P50), ms(st.LatencyMS.P99), ms(st.LatencyMS.Max), checks, cache)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, st := range steps {
		for _, c := range st.Checks {
			if c.Fails > 0 {
				fmt.Fprintf(b, "  check failed: %s/%s %q: %d of %d\n", st.Flow, st.Step, c.Name, c.Fails, c.Passes+c.Fails)
			}
		}
		if st.ExtractFailures > 0 {
			fmt.Fprintf(b, "  extraction failed: %s/%s: %d times\n", st.Flow, st.Step, st.ExtractFailures)
		}
	}
	return nil
}
