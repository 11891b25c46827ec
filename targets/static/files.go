package static

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"
)

// errNotFound is what files.open returns for any path it will not serve:
// missing, a directory, a dot file, not a regular file, or reaching outside
// the directory.
var errNotFound = errors.New("static: not found")

// files is what a static target serves: generated files first, then the
// files of a directory. Its methods are safe for concurrent use.
type files struct {
	gen  map[string]*generated // by name (the URL path without its leading slash)
	root *os.Root              // nil without Dir

	closeOnce sync.Once
	closeErr  error

	mu    sync.Mutex
	etags map[string]dirTag // ETags of directory files, by name
}

// dirTag is the ETag of a directory file, valid while its size and
// modification time stay the same.
type dirTag struct {
	size    int64
	modTime time.Time
	etag    string
}

// file is an opened file, ready for ServeContent.
type file struct {
	name    string
	modTime time.Time
	etag    string
	content io.ReadSeeker
	close   func() error
}

func newFiles(cfg Config) (*files, error) {
	f := &files{gen: make(map[string]*generated, len(cfg.Generate)), etags: map[string]dirTag{}}
	if cfg.Dir != "" {
		root, err := os.OpenRoot(cfg.Dir)
		if err != nil {
			return nil, fmt.Errorf("static: dir: %w", err)
		}
		f.root = root
	}
	for p, size := range cfg.Generate {
		f.gen[p[1:]] = newGenerated(p, size)
	}
	return f, nil
}

// close releases the directory; calls after the first return the first
// one's error.
func (f *files) close() error {
	f.closeOnce.Do(func() {
		if f.root != nil {
			f.closeErr = f.root.Close()
		}
	})
	return f.closeErr
}

// open opens the file of name, a path that fs.ValidPath accepts.
func (f *files) open(name string) (*file, error) {
	if g, ok := f.gen[name]; ok {
		return &file{name: name, modTime: generatedModTime, etag: g.etag, content: g.reader(), close: func() error { return nil }}, nil
	}
	if f.root == nil || hasDotSegment(name) {
		return nil, errNotFound
	}
	// Stat before Open: opening a FIFO would block until a writer came.
	if fi, err := f.root.Stat(name); err != nil || !fi.Mode().IsRegular() {
		return nil, errNotFound
	}
	osf, err := f.root.Open(name)
	if err != nil {
		return nil, errNotFound
	}
	fi, err := osf.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		osf.Close()
		return nil, errNotFound
	}
	etag, err := f.etag(name, fi, osf)
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("static: %s: %w", name, err)
	}
	return &file{name: name, modTime: fi.ModTime(), etag: etag, content: osf, close: osf.Close}, nil
}

// etag returns the ETag of the directory file name, hashing its content
// only when it is new or its size or time changed; it leaves r at the
// start.
func (f *files) etag(name string, fi fs.FileInfo, r io.ReadSeeker) (string, error) {
	f.mu.Lock()
	t, ok := f.etags[name]
	f.mu.Unlock()
	if ok && t.size == fi.Size() && t.modTime.Equal(fi.ModTime()) {
		return t.etag, nil
	}
	etag, err := etagOf(r)
	if err != nil {
		return "", err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	f.mu.Lock()
	f.etags[name] = dirTag{size: fi.Size(), modTime: fi.ModTime(), etag: etag}
	f.mu.Unlock()
	return etag, nil
}

// hasDotSegment reports whether a segment of name starts with a dot, as in
// .git/config or .env: such files are often secrets, never served.
func hasDotSegment(name string) bool {
	return strings.HasPrefix(name, ".") || strings.Contains(name, "/.")
}
