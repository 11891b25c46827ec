package reports

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stampede-lab/stampede/engine"
	"github.com/stampede-lab/stampede/scenarios"
)

// The HTML report is checked in a real browser: headless Chromium (the
// Debian package "chromium"; set STAMPEDE_CHROMIUM to use another
// binary). Without one these tests skip, saying so.

func chromiumPath(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("STAMPEDE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("no headless Chromium: install the Debian package chromium (apt-get install -y chromium) or set STAMPEDE_CHROMIUM to run the HTML report browser tests")
	return ""
}

// page is what Chromium made of a report.
type page struct {
	dom      string   // the DOM after load, serialized
	console  []string // console messages (any is a failure)
	requests []string // requests that reached the trap proxy
	// browserOwn are Chromium's own background requests (updates,
	// accounts) that its flags do not all turn off; they name Google
	// hosts, which no test report refers to.
	browserOwn []string
	wall       time.Duration // the whole browser run, start-up included
}

var attrRE = regexp.MustCompile(`<html[^>]*>`)

// attr reads an attribute of the dumped <html> element.
func (p page) attr(name string) string {
	tag := attrRE.FindString(p.dom)
	m := regexp.MustCompile(` ` + regexp.QuoteMeta(name) + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return m[1]
}

// trapProxy listens on loopback and records every request that reaches
// it. Chromium is pointed at it for every host, loopback included, so a
// report that fetched anything would show up here.
func trapProxy(t *testing.T) (addr string, got func() []string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var reqs []string
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.SetDeadline(time.Now().Add(2 * time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			mu.Lock()
			reqs = append(reqs, strings.TrimSpace(line))
			mu.Unlock()
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), reqs...)
	}
}

func openInChromium(t *testing.T, file string) page {
	t.Helper()
	bin := chromiumPath(t)
	proxy, requests := trapProxy(t)
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin,
		"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
		"--user-data-dir="+t.TempDir(), "--window-size=1280,4000",
		"--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-client-side-phishing-detection", "--safebrowsing-disable-auto-update", "--disable-field-trial-config", "--disable-default-apps", "--no-default-browser-check",
		"--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
		"--proxy-server=http://"+proxy, "--proxy-bypass-list=<-loopback>",
		"--enable-logging=stderr", "--v=0",
		"--dump-dom", "file://"+abs)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium: %v\n%s", err, lastLines(stderr.String(), 20))
	}
	p := page{dom: stdout.String(), wall: time.Since(start)}
	for _, r := range requests() {
		if browserOwn(r) {
			p.browserOwn = append(p.browserOwn, r)
		} else {
			p.requests = append(p.requests, r)
		}
	}
	for _, line := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(line, ":CONSOLE") {
			p.console = append(p.console, line)
		}
	}
	if !strings.Contains(p.dom, "</html>") {
		t.Fatalf("chromium dumped no DOM:\n%s", lastLines(stderr.String(), 20))
	}
	return p
}

var browserHosts = regexp.MustCompile(`^(CONNECT |[A-Z]+ https?://)[^/ ]*(\.google\.com|\.googleapis\.com|\.gvt1\.com|\.gstatic\.com)(:\d+)?[/ ]`)

func browserOwn(request string) bool { return browserHosts.MatchString(request) }

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

var drawnRE = regexp.MustCompile(`data-chart="([^"]+)"[^>]*data-drawn="([^"]*)"`)

// checkPage asserts the report loaded cleanly and drew charts charts.
func checkPage(t *testing.T, p page, charts int) {
	t.Helper()
	if len(p.browserOwn) > 0 {
		t.Logf("ignored %d background requests of the browser itself: %q", len(p.browserOwn), p.browserOwn)
	}
	if e := p.attr("data-errors"); e != "0" {
		t.Errorf("page errors: data-errors=%q %s", e, p.attr("data-error-list"))
	}
	if len(p.console) > 0 {
		t.Errorf("console messages:\n%s", strings.Join(p.console, "\n"))
	}
	if len(p.requests) > 0 {
		t.Errorf("the report made network requests: %q", p.requests)
	}
	if got := p.attr("data-charts"); got != strconv.Itoa(charts) {
		t.Errorf("data-charts=%q, want %d", got, charts)
	}
	if n := strings.Count(p.dom, "<canvas"); n < charts {
		t.Errorf("%d canvas elements, want at least %d", n, charts)
	}
	found := drawnRE.FindAllStringSubmatch(p.dom, -1)
	if len(found) != charts {
		t.Errorf("%d charts marked drawn, want %d", len(found), charts)
	}
	for _, m := range found {
		if n, err := strconv.Atoi(m[2]); err != nil || n < 100 {
			t.Errorf("chart %s: %s painted pixels sampled, want a drawn chart", m[1], m[2])
		}
	}
}

