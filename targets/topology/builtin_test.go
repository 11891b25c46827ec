package topology

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestBuiltinsServe starts every built-in topology and checks its entry
// point answers and serves stats.
func TestBuiltinsServe(t *testing.T) {
	tests := map[string]struct {
		path      string
		want      int
		backendHd bool
	}{
		"single-threaded": {"/", 200, true},
		"concurrent":      {"/work?sleep=1ms&size=10", 200, true},
		"lb":              {"/", 200, true},
		"cached":          {"/work?size=10", 200, true},
		"static":          {"/static/0.bin", 200, true},
		"auth":            {"/me", 401, true},
		"auth-jwt":        {"/me", 401, true},
		"web":             {"/", 200, true},
	}
	if got := strings.Join(BuiltinNames(), ","); got != "auth,auth-jwt,cached,concurrent,lb,single-threaded,static,web" {
		t.Fatalf("builtins %s", got)
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			spec, err := Builtin(name)
			if err != nil {
				t.Fatal(err)
			}
			sys, err := Start(context.Background(), spec, Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				defer cancel()
				if err := sys.Shutdown(ctx); err != nil {
					t.Error(err)
				}
			}()
			client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
			resp, err := client.Get(sys.Entry.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Fatalf("GET %s: %d, want %d", tc.path, resp.StatusCode, tc.want)
			}
			if tc.backendHd && resp.Header.Get("X-Backend") == "" {
				t.Errorf("no X-Backend header")
			}
			resp, err = client.Get(sys.Entry.URL + "/__stampede/stats")
			if err != nil {
				t.Fatal(err)
			}
			var stats map[string]any
			err = json.NewDecoder(resp.Body).Decode(&stats)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 || len(stats) == 0 {
				t.Fatalf("stats: %d %v %v", resp.StatusCode, err, stats)
			}
		})
	}
}

func TestOverrides(t *testing.T) {
	spec, err := Builtin("lb")
	if err != nil {
		t.Fatal(err)
	}
	if err := spec.Apply(Overrides{Backends: 5, Policy: "p2c", Workers: 2}); err != nil {
		t.Fatal(err)
	}
	if spec.Pieces[0].Count != 5 || spec.Pieces[0].Workers != 2 || spec.Pieces[1].Policy != "p2c" {
		t.Fatalf("pieces %+v", spec.Pieces)
	}
	bad := []struct {
		o    Overrides
		want string
	}{
		{Overrides{Policy: "fastest"}, "--policy \"fastest\": expected one of"},
		{Overrides{Backends: 100}, "--backends 100"},
		{Overrides{Workers: -1}, "--workers -1"},
	}
	for _, tc := range bad {
		if err := spec.Apply(tc.o); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Apply(%+v) = %v, want %q", tc.o, err, tc.want)
		}
	}
	single, _ := Builtin("concurrent")
	if err := single.Apply(Overrides{Backends: 3}); err == nil || !strings.Contains(err.Error(), "no load balancer") {
		t.Errorf("--backends on a topology without lb: %v", err)
	}
}

// TestExternalPieces composes a balancer in one System over backends
// started by another, as two processes (or machines) would.
func TestExternalPieces(t *testing.T) {
	backends, err := Builtin("concurrent")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Start(context.Background(), backends, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Shutdown(context.Background())
	b, err := Start(context.Background(), backends, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Shutdown(context.Background())
	file := "name: front\nentry: lb\npieces:\n  - name: app\n    kind: external\n    urls: [" + a.Entry.URL + ", " + b.Entry.URL + "]\n  - {name: lb, kind: lb, to: app}\n"
	spec, err := Parse("front.yaml", []byte(file))
	if err != nil {
		t.Fatal(err)
	}
	front, err := Start(context.Background(), spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer front.Shutdown(context.Background())
	client := &http.Client{Timeout: 5 * time.Second}
	for range 4 {
		resp, err := client.Get(front.Entry.URL + "/")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	}
	if a.Backends("app")[0].Requests() == 0 || b.Backends("app")[0].Requests() == 0 {
		t.Fatal("the balancer did not spread requests over both external backends")
	}
}

// TestWebRoutesAllServe: every route of the web topology reaches a
// healthy piece (static and auth pieces have no /healthz).
func TestWebRoutesAllServe(t *testing.T) {
	spec, err := Builtin("web")
	if err != nil {
		t.Fatal(err)
	}
	sys, err := Start(context.Background(), spec, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer sys.Shutdown(context.Background())
	client := &http.Client{Timeout: 5 * time.Second}
	for path, want := range map[string]int{"/": 200, "/static/0.js": 200, "/me": 401, "/private/x": 401} {
		resp, err := client.Get(sys.Entry.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", path, resp.StatusCode, want)
		}
	}
}
