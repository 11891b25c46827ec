package targets

import (
	"bytes"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
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

func TestParseWork(t *testing.T) {
	def := WorkSpec{Sleep: time.Millisecond, Size: 10, Status: 200}
	tests := []struct {
		query string
		want  WorkSpec
	}{
		{"", def},
		{"x=1", def},
		{"&&&", def},
		{"sleep=5ms", WorkSpec{Sleep: 5 * time.Millisecond, Size: 10, Status: 200}},
		{"sleep=5", WorkSpec{Sleep: 5 * time.Millisecond, Size: 10, Status: 200}},
		{"sleep=2.5", WorkSpec{Sleep: 2500 * time.Microsecond, Size: 10, Status: 200}},
		{"sleep=.5", WorkSpec{Sleep: 500 * time.Microsecond, Size: 10, Status: 200}},
		{"sleep=1.5s", WorkSpec{Sleep: 1500 * time.Millisecond, Size: 10, Status: 200}},
		{"sleep=0", WorkSpec{Size: 10, Status: 200}},
		{"sleep=60s", WorkSpec{Sleep: MaxSleep, Size: 10, Status: 200}},
		{"sleep=60000", WorkSpec{Sleep: MaxSleep, Size: 10, Status: 200}},
		{"sleep=1m", WorkSpec{Sleep: MaxSleep, Size: 10, Status: 200}},
		{"size=0", WorkSpec{Sleep: time.Millisecond, Status: 200}},
		{"size=1024", WorkSpec{Sleep: time.Millisecond, Size: 1024, Status: 200}},
		{"size=67108864", WorkSpec{Sleep: time.Millisecond, Size: MaxSize, Status: 200}},
		{"status=503", WorkSpec{Sleep: time.Millisecond, Size: 10, Status: 503}},
		{"status=200", def},
		{"status=599", WorkSpec{Sleep: time.Millisecond, Size: 10, Status: 599}},
		{"sleep=5ms&size=1024&status=503", WorkSpec{Sleep: 5 * time.Millisecond, Size: 1024, Status: 503}},
		{"status=503&id=7&sleep=0s", WorkSpec{Size: 10, Status: 503}},
		{"size=1&size=2", WorkSpec{Sleep: time.Millisecond, Size: 2, Status: 200}},
		{"size=bad&size=2", WorkSpec{Sleep: time.Millisecond, Size: 2, Status: 200}},
		{"s%69ze=7", WorkSpec{Sleep: time.Millisecond, Size: 7, Status: 200}},
		{"sleep=1%30ms", WorkSpec{Sleep: 10 * time.Millisecond, Size: 10, Status: 200}},
		{"%zz=1&size=3", WorkSpec{Sleep: time.Millisecond, Size: 3, Status: 200}},
		{"size=%2B5", WorkSpec{Sleep: time.Millisecond, Size: 5, Status: 200}}, // + unescapes to a space
	}
	for _, tt := range tests {
		got, err := parseWork(tt.query, def)
		if err != nil || got != tt.want {
			t.Errorf("parseWork(%q) = %+v, %v; want %+v", tt.query, got, err, tt.want)
		}
	}
}

// badParams are queries that /work must refuse, and the parameter each
// error must name.
var badParams = []struct {
	query string
	param string
}{
	{"sleep=", "sleep"},
	{"sleep", "sleep"},
	{"sleep=abc", "sleep"},
	{"sleep=5xs", "sleep"},
	{"sleep=-1s", "sleep"},
	{"sleep=-5", "sleep"},
	{"sleep=61s", "sleep"},
	{"sleep=60001", "sleep"},
	{"sleep=2h", "sleep"},
	{"sleep=1e3", "sleep"},
	{"sleep=NaN", "sleep"},
	{"sleep=Inf", "sleep"},
	{"sleep=.", "sleep"},
	{"sleep=1.2.3", "sleep"},
	{"sleep=99999999999999999999999", "sleep"},
	{"sleep=%zz", "sleep"},
	{"size=", "size"},
	{"size=abc", "size"},
	{"size=-1", "size"},
	{"size=1.5", "size"},
	{"size=1e3", "size"},
	{"size=1k", "size"},
	{"size=67108865", "size"},
	{"size=99999999999999999999999", "size"},
	{"size=%4", "size"},
	{"status=", "status"},
	{"status=abc", "status"},
	{"status=0", "status"},
	{"status=99", "status"},
	{"status=100", "status"},
	{"status=199", "status"},
	{"status=600", "status"},
	{"status=-200", "status"},
	{"status=2OO", "status"},
	{"sleep=5ms&size=-1&status=503", "size"},
}

func TestParseWorkErrors(t *testing.T) {
	def := WorkSpec{Status: 200}
	for _, tt := range badParams {
		got, err := parseWork(tt.query, def)
		var pe *paramError
		if !errors.As(err, &pe) {
			t.Errorf("parseWork(%q) = %+v, %v; want a paramError", tt.query, got, err)
			continue
		}
		if pe.Param != tt.param || !strings.Contains(err.Error(), "bad parameter "+tt.param+"=") {
			t.Errorf("parseWork(%q) error %q names %q; want %q", tt.query, err, pe.Param, tt.param)
		}
		if got != def {
			t.Errorf("parseWork(%q) returned %+v with its error; want the default", tt.query, got)
		}
	}
}

func TestParseWorkTruncatesLongValues(t *testing.T) {
	_, err := parseWork("size="+strings.Repeat("x", 10000), WorkSpec{})
	if err == nil || len(err.Error()) > 200 {
		t.Errorf("error for a 10000-byte value: %v; want one short message", err)
	}
}

func TestParseWorkAllocatesNothing(t *testing.T) {
	// Escaped keys and values allocate when unescaped; plain ones do not.
	for _, q := range []string{"sleep=5ms&size=1024&status=503", "sleep=2.5&id=42&size=0"} {
		allocs := testing.AllocsPerRun(100, func() {
			if _, err := parseWork(q, WorkSpec{}); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("parseWork(%q) allocates %v times; want 0", q, allocs)
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

// FuzzParseWork checks that parseWork never panics, that what it accepts is
// within the limits, that its errors name a parameter, and that it reads a
// query as url.ParseQuery does.
func FuzzParseWork(f *testing.F) {
	for _, q := range []string{
		"", "sleep=5ms&size=1024&status=503", "sleep=5", "sleep=2.5", "s%69ze=7",
		"size=1&size=2", "%zz=1&size=3", "sleep=1e3", "status=100", "a;b=c&size=1",
		"sleep=9223372036854775807ns", "size=+5", "sleep=+5ms", "status=+200", "sleep=-0",
	} {
		f.Add(q)
	}
	for _, tt := range badParams {
		f.Add(tt.query)
	}
	def := WorkSpec{Sleep: time.Millisecond, Size: 10, Status: 200}
	f.Fuzz(func(t *testing.T, q string) {
		got, err := parseWork(q, def)
		if err != nil {
			var pe *paramError
			if !errors.As(err, &pe) || (pe.Param != "sleep" && pe.Param != "size" && pe.Param != "status") {
				t.Fatalf("parseWork(%q): error %v names no parameter", q, err)
			}
			if got != def {
				t.Fatalf("parseWork(%q) returned %+v with its error", q, got)
			}
		} else if verr := got.Validate(); verr != nil || got.Status == 0 {
			t.Fatalf("parseWork(%q) = %+v, out of range: %v", q, got, verr)
		}

		// Differential: the last value of each parameter, as url.ParseQuery
		// reads it, re-encoded alone, must give the same outcome.
		vals, perr := url.ParseQuery(q)
		if perr != nil {
			return // net/url refuses it (bad escape, semicolon): no reference
		}
		ref := url.Values{}
		for _, k := range []string{"sleep", "size", "status"} {
			if vs := vals[k]; len(vs) > 0 {
				ref.Set(k, vs[len(vs)-1])
			}
		}
		got2, err2 := parseWork(ref.Encode(), def)
		if got2 != got || (err == nil) != (err2 == nil) {
			t.Fatalf("parseWork(%q) = %+v, %v; but url.ParseQuery reads it as %q, which gives %+v, %v",
				q, got, err, ref.Encode(), got2, err2)
		}
	})
}
