package backend

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// wantBody is the body /work sends for size n, built independently of
// filler.
func wantBody(n int) string {
	return strings.Repeat(fillLine, n/len(fillLine)+1)[:n]
}

func TestFiller(t *testing.T) {
	if len(fillLine) != 64 || fillChunk%len(fillLine) != 0 {
		t.Fatalf("fillLine is %d bytes, want 64 dividing fillChunk %d", len(fillLine), fillChunk)
	}
	if got, want := string(filler), wantBody(fillChunk); got != want {
		t.Fatalf("filler is not fillLine repeated")
	}
}

func TestContentLength(t *testing.T) {
	// Twice over many sizes, so that slots are hit, missed and replaced.
	for range 2 {
		for _, n := range []int{0, 1, 9, 10, 99, 100, 1024, 4096, 65536, 1 << 20, MaxSize, 1000, 64, 128} {
			v := contentLength(n)
			if len(v) != 1 || v[0] != strconv.Itoa(n) {
				t.Errorf("contentLength(%d) = %q", n, v)
			}
		}
	}
}

func TestWorkSpecValidate(t *testing.T) {
	tests := []struct {
		spec WorkSpec
		bad  []string // words the error must contain; none when valid
	}{
		{WorkSpec{}, nil},
		{WorkSpec{Sleep: MaxSleep, Size: MaxSize, Status: 599}, nil},
		{WorkSpec{Status: 200}, nil},
		{WorkSpec{Sleep: -1}, []string{"sleep"}},
		{WorkSpec{Sleep: MaxSleep + 1}, []string{"sleep"}},
		{WorkSpec{Size: -1}, []string{"size"}},
		{WorkSpec{Size: MaxSize + 1}, []string{"size"}},
		{WorkSpec{Status: 100}, []string{"status"}},
		{WorkSpec{Status: 600}, []string{"status"}},
		{WorkSpec{Sleep: -1, Size: -1, Status: 1}, []string{"sleep", "size", "status"}}, // all at once
	}
	for _, tt := range tests {
		err := tt.spec.Validate()
		if (err != nil) != (tt.bad != nil) {
			t.Errorf("%+v.Validate() = %v; want error: %v", tt.spec, err, tt.bad != nil)
			continue
		}
		for _, w := range tt.bad {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v.Validate() = %q; want it to mention %s", tt.spec, err, w)
			}
		}
	}
}

func TestNewWorkHandlerPanicsOnInvalidDefault(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("NewWorkHandler(WorkSpec{Size: -1}) did not panic")
		}
	}()
	NewWorkHandler(WorkSpec{Size: -1})
}

// TestWorkHandlerRecorder checks the handler on its own, as other topologies
// will mount it.
func TestWorkHandlerRecorder(t *testing.T) {
	h := NewWorkHandler(WorkSpec{Size: 5})
	tests := []struct {
		method, target string
		body           string
		wantStatus     int
		wantBody       string
		wantCL         string // "" means absent
	}{
		{"GET", "/work", "", 200, wantBody(5), "5"},
		{"GET", "/work?size=100000", "", 200, wantBody(100000), "100000"},
		{"POST", "/work?size=3", "payload", 200, wantBody(3), "3"},
		{"HEAD", "/work?size=3", "", 200, "", "3"},
		{"GET", "/work?status=204", "", 204, "", ""},
		{"GET", "/work?status=304", "", 304, "", ""},
		{"GET", "/work?status=418&size=0", "", 418, "", "0"},
	}
	for _, tt := range tests {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, strings.NewReader(tt.body)))
		res := rec.Result()
		if res.StatusCode != tt.wantStatus || rec.Body.String() != tt.wantBody || res.Header.Get("Content-Length") != tt.wantCL {
			t.Errorf("%s %s: %d, %d bytes, Content-Length %q; want %d, %d bytes, %q",
				tt.method, tt.target, res.StatusCode, rec.Body.Len(), res.Header.Get("Content-Length"),
				tt.wantStatus, len(tt.wantBody), tt.wantCL)
		}
	}
}

// discardWriter is the least a ResponseWriter can be: it keeps one header
// map and counts bytes, so a benchmark sees only the handler's allocations.
type discardWriter struct {
	h      http.Header
	status int
	n      int
}

func newDiscardWriter() *discardWriter { return &discardWriter{h: make(http.Header)} }

func (d *discardWriter) Header() http.Header         { return d.h }
func (d *discardWriter) WriteHeader(status int)      { d.status = status }
func (d *discardWriter) Write(p []byte) (int, error) { d.n += len(p); return len(p), nil }

func (d *discardWriter) reset() {
	clear(d.h)
	d.status, d.n = 0, 0
}

// rewindBody is a request body that can be read again after Reset.
type rewindBody struct{ *bytes.Reader }

func (rewindBody) Close() error { return nil }

func TestWorkHandlerAllocatesNothing(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop timers")
	}
	h := NewWorkHandler(WorkSpec{Size: 128})
	for _, target := range []string{"/work", "/work?size=1024&status=503", "/work?sleep=1us&size=100000"} {
		w, r := newDiscardWriter(), httptest.NewRequest("GET", target, nil)
		allocs := testing.AllocsPerRun(100, func() {
			w.reset()
			h.ServeHTTP(w, r)
		})
		if allocs != 0 {
			t.Errorf("GET %s: %v allocations per request; want 0", target, allocs)
		}
	}
}

// BenchmarkWorkHandler measures the /work handler alone, with a minimal
// ResponseWriter and a reused request, so the numbers are the handler's own
// (net/http's per-request costs are not included).
func BenchmarkWorkHandler(b *testing.B) {
	payload := bytes.Repeat([]byte("x"), 1024)
	for _, bm := range []struct {
		name, method, target string
		body                 []byte
	}{
		{"default", "GET", "/work", nil},
		{"query", "GET", "/work?sleep=0&size=1024&status=503", nil},
		{"size=64KiB", "GET", "/work?size=65536", nil},
		{"size=1MiB", "GET", "/work?size=1048576", nil},
		{"post1KiB", "POST", "/work?size=128", payload},
		{"sleep=1us", "GET", "/work?sleep=1us", nil},
		{"bad", "GET", "/work?size=-1", nil},
	} {
		b.Run(bm.name, func(b *testing.B) {
			h := NewWorkHandler(WorkSpec{Size: 128})
			w, r := newDiscardWriter(), httptest.NewRequest(bm.method, bm.target, nil)
			body := rewindBody{bytes.NewReader(bm.body)}
			if bm.body != nil {
				r.Body = body
			}
			b.ReportAllocs()
			for b.Loop() {
				w.reset()
				body.Reset(bm.body)
				h.ServeHTTP(w, r)
			}
		})
	}
}
