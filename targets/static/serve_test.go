package static

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// dirModTime is the modification time of every file of testDir.
var dirModTime = time.Date(2025, time.March, 4, 5, 6, 7, 0, time.UTC)

// testFiles are the files of testDir, by slash path.
var testFiles = map[string]string{
	"index.html":         "<h1>home</h1>\n",
	"sub/index.html":     "<h1>sub</h1>\n",
	"static/app.js":      "console.log('stampede');\n",
	"img/a.png":          "\x89PNG\r\n\x1a\nnot really a png",
	"data.json":          `{"a": 1}`,
	"private/secret.txt": "for logged-in users only\n",
	"UPPER.TXT":          "upper",
}

// testGenerate are the generated files of the tests.
var testGenerate = map[string]int{
	"/gen/a.jpg":      50_000,
	"/app.js":         120_000,
	"/static/gen.css": 1000,
	"/empty.txt":      0,
	"/private/g.bin":  10,
}

// testDir writes testFiles into a new directory.
func testDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range testFiles {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, dirModTime, dirModTime); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// genContent returns the bytes of a generated file.
func genContent(urlPath string) []byte {
	return naiveContent(newGenerated(urlPath, testGenerate[urlPath]))
}

var strongETag = regexp.MustCompile(`^"[A-Za-z0-9_-]{22}"$`)

func TestServeFiles(t *testing.T) {
	s := startStatic(t, Config{Dir: testDir(t), Generate: testGenerate, ID: "static-1"})
	c := newClient(t)
	tests := []struct {
		path    string
		status  int
		ctype   string
		body    []byte
		modTime time.Time
	}{
		{"/", 200, "text/html; charset=utf-8", []byte(testFiles["index.html"]), dirModTime},
		{"/index.html", 200, "text/html; charset=utf-8", []byte(testFiles["index.html"]), dirModTime},
		{"/sub/", 200, "text/html; charset=utf-8", []byte(testFiles["sub/index.html"]), dirModTime},
		{"/static/app.js", 200, "text/javascript; charset=utf-8", []byte(testFiles["static/app.js"]), dirModTime},
		{"/img/a.png", 200, "image/png", []byte(testFiles["img/a.png"]), dirModTime},
		{"/data.json", 200, "application/json", []byte(testFiles["data.json"]), dirModTime},
		{"/UPPER.TXT", 200, "text/plain; charset=utf-8", []byte("upper"), dirModTime},
		{"/gen/a.jpg", 200, "image/jpeg", genContent("/gen/a.jpg"), generatedModTime},
		{"/app.js", 200, "text/javascript; charset=utf-8", genContent("/app.js"), generatedModTime},
		{"/static/gen.css", 200, "text/css; charset=utf-8", genContent("/static/gen.css"), generatedModTime},
		{"/empty.txt", 200, "text/plain; charset=utf-8", []byte{}, generatedModTime},
		{"/missing.html", 404, "", nil, time.Time{}},
		{"/sub", 404, "", nil, time.Time{}},     // a directory without its slash
		{"/static/", 404, "", nil, time.Time{}}, // a directory without index.html
		{"/upper.txt", 404, "", nil, time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp, body := fetch(t, c, "GET", s.URL()+tt.path)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			if got := resp.Header.Get("X-Backend"); got != "static-1" {
				t.Errorf("X-Backend %q", got)
			}
			if tt.status != 200 {
				return
			}
			if !bytes.Equal(body, tt.body) {
				t.Errorf("body: %d bytes, want %d bytes %q", len(body), len(tt.body), tt.body[:min(len(tt.body), 20)])
			}
			if got := resp.Header.Get("Content-Type"); got != tt.ctype {
				t.Errorf("Content-Type %q, want %q", got, tt.ctype)
			}
			if got := resp.Header.Get("Content-Length"); got != strconv.Itoa(len(tt.body)) {
				t.Errorf("Content-Length %q, want %d", got, len(tt.body))
			}
			wantTag, _ := etagOf(bytes.NewReader(tt.body))
			if got := resp.Header.Get("Etag"); got != wantTag || !strongETag.MatchString(got) {
				t.Errorf("ETag %q, want %q", got, wantTag)
			}
			if got := resp.Header.Get("Last-Modified"); got != tt.modTime.Format(http.TimeFormat) {
				t.Errorf("Last-Modified %q, want %q", got, tt.modTime.Format(http.TimeFormat))
			}
			if got := resp.Header.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q", got)
			}
		})
	}
}

