package lb

import (
	"net/url"
	"strings"
)

// joinURL returns the URL of in's path and query on backend base: base's
// path, if any, comes first (as nginx's proxy_pass with a URI), after strip
// is taken off in's path. Escaping is kept as the client sent it where it
// can be.
func joinURL(base, in *url.URL, strip string) *url.URL {
	u := &url.URL{Scheme: "http", Host: base.Host, RawQuery: in.RawQuery, ForceQuery: in.ForceQuery}
	path, raw := in.Path, in.RawPath
	if strip != "" {
		path, raw = stripPrefix(path, raw, strip)
	}
	if bp := base.Path; bp != "" && bp != "/" {
		if raw != "" {
			raw = joinSlash(base.EscapedPath(), raw)
		}
		path = joinSlash(bp, path)
	}
	u.Path, u.RawPath = path, raw
	return u
}

// stripPrefix takes prefix off a path given unescaped (path) and, when
// the client's escaping differs from the default, escaped (raw). The
// escaped form is cut when it starts with the prefix, so that an escaped
// slash right after the prefix stays escaped; otherwise the prefix is cut
// from path and the escaping is redone. The result keeps a leading slash.
func stripPrefix(path, raw, prefix string) (string, string) {
	if raw != "" {
		if r, ok := strings.CutPrefix(raw, prefix); ok {
			r = leadingSlash(r)
			if p, err := url.PathUnescape(r); err == nil {
				return p, r
			}
		}
	}
	return leadingSlash(strings.TrimPrefix(path, prefix)), ""
}

func leadingSlash(p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	return "/" + p
}

// joinSlash joins two path pieces with exactly one slash between them.
func joinSlash(a, b string) string {
	switch as, bs := strings.HasSuffix(a, "/"), strings.HasPrefix(b, "/"); {
	case as && bs:
		return a + b[1:]
	case !as && !bs:
		return a + "/" + b
	}
	return a + b
}
