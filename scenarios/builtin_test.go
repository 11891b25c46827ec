package scenarios

import (
	"slices"
	"testing"
	"time"
)

func TestBuiltinDefault(t *testing.T) {
	if !slices.Contains(BuiltinNames(), "default") {
		t.Fatalf("BuiltinNames() = %v, want it to contain default", BuiltinNames())
	}
	name, data, err := Builtin("default")
	if err != nil {
		t.Fatal(err)
	}
	if name != "builtin:default" {
		t.Errorf("file name = %q, want builtin:default", name)
	}
	p, err := LoadFile(name, data, Overrides{})
	if err != nil {
		t.Fatalf("the default scenario does not load:\n%v", err)
	}
	if p.Name != "default" || p.Source != "builtin:default" {
		t.Errorf("Name, Source = %q, %q", p.Name, p.Source)
	}
	urls := []string{p.Requests[0].URL, p.Requests[1].URL}
	if !slices.Equal(urls, []string{"http://127.0.0.1:8080/", "http://127.0.0.1:8080/work?sleep=2ms&size=1024"}) {
		t.Errorf("URLs = %v", urls)
	}
	l := p.Load
	if l.Executor != RampingArrivalRate || l.Rate != 100 || l.VUs != 20 || l.MaxVUs != 200 || l.Duration != 10*time.Second || len(l.Stages) != 3 {
		t.Errorf("load = %+v", l)
	}
	// The demo points the built-in scenario at its own target with --url.
	p, err = LoadFile(name, data, Overrides{URL: ptr("http://127.0.0.1:43210")})
	if err != nil || p.Requests[1].URL != "http://127.0.0.1:43210/work?sleep=2ms&size=1024" {
		t.Errorf("with --url: %v, %v", err, p)
	}
}

// Every built-in scenario must load: they are examples users copy.
func TestBuiltinsLoad(t *testing.T) {
	for _, n := range BuiltinNames() {
		name, data, err := Builtin(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := LoadFile(name, data, Overrides{}); err != nil {
			t.Errorf("%s:\n%v", n, err)
		}
	}
}

func TestBuiltinUnknown(t *testing.T) {
	if _, _, err := Builtin("nope"); err == nil {
		t.Error("Builtin(nope): no error")
	}
	if _, _, err := Builtin("../plan"); err == nil {
		t.Error("Builtin(../plan): no error")
	}
}
