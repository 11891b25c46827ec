package scenarios

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// The library of example scenarios: each loads from the binary and from
// its file on disk (as a user who copied it would load it), with the
// same plan, and says what it runs against.
func TestLibrary(t *testing.T) {
	wantTopology := map[string]string{
		"default":          "",
		"browse-static":    "static",
		"login-session":    "auth",
		"login-jwt":        "auth-jwt",
		"cached-catalogue": "cached",
		"checkout-data":    "web",
		"flash-crowd":      "web",
	}
	infos, err := Builtins()
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != len(wantTopology) {
		t.Errorf("Builtins() lists %d scenarios, want %d", len(infos), len(wantTopology))
	}
	for _, info := range infos {
		t.Run(info.Name, func(t *testing.T) {
			topo, known := wantTopology[info.Name]
			if !known || info.Topology != topo {
				t.Errorf("topology = %q, want %q (known: %v)", info.Topology, topo, known)
			}
			if info.Description == "" || strings.HasPrefix(info.Description, "#") || len(info.Description) > 120 {
				t.Errorf("description = %q", info.Description)
			}
			name, data, err := Builtin(info.Name)
			if err != nil {
				t.Fatal(err)
			}
			embedded, err := LoadFile(name, data, Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, embedded)
			file := filepath.Join("builtin", info.Name+".yaml")
			disk, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			fromDisk, err := LoadFile(file, disk, Overrides{ReadFile: os.ReadFile, Getenv: environ(nil)})
			if err != nil {
				t.Fatalf("from disk:\n%v", err)
			}
			fromDisk.Source = embedded.Source
			assertPlan(t, fromDisk, embedded)
			if info.Name != "default" && (len(embedded.Flows) == 0 || embedded.Topology == "") {
				t.Errorf("a library scenario has flows and a topology: %d flows, topology %q", len(embedded.Flows), embedded.Topology)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	for in, want := range map[string]string{
		"# One line.\n# More.\nname: x\n": "One line.",
		"\n\n#   Spaced  \nname: x\n":     "Spaced",
		"#\n# After an empty one\n":       "After an empty one",
		"name: x\n# late comment\n":       "",
		"":                                "",
	} {
		if got := Describe([]byte(in)); got != want {
			t.Errorf("Describe(%q) = %q, want %q", in, got, want)
		}
	}
}
