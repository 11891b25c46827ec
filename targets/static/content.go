package static

import (
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"hash/fnv"
	"io"
	"path"
	"strings"
	"time"
)

// contentTypes maps file extensions (lower case) to Content-Type. The table
// is fixed, rather than mime.TypeByExtension, which also reads the system's
// MIME files: the same file must get the same type on every machine.
var contentTypes = map[string]string{
	".avif":  "image/avif",
	".bin":   "application/octet-stream",
	".css":   "text/css; charset=utf-8",
	".csv":   "text/csv; charset=utf-8",
	".gif":   "image/gif",
	".htm":   "text/html; charset=utf-8",
	".html":  "text/html; charset=utf-8",
	".ico":   "image/x-icon",
	".jpeg":  "image/jpeg",
	".jpg":   "image/jpeg",
	".js":    "text/javascript; charset=utf-8",
	".json":  "application/json",
	".map":   "application/json",
	".md":    "text/markdown; charset=utf-8",
	".mjs":   "text/javascript; charset=utf-8",
	".mp4":   "video/mp4",
	".pdf":   "application/pdf",
	".png":   "image/png",
	".svg":   "image/svg+xml",
	".txt":   "text/plain; charset=utf-8",
	".wasm":  "application/wasm",
	".webm":  "video/webm",
	".webp":  "image/webp",
	".woff":  "font/woff",
	".woff2": "font/woff2",
	".xml":   "application/xml",
}

// defaultContentType is the type of a file whose extension is not in
// contentTypes. Content is never sniffed.
const defaultContentType = "application/octet-stream"

// contentType returns the Content-Type of a file by its name.
func contentType(name string) string {
	if t, ok := contentTypes[strings.ToLower(path.Ext(name))]; ok {
		return t
	}
	return defaultContentType
}

// generatedModTime is the Last-Modified of every generated file. It is
// fixed, not the start time, so that instances behind a load balancer agree
// and If-Modified-Since works whichever of them answers.
var generatedModTime = time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC)

// blockSize is the length of genBlock.
const blockSize = 64 << 10

// genBlock is what generated files are cut from: printable text (a base64
// alphabet in lines of 76), so a generated .js or .txt looks like text, and
// random enough not to compress much, like real images and minified code.
// A file starts at an offset that depends on its path and wraps around.
// The generator is a fixed splitmix64, so the bytes never change with the
// Go version.
var genBlock = func() []byte {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	b := make([]byte, blockSize)
	state := uint64(0x5374616d70656465) // "Stampede"
	for i := range b {
		if i%77 == 76 {
			b[i] = '\n'
			continue
		}
		state += 0x9e3779b97f4a7c15
		z := state
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		b[i] = alphabet[(z^(z>>31))&63]
	}
	return b
}()

// generated is one generated file.
type generated struct {
	size   int64
	offset int64 // where in genBlock the file starts
	etag   string
}

func newGenerated(urlPath string, size int) *generated {
	h := fnv.New64a()
	h.Write([]byte(urlPath))
	g := &generated{size: int64(size), offset: int64(h.Sum64() % blockSize)}
	g.etag, _ = etagOf(g.reader()) // a genReader never fails
	return g
}

func (g *generated) reader() *genReader { return &genReader{g: g} }

// genReader reads a generated file. It is an io.ReadSeeker, as ServeContent
// needs for ranges.
type genReader struct {
	g   *generated
	pos int64
}

func (r *genReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && r.pos < r.g.size {
		i := (r.g.offset + r.pos) % blockSize
		k := copy(p[n:min(int64(len(p)), int64(n)+r.g.size-r.pos)], genBlock[i:])
		n += k
		r.pos += int64(k)
	}
	if n == 0 && len(p) > 0 {
		return 0, io.EOF
	}
	return n, nil
}

var errSeek = errors.New("static: seek before the start of a generated file")

func (r *genReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekCurrent:
		offset += r.pos
	case io.SeekEnd:
		offset += r.g.size
	}
	if offset < 0 {
		return r.pos, errSeek
	}
	r.pos = offset
	return offset, nil
}

// etagOf returns a strong ETag of the content read from r: the first 128
// bits of its SHA-256, in base64url. Any change of content changes it, and
// equal content on two instances gives equal tags.
func etagOf(r io.Reader) (string, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return "", err
	}
	return `"` + base64.RawURLEncoding.EncodeToString(h.Sum(nil)[:16]) + `"`, nil
}

var (
	_ io.ReadSeeker = (*genReader)(nil)
)
