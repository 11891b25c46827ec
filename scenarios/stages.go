package scenarios

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// ParseStages parses the --stages flag, a comma-separated list of
// DURATION:TARGET items such as "10s:100,30s:1000,10s:0": Go durations
// (> 0) and non-negative targets, requests/s or VUs depending on the
// executor. On failure it returns a *Errors naming each bad item by its
// 1-based position. Limits that depend on the executor (whole VU
// targets, sanity caps) are checked later by LoadFile and FromFlags.
func ParseStages(s string) ([]Stage, error) {
	p := &problems{}
	at := flagSrc("--stages")
	if strings.TrimSpace(s) == "" {
		p.add(at, "expected stages like 10s:100,30s:1000,10s:0 (DURATION:TARGET, comma-separated), got nothing")
		return nil, p.err()
	}
	items := strings.Split(s, ",")
	stages := make([]Stage, 0, len(items))
	for i, item := range items {
		if st, msg := parseStage(strings.TrimSpace(item)); msg != "" {
			p.add(at, "item %d %s: %s", i+1, quote(strings.TrimSpace(item)), msg)
		} else {
			stages = append(stages, st)
		}
	}
	if err := p.err(); err != nil {
		return nil, err
	}
	return stages, nil
}

// parseStage parses one DURATION:TARGET item, or says what is wrong.
func parseStage(item string) (Stage, string) {
	if item == "" {
		return Stage{}, "empty item; expected DURATION:TARGET like 30s:1000"
	}
	ds, ts, ok := strings.Cut(item, ":")
	if !ok {
		return Stage{}, "expected DURATION:TARGET like 30s:1000"
	}
	ds, ts = strings.TrimSpace(ds), strings.TrimSpace(ts)
	d, err := time.ParseDuration(ds)
	if err != nil {
		if _, nerr := strconv.ParseFloat(ds, 64); nerr == nil {
			return Stage{}, fmt.Sprintf("duration %s needs a unit, like 10s or 500ms", quote(ds))
		}
		return Stage{}, fmt.Sprintf("expected a duration like 10s or 500ms, got %s", quote(ds))
	}
	if d <= 0 {
		return Stage{}, fmt.Sprintf("duration must be > 0, got %s", fmtDur(d))
	}
	t, err := strconv.ParseFloat(ts, 64)
	switch {
	case err != nil || math.IsNaN(t) || math.IsInf(t, 0):
		return Stage{}, fmt.Sprintf("expected a target number after the colon, got %s", quote(ts))
	case t < 0:
		return Stage{}, fmt.Sprintf("target must be >= 0, got %s", ts)
	}
	return Stage{Duration: d, Target: t}, ""
}
