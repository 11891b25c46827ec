package static

import (
	"bytes"
	"io"
	"math/rand/v2"
	"testing"
)

func TestContentType(t *testing.T) {
	for name, want := range map[string]string{
		"index.html":   "text/html; charset=utf-8",
		"a/b/APP.JS":   "text/javascript; charset=utf-8",
		"style.css":    "text/css; charset=utf-8",
		"img/a.jpg":    "image/jpeg",
		"img/a.jpeg":   "image/jpeg",
		"b.png":        "image/png",
		"data.json":    "application/json",
		"font.woff2":   "font/woff2",
		"x.wasm":       "application/wasm",
		"noext":        defaultContentType,
		"weird.qqq":    defaultContentType,
		"dir.js/plain": defaultContentType,
	} {
		if got := contentType(name); got != want {
			t.Errorf("contentType(%q) = %q, want %q", name, got, want)
		}
	}
}

// naiveContent is the reference definition of a generated file's bytes.
func naiveContent(g *generated) []byte {
	b := make([]byte, g.size)
	for i := range b {
		b[i] = genBlock[(g.offset+int64(i))%blockSize]
	}
	return b
}

func TestGeneratedMatchesReference(t *testing.T) {
	for _, size := range []int{0, 1, 76, 77, blockSize - 1, blockSize, blockSize + 1, 3*blockSize + 12345} {
		g := newGenerated("/x/file.bin", size)
		want := naiveContent(g)
		got, err := io.ReadAll(g.reader())
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("size %d: content differs from the reference", size)
		}
		wantTag, _ := etagOf(bytes.NewReader(want))
		if g.etag != wantTag {
			t.Errorf("size %d: etag %s, want %s", size, g.etag, wantTag)
		}
		// Random seeks and reads of random sizes, as ServeContent does for
		// ranges.
		r := g.reader()
		rng := rand.New(rand.NewPCG(uint64(size), 7))
		for range 200 {
			off := rng.Int64N(int64(size) + 2)
			if _, err := r.Seek(off, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, rng.IntN(3*blockSize))
			n, err := io.ReadFull(r, buf)
			end := min(off+int64(len(buf)), int64(size))
			wantN := max(end-off, 0)
			if int64(n) != wantN {
				t.Fatalf("size %d: read %d at %d: got %d bytes (%v), want %d", size, len(buf), off, n, err, wantN)
			}
			if n > 0 && !bytes.Equal(buf[:n], want[off:end]) {
				t.Fatalf("size %d: read at %d: wrong bytes", size, off)
			}
		}
	}
}

func TestGeneratedSeek(t *testing.T) {
	r := newGenerated("/a", 100).reader()
	if n, err := r.Seek(-10, io.SeekEnd); n != 90 || err != nil {
		t.Errorf("seek end-10: %d, %v", n, err)
	}
	if n, err := r.Seek(5, io.SeekCurrent); n != 95 || err != nil {
		t.Errorf("seek current+5: %d, %v", n, err)
	}
	if _, err := r.Seek(-1, io.SeekStart); err == nil {
		t.Error("seek before start: no error")
	}
}

func TestGeneratedDeterministic(t *testing.T) {
	a, b := newGenerated("/img/a.jpg", 50_000), newGenerated("/img/a.jpg", 50_000)
	if a.etag != b.etag || !bytes.Equal(naiveContent(a), naiveContent(b)) {
		t.Error("the same path and size gave different content")
	}
	if c := newGenerated("/img/b.jpg", 50_000); c.etag == a.etag {
		t.Error("two paths gave the same content")
	}
	// The content is printable text in lines.
	for i, c := range genBlock {
		if c != '\n' && (c < ' ' || c > '~') {
			t.Fatalf("genBlock[%d] = %#x: not printable", i, c)
		}
	}
	// Pinned: a change of generator changes every ETag in every lab result.
	if got, want := newGenerated("/app.js", 1000).etag, pinnedETag; got != want {
		t.Errorf("etag of /app.js (1000 bytes) = %s, want %s: generated content changed", got, want)
	}
}

// pinnedETag is the ETag of the generated /app.js of 1000 bytes.
const pinnedETag = `"-LTuDVChUTo8TGdqn7l30w"`
