package main

import (
	"bufio"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stampede-lab/stampede/targets/topology"
)

// TestServeEveryTopology starts each built-in topology with the built
// binary, then checks it with curl (a real peer client) and with a short
// `stampede run`.
func TestServeEveryTopology(t *testing.T) {
	paths := map[string]string{
		"single-threaded": "/", "concurrent": "/work?sleep=1ms", "lb": "/", "cached": "/work?size=100",
		"static": "/static/0.bin", "auth": "/me", "auth-jwt": "/me", "web": "/",
	}
	curl, _ := exec.LookPath("curl")
	for _, name := range topology.BuiltinNames() {
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(binary, "serve", name, "--port", "0")
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			defer func() {
				cmd.Process.Signal(syscall.SIGTERM)
				if err := cmd.Wait(); err != nil {
					t.Errorf("serve %s exit: %v", name, err)
				}
			}()
			sc := bufio.NewScanner(stdout)
			var entry string
			for sc.Scan() {
				if m := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(sc.Text()); m != nil {
					entry = m[1]
					break
				}
			}
			go func() {
				for sc.Scan() {
				}
			}()
			if entry == "" {
				t.Fatal("no ready line")
			}
			url := entry + paths[name]
			if curl != "" {
				out, err := exec.Command(curl, "-sS", "-o", "/dev/null", "-w", "%{http_code} %header{x-backend}", "--max-time", "5", url).Output()
				if err != nil {
					t.Fatalf("curl: %v", err)
				}
				if !regexp.MustCompile(`^(200|401) \S+`).Match(out) {
					t.Fatalf("curl %s: %q, want a status and an X-Backend", url, out)
				}
			} else {
				t.Log("curl not installed: skipping the curl check")
			}
			resultsFile := filepath.Join(t.TempDir(), "r.json")
			out, err := exec.Command(binary, "run", "--url", url, "--vus", "2", "--duration", "1s", "--ui", "none", "--out", resultsFile).Output()
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out)
			}
			m := regexp.MustCompile(`requests: (\d+)`).FindStringSubmatch(string(out))
			if m == nil || m[1] == "0" {
				t.Fatalf("run against %s:\n%s", name, out)
			}
			if !strings.HasPrefix(name, "auth") && !strings.Contains(string(out), "errors: 0 ") {
				t.Fatalf("errors against %s:\n%s", name, out)
			}
			// Against a bundled balancer the results say how it spread the load.
			res, _ := readResults(t, resultsFile)
			if name == "lb" {
				var sum uint64
				for _, b := range res.Backends {
					sum += b.Requests
				}
				if len(res.Backends) != 3 || sum < res.Summary.Requests {
					t.Errorf("lb backends %+v for %d requests", res.Backends, res.Summary.Requests)
				}
			}
		})
	}
}