func writeReport(t *testing.T, runs []Named) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteHTML(&buf, runs, HTMLOptions{Version: "test", Generated: time.Date(2025, 3, 1, 13, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "report.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, buf.Bytes()
}

func TestBrowserSingleRun(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	r := synth{intervals: 60, rate: 400, median: 8 * time.Millisecond, errEvery: 50}.build()
	r.Thresholds = Evaluate(r, mustThresholds(t, "p(99)<50ms", "error_rate<1%"))
	path, _ := writeReport(t, []Named{{Name: "run", Results: r}})
	p := openInChromium(t, path)
	checkPage(t, p, 3)
	for _, want := range []string{"p(99)&lt;50ms", "FAIL", "Latency percentiles over time", "503"} {
		if !strings.Contains(p.dom, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	t.Logf("single run: rendered in %s ms (page clock), chromium ran %v in all", p.attr("data-render-ms"), p.wall.Round(time.Millisecond))
}

func TestBrowserComparison(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	runs := []Named{
		{Name: "scale-up", Results: synth{intervals: 40, rate: 300, median: 8 * time.Millisecond, seed: 1}.build()},
		{Name: "scale-out", Results: synth{intervals: 45, rate: 300, median: 6 * time.Millisecond, seed: 2}.build()},
		{Name: "cache", Results: synth{intervals: 40, rate: 300, median: 2 * time.Millisecond, seed: 3, spike: 3}.build()},
	}
	path, _ := writeReport(t, runs)
	p := openInChromium(t, path)
	// Three comparison charts, and three for each run.
	checkPage(t, p, 3+3*3)
	for _, want := range []string{"Differences from scale-up", "scale-out", "cache", "Δ"} {
		if !strings.Contains(p.dom, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	t.Logf("three-run comparison: rendered in %s ms, chromium ran %v", p.attr("data-render-ms"), p.wall.Round(time.Millisecond))
}

// TestBrowserCatchesInjectedScript is the control of the checks above: a
// report with a script added behind its back must be flagged (the page's
// policy blocks it, and the block is reported).
func TestBrowserCatchesInjectedScript(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	r := synth{intervals: 5, rate: 50, median: time.Millisecond}.build()
	path, html := writeReport(t, []Named{{Name: "run", Results: r}})
	bad := bytes.Replace(html, []byte("</main>"), []byte(`</main><script>document.title="pwned"</script><img src="http://127.0.0.1:9/x.png">`), 1)
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	p := openInChromium(t, path)
	if p.attr("data-errors") == "0" {
		t.Errorf("an injected script and image went unnoticed")
	}
	if strings.Contains(p.dom, "<title>pwned") {
		t.Errorf("the injected script ran")
	}
}

// TestBrowserTrapSeesRequests is the control of the network check: with
// the policy removed, an image in the page does reach the trap proxy.
func TestBrowserTrapSeesRequests(t *testing.T) {
	t.Parallel()
	chromiumPath(t)
	r := synth{intervals: 5, rate: 50, median: time.Millisecond}.build()
	path, html := writeReport(t, []Named{{Name: "run", Results: r}})
	bad := regexp.MustCompile(`<meta http-equiv="Content-Security-Policy"[^>]*>`).ReplaceAll(html, nil)
	bad = bytes.Replace(bad, []byte("</main>"), []byte(`</main><img src="http://stampede-trap.test/x.png">`), 1)
	if err := os.WriteFile(path, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	p := openInChromium(t, path)
	if len(p.requests) == 0 || !strings.Contains(strings.Join(p.requests, " "), "stampede-trap.test") {
		t.Errorf("the trap proxy saw no request from the page: %q", p.requests)
	}
}

// evil is text an attacker controls: it must show as text, never run.
const evil = `<script>alert(1)</script>"'><img src=x onerror=alert(2)>`

// evilResults puts evil in every string a report shows.
func evilResults(t *testing.T) *Results {
	t.Helper()
	r := synth{name: evil, intervals: 10, rate: 100, median: 2 * time.Millisecond, url: "http://127.0.0.1:1/" + evil, errEvery: 7, flows: true}.build()
	r.Steps[0].Flow, r.Steps[0].Step, r.Steps[0].Checks[0].Name = evil, evil, evil
	r.Plan.Flows[0].Name, r.Plan.Flows[0].Steps[0].Name = evil, evil
	r.Plan.Flows[0].Steps[0].Request.URL.Raw = evil
	r.Version = evil
	r.Plan.Source = evil
	r.Plan.Requests[0].Name = evil
	r.Plan.Requests[0].Headers = append(r.Plan.Requests[0].Headers, scenarios.Header{Name: evil, Value: evil})
	r.Plan.Requests[0].Body = evil
	r.Summary.Status[evil] = 3
	r.Summary.ErrorClasses[evil] = 3
	r.Events = append(r.Events, engine.Event{At: time.Second, Kind: evil, Detail: evil})
	r.Thresholds = []Verdict{{Threshold: evil, Step: evil, Text: evil}}
	r.Parts = []Part{{Source: evil, Stopped: evil}}
	return r
}

// checkEscaped asserts the text appears only escaped in a report's HTML
// and that the report has only its own two script elements.
func checkEscaped(t *testing.T, what string, html string) {
	t.Helper()
	for _, bad := range []string{"<script>alert", "<img src=x", "</script><script>", "onerror=alert(2)>"} {
		if strings.Contains(html, bad) {
			i := strings.Index(html, bad)
			t.Errorf("%s: %q appears unescaped: ...%s...", what, bad, html[max(0, i-80):min(len(html), i+80)])
		}
	}
	if n := strings.Count(strings.ToLower(html), "<script"); n != 2 {
		t.Errorf("%s: %d script elements, want the report's 2", what, n)
	}
	if n := strings.Count(strings.ToLower(html), "<img"); n != 0 {
		t.Errorf("%s: %d img elements, want none", what, n)
	}
	if !strings.Contains(html, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("%s: the text is not shown escaped", what)
	}
}

// TestReportEscapesEverything: results whose scenario name, URL, headers,
// status, error class, events, thresholds and file names carry markup
// give a report that shows it as text (statically, and in Chromium).
func TestReportEscapesEverything(t *testing.T) {
	t.Parallel()
	r := evilResults(t)
	for _, runs := range [][]Named{
		{{Name: evil, Results: r}},
		{{Name: evil, Results: r}, {Name: "b" + evil, Results: synth{intervals: 10, rate: 100, median: time.Millisecond}.build()}},
	} {
		path, html := writeReport(t, runs)
		checkEscaped(t, "report source", string(html))
		// The JSON block keeps the text, escaped for a script element.
		if !strings.Contains(string(html), `\u003cscript\u003ealert(1)\u003c/script\u003e`) {
			t.Error("chart data lacks the escaped label")
		}
		if _, err := exec.LookPath("chromium"); err != nil && os.Getenv("STAMPEDE_CHROMIUM") == "" {
			continue
		}
		p := openInChromium(t, path)
		checkEscaped(t, "page in Chromium", p.dom)
		checkPage(t, p, map[int]int{1: 3, 2: 9}[len(runs)])
		if !strings.Contains(p.dom, "<title>stampede") {
			t.Errorf("title changed")
		}
	}
}

// TestReportSizeAndSpeed: a 10-minute run with 1 s intervals gives a
// report under 2 MB that renders in under 2 s.
func TestReportSizeAndSpeed(t *testing.T) {
	t.Parallel()
	r := synth{intervals: 600, rate: 200, median: 5 * time.Millisecond, errEvery: 500, spike: 1.5}.build()
	var results bytes.Buffer
	if err := r.WriteJSON(&results); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	path, html := writeReport(t, []Named{{Name: "10min", Results: r}})
	took := time.Since(start)
	t.Logf("10-minute run (600 intervals, 120k requests): results file %d KB, report %d KB, written in %v",
		results.Len()/1024, len(html)/1024, took.Round(time.Millisecond))
	if len(html) >= 2<<20 {
		t.Errorf("report is %d bytes, want under 2 MB", len(html))
	}
	if _, err := exec.LookPath("chromium"); err != nil && os.Getenv("STAMPEDE_CHROMIUM") == "" {
		t.Skip("no chromium: render time not measured (apt-get install -y chromium)")
	}
	p := openInChromium(t, path)
	checkPage(t, p, 3)
	ms, err := strconv.Atoi(p.attr("data-render-ms"))
	if err != nil {
		t.Fatalf("no render time: %q", p.attr("data-render-ms"))
	}
	t.Logf("rendered in %d ms (page clock, navigation start to last chart drawn); chromium ran %v in all", ms, p.wall.Round(time.Millisecond))
	if ms >= 2000 {
		t.Errorf("rendered in %d ms, want under 2000", ms)
	}
}