func TestGeneratedSizes(t *testing.T) {
	gen := Series("/files/", ".bin", 5, 12_345)
	gen["/big.bin"] = 1 << 20
	s := startStatic(t, Config{Generate: gen})
	c := newClient(t)
	tags := map[string]string{}
	for p, size := range gen {
		resp, body := fetch(t, c, "GET", s.URL()+p)
		if resp.StatusCode != 200 || len(body) != size || resp.ContentLength != int64(size) {
			t.Errorf("%s: status %d, %d bytes, Content-Length %d; want 200, %d", p, resp.StatusCode, len(body), resp.ContentLength, size)
		}
		tags[resp.Header.Get("Etag")] = p
	}
	if len(tags) != len(gen) {
		t.Errorf("%d distinct ETags for %d files", len(tags), len(gen))
	}
	// A second instance serves the same bytes under the same tags.
	s2 := startStatic(t, Config{Generate: gen})
	for tag, p := range tags {
		resp, _ := fetch(t, c, "GET", s2.URL()+p, "If-None-Match", tag)
		if resp.StatusCode != http.StatusNotModified {
			t.Errorf("%s on a second instance with the first one's ETag: %d, want 304", p, resp.StatusCode)
		}
	}
}

func TestHead(t *testing.T) {
	s := startStatic(t, Config{Dir: testDir(t), Generate: testGenerate})
	c := newClient(t)
	for _, p := range []string{"/static/app.js", "/gen/a.jpg"} {
		get, getBody := fetch(t, c, "GET", s.URL()+p)
		head, headBody := fetch(t, c, "HEAD", s.URL()+p)
		if head.StatusCode != 200 || len(headBody) != 0 {
			t.Errorf("%s: HEAD status %d, %d body bytes", p, head.StatusCode, len(headBody))
		}
		for _, h := range []string{"Content-Type", "Content-Length", "Etag", "Last-Modified", "Cache-Control", "X-Backend"} {
			if head.Header.Get(h) != get.Header.Get(h) || get.Header.Get(h) == "" {
				t.Errorf("%s: %s: HEAD %q, GET %q", p, h, head.Header.Get(h), get.Header.Get(h))
			}
		}
		if head.Header.Get("Content-Length") != strconv.Itoa(len(getBody)) {
			t.Errorf("%s: HEAD Content-Length %s, body is %d", p, head.Header.Get("Content-Length"), len(getBody))
		}
	}
}

func TestConditional(t *testing.T) {
	s := startStatic(t, Config{Dir: testDir(t), Generate: testGenerate})
	c := newClient(t)
	for _, p := range []string{"/static/app.js", "/gen/a.jpg"} {
		first, _ := fetch(t, c, "GET", s.URL()+p)
		etag, lastMod := first.Header.Get("Etag"), first.Header.Get("Last-Modified")
		mod, _ := http.ParseTime(lastMod)
		before := mod.Add(-time.Hour).Format(http.TimeFormat)
		after := mod.Add(time.Hour).Format(http.TimeFormat)
		tests := []struct {
			name    string
			headers []string
			status  int
		}{
			{"if-none-match same", []string{"If-None-Match", etag}, 304},
			{"if-none-match in list", []string{"If-None-Match", `"x", ` + etag}, 304},
			{"if-none-match weak", []string{"If-None-Match", "W/" + etag}, 304},
			{"if-none-match star", []string{"If-None-Match", "*"}, 304},
			{"if-none-match other", []string{"If-None-Match", `"other"`}, 200},
			{"if-modified-since same", []string{"If-Modified-Since", lastMod}, 304},
			{"if-modified-since later", []string{"If-Modified-Since", after}, 304},
			{"if-modified-since earlier", []string{"If-Modified-Since", before}, 200},
			// If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2).
			{"inm other beats ims", []string{"If-None-Match", `"other"`, "If-Modified-Since", lastMod}, 200},
			{"if-match other", []string{"If-Match", `"other"`}, 412},
			{"if-match same", []string{"If-Match", etag}, 200},
			{"if-unmodified-since earlier", []string{"If-Unmodified-Since", before}, 412},
		}
		for _, tt := range tests {
			t.Run(p+"/"+tt.name, func(t *testing.T) {
				resp, body := fetch(t, c, "GET", s.URL()+p, tt.headers...)
				if resp.StatusCode != tt.status {
					t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
				}
				if tt.status == 304 {
					if len(body) != 0 {
						t.Errorf("304 with %d body bytes", len(body))
					}
					if resp.Header.Get("Etag") != etag || resp.Header.Get("Cache-Control") == "" || resp.Header.Get("X-Backend") == "" {
						t.Errorf("304 headers: %v", resp.Header)
					}
				}
			})
		}
	}
}

