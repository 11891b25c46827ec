package lb

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestPolicies(t *testing.T) {
	want := []string{"round-robin", "weighted", "ip-hash", "least-conn", "least-time", "random", "p2c"}
	if got := Policies(); !slices.Equal(got, want) {
		t.Fatalf("Policies() = %v, want %v", got, want)
	}
	for _, name := range want {
		if NewSelector(name) == nil {
			t.Errorf("NewSelector(%q) = nil", name)
		}
	}
	if NewSelector("roundrobin") != nil {
		t.Error(`NewSelector("roundrobin") != nil: names must be exact`)
	}
}

func TestConfigValidate(t *testing.T) {
	ok := []Backend{{URL: "http://127.0.0.1:9001"}}
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings, one per expected error, in order
	}{
		{"minimal", Config{Backends: ok}, nil},
		{"everything", Config{
			Addr: "127.0.0.1:0", Mode: "l7", Policy: "weighted", ClientIPHeader: "X-Client-IP",
			Backends: []Backend{{ID: "a", URL: "http://127.0.0.1:9001/api", Weight: 3}, {URL: "http://localhost:9002"}},
			Health:   HealthCheck{Interval: time.Second, Timeout: 100 * time.Millisecond, Path: "/healthz", Healthy: 1, Unhealthy: 3},
		}, nil},
		{"l4 bare addresses", Config{Mode: "l4", Backends: []Backend{{URL: "127.0.0.1:9001"}, {URL: "tcp://127.0.0.1:9002"}}}, nil},
		{"unknown policy lists the valid ones", Config{Policy: "fastest", Backends: ok},
			[]string{`policy: "fastest" is not a policy: want one of round-robin, weighted, ip-hash, least-conn, least-time, random, p2c`}},
		{"no backends", Config{}, []string{"backends: none given"}},
		{"bad mode", Config{Mode: "l3", Backends: ok}, []string{`mode: "l3" is not a mode`}},
		{"bad addr", Config{Addr: "8080", Backends: ok}, []string{`addr: "8080": want host:port`}},
		{"bad port", Config{Addr: "127.0.0.1:99999", Backends: ok}, []string{`addr: "127.0.0.1:99999": port`}},
		{"bad header", Config{ClientIPHeader: "X Client", Backends: ok}, []string{"client_ip_header"}},
		{"every bad backend at once", Config{Backends: []Backend{
			{URL: "ftp://127.0.0.1:21"},
			{URL: "http://127.0.0.1"},
			{URL: "http://127.0.0.1:9001", Weight: -1},
			{URL: "http://127.0.0.1:9001", Weight: MaxWeight + 1},
			{URL: ""},
			{URL: "127.0.0.1:9001"},
			{URL: "http://u:p@127.0.0.1:9001"},
			{ID: " a", URL: "http://127.0.0.1:9001"},
		}}, []string{
			`backends[0].url: "ftp://127.0.0.1:21": scheme "ftp" is not supported`,
			"backends[1].url", "backends[2].weight: -1", "backends[3].weight",
			"backends[4].url: empty", "backends[5].url", "backends[6].url", "backends[7].id",
		}},
		{"duplicate IDs, explicit and defaulted", Config{Backends: []Backend{
			{URL: "http://127.0.0.1:9001"}, {URL: "http://127.0.0.1:9001"},
			{ID: "x", URL: "http://127.0.0.1:9002"}, {ID: "x", URL: "http://127.0.0.1:9003"},
		}}, []string{`backends[1].id: "127.0.0.1:9001" is already the ID of backends[0]`, `backends[3].id: "x"`}},
		{"bad health check", Config{Backends: ok, Health: HealthCheck{
			Interval: time.Second, Timeout: 2 * time.Second, Path: "healthz", Healthy: -1, Unhealthy: -2,
		}}, []string{"health.timeout", "health.path", "health.healthy", "health.unhealthy"}},
		{"negative durations", Config{Backends: ok, Health: HealthCheck{Interval: -1, Timeout: -1}},
			[]string{"health.interval", "health.timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.cfg.Validate()
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors, want %d: %v", len(errs), len(tt.want), errs)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tt.want[i]) {
					t.Errorf("error %d = %q, want it to contain %q", i, err, tt.want[i])
				}
			}
		})
	}
}

