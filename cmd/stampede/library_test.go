package main

import (
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/stampede-lab/stampede/scenarios"
)

// TestLibraryScenariosRun runs every scenario of the library, briefly,
// against the bundled topology it declares, with the built binary.
func TestLibraryScenariosRun(t *testing.T) {
	infos, err := scenarios.Builtins()
	if err != nil {
		t.Fatal(err)
	}
	for _, info := range infos {
		if info.Topology == "" {
			continue
		}
		t.Run(info.Name, func(t *testing.T) {
			out, err := exec.Command(binary, "run", info.Name, "--duration", "2s", "--ui", "none").CombinedOutput()
			if err != nil {
				t.Fatalf("%v\n%s", err, out)
			}
			text := string(out)
			if !strings.Contains(text, "started bundled topology") {
				t.Errorf("no topology started:\n%s", text)
			}
			m := regexp.MustCompile(`requests: (\d+)`).FindStringSubmatch(text)
			if m == nil || m[1] == "0" {
				t.Fatalf("no requests:\n%s", text)
			}
			if regexp.MustCompile(`check failed|extraction failed`).MatchString(text) {
				t.Errorf("checks or extractions failed:\n%s", text)
			}
		})
	}
}
