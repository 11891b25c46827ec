package targets

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestStart checks the API that cmd/stampede uses: Start with an address
// and a default WorkSpec, URL, and Shutdown.
func TestStart(t *testing.T) {
	s, err := Start(t.Context(), Config{Addr: "127.0.0.1:0", Work: WorkSpec{Sleep: time.Millisecond, Size: 10}})
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	for _, tt := range []struct {
		path   string
		status int
		size   int
	}{
		{"/work", 200, 10},
		{"/work?size=3&status=503", 503, 3},
		{"/healthz", 200, 2},
	} {
		res, err := c.Get(s.URL() + tt.path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != tt.status || len(b) != tt.size || res.Header.Get("X-Backend") == "" {
			t.Errorf("GET %s: %d, %d bytes, X-Backend %q; want %d, %d bytes and an X-Backend",
				tt.path, res.StatusCode, len(b), res.Header.Get("X-Backend"), tt.status, tt.size)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

func TestStartBadWork(t *testing.T) {
	s, err := Start(t.Context(), Config{Addr: "127.0.0.1:0", Work: WorkSpec{Size: -1}})
	if err == nil {
		_ = s.Shutdown(context.Background())
		t.Fatal("Start with size -1 succeeded")
	}
	if !strings.Contains(err.Error(), "size") {
		t.Errorf("Start error %q; want it to name size", err)
	}
}

func TestNewWorkHandler(t *testing.T) {
	rec := httptest.NewRecorder()
	NewWorkHandler(WorkSpec{Size: 5}).ServeHTTP(rec, httptest.NewRequest("GET", "/work?status=418", nil))
	if rec.Code != 418 || rec.Body.Len() != 5 {
		t.Errorf("GET /work?status=418: %d, %d bytes; want 418, 5 bytes", rec.Code, rec.Body.Len())
	}
}
