package static

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// secret is the content of a file next to the served directory, which no
// request may read.
const secret = "TOP-SECRET-OUTSIDE-DIR"

// rawGet sends one request line as is, so that nothing cleans or escapes
// the path on the way, and returns the response with its body.
func rawGet(t testing.TB, addr, requestLine string) (*http.Response, string) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(conn, requestLine+"\r\nHost: test\r\nConnection: close\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: %v", requestLine, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

func TestPathTraversal(t *testing.T) {
	base := t.TempDir()
	www := filepath.Join(base, "www")
	for _, d := range []string{www, filepath.Join(www, "pub")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p, s string) {
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(base, "secret.txt"), secret)
	write(filepath.Join(www, ".env"), secret)
	write(filepath.Join(www, "pub", "ok.txt"), "ok")
	// Links that point out of the directory, absolute and relative.
	for link, target := range map[string]string{
		filepath.Join(www, "abs-link.txt"): filepath.Join(base, "secret.txt"),
		filepath.Join(www, "rel-link.txt"): "../secret.txt",
		filepath.Join(www, "up"):           "..",
		filepath.Join(www, "in-link.txt"):  "pub/ok.txt", // stays inside: served
	} {
		if err := os.Symlink(target, link); err != nil {
			t.Skipf("symlinks not supported: %v", err)
		}
	}
	s := startStatic(t, Config{Dir: www, Generate: map[string]int{"/gen.txt": 5}})

	for _, ok := range []string{"/pub/ok.txt", "/in-link.txt"} {
		if resp, body := rawGet(t, s.Addr(), "GET "+ok+" HTTP/1.1"); resp.StatusCode != 200 || body != "ok" {
			t.Fatalf("control request %s: %d %q", ok, resp.StatusCode, body)
		}
	}
	for _, target := range []string{
		"/../secret.txt",
		"/pub/../../secret.txt",
		"/%2e%2e/secret.txt",
		"/%2E%2E/secret.txt",
		"/pub/%2e%2e/%2e%2e/secret.txt",
		"/..%2fsecret.txt",
		"/%2e%2e%2fsecret.txt",
		"/pub/..%2f..%2fsecret.txt",
		"/..%5csecret.txt",
		`/..\secret.txt`,
		"//secret.txt",
		filepath.Join(base, "secret.txt"),       // absolute: served as a path inside www, missing
		"/" + filepath.Join(base, "secret.txt"), // //tmp/...: not clean
		"/./secret.txt",
		"/pub/./ok.txt",
		"/abs-link.txt",
		"/rel-link.txt",
		"/up/secret.txt",
		"/up/www/pub/ok.txt",
		"/.env",
		"/pub/%00/../../secret.txt",
		"/secret.txt%00.txt",
		"http://test/../secret.txt",
		"http://test/%2e%2e/secret.txt",
		"../secret.txt",
		"secret.txt",
		"*",
	} {
		t.Run(target, func(t *testing.T) {
			resp, body := rawGet(t, s.Addr(), "GET "+target+" HTTP/1.1")
			if resp.StatusCode != 400 && resp.StatusCode != 404 {
				t.Errorf("status %d, want 400 or 404", resp.StatusCode)
			}
			if strings.Contains(body, secret) {
				t.Errorf("body has the secret: %q", body)
			}
		})
	}
}

func TestFileName(t *testing.T) {
	tests := []struct {
		path, name string
		ok         bool
	}{
		{"/", "index.html", true},
		{"/a/", "a/index.html", true},
		{"/a/b.txt", "a/b.txt", true},
		{"/..", "", false},
		{"/../a", "", false},
		{"/a/../b", "", false},
		{"/a/./b", "", false},
		{"/./", "", false},
		{"//a", "", false},
		{"/a//b", "", false},
		{`/a\b`, "", false},
		{"/a\x00b", "", false},
		{"a", "", false},
		{"", "", false},
		{"*", "", false},
	}
	for _, tt := range tests {
		name, ok := fileName(tt.path)
		if name != tt.name || ok != tt.ok {
			t.Errorf("fileName(%q) = %q, %v; want %q, %v", tt.path, name, ok, tt.name, tt.ok)
		}
	}
}
