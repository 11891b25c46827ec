package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// chromiumDOM opens a report in headless Chromium (the Debian package
// chromium, or STAMPEDE_CHROMIUM) and returns the DOM after load; it skips
// the test when there is none. reports/browser_test.go checks the page in
// depth (network, console, pixels); here it checks reports made by the
// binary load and draw.
func chromiumDOM(t *testing.T, file string) string {
	t.Helper()
	bin := os.Getenv("STAMPEDE_CHROMIUM")
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("chromium"); err != nil {
			t.Skip("no headless Chromium: apt-get install -y chromium (or set STAMPEDE_CHROMIUM) to open the report")
		}
	}
	abs, _ := filepath.Abs(file)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
		"--disable-background-networking", "--user-data-dir="+t.TempDir(), "--window-size=1280,4000",
		"--dump-dom", "file://"+abs).Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return string(out)
}

func htmlAttr(dom, name string) string {
	tag := regexp.MustCompile(`<html[^>]*>`).FindString(dom)
	m := regexp.MustCompile(` ` + name + `="([^"]*)"`).FindStringSubmatch(tag)
	if m == nil {
		return ""
	}
	return m[1]
}

func checkDrawn(t *testing.T, dom string, charts int) {
	t.Helper()
	if e := htmlAttr(dom, "data-errors"); e != "0" {
		t.Errorf("page errors: %q %s", e, htmlAttr(dom, "data-error-list"))
	}
	if got := htmlAttr(dom, "data-charts"); got != fmt.Sprint(charts) {
		t.Errorf("%s charts drawn, want %d", got, charts)
	}
	if n := strings.Count(dom, "<canvas"); n < charts {
		t.Errorf("%d canvas elements, want %d", n, charts)
	}
}

// quickRun runs the binary against url and returns the results file.
func quickRun(t *testing.T, url, out string, extra ...string) {
	t.Helper()
	args := append([]string{"run", "--url", url, "--rate", "100", "--duration", "1s", "--ui", "none", "--out", out}, extra...)
	if code, stdout, stderr := runBinary(t, args...); code != 0 {
		t.Fatalf("run: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestReportCommand(t *testing.T) {
	srv := startTarget(t)
	dir := t.TempDir()
	file := func(n string) string { return filepath.Join(dir, n) }
	quickRun(t, srv.URL()+"/", file("fast.json"), "--threshold", "p(99)<5s")
	quickRun(t, srv.URL()+"/work?sleep=2ms", file("work.json"))
	quickRun(t, srv.URL()+"/work?sleep=5ms&size=4096", file("big.json"))

	code, stdout, stderr := runBinary(t, "report", file("fast.json"), "-o", file("one.html"), "--hlog", file("one.hlog"), "--csv", file("one.csv"))
	if code != 0 {
		t.Fatalf("report: exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "p(99)<5s") {
		t.Errorf("the run's threshold was not checked again:\n%s", stdout)
	}
	hlog, _ := os.ReadFile(file("one.hlog"))
	if !strings.Contains(string(hlog), "#[Histogram log format version 1.3]") {
		t.Errorf("hlog:\n%s", hlog)
	}
	// A threshold given to report is checked too, with exit code 99.
	if code, stdout, _ := runBinary(t, "report", file("fast.json"), "-o", file("one.html"), "--threshold", "p(50)<1us"); code != exitThreshold || !strings.Contains(stdout, "FAIL") {
		t.Errorf("report --threshold: exit %d\n%s", code, stdout)
	}
	code, stdout, stderr = runBinary(t, "report", file("fast.json"), file("work.json"), file("big.json"), "-o", file("three.html"))
	if code != 0 {
		t.Fatalf("report of three: exit %d\n%s\n%s", code, stdout, stderr)
	}
	html, _ := os.ReadFile(file("three.html"))
	for _, want := range []string{"stampede comparison: fast.json vs work.json vs big.json", "Differences from fast.json"} {
		if !strings.Contains(string(html), want) {
			t.Errorf("three-run report lacks %q", want)
		}
	}
	checkDrawn(t, chromiumDOM(t, file("one.html")), 3)
	checkDrawn(t, chromiumDOM(t, file("three.html")), 12)
}

// hostileTarget answers every request with markup in its status line,
// headers and body.
func hostileTarget(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	const evil = `<script>alert(1)</script>`
	resp := fmt.Sprintf("HTTP/1.1 500 %s\r\nX-Evil: %s\r\nSet-Cookie: a=%s\r\nContent-Length: %d\r\n\r\n%s", evil, evil, evil, len(evil), evil)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				rd := bufio.NewReader(c)
				for {
					for {
						line, err := rd.ReadString('\n')
						if err != nil {
							return
						}
						if line == "\r\n" {
							break
						}
					}
					if _, err := c.Write([]byte(resp)); err != nil {
						return
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// TestReportFromHostileTarget: a target that answers with <script> in
// its status line, headers and body, and a user who puts it in the URL
// and a header, give a report that shows the text escaped and runs only
// its own script.
func TestReportFromHostileTarget(t *testing.T) {
	url := hostileTarget(t) + `/<script>alert(1)</script>?q="><img src=x onerror=alert(2)>`
	dir := t.TempDir()
	report := filepath.Join(dir, "evil.html")
	code, stdout, stderr := runBinary(t, "run", "--url", url, "-H", "X-User: <script>alert(1)</script>", "--rate", "50", "--duration", "1s",
		"--ui", "none", "--out", filepath.Join(dir, "evil.json"), "--report", report)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "500=") {
		t.Fatalf("the hostile target did not answer:\n%s", stdout)
	}
	data, _ := os.ReadFile(report)
	html := string(data)
	for _, bad := range []string{"<script>alert", "<img src=x", "onerror=alert(2)>"} {
		if strings.Contains(html, bad) {
			t.Errorf("report holds %q unescaped", bad)
		}
	}
	if n := strings.Count(html, "<script"); n != 2 {
		t.Errorf("%d script elements, want the report's 2", n)
	}
	if !strings.Contains(html, "X-User: &lt;script&gt;alert(1)&lt;/script&gt;") || !strings.Contains(html, "&#34;&gt;&lt;img src=x") {
		t.Errorf("the header or URL is not shown escaped")
	}
	dom := chromiumDOM(t, report)
	checkDrawn(t, dom, 3)
	if n := strings.Count(dom, "<script"); n != 2 || strings.Contains(dom, "<img") {
		t.Errorf("Chromium's DOM has %d script elements (want 2) or an img", n)
	}
}

// buf is a tiny helper for in-process commands.
func inProcess(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	env := &Env{Stdout: &stdout, Stderr: &stderr, Getenv: func(string) string { return "" }, Exit: func(int) {}}
	code := execute(env, args)
	return code, stdout.String(), stderr.String()
}