func TestRange(t *testing.T) {
	s := startStatic(t, Config{Generate: testGenerate})
	c := newClient(t)
	url := s.URL() + "/gen/a.jpg"
	content := genContent("/gen/a.jpg")
	size := len(content)
	etag := fetchETag(t, c, url)
	tests := []struct {
		name    string
		headers []string
		status  int
		from    int // the body is content[from:to] for 206
		to      int
	}{
		{"first 100", []string{"Range", "bytes=0-99"}, 206, 0, 100},
		{"middle across nothing", []string{"Range", "bytes=1000-1999"}, 206, 1000, 2000},
		{"suffix", []string{"Range", "bytes=-100"}, 206, size - 100, size},
		{"open end", []string{"Range", "bytes=49990-"}, 206, 49990, size},
		{"past the end clipped", []string{"Range", "bytes=49990-60000"}, 206, 49990, size},
		{"if-range same etag", []string{"Range", "bytes=0-9", "If-Range", etag}, 206, 0, 10},
		{"if-range old etag", []string{"Range", "bytes=0-9", "If-Range", `"old"`}, 200, 0, size},
		{"unsatisfiable", []string{"Range", "bytes=50000-"}, 416, 0, 0},
		{"unsatisfiable far", []string{"Range", "bytes=90000-90010"}, 416, 0, 0},
		{"not a range", []string{"Range", "bytes=abc"}, 416, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fetch(t, c, "GET", url, tt.headers...)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d", resp.StatusCode, tt.status)
			}
			switch tt.status {
			case 206:
				want := "bytes " + strconv.Itoa(tt.from) + "-" + strconv.Itoa(tt.to-1) + "/" + strconv.Itoa(size)
				if got := resp.Header.Get("Content-Range"); got != want {
					t.Errorf("Content-Range %q, want %q", got, want)
				}
				fallthrough
			case 200:
				if !bytes.Equal(body, content[tt.from:tt.to]) {
					t.Errorf("body: %d bytes, want content[%d:%d]", len(body), tt.from, tt.to)
				}
			case 416:
				if got := resp.Header.Get("Content-Range"); got != "bytes */"+strconv.Itoa(size) && tt.name != "not a range" {
					t.Errorf("Content-Range %q, want bytes */%d", got, size)
				}
			}
		})
	}
}

