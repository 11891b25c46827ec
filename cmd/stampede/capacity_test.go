package main

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/targets/topology"
)

// stampede capacity finds the capacity of a bundled backend with K slots
// of service time S, K/S (4 / 40 ms = 100 req/s), within 10%, and says so
// on its last line.
func TestCapacityCommand(t *testing.T) {
	spec, err := topology.Builtin("concurrent")
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Apply(topology.Overrides{Workers: 4, Sleep: 40 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	sys, err := topology.Start(context.Background(), spec, topology.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	code, stdout, stderr := runBinary(t, "capacity", "--url", sys.Entry.URL+"/work", "--budget", "p(99)<100ms",
		"--step-duration", "1s", "--start-rate", "60", "--max-errors", "0.5%")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Logf("\n%s\n%s", stderr, stdout)
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	m := regexp.MustCompile(`^capacity: (\d+) req/s$`).FindStringSubmatch(lines[len(lines)-1])
	if m == nil {
		t.Fatalf("last line %q", lines[len(lines)-1])
	}
	got, _ := strconv.ParseFloat(m[1], 64)
	if got < 90 || got > 110 {
		t.Errorf("capacity %v req/s, want 100 ± 10%%", got)
	}
	for _, want := range []string{"rate", "achieved", "p99", "budget", "held", "broke", "knee: between"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the curve lacks %q", want)
		}
	}
}

func TestCapacityUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"capacity", "--url", "http://127.0.0.1:1/"}, "--budget is required"},
		{[]string{"capacity", "--url", "http://127.0.0.1:1/", "--budget", "p(99)<100"}, "p(99) is a duration"},
		{[]string{"capacity", "--url", "http://127.0.0.1:1/", "--budget", "p(99)<1s", "--max-errors", "2"}, "--max-errors \"2\""},
		{[]string{"capacity", "--budget", "p(99)<1s"}, "give a scenario or --url"},
		{[]string{"capacity", "--url", "http://127.0.0.1:1/", "--budget", "p(99)<1s", "--step-duration", "10ms"}, "--step-duration 10ms"},
	} {
		code, _, stderr := runBinary(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, want 2 with %q:\n%s", tc.args, code, tc.want, stderr)
		}
	}
}
