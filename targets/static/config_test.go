package static

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	gen := map[string]int{"/a.txt": 1}
	tests := []struct {
		name string
		cfg  Config
		want []string // substrings of the errors, in order; none for valid
	}{
		{"dir", Config{Dir: "/tmp"}, nil},
		{"generate", Config{Generate: gen}, nil},
		{"both", Config{Dir: "/tmp", Generate: gen, Addr: ":0", ID: "a", CacheControl: []Rule{{"/s/", "public, max-age=60"}}}, nil},
		{"nothing", Config{}, []string{"nothing to serve"}},
		{"bad addr", Config{Dir: "/tmp", Addr: "8080"}, []string{`addr "8080"`}},
		{"bad id", Config{Dir: "/tmp", ID: "a\r\nX-Evil: 1"}, []string{"id"}},
		{"generate paths", Config{Generate: map[string]int{
			"a.txt": 1, "/": 1, "/d/": 1, "/../x": 1, "/a/./b": 1, "//x": 1, `/a\b`: 1, "/ok": -1, "/big": MaxGenerateSize + 1,
		}}, []string{`"/"`, `"/../x"`, `"//x"`, `"/a/./b"`, `"/a\\b"`, "big", `"/d/"`, `"/ok": size -1`, `"a.txt"`}},
		{"rules", Config{Dir: "/tmp", CacheControl: []Rule{{"static/", "x"}, {"/a/", ""}, {"/a/", "x\ny"}}}, []string{
			`prefix "static/"`, "rule 1 (/a/)", "rule 2: prefix \"/a/\" appears twice", "rule 2 (/a/)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := tt.cfg.Validate()
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors %v, want %d %v", len(errs), errs, len(tt.want), tt.want)
			}
			for i, err := range errs {
				if !strings.Contains(err.Error(), tt.want[i]) {
					t.Errorf("error %d: %q does not contain %q", i, err, tt.want[i])
				}
			}
		})
	}
}

func TestSeries(t *testing.T) {
	got := Series("/img/", ".jpg", 3, 500)
	want := map[string]int{"/img/0.jpg": 500, "/img/1.jpg": 500, "/img/2.jpg": 500}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %d, want %d", k, got[k], v)
		}
	}
	if errs := (Config{Generate: got}).Validate(); errs != nil {
		t.Errorf("series does not validate: %v", errs)
	}
	if n := len(Series("/x", "", -1, 1)); n != 0 {
		t.Errorf("negative count: %d files", n)
	}
}

func TestListenAddr(t *testing.T) {
	for in, want := range map[string]string{
		"":             DefaultAddr,
		":0":           "127.0.0.1:0",
		"0.0.0.0:80":   "0.0.0.0:80",
		"[::1]:9":      "[::1]:9",
		"localhost:10": "localhost:10",
	} {
		if got := listenAddr(in); got != want {
			t.Errorf("listenAddr(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestStartErrors(t *testing.T) {
	if _, err := Start(t.Context(), Config{}); err == nil || !strings.Contains(err.Error(), "nothing to serve") {
		t.Errorf("empty config: got %v", err)
	}
	if _, err := Start(t.Context(), Config{Addr: "127.0.0.1:0", Dir: t.TempDir() + "/missing"}); err == nil || !strings.Contains(err.Error(), "dir") {
		t.Errorf("missing dir: got %v", err)
	}
}