func TestMultiRange(t *testing.T) {
	s := startStatic(t, Config{Generate: testGenerate})
	c := newClient(t)
	content := genContent("/app.js")
	// The second range crosses the end of the 64 KiB block.
	resp, body := fetch(t, c, "GET", s.URL()+"/app.js", "Range", "bytes=0-9,65530-65599")
	if resp.StatusCode != 206 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" {
		t.Fatalf("Content-Type %q: %v", resp.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	want := [][2]int{{0, 10}, {65530, 65600}}
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			if i != len(want) {
				t.Errorf("%d parts, want %d", i, len(want))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(part)
		if i >= len(want) || !bytes.Equal(got, content[want[i][0]:want[i][1]]) {
			t.Errorf("part %d: wrong bytes", i)
		}
		if ct := part.Header.Get("Content-Type"); ct != "text/javascript; charset=utf-8" {
			t.Errorf("part %d: Content-Type %q", i, ct)
		}
	}
}

func fetchETag(t testing.TB, c *http.Client, url string) string {
	t.Helper()
	resp, _ := fetch(t, c, "HEAD", url)
	return resp.Header.Get("Etag")
}

func TestCacheControl(t *testing.T) {
	s := startStatic(t, Config{Dir: testDir(t), Generate: testGenerate, CacheControl: []Rule{
		{"/static/", "public, max-age=3600"},
		{"/static/gen", "public, max-age=60, immutable"},
		{"/img/", "public, max-age=86400"},
	}})
	c := newClient(t)
	for path, want := range map[string]string{
		"/static/app.js":  "public, max-age=3600",
		"/static/gen.css": "public, max-age=60, immutable", // the longest prefix wins
		"/img/a.png":      "public, max-age=86400",
		"/data.json":      DefaultCacheControl,
		"/gen/a.jpg":      DefaultCacheControl,
	} {
		resp, _ := fetch(t, c, "GET", s.URL()+path)
		if got := resp.Header.Get("Cache-Control"); got != want {
			t.Errorf("%s: Cache-Control %q, want %q", path, got, want)
		}
		resp, _ = fetch(t, c, "GET", s.URL()+path, "If-None-Match", resp.Header.Get("Etag"))
		if got := resp.Header.Get("Cache-Control"); resp.StatusCode != 304 || got != want {
			t.Errorf("%s revalidated: %d, Cache-Control %q, want 304 %q", path, resp.StatusCode, got, want)
		}
	}
}

func TestDirFileChanges(t *testing.T) {
	dir := testDir(t)
	s := startStatic(t, Config{Dir: dir})
	c := newClient(t)
	url := s.URL() + "/data.json"
	old := fetchETag(t, c, url)
	p := filepath.Join(dir, "data.json")
	if err := os.WriteFile(p, []byte(`{"a": 2, "b": 3}`), 0o644); err != nil {
		t.Fatal(err)
	}
	resp, body := fetch(t, c, "GET", url, "If-None-Match", old)
	if resp.StatusCode != 200 || string(body) != `{"a": 2, "b": 3}` || resp.Header.Get("Etag") == old {
		t.Errorf("after a change: %d %q ETag %s (old %s)", resp.StatusCode, body, resp.Header.Get("Etag"), old)
	}
	// A file added after Start is served too.
	if err := os.WriteFile(filepath.Join(dir, "new.txt"), []byte("new"), 0o644); err != nil {
		t.Fatal(err)
	}
	if resp, body := fetch(t, c, "GET", s.URL()+"/new.txt"); resp.StatusCode != 200 || string(body) != "new" {
		t.Errorf("new file: %d %q", resp.StatusCode, body)
	}
}

func TestMethodsAndBackend(t *testing.T) {
	s := startStatic(t, Config{Generate: testGenerate})
	c := newClient(t)
	for _, m := range []string{"POST", "PUT", "DELETE", "OPTIONS"} {
		for _, p := range []string{"/app.js", StatsPath} {
			resp, _ := fetch(t, c, m, s.URL()+p)
			if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
				t.Errorf("%s %s: %d Allow %q, want 405 GET, HEAD", m, p, resp.StatusCode, resp.Header.Get("Allow"))
			}
		}
	}
	// Without an ID, the backend is named by its address, on every answer.
	for _, p := range []string{"/app.js", "/nope", "/a/../b", StatsPath} {
		resp, _ := fetch(t, c, "GET", s.URL()+p)
		if got := resp.Header.Get("X-Backend"); got != s.Addr() {
			t.Errorf("GET %s (%d): X-Backend %q, want %q", p, resp.StatusCode, got, s.Addr())
		}
	}
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") {
		t.Errorf("URL %s", s.URL())
	}
}
