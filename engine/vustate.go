package engine

import (
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"net/http"
	"net/http/cookiejar"
	"strconv"
	"strings"
	"time"

	"github.com/stampede-lab/stampede/engine/h1"
	"github.com/stampede-lab/stampede/scenarios"
)

// vuState is what one VU carries between the requests of its flows: its
// variables, its cookie jar and browser cache, its random source. It is
// used by its VU goroutine only.
type vuState struct {
	id      int
	iter    uint64
	sent    uint64 // requests sent, to spot iterations that sent none
	vars    map[string]string
	jar     *cookiejar.Jar
	jarUsed bool // the jar has received a cookie since it was reset
	cache   *browserCache
	rng     *mrand.Rand
	capture h1.Capture
	buf     []byte
}

func newVUState(id int, seed uint64) *vuState {
	return &vuState{
		id:      id,
		vars:    map[string]string{},
		rng:     mrand.New(mrand.NewPCG(seed, uint64(id))),
		capture: h1.Capture{MaxBody: maxCapturedBody},
	}
}

// maxCapturedBody bounds the body a flow keeps for extraction and checks.
const maxCapturedBody = 1 << 20

// resetJar gives the VU an empty cookie jar. Without a public-suffix
// list every host is its own domain, which is right on loopback.
func (v *vuState) resetJar() {
	v.jar, _ = cookiejar.New(nil)
	v.jarUsed = false
}

// lookup resolves a template variable for this VU: built-ins first, then
// the flow's extracted values and feeder rows (in vars), then the plan's
// constants and environment values.
func (v *vuState) lookup(name string, plan *scenarios.Plan) string {
	switch name {
	case "vu":
		return strconv.Itoa(v.id)
	case "iter":
		return strconv.FormatUint(v.iter, 10)
	case "random":
		return strconv.FormatUint(v.rng.Uint64()%1_000_000_000, 10)
	case "uuid":
		return newUUID()
	case "time":
		return strconv.FormatInt(time.Now().UnixMilli(), 10)
	}
	if s, ok := v.vars[name]; ok {
		return s
	}
	return plan.Vars[name]
}

// render expands a template for this VU.
func (v *vuState) render(t *scenarios.Template, plan *scenarios.Plan) string {
	return v.renderEscaped(t, plan, "")
}

// renderEscaped expands a template whose variables land inside a body of
// the given kind (json: inside JSON strings; form: inside values), so a
// value with a quote or an ampersand cannot break the body.
func (v *vuState) renderEscaped(t *scenarios.Template, plan *scenarios.Plan, bodyKind string) string {
	if len(t.Parts) == 0 {
		return t.Raw
	}
	if len(t.Parts) == 1 && t.Parts[0].Var == "" {
		return t.Parts[0].Literal
	}
	v.buf = v.buf[:0]
	for _, p := range t.Parts {
		if p.Var == "" {
			v.buf = append(v.buf, p.Literal...)
		} else {
			v.buf = append(v.buf, scenarios.EscapeValue(bodyKind, v.lookup(p.Var, plan))...)
		}
	}
	return string(v.buf)
}

func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// cookiesFrom parses the Set-Cookie headers of a captured response.
func cookiesFrom(c *h1.Capture) []*http.Cookie {
	lines := c.Values("Set-Cookie")
	if len(lines) == 0 {
		return nil
	}
	var out []*http.Cookie
	for _, l := range lines {
		if ck, err := http.ParseSetCookie(l); err == nil {
			out = append(out, ck)
		}
	}
	return out
}

// cookieHeader is the Cookie header the jar sends to u.
func cookieHeader(cs []*http.Cookie) string {
	var b strings.Builder
	for i, c := range cs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(c.Name)
		b.WriteByte('=')
		b.WriteString(c.Value)
	}
	return b.String()
}
