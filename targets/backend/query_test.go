package backend

import (
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"
)

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