func TestStartRejectsInvalidConfig(t *testing.T) {
	_, err := Start(context.Background(), Config{Policy: "nope"})
	if err == nil {
		t.Fatal("Start accepted an invalid config")
	}
	for _, want := range []string{"invalid config", "policy", "backends: none given"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestHealthCheckDefaults(t *testing.T) {
	h := HealthCheck{Interval: 200 * time.Millisecond}.withDefaults(ModeL7)
	want := HealthCheck{Interval: 200 * time.Millisecond, Timeout: 200 * time.Millisecond, Path: "/", Healthy: 2, Unhealthy: 2}
	if h != want {
		t.Errorf("L7 defaults = %+v, want %+v", h, want)
	}
	if h := (HealthCheck{Interval: time.Minute}).withDefaults(ModeL4); h.Path != "" || h.Timeout != time.Second {
		t.Errorf("L4 defaults = %+v, want no path (TCP connect) and a 1s timeout", h)
	}
	if p := (Passive{}).withDefaults(); p.Failures != 3 || p.Cooldown != 10*time.Second {
		t.Errorf("passive defaults = %+v", p)
	}
}

// FuzzConfigValidate checks that Validate never panics, and that a config
// it accepts always provisions.
func FuzzConfigValidate(f *testing.F) {
	f.Add("round-robin", "l7", "http://127.0.0.1:9001", "a", 1, "X-Client-IP", "/healthz", "127.0.0.1:0")
	f.Add("weighted", "l4", "127.0.0.1:9001", "", 0, "", "", "")
	f.Add("ip-hash", "", "http://[::1]:80/x", "b", 7, "X-Forwarded-For", "/", ":0")
	f.Add("nope", "l9", "http://:0", " ", -3, "bad header", "x", "nowhere")
	f.Fuzz(func(t *testing.T, policy, mode, url, id string, weight int, header, path, addr string) {
		cfg := Config{
			Addr: addr, Mode: mode, Policy: policy, ClientIPHeader: header,
			Backends: []Backend{{ID: id, URL: url, Weight: weight}},
			Health:   HealthCheck{Path: path},
		}
		if errs := cfg.Validate(); len(errs) > 0 {
			return
		}
		if mode == "" {
			mode = ModeL7
		}
		p, err := newPool(context.Background(), poolConfig{
			mode: mode, policy: policy, backends: cfg.Backends,
			health: cfg.Health.withDefaults(mode), passive: cfg.Passive.withDefaults(),
		})
		if err != nil {
			t.Fatalf("valid config %+v does not provision: %v", cfg, err)
		}
		defer p.close()
		if n := len(*p.avail.Load()); n != 1 {
			t.Fatalf("provisioned pool has %d available backends, want 1", n)
		}
	})
}

// FuzzFirstListValue checks the parse of the client address header: the
// result is the trimmed first element of the list.
func FuzzFirstListValue(f *testing.F) {
	for _, s := range []string{"203.0.113.7", " 10.0.0.1 , 10.0.0.2", ",", "", "\t::1\t,x", "a,b,c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := firstListValue(s)
		if strings.Contains(got, ",") {
			t.Fatalf("firstListValue(%q) = %q holds a comma", s, got)
		}
		if got != strings.Trim(got, " \t") {
			t.Fatalf("firstListValue(%q) = %q is not trimmed", s, got)
		}
		if !strings.Contains(s, got) {
			t.Fatalf("firstListValue(%q) = %q is not part of the input", s, got)
		}
		if head, _, _ := strings.Cut(s, ","); strings.Trim(head, " \t") != got {
			t.Fatalf("firstListValue(%q) = %q, want the first element", s, got)
		}
	})
}

// FuzzJoinURL checks that a forwarded URL always keeps the backend's host,
// starts with the backend's base path, and round-trips through parsing.
func FuzzJoinURL(f *testing.F) {
	f.Add("/api", "/x/y", "a=1", "")
	f.Add("", "/", "", "/static")
	f.Add("/base/", "/p%2Fq", "", "/p")
	f.Fuzz(func(t *testing.T, basePath, reqPath, query, strip string) {
		base, err := parseBackendURL(ModeL7, "http://127.0.0.1:9001"+basePath)
		if err != nil {
			return
		}
		target := reqPath
		if query != "" {
			target += "?" + query
		}
		in, err := url.ParseRequestURI(target) // as net/http's server does
		if err != nil || !strings.HasPrefix(target, "/") {
			return
		}
		if strip != "" && !strings.HasPrefix(strip, "/") {
			return
		}
		u := joinURL(base, in, strip)
		if u.Host != "127.0.0.1:9001" || u.Scheme != "http" {
			t.Fatalf("joinURL lost the backend: %v", u)
		}
		if bp := base.Path; bp != "" && !strings.HasPrefix(u.Path, strings.TrimSuffix(bp, "/")) {
			t.Fatalf("joinURL(%q, %q) = %q lost the base path", bp, in.Path, u.Path)
		}
		if _, err := u.Parse(u.RequestURI()); err != nil {
			t.Fatalf("joinURL gave an unparsable request URI %q: %v", u.RequestURI(), err)
		}
	})
}
