package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"go.yaml.in/yaml/v4"

	"github.com/stampede-lab/stampede/scenarios"
)

// k8sDocs reads the YAML documents of a manifest file.
func k8sDocs(t *testing.T, path string) []map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var docs []map[string]any
	for {
		var d map[string]any
		if err := dec.Decode(&d); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			t.Fatalf("%s: %v", path, err)
		}
		if d != nil {
			docs = append(docs, d)
		}
	}
	return docs
}

// dig walks a decoded document: keys for maps, ints for lists.
func dig(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("no map at %v", path)
			}
			v = m[k]
		case int:
			l, ok := v.([]any)
			if !ok || k >= len(l) {
				t.Fatalf("no list item at %v", path)
			}
			v = l[k]
		}
	}
	return v
}

func kindOf(docs []map[string]any, kind, name string) map[string]any {
	for _, d := range docs {
		if d["kind"] == kind && d["metadata"].(map[string]any)["name"] == name {
			return d
		}
	}
	return nil
}

// containerEnv returns a container's env as a map, and its shell script.
func containerEnv(t *testing.T, job map[string]any) (map[string]string, string) {
	t.Helper()
	c := dig(t, job, "spec", "template", "spec", "containers", 0)
	env := map[string]string{}
	if list, ok := dig(t, c, "env").([]any); ok {
		for _, e := range list {
			m := e.(map[string]any)
			env[m["name"].(string)] = fmt.Sprint(m["value"])
		}
	}
	cmd := dig(t, c, "command").([]any)
	if len(cmd) != 2 || cmd[0] != "/bin/sh" || cmd[1] != "-c" {
		t.Fatalf("command %v, want /bin/sh -c", cmd)
	}
	return env, dig(t, c, "args", 0).(string)
}

// TestK8sManifests checks the Kubernetes manifests of deploy/k8s: the
// Indexed Job's shape, that its scenario loads, and, by running the pods'
// own shell scripts here with the built binary against a bundled target,
// that four segments and the merge job produce a merged run. Schema
// validation: deploy/k8s/validate.sh (kubeconform, or the k8s.io/api types
// offline), run here too unless -short.
func TestK8sManifests(t *testing.T) {
	dir := filepath.Join("..", "..", "deploy", "k8s")
	segDocs := k8sDocs(t, filepath.Join(dir, "stampede-segments.yaml"))
	mergeDocs := k8sDocs(t, filepath.Join(dir, "merge-job.yaml"))

	job := kindOf(segDocs, "Job", "stampede-segments")
	cm := kindOf(segDocs, "ConfigMap", "stampede-scenario")
	merge := kindOf(mergeDocs, "Job", "stampede-merge")
	if job == nil || cm == nil || merge == nil || kindOf(segDocs, "PersistentVolumeClaim", "stampede-results") == nil {
		t.Fatal("manifests lack the segments Job, the scenario ConfigMap, the results claim or the merge Job")
	}
	if mode := dig(t, job, "spec", "completionMode"); mode != "Indexed" {
		t.Errorf("completionMode %v, want Indexed", mode)
	}
	env, script := containerEnv(t, job)
	n := dig(t, job, "spec", "completions")
	if fmt.Sprint(n) != env["SEGMENTS"] || fmt.Sprint(dig(t, job, "spec", "parallelism")) != env["SEGMENTS"] {
		t.Errorf("completions %v, parallelism %v and SEGMENTS %q must agree", n, dig(t, job, "spec", "parallelism"), env["SEGMENTS"])
	}
	if !strings.Contains(script, "JOB_COMPLETION_INDEX") || !strings.Contains(script, "--segment") {
		t.Errorf("the pods do not take their segment from the completion index:\n%s", script)
	}

	// The shipped scenario is valid.
	scenario := dig(t, cm, "data", "scenario.yaml").(string)
	plan, err := scenarios.LoadFile("scenario.yaml", []byte(scenario), scenarios.Overrides{})
	if err != nil {
		t.Fatalf("the ConfigMap's scenario: %v", err)
	}
	for i := 1; i <= 4; i++ {
		if _, err := scenarios.SplitPlan(plan, scenarios.Segment{Index: i, Count: 4}); err != nil {
			t.Errorf("the ConfigMap's scenario does not split in 4: %v", err)
		}
	}

	// Run the pods' scripts here: a short scenario, the bundled target,
	// the built binary as "stampede" on PATH.
	srv := startTarget(t)
	work := t.TempDir()
	small := "name: k8s-local\nbase_url: http://127.0.0.1:1\nrequests:\n  - path: /\nload:\n  rate: 200\n  duration: 1s\n  vus: 4\n  max_vus: 40\n"
	if err := os.WriteFile(filepath.Join(work, "scenario.yaml"), []byte(small), 0o644); err != nil {
		t.Fatal(err)
	}
	pathEnv := "PATH=" + filepath.Dir(binary) + string(os.PathListSeparator) + os.Getenv("PATH")
	podEnv := func(extra map[string]string, index string) []string {
		out := append(os.Environ(), pathEnv)
		for k, v := range extra {
			out = append(out, k+"="+v)
		}
		out = append(out, "SCENARIO="+filepath.Join(work, "scenario.yaml"), "RESULTS_DIR="+work, "TARGET_URL="+srv.URL())
		if index != "" {
			out = append(out, "JOB_COMPLETION_INDEX="+index)
		}
		return out
	}
	var wg sync.WaitGroup
	outs := make([][]byte, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Go(func() {
			cmd := exec.Command("/bin/sh", "-c", script)
			cmd.Env = podEnv(env, fmt.Sprint(i))
			outs[i], errs[i] = cmd.CombinedOutput()
		})
	}
	wg.Wait()
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("pod %d: %v\n%s", i, errs[i], outs[i])
		}
	}
	if !strings.Contains(string(outs[0]), "segment 1/4") {
		t.Errorf("pod 0 did not run segment 1/4:\n%s", outs[0])
	}
	menv, mscript := containerEnv(t, merge)
	cmd := exec.Command("/bin/sh", "-c", mscript)
	cmd.Env = podEnv(menv, "")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("merge job: %v\n%s", err, out)
	}
	res, _ := readResults(t, filepath.Join(work, "all.json"))
	if res.Summary.Requests != 200 || len(res.Parts) != 4 || len(res.Thresholds) != 3 {
		t.Errorf("merged: %d requests (want 200), %d parts, %d thresholds", res.Summary.Requests, len(res.Parts), len(res.Thresholds))
	}
	for _, f := range []string{"report.html", "junit.xml", "summary.json"} {
		if _, err := os.Stat(filepath.Join(work, f)); err != nil {
			t.Error(err)
		}
	}

	if testing.Short() {
		t.Log("-short: schema validation (deploy/k8s/validate.sh) not run")
		return
	}
	out, err := exec.Command("bash", filepath.Join(dir, "validate.sh")).CombinedOutput()
	if err != nil {
		if bytes.Contains(out, []byte("dial tcp")) || bytes.Contains(out, []byte("proxy.golang.org")) {
			t.Skipf("validate.sh could not download what it needs:\n%s", out)
		}
		t.Fatalf("validate.sh: %v\n%s", err, out)
	}
	t.Logf("validate.sh:\n%s", lastLine(string(out)))
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
