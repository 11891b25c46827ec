package cache

import (
	"reflect"
	"testing"
)

func TestParseCacheControl(t *testing.T) {
	base := parseCacheControl(nil)
	with := func(f func(*cacheControl)) cacheControl { cc := base; f(&cc); return cc }
	for _, tc := range []struct {
		in   []string
		want cacheControl
	}{
		{nil, base},
		{[]string{"max-age=60"}, with(func(c *cacheControl) { c.maxAge = 60 })},
		{[]string{`MAX-AGE="60", S-MaxAge=5`}, with(func(c *cacheControl) { c.maxAge, c.sMaxAge = 60, 5 })},
		{[]string{"max-age=60", "no-cache"}, with(func(c *cacheControl) { c.maxAge, c.noCache = 60, true })},
		{[]string{"max-age=1, max-age=2"}, with(func(c *cacheControl) { c.maxAge = 1 })},
		{[]string{"max-age=abc"}, with(func(c *cacheControl) { c.maxAge = 0 })},
		{[]string{"max-age"}, with(func(c *cacheControl) { c.maxAge = 0 })},
		{[]string{"max-age=99999999999999999999"}, with(func(c *cacheControl) { c.maxAge = maxDelta })},
		{[]string{"min-fresh=x, max-stale"}, with(func(c *cacheControl) { c.maxStale = anyStale })},
		{[]string{"max-stale=7, stale-if-error=3, stale-while-revalidate=4"}, with(func(c *cacheControl) {
			c.maxStale, c.staleIfError, c.staleWhileRevalidate = 7, 3, 4
		})},
		{[]string{` , ,no-store,,  private = "set-cookie, x-a" ,public`}, with(func(c *cacheControl) {
			c.noStore, c.private, c.public = true, true, true
			c.privateFields = []string{"Set-Cookie", "X-A"}
		})},
		{[]string{`no-cache="a\"b", must-revalidate`}, with(func(c *cacheControl) { c.noCache, c.mustRevalidate = true, true })},
		{[]string{`foo="bar, max-age=5", max-age=9`}, with(func(c *cacheControl) { c.maxAge = 9 })},
		{[]string{`max-age=5 junk, proxy-revalidate`}, with(func(c *cacheControl) { c.proxyRevalidate = true })},
		{[]string{`=5, only-if-cached, must-understand, no-transform`}, with(func(c *cacheControl) {
			c.onlyIfCached, c.mustUnderstand, c.noTransform = true, true, true
		})},
		{[]string{`x="unterminated, max-age=5`}, base},
	} {
		if got := parseCacheControl(tc.in); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("parseCacheControl(%q) =\n %+v, want\n %+v", tc.in, got, tc.want)
		}
	}
}

func TestParseETags(t *testing.T) {
	for _, tc := range []struct {
		in   string
		tags []string
		star bool
	}{
		{`"a"`, []string{"a"}, false},
		{`W/"a", "b,c" ,junk, "d"`, []string{"a", "b,c", "d"}, false},
		{`*`, nil, true},
		{`"open`, nil, false},
		{``, nil, false},
	} {
		tags, star := parseETags([]string{tc.in})
		if !reflect.DeepEqual(tags, tc.tags) || star != tc.star {
			t.Errorf("parseETags(%q) = %q, %v; want %q, %v", tc.in, tags, star, tc.tags, tc.star)
		}
	}
}

// FuzzCacheControl: the parser never panics, keeps its values in range,
// and formatting round-trips: directives format and parse back to
// themselves, and so does the typed form.
func FuzzCacheControl(f *testing.F) {
	for _, s := range []string{
		"", "max-age=60", `private="Set-Cookie, X-A", no-cache`, "s-maxage=1, max-age=2, max-stale",
		`a="b\"c\\", ,, =,x y, stale-if-error=99999999999999999999`, `"`, `max-age="5`, "\x00,\xff=\"",
		"no-cache=a, private=, min-fresh=-1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ds := parseDirectives([]string{s})
		for _, d := range ds {
			if !isToken(d.name) || d.name != asciiLower(d.name) {
				t.Fatalf("directive name %q is not a lower-case token", d.name)
			}
			if !d.hasValue && d.value != "" {
				t.Fatalf("value %q without hasValue", d.value)
			}
		}
		again := parseDirectives([]string{formatDirectives(ds)})
		if len(ds) != len(again) || (len(ds) > 0 && !reflect.DeepEqual(ds, again)) {
			t.Fatalf("directives do not round-trip:\n %q\n %+v\n %+v", s, ds, again)
		}

		cc := parseCacheControl([]string{s})
		for _, v := range []int64{cc.maxAge, cc.sMaxAge, cc.minFresh, cc.staleIfError, cc.staleWhileRevalidate} {
			if v < absent || v > maxDelta {
				t.Fatalf("seconds %d out of range in %+v", v, cc)
			}
		}
		if cc.maxStale != anyStale && (cc.maxStale < absent || cc.maxStale > maxDelta) {
			t.Fatalf("max-stale %d out of range", cc.maxStale)
		}
		if back := parseCacheControl([]string{cc.String()}); !reflect.DeepEqual(cc, back) {
			t.Fatalf("typed form does not round-trip:\n %q\n %+v\n %q\n %+v", s, cc, cc.String(), back)
		}
	})
}
