package backend

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// paramError is a bad /work query parameter. Its message names the
// parameter, quotes the value and says what was expected.
type paramError struct {
	Param  string // sleep, size or status
	Value  string // as received, unescaped when that worked
	Reason string
}

func (e *paramError) Error() string {
	v := e.Value
	if len(v) > 64 {
		v = v[:64] + "..."
	}
	return fmt.Sprintf("bad parameter %s=%q: %s", e.Param, v, e.Reason)
}

// parseWork returns def overridden by the sleep, size and status parameters
// of the raw query q. It splits q by hand, so that the common case allocates
// nothing; keys and values are unescaped as url.ParseQuery does, and a
// repeated parameter counts once, its last value. Other parameters are
// ignored, including ones whose key does not unescape.
func parseWork(q string, def WorkSpec) (WorkSpec, error) {
	var sleepRaw, sizeRaw, statusRaw string
	var hasSleep, hasSize, hasStatus bool
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" {
			continue
		}
		key, val, _ := strings.Cut(pair, "=")
		key, err := url.QueryUnescape(key) // no allocation unless escaped
		if err != nil {
			continue // not one of ours
		}
		switch key {
		case "sleep":
			sleepRaw, hasSleep = val, true
		case "size":
			sizeRaw, hasSize = val, true
		case "status":
			statusRaw, hasStatus = val, true
		}
	}

	spec := def
	if hasSleep {
		v, err := unescapeParam("sleep", sleepRaw)
		if err != nil {
			return def, err
		}
		if spec.Sleep, err = parseSleep(v); err != nil {
			return def, err
		}
	}
	if hasSize {
		v, err := unescapeParam("size", sizeRaw)
		if err != nil {
			return def, err
		}
		if spec.Size, err = parseSize(v); err != nil {
			return def, err
		}
	}
	if hasStatus {
		v, err := unescapeParam("status", statusRaw)
		if err != nil {
			return def, err
		}
		if spec.Status, err = parseStatus(v); err != nil {
			return def, err
		}
	}
	return spec, nil
}

func unescapeParam(param, raw string) (string, error) {
	v, err := url.QueryUnescape(raw)
	if err != nil {
		return "", &paramError{Param: param, Value: raw, Reason: "bad %-escape"}
	}
	return v, nil
}

// parseSleep parses a service time: a Go duration (5ms, 1.5s) or a plain
// number of milliseconds (5, 2.5), from 0 to MaxSleep.
func parseSleep(v string) (time.Duration, error) {
	bad := func(reason string) (time.Duration, error) {
		return 0, &paramError{Param: "sleep", Value: v, Reason: reason}
	}
	const want = "want a duration such as 5ms or 1.5s, or a number of milliseconds"
	if v == "" {
		return bad("empty; " + want)
	}
	var d time.Duration
	if isDecimal(v) {
		ms, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return bad(want)
		}
		if ms > float64(MaxSleep/time.Millisecond) {
			return bad(fmt.Sprintf("more than the maximum %v", MaxSleep))
		}
		d = time.Duration(ms * float64(time.Millisecond))
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return bad(want)
		}
	}
	switch {
	case d < 0:
		return bad("negative")
	case d > MaxSleep:
		return bad(fmt.Sprintf("more than the maximum %v", MaxSleep))
	}
	return d, nil
}

// isDecimal reports whether v is digits with at most one decimal point, the
// form of a plain number of milliseconds. It keeps out what ParseFloat would
// also accept: signs, exponents, hex, Inf and NaN.
func isDecimal(v string) bool {
	dot := false
	for i := 0; i < len(v); i++ {
		switch c := v[i]; {
		case c >= '0' && c <= '9':
		case c == '.' && !dot:
			dot = true
		default:
			return false
		}
	}
	return true
}

// parseSize parses a body size in bytes, from 0 to MaxSize.
func parseSize(v string) (int, error) {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil && v == "":
		return 0, &paramError{Param: "size", Value: v, Reason: "empty; want a number of bytes"}
	case err != nil && isDigits(v):
		return 0, &paramError{Param: "size", Value: v, Reason: fmt.Sprintf("more than the maximum %d", MaxSize)}
	case err != nil:
		return 0, &paramError{Param: "size", Value: v, Reason: "want a whole number of bytes"}
	case n < 0:
		return 0, &paramError{Param: "size", Value: v, Reason: "negative"}
	case n > MaxSize:
		return 0, &paramError{Param: "size", Value: v, Reason: fmt.Sprintf("more than the maximum %d", MaxSize)}
	}
	return n, nil
}

// parseStatus parses a response status code, from 200 to 599.
func parseStatus(v string) (int, error) {
	n, err := strconv.Atoi(v)
	switch {
	case err != nil:
		return 0, &paramError{Param: "status", Value: v, Reason: fmt.Sprintf("want a status code from %d to %d", minStatus, maxStatus)}
	case n >= 100 && n < minStatus:
		return 0, &paramError{Param: "status", Value: v, Reason: "1xx codes are informational, not a final response; want 200 to 599"}
	case n < minStatus || n > maxStatus:
		return 0, &paramError{Param: "status", Value: v, Reason: fmt.Sprintf("want a status code from %d to %d", minStatus, maxStatus)}
	}
	return n, nil
}

func isDigits(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return false
		}
	}
	return v != ""
}
