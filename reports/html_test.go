package reports

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAssetsChecksums: the vendored chart library is what SHA256SUMS
// says, so that an edit by hand or a bad update shows.
func TestAssetsChecksums(t *testing.T) {
	f, err := os.Open(filepath.Join("assets", "SHA256SUMS"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("bad line %q", sc.Text())
		}
		data, err := os.ReadFile(filepath.Join("assets", name))
		if err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(data)
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s: sha256 %x, SHA256SUMS says %s", name, got, sum)
		}
		n++
	}
	if n != 3 {
		t.Errorf("%d files checked, want 3", n)
	}
	if !strings.HasPrefix(uplotJS, "/*! https://github.com/leeoniya/uPlot (v1.6.32) */") {
		t.Errorf("embedded uPlot is not 1.6.32")
	}
}

var (
	scriptBlockRE = regexp.MustCompile(`(?s)<script[^>]*>.*?</script>|<style>.*?</style>`)
	externalRE    = regexp.MustCompile(`(?i)(src|href|action|srcset)\s*=|url\(|@import`)
)

// TestHTMLSelfContained: the markup refers to nothing outside the file,
// and the page's policy allows no request and no other script.
func TestHTMLSelfContained(t *testing.T) {
	r := synth{intervals: 30, rate: 500, median: 5 * time.Millisecond, errEvery: 40}.build()
	r.Thresholds = Evaluate(r, mustThresholds(t, "p(99)<1ms", "error_rate<5%"))
	_, html := writeReport(t, []Named{{Name: "one", Results: r}})
	s := string(html)
	markup := scriptBlockRE.ReplaceAllString(s, "")
	if m := externalRE.FindString(markup); m != "" {
		t.Errorf("markup refers outside the file: %q", m)
	}
	if strings.Contains(pageStyle, "url(") || strings.Contains(pageStyle, "@import") {
		t.Error("style sheet loads something")
	}
	for _, want := range []string{
		`<meta http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;; script-src &#39;sha256-`,
		"<title>stampede report: synthetic</title>",
		"FAIL", "p(99)&lt;1ms", "latency (from schedule)", "Status codes", "503", "Phases", "connect", "Events", "scale",
		`data-chart="latency"`, `data-chart="throughput"`, `data-chart="spectrum"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	// The data block parses as JSON and has one series per interval.
	m := regexp.MustCompile(`(?s)<script type="application/json" id="report-data">(.*?)</script>`).FindStringSubmatch(s)
	if m == nil {
		t.Fatal("no data block")
	}
	var data chartData
	if err := json.Unmarshal([]byte(m[1]), &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Runs) != 1 || len(data.Runs[0].T) != 30 || len(data.Runs[0].Lat["p99"]) != 30 || len(data.Runs[0].Spec.Lat) != len(data.SpecX) {
		t.Errorf("data: %d runs, %d intervals", len(data.Runs), len(data.Runs[0].T))
	}
	if data.SpecX[0] != 1 || data.SpecX[len(data.SpecX)-1] != 100000 {
		t.Errorf("spectrum x from %v to %v, want 1 to 1e5 (15000 samples)", data.SpecX[0], data.SpecX[len(data.SpecX)-1])
	}
}

func TestHTMLNeedsResults(t *testing.T) {
	if err := WriteHTML(&strings.Builder{}, nil, HTMLOptions{}); err == nil {
		t.Error("no error for no results")
	}
}
